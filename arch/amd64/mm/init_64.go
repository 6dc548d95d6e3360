package mm

import (
	"encoding/binary"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel"
	"gokern/paging"
	"gokern/printk"
)

// The kernel image's mapping, W^X, and the check of the new tables before
// CR3 is loaded. Linux: arch/x86/mm/init_64.c (mark_rodata_ro,
// set_kernel_text_ro).

// ELF program header (ELF-64 Object File Format, "Program Header").
const (
	PT_LOAD = 1
	PF_X    = 1
	PF_W    = 2
	PF_R    = 4

	elfMagic     = 0x464c457f // "\x7fELF", little-endian
	elfPhdrSize  = 56
	elfEhdrPhoff = 32
	elfEhdrPhent = 54
	elfEhdrPhnum = 56
)

// KernelSegment is one PT_LOAD of the running kernel (gokern).
type KernelSegment struct {
	Vaddr, Memsz uint64
	Flags        uint32
}

// parseKernelSegments reads the PT_LOAD program headers of the ELF image
// whose first bytes are image into out, and returns how many it found
// (those whose header lies inside image). The kernel passes the first page
// of _text: the first PT_LOAD starts with the ELF header, which the boot
// stage copied to 16 MiB with the rest. Segments outside the kernel text
// mapping are not the kernel's: build/vmlinux also carries the boot stage
// for the PVH entry at 1 MiB (internal/kbuild pvh.go), which the kernel
// must not map.
func parseKernelSegments(image []byte, out []KernelSegment) int {
	if len(image) < 64 || binary.LittleEndian.Uint32(image) != elfMagic {
		return 0
	}
	phoff := binary.LittleEndian.Uint64(image[elfEhdrPhoff:])
	phentsize := uint64(binary.LittleEndian.Uint16(image[elfEhdrPhent:]))
	phnum := int(binary.LittleEndian.Uint16(image[elfEhdrPhnum:]))
	n := 0
	for i := 0; i < phnum && n < len(out); i++ {
		off := phoff + uint64(i)*phentsize
		if phentsize < elfPhdrSize || off+elfPhdrSize > uint64(len(image)) {
			break
		}
		ph := image[off : off+elfPhdrSize]
		if binary.LittleEndian.Uint32(ph[0:]) != PT_LOAD || binary.LittleEndian.Uint64(ph[16:]) < asm.X__START_KERNEL_map {
			continue
		}
		out[n] = KernelSegment{
			Vaddr: binary.LittleEndian.Uint64(ph[16:]),
			Memsz: binary.LittleEndian.Uint64(ph[40:]),
			Flags: binary.LittleEndian.Uint32(ph[4:]),
		}
		n++
	}
	return n
}

// kernelImage returns the first page of the running kernel, _text.
func kernelImage() []byte {
	return unsafe.Slice((*byte)(asm.KernelPtr(asm.X__START_KERNEL)), asm.PAGE_SIZE)
}

// KernelSegments reads the running kernel's own PT_LOAD segments.
func KernelSegments(out []KernelSegment) int { return parseKernelSegments(kernelImage(), out) }

// KernelProt is the protection a kernel segment gets: W^X.
func KernelProt(flags uint32) paging.PgProt {
	// LAB paging BEGIN
	switch {
	case flags&PF_X != 0:
		return paging.PAGE_KERNEL_ROX // text: read, execute
	case flags&PF_W != 0:
		return paging.PAGE_KERNEL // data, bss: read, write, no execute
	default:
		return paging.PAGE_KERNEL_RO // rodata: read only, no execute
	}
	// LAB paging SKELETON
	// // W^X: text read-only and executable, data writable and NX, rodata
	// // read-only and NX. Everything writable and executable for now:
	// return paging.PAGE_KERNEL_EXEC
	// LAB paging END
}

