// Package binfmt_elf loads ELF64 executables into a new address space and
// builds the initial user stack. Linux: fs/binfmt_elf.c (load_elf_binary,
// elf_read, elf_map, set_brk, padzero, create_elf_tables),
// include/uapi/linux/elf.h (the structures), arch/x86/include/asm/elf.h
// (elf_check_arch, ELF_ET_DYN_BASE, ARCH_DLINFO). Seeds: 002 "Userspace
// Kernel API: System Calls" (what a program finds on its stack when it
// starts).
//
// gokern loads static programs only: ET_EXEC (linked at a fixed address,
// as Debian's busybox-static) and static-PIE ET_DYN (no PT_INTERP: the
// program relocates itself, as `go build -buildmode=pie` with
// -static or glibc's --static-pie make). A program that asks for a dynamic
// linker (PT_INTERP) is refused with -ENOEXEC and a line saying so, or,
// when that linker is not there, with Linux's -ENOENT (kernel/exec).
//
// The parsing half (this file and stack.go) reads the file only through
// Elf_file and writes the stack into a byte buffer, so host tests run it on
// real executables; the kernel half (load.go) maps what it decided.
package binfmt_elf

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/mm"
)

// ELF identification and header values (include/uapi/linux/elf.h; the
// System V ABI, "ELF Header").
const (
	EI_NIDENT       = 16
	EI_CLASS        = 4
	EI_DATA         = 5
	EI_VERSION      = 6
	ELFCLASS64      = 2
	ELFDATA2LSB     = 1
	EV_CURRENT      = 1
	ET_EXEC         = 2
	ET_DYN          = 3
	EM_X86_64       = 62
	ELFMAG          = "\x7fELF"
	SELFMAG         = 4
	BINPRM_BUF_SIZE = 256 // Linux: what exec reads first (bprm->buf)
)

// Program header types and flags (elf.h).
const (
	PT_NULL           = 0
	PT_LOAD           = 1
	PT_DYNAMIC        = 2
	PT_INTERP         = 3
	PT_NOTE           = 4
	PT_PHDR           = 6
	PT_TLS            = 7
	PT_GNU_STACK      = 0x6474e551
	PF_X              = 1
	PF_W              = 2
	PF_R              = 4
	ELF_MIN_ALIGN     = asm.PAGE_SIZE
	ELF_EXEC_PAGESIZE = asm.PAGE_SIZE
)

// Elf64_Ehdr is the ELF file header (elf.h Elf64_Ehdr), 64 bytes.
type Elf64_Ehdr struct {
	E_ident     [EI_NIDENT]byte
	E_type      uint16
	E_machine   uint16
	E_version   uint32
	E_entry     uint64
	E_phoff     uint64
	E_shoff     uint64
	E_flags     uint32
	E_ehsize    uint16
	E_phentsize uint16
	E_phnum     uint16
	E_shentsize uint16
	E_shnum     uint16
	E_shstrndx  uint16
}

// Elf64_Phdr is a program header (elf.h Elf64_Phdr), 56 bytes.
type Elf64_Phdr struct {
	P_type   uint32
	P_flags  uint32
	P_offset uint64
	P_vaddr  uint64
	P_paddr  uint64
	P_filesz uint64
	P_memsz  uint64
	P_align  uint64
}

// MAX_PHDRS bounds the program headers gokern reads (Linux allows up to
// 64 KiB of them, ELF_MIN_ALIGN / sizeof(Elf64_Phdr) = 1170 on x86-64;
// static programs have about ten: Debian's busybox 10, a Go binary 7).
const MAX_PHDRS = 64

