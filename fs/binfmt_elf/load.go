package binfmt_elf

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/mm"
)

// The second half of Linux's load_elf_binary: the segments become VMAs
// of the new address space (elf_map, set_brk), the stack gets its VMA
// (setup_arg_pages) and its contents (create_elf_tables). Nothing is
// read or mapped yet: every page comes in on its first fault
// (mm.Handle_mm_fault), from the file for the segments' bytes, zeroed for
// the .bss, the heap and the stack.

// Vm_flags_of turns a segment's PF_* into VM_* (Linux make_prot →
// PROT_*, then calc_vm_prot_bits).
func Vm_flags_of(pflags uint32) uint64 {
	var f uint64
	if pflags&PF_R != 0 {
		f |= mm.VM_READ
	}
	if pflags&PF_W != 0 {
		f |= mm.VM_WRITE
	}
	if pflags&PF_X != 0 {
		f |= mm.VM_EXEC
	}
	return f
}

func pagestart(a uint64) uint64 { return a &^ (ELF_MIN_ALIGN - 1) }
func pagealign(a uint64) uint64 { return (a + ELF_MIN_ALIGN - 1) &^ (ELF_MIN_ALIGN - 1) }

// Map_segments makes the VMAs of b's segments in m, and the empty heap
// after them (Linux: elf_map for each PT_LOAD, then set_brk). Each
// segment is a private file mapping of its pages that hold file bytes —
// reading no further than p_offset+p_filesz, so the rest of the last
// page is zero as padzero makes it — and, past them, anonymous memory up
// to p_memsz (the .bss). 0 or -ENOMEM.
func Map_segments(m *mm.MmStruct, f Elf_file, b *Elf_binary) int {
	for i := 0; i < b.Nsegs; i++ {
		s := &b.Segs[i]
		flags := Vm_flags_of(s.Flags)
		start := pagestart(s.Vaddr)
		fileEnd := pagealign(s.Vaddr + s.Filesz)
		memEnd := pagealign(s.Vaddr + s.Memsz)
		if s.Filesz > 0 {
			off := pagestart(s.Offset)
			if r := mm.Mmap_region(m, start, fileEnd-start, flags, f, off>>asm.PAGE_SHIFT, s.Offset+s.Filesz); r != 0 {
				return r
			}
		} else {
			fileEnd = start
		}
		if memEnd > fileEnd {
			if r := mm.Mmap_region(m, fileEnd, memEnd-fileEnd, flags, nil, 0, 0); r != 0 {
				return r
			}
		}
	}
	m.Start_code, m.End_code = b.Start_code, b.End_code
	m.Start_data, m.End_data = b.Start_data, b.End_data
	// The heap starts empty at the page after the last segment (Linux
	// set_brk: mm->start_brk = mm->brk = ELF_PAGEALIGN(elf_brk)).
	m.Start_brk = pagealign(b.Elf_brk)
	m.Brk = m.Start_brk
	return 0
}

// Setup_arg_pages makes the stack's VMA: size bytes (the caller's
// RLIMIT_STACK, page-aligned) below STACK_TOP, read-write, executable
// only if PT_GNU_STACK asks (Linux setup_arg_pages, with the stack made
// whole at its limit instead of growing down to it on faults).
func Setup_arg_pages(m *mm.MmStruct, b *Elf_binary, size uint64) int {
	flags := uint64(mm.VM_READ | mm.VM_WRITE | mm.VM_GROWSDOWN)
	if b.Executable_stack {
		flags |= mm.VM_EXEC
	}
	return mm.Mmap_region(m, mm.STACK_TOP-size, size, flags, nil, 0, 0)
}

// The strings and tables are built in kernel memory, then copied out
// (Linux builds them in the new stack itself): in pages from the page
// allocator up to 2^STACK_IMAGE_PAGES_ORDER pages (a busybox shell's
// usual environment takes one), in vmalloc space beyond, up to
// STACK_IMAGE_MAX: execve's limit (three quarters of _STK_LIM, 6 MiB,
// kernel/exec) with a script's interpreters and the tables. More is
// -E2BIG.
const (
	STACK_IMAGE_PAGES_ORDER = 2
	STACK_IMAGE_MAX         = 6<<20 + 64<<10
)

// Write_stack builds the initial stack of m, which must be the address
// space loaded in CR3, and returns the program's RSP: the strings, the
// platform, AT_RANDOM and the tables (create_elf_tables) in a kernel
// buffer, then copy_to_user to the top of the stack, whose pages fault in
// as it writes. -E2BIG, -ENOMEM or -EFAULT on failure.
func Write_stack(m *mm.MmStruct, b *Elf_binary, p *Exec_params) (sp uint64, r int) {
	size := Stack_image_size(p)
	if size > STACK_IMAGE_MAX {
		return 0, -asm.E2BIG
	}
	order := uint(0)
	for asm.PAGE_SIZE<<order < size {
		order++
	}
	var buf uintptr
	if order <= STACK_IMAGE_PAGES_ORDER {
		buf = mm.X__get_free_pages(mm.GFP_KERNEL, order)
	} else {
		buf = uintptr(mm.Vmalloc(size))
	}
	if buf == 0 {
		return 0, -asm.ENOMEM
	}
	n := asm.PAGE_SIZE << order
	if order > STACK_IMAGE_PAGES_ORDER {
		n = int(size)
	}
	img := New_stack_image(mm.STACK_TOP, unsafe.Slice((*byte)(asm.KernelPtr(buf)), n))
	arg_start, execfn, r := img.Copy_strings(p)
	if r == 0 {
		// /proc/PID/cmdline and environ read these (Linux's mm
		// fields): argv from arg_start, the environment after it, up
		// to the file name.
		m.Arg_start, m.Arg_end, m.Env_end = arg_start, arg_start, execfn
		for _, v := range [2][][]byte{p.Argv, p.Argv_rest} {
			for _, arg := range v {
				m.Arg_end += uint64(len(arg)) + 1
			}
		}
		m.Env_start = m.Arg_end
		sp, r = img.Create_elf_tables(b, p, arg_start, execfn)
	}
	if r == 0 {
		n := mm.STACK_TOP - sp
		if asm.Copy_to_user(uintptr(sp), buf+uintptr(sp-img.Base()), uintptr(n)) != 0 {
			r = -asm.EFAULT
		}
		m.Start_stack = sp
	}
	if order <= STACK_IMAGE_PAGES_ORDER {
		mm.Free_pages(buf, order)
	} else {
		mm.Vfree(asm.KernelPtr(buf))
	}
	return sp, r
}