// map_kernel_image maps each kernel segment at its link address with 4 KiB
// pages (the Go linker aligns segments to 4 KiB, not 2 MiB), except the
// guard pages of the boot CPU's stacks, which stay holes (the stacks are
// static, in the bss: arch/amd64/stacks.go).
func map_kernel_image(pgd paging.PhysAddr) {
	var segs [8]KernelSegment
	n := KernelSegments(segs[:])
	if n == 0 {
		kernel.Panic("map_kernel_image: no ELF header at _text %#x", printk.Int(uintptr(asm.X__START_KERNEL)))
	}
	p := asm.This_cpu()
	for _, s := range segs[:n] {
		start := s.Vaddr &^ (asm.PAGE_SIZE - 1)
		end := (s.Vaddr + s.Memsz + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
		// The runs between guard pages.
		for run := start; run < end; {
			for run < end && p.Is_guard_page(uintptr(run)) {
				run += asm.PAGE_SIZE
				GuardPages++
			}
			stop := run
			for stop < end && !p.Is_guard_page(uintptr(stop)) {
				stop += asm.PAGE_SIZE
			}
			if stop > run {
				map_kernel_range(pgd, run, stop, s.Flags)
			}
			run = stop
		}
		printk.Pr_debug("map_kernel_image: [%#x-%#x] %c%c%c\n", printk.Int(start), printk.Int(end-1),
			printk.Int(rwx(s.Flags, PF_R, 'r')), printk.Int(rwx(s.Flags, PF_W, 'w')), printk.Int(rwx(s.Flags, PF_X, 'x')))
	}
	printk.Pr_debug("map_kernel_image: %d stack guard pages left unmapped\n", printk.Int(GuardPages))
}

// GuardPages counts the holes map_kernel_image left for stack guard
// pages.
var GuardPages uint64

func map_kernel_range(pgd paging.PhysAddr, start, end uint64, flags uint32) {
	st, err := paging.Map(&asm.DirectMap, pgd, paging.VirtAddr(start), paging.PhysAddr(asm.X__pa(start)),
		end-start, KernelProt(flags), paging.Only4K, alloc_low_page)
	if err != paging.OK {
		kernel.Panic("map_kernel_image: [%#x-%#x]: %s", printk.Int(start), printk.Int(end-1), printk.Str(err.String()))
	}
	KernelMapStats.Pages4K += st.Pages4K
	KernelMapStats.Tables += st.Tables
}

func rwx(flags, bit uint32, c byte) byte {
	if flags&bit != 0 {
		return c
	}
	return '-'
}

// cpuTables are what the CPU reaches on its own after a CR3 switch, read
// from the CPU itself: the IDT (SIDT) and the first exception stub, the
// GDT (SGDT), the TSS (STR and its GDT descriptor) and the exception stack
// (the TSS's IST slot).
type cpuTables struct {
	idt, handler0, gdt, tss, exceptionStackTop uintptr
}

func readCPUTables() (c cpuTables) {
	var idtr, gdtr asm.DescPtr
	asm.Store_idt(&idtr)
	asm.Store_gdt(&gdtr)
	c.idt, c.gdt = uintptr(idtr.Base()), uintptr(gdtr.Base())
	c.handler0 = uintptr((*asm.GateDesc)(asm.KernelPtr(c.idt)).Offset())
	gdt := (*[asm.GDT_ENTRIES]asm.DescStruct)(asm.KernelPtr(c.gdt))
	tr := asm.Store_tr() / 8
	c.tss = uintptr(asm.LdttssDesc{uint64(gdt[tr]), uint64(gdt[tr+1])}.Base())
	c.exceptionStackTop = uintptr((*asm.X86HwTss)(asm.KernelPtr(c.tss)).Ist(asm.IST_EXCEPTION))
	return c
}

// mustMap is an address the new tables must translate, and to where.
type mustMap struct {
	what   string
	va, pa uint64
}

// mustMapAfterSwitch lists what the CPU touches right after the switch:
// the running code (the first exception stub, where a fault would go),
// the stack, the IDT, the exception stack, the GDT, the TSS, init_top_pgt,
// the end of the kernel, and the direct map that reaches the tables
// themselves.
func mustMapAfterSwitch(c cpuTables, sp, topPgt, end uintptr) [9]mustMap {
	kern := func(what string, va uintptr) mustMap { return mustMap{what, uint64(va), asm.X__pa(uint64(va))} }
	return [9]mustMap{
		kern("the running code", c.handler0),
		kern("the boot stack", sp),
		kern("the IDT", c.idt),
		kern("the exception stack", c.exceptionStackTop-1),
		kern("the GDT", c.gdt),
		kern("the TSS", c.tss),
		kern("init_top_pgt", topPgt),
		kern("the end of the kernel", end-1),
		{"__va(0x1000)", uint64(paging.Va(0x1000)), 0x1000},
	}
}

// firstUnmapped walks pgd for each address of list, through mem, and
// returns the first one the tables do not translate to where it must go,
// with what the walk gave; bad is false when all translate.
func firstUnmapped(mem asm.PhysMem, pgd paging.PhysAddr, list []mustMap) (m mustMap, got paging.PhysAddr, ok, bad bool) {
	for _, m = range list {
		got, _, _, ok = paging.Walk(mem, pgd, paging.VirtAddr(m.va))
		if !ok || uint64(got) != m.pa {
			return m, got, ok, true
		}
	}
	return mustMap{}, 0, false, false
}

// verify_new_tables checks, through paging.Walk, that pgd maps what the CPU
// touches right after the switch (mustMapAfterSwitch), and stops the
// kernel with the first thing it does not. Memory that is not RAM (a
// memmap=nn@ss beyond the machine's end, say) holding the tables shows up
// here as a failed walk. (gokern: Linux trusts its tables.)
func verify_new_tables(pgd paging.PhysAddr) {
	list := mustMapAfterSwitch(readCPUTables(), asm.Current_stack_pointer(), uintptrOf(Init_top_pgt()), asm.KernelEnd())
	if m, got, ok, bad := firstUnmapped(&asm.DirectMap, pgd, list[:]); bad {
		kernel.Panic("init_mem_mapping: the new page tables do not map %s (%#x → %#x, got %#x, ok %d): are the page-table pages real RAM? (memmap=?)",
			printk.Str(m.what), printk.Int(m.va), printk.Int(m.pa), printk.Int(uint64(got)), printk.Int(b2i(ok)))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Paging_init sets up the zones once the page tables map all RAM (Linux
// arch/x86/mm/init_64.c paging_init: sparse_init, then zone_sizes_init).
func Paging_init() {
	Zone_sizes_init()
}