// ELF_ET_DYN_BASE is where a static-PIE program is loaded: 2/3 of the
// 47-bit user space, page aligned (Linux arch/x86/include/asm/elf.h,
// ELF_ET_DYN_BASE = DEFAULT_MAP_WINDOW / 3 * 2, DEFAULT_MAP_WINDOW being
// TASK_SIZE_MAX; the loader takes its page, ELF_PAGESTART).
// Linux since 4.13 uses it only for programs with an interpreter and puts
// a static PIE at the top-down mmap base instead; gokern has no mmap base
// randomisation yet, so one fixed, familiar address (gdb shows
// 0x555555554000 for PIEs with ASLR off) serves both.
const ELF_ET_DYN_BASE = asm.TASK_SIZE_MAX / 3 * 2 &^ (asm.PAGE_SIZE - 1)

// Elf_file is what the loader reads: the executable's bytes, wherever
// they are (a ramfs file in the kernel, a byte slice in a host test).
// Read_at fills buf from offset off and returns how many bytes it read
// (fewer at the end of the file) or a negative errno. It is the type a
// file-backed VMA reads its pages through, so the loader hands the same
// value to mmap (one interface: converting between two would need the Go
// runtime's itab tables).
type Elf_file = mm.Vm_file

// Segment is one PT_LOAD as the loader maps it, with the load bias added:
// [Vaddr, Vaddr+Memsz) of memory, the first Filesz bytes from the file at
// Offset, the rest zero (the .bss).
type Segment struct {
	Vaddr, Memsz, Offset, Filesz uint64
	Flags                        uint32 // PF_R | PF_W | PF_X
}

// Elf_binary is what load_elf_binary learns from the headers before it
// maps anything (Linux keeps these in locals and in mm_struct's
// start_code ... start_brk).
type Elf_binary struct {
	Ehdr  Elf64_Ehdr
	Phdrs [MAX_PHDRS]Elf64_Phdr
	Phnum int
	// Load_bias is added to every p_vaddr: 0 for ET_EXEC,
	// ELF_ET_DYN_BASE less the first segment's page for ET_DYN.
	Load_bias uint64
	Segs      [MAX_PHDRS]Segment
	Nsegs     int
	// Entry is e_entry plus the bias (AT_ENTRY, where the program starts).
	Entry uint64
	// Phdr_addr is where the program headers are in memory (AT_PHDR).
	Phdr_addr uint64
	// The layout, as Linux's mm->start_code, end_code, start_data,
	// end_data and the brk start (elf_brk, page aligned).
	Start_code, End_code, Start_data, End_data, Elf_bss, Elf_brk uint64
	// Executable_stack: PT_GNU_STACK asked for PF_X (Linux
	// EXSTACK_ENABLE_X); without PT_GNU_STACK x86-64 defaults to a
	// non-executable stack.
	Executable_stack bool
	// Why names the reason of a refusal, for the exec's log line.
	Why string
	// Interp is the dynamic linker a PT_INTERP names, NUL-terminated,
	// Interp_len its length without the NUL (0: none): gokern does not
	// load one, but looks it up to fail as Linux does when it is missing
	// (-ENOENT).
	Interp     [INTERP_MAX]byte
	Interp_len int
}

// INTERP_MAX bounds a PT_INTERP's name (Linux refuses one over
// PATH_MAX; gokern's path lookup takes shorter names anyway).
const INTERP_MAX = 256

// Elf_read reads exactly len(buf) bytes at off (Linux elf_read): a short
// read is a truncated file, -ENOEXEC (Linux 5.10+; older kernels gave
// -EIO).
func Elf_read(f Elf_file, buf []byte, off uint64) int {
	n := f.Read_at(buf, off)
	if n < 0 {
		return n
	}
	if n != len(buf) {
		return -asm.ENOEXEC
	}
	return 0
}

// Elf_check_arch: an x86-64 ELF (Linux elf_check_arch).
func Elf_check_arch(e *Elf64_Ehdr) bool { return e.E_machine == EM_X86_64 }

// Parse reads and checks the headers of f, size bytes long, and plans the load (the first
// half of Linux's load_elf_binary, up to the first elf_map). It returns 0,
// or -ENOEXEC for a file that is not a loadable x86-64 ELF (b.Why says
// what is wrong), or -EINVAL for segments Linux would refuse to map
// (outside user space, filesz > memsz).
func Parse(f Elf_file, size uint64, b *Elf_binary) int {
	*b = Elf_binary{}
	e := &b.Ehdr
	hdr := unsafe.Slice((*byte)(unsafe.Pointer(e)), unsafe.Sizeof(*e))
	// The magic first, as Linux checks it in the first bytes read
	// (bprm->buf), whatever the file's length.
	n := min(size, uint64(len(hdr)))
	if r := Elf_read(f, hdr[:n], 0); r != 0 {
		b.Why = "unreadable ELF header"
		return r
	}
	switch {
	case n < SELFMAG || string(e.E_ident[:SELFMAG]) != ELFMAG:
		b.Why = "not an ELF file (bad magic)"
		return -asm.ENOEXEC
	case n < uint64(len(hdr)):
		b.Why = "shorter than an ELF header"
		return -asm.ENOEXEC
	case e.E_ident[EI_CLASS] != ELFCLASS64 || e.E_ident[EI_DATA] != ELFDATA2LSB || e.E_ident[EI_VERSION] != EV_CURRENT:
		b.Why = "not a little-endian ELF64 file"
		return -asm.ENOEXEC
	case e.E_type != ET_EXEC && e.E_type != ET_DYN:
		b.Why = "neither ET_EXEC nor ET_DYN"
		return -asm.ENOEXEC
	case !Elf_check_arch(e):
		b.Why = "not an x86-64 program"
		return -asm.ENOEXEC
	case e.E_phentsize != uint16(unsafe.Sizeof(Elf64_Phdr{})):
		b.Why = "bad e_phentsize"
		return -asm.ENOEXEC
	case e.E_phnum < 1 || e.E_phnum > MAX_PHDRS:
		b.Why = "no program headers, or too many"
		return -asm.ENOEXEC
	}
	// The program headers (Linux load_elf_phdrs): all inside the file.
	b.Phnum = int(e.E_phnum)
	phsize := uint64(b.Phnum) * uint64(e.E_phentsize)
	if e.E_phoff > size || phsize > size-e.E_phoff {
		b.Why = "program headers past the end of the file"
		return -asm.ENOEXEC
	}
	ph := unsafe.Slice((*byte)(unsafe.Pointer(&b.Phdrs[0])), phsize)
	if r := Elf_read(f, ph, e.E_phoff); r != 0 {
		b.Why = "unreadable program headers"
		return r
	}
	// The interpreter's name (Linux load_elf_binary reads it before
	// anything is mapped): between 2 and INTERP_MAX bytes, NUL-terminated.
	for i := 0; i < b.Phnum; i++ {
		p := &b.Phdrs[i]
		if p.P_type != PT_INTERP {
			continue
		}
		if p.P_filesz < 2 || p.P_filesz > INTERP_MAX || p.P_offset > size || p.P_filesz > size-p.P_offset {
			b.Why = "a bad PT_INTERP"
			return -asm.ENOEXEC
		}
		if r := Elf_read(f, b.Interp[:p.P_filesz], p.P_offset); r != 0 || b.Interp[p.P_filesz-1] != 0 {
			b.Why = "a PT_INTERP that is not a NUL-terminated name"
			return -asm.ENOEXEC
		}
		b.Interp_len = int(p.P_filesz) - 1
		b.Why = "dynamically linked (PT_INTERP): gokern runs static programs only"
		return -asm.ENOEXEC
	}
	return b.plan(size)
}

// plan checks the segments and computes the bias, the layout and AT_PHDR.
func (b *Elf_binary) plan(size uint64) int {
	e := &b.Ehdr
	first := true
	var lowest uint64
	for i := 0; i < b.Phnum; i++ {
		p := &b.Phdrs[i]
		switch p.P_type {
		case PT_GNU_STACK:
			b.Executable_stack = p.P_flags&PF_X != 0
		case PT_LOAD:
			if p.P_filesz > p.P_memsz {
				b.Why = "a PT_LOAD with p_filesz > p_memsz"
				return -asm.EINVAL
			}
			// A truncated file: the segment's bytes are not all there.
			if p.P_offset > size || p.P_filesz > size-p.P_offset {
				b.Why = "a PT_LOAD past the end of the file (truncated?)"
				return -asm.ENOEXEC
			}
			// mmap needs the file offset and the address congruent
			// modulo the page size (Linux elf_map maps
			// ELF_PAGESTART(vaddr) from offset - ELF_PAGEOFFSET(vaddr)).
			if (p.P_vaddr-p.P_offset)&(ELF_MIN_ALIGN-1) != 0 {
				b.Why = "a PT_LOAD whose p_vaddr and p_offset differ modulo the page size"
				return -asm.ENOEXEC
			}
			if first || p.P_vaddr < lowest {
				lowest = p.P_vaddr
			}
			first = false
		}
	}
	if first {
		b.Why = "no PT_LOAD segment"
		return -asm.ENOEXEC
	}
	if e.E_type == ET_DYN {
		// Linux: load_bias = ELF_PAGESTART(ELF_ET_DYN_BASE - vaddr).
		b.Load_bias = (ELF_ET_DYN_BASE - lowest) &^ (ELF_MIN_ALIGN - 1)
	}
	b.Start_code = ^uint64(0)
	for i := 0; i < b.Phnum; i++ {
		p := &b.Phdrs[i]
		if p.P_type != PT_LOAD {
			continue
		}
		k := p.P_vaddr + b.Load_bias
		// Every segment must lie in user space (Linux: "if (BAD_ADDR(k)
		// || p_memsz > TASK_SIZE || TASK_SIZE - p_memsz < k) retval =
		// -EINVAL"): one reaching into the kernel half is refused.
		if k < p.P_vaddr || k >= asm.TASK_SIZE_MAX || p.P_memsz > asm.TASK_SIZE_MAX || asm.TASK_SIZE_MAX-p.P_memsz < k {
			b.Why = "a PT_LOAD outside user space (it would overlap the kernel half)"
			return -asm.EINVAL
		}
		if k < ELF_MIN_ALIGN {
			b.Why = "a PT_LOAD in page 0 (mmap_min_addr)"
			return -asm.EINVAL
		}
		b.Segs[b.Nsegs] = Segment{Vaddr: k, Memsz: p.P_memsz, Offset: p.P_offset, Filesz: p.P_filesz, Flags: p.P_flags}
		b.Nsegs++
		// Linux's layout bookkeeping in load_elf_binary.
		if k < b.Start_code {
			b.Start_code = k
		}
		if k > b.Start_data {
			b.Start_data = k
		}
		if end := k + p.P_filesz; end > b.Elf_bss {
			b.Elf_bss = end
		}
		if end := k + p.P_filesz; p.P_flags&PF_X != 0 && end > b.End_code {
			b.End_code = end
		}
		if end := k + p.P_filesz; end > b.End_data {
			b.End_data = end
		}
		if end := k + p.P_memsz; end > b.Elf_brk {
			b.Elf_brk = end
		}
		// AT_PHDR: the segment that holds the program headers (Linux
		// 5.18+: e_phoff - p_offset + p_vaddr of that segment; a
		// PT_PHDR, when there is one, says the same).
		if e.E_phoff >= p.P_offset && e.E_phoff-p.P_offset < p.P_filesz {
			b.Phdr_addr = e.E_phoff - p.P_offset + k
		}
	}
	// Linux does not check that the entry is in an executable
	// segment: a program that jumps nowhere gets its SIGSEGV.
	b.Entry = e.E_entry + b.Load_bias
	return 0
}
