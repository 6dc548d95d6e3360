package amd64

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/memblock"
	"gokern/paging"
	"gokern/printk"
)

// init_mem_mapping builds the kernel's final page tables and switches to
// them. Linux: arch/x86/mm/init.c (init_mem_mapping, init_memory_mapping,
// probe_page_size_mask), init_64.c (kernel_physical_mapping_init), and the
// kernel-image protections of mark_rodata_ro / set_kernel_text_ro.
// Seeds: 000 "Paging Initialization" and "TLB", 004 (init_memory_mapping,
// load_cr3, __flush_tlb_all).
//
//   - the direct map: all RAM at PAGE_OFFSET, with 1 GiB pages when the CPU
//     has them (CPUID pdpe1gb), else 2 MiB, and 4 KiB at unaligned edges;
//     read-write, never executable;
//   - the kernel image at __START_KERNEL_map, W^X from its own ELF program
//     headers: text RX, rodata R+NX, data and bss RW+NX;
//   - nothing else: no identity map, so virtual page 0 is unmapped.
//
// The tables go into init_top_pgt; their pages come from the early
// allocator (memblock, or bootmem with earlymem=bootmem), below 4 GiB,
// where startup_64's early direct map can write them.

// Mapping statistics, for the boot log and the selftests.
var (
	Direct_map_stats    paging.MapStats
	Kernel_map_stats    paging.MapStats
	Has_nx, Has_gbpages bool
	// Init_mem_mapping_ns: how long init_mem_mapping took.
	Init_mem_mapping_ns uint64
	// Page_table_pages: pages the early allocator gave for the tables.
	Page_table_pages uint64
)

// alloc_pgt_page gives the page-table builder one zeroed page (Linux
// alloc_low_pages). A top-level function, so passing it does not allocate.
func alloc_pgt_page() (paging.PhysAddr, bool) {
	pa, ok := Early_alloc_page(EARLY_DIRECT_MAP_END)
	if ok {
		Page_table_pages++
	}
	return paging.PhysAddr(pa), ok
}

// Init_top_pgt_phys is the physical address of init_top_pgt.
func Init_top_pgt_phys() uintptr {
	return uintptrOf(Init_top_pgt()) - asm.X__START_KERNEL_map
}

func probe_page_size_mask() paging.Sizes {
	_, _, _, edx := asm.Cpuid_count(0x80000001, 0)
	Has_nx = edx&asm.FeatureMask(asm.X86_FEATURE_NX) != 0
	Has_gbpages = edx&asm.FeatureMask(asm.X86_FEATURE_GBPAGES) != 0
	if Has_nx {
		// NX is a reserved bit until EFER.NX is set: set it before any
		// table with NX is live.
		asm.Wrmsrl(asm.MSR_EFER, asm.Rdmsrl(asm.MSR_EFER)|asm.EFER_NX)
	} else {
		paging.Supported_pte_mask &^= paging.PAGE_NX
	}
	sizes := paging.Size2M
	if Has_gbpages {
		sizes |= paging.Size1G
	}
	return sizes
}

func init_mem_mapping() {
	t0 := local_clock()
	sizes := probe_page_size_mask()
	pgd := paging.PhysAddr(Init_top_pgt_phys())
	*Init_top_pgt() = [512]uint64{}

	// The first MiB always (Linux maps ISA_END_ADDRESS first), then every
	// RAM region memblock knows, each range printed as Linux does.
	init_memory_mapping(pgd, 0, e820.ISA_END_ADDRESS, sizes)
	memblock.For_each_mem_region(func(r *memblock.Region) bool {
		start, end := r.Base, r.Base+r.Size
		if end <= e820.ISA_END_ADDRESS {
			return true
		}
		start = max(start, e820.ISA_END_ADDRESS)
		init_memory_mapping(pgd, start, end, sizes)
		return true
	})

	map_kernel_image(pgd)

	// Walk the new tables in software before the MMU does: if they do not
	// translate what runs next, loading CR3 would end in a silent triple
	// fault (the fault handlers would be unmapped too).
	verify_new_tables(pgd)

	// Switch: load_cr3(init_top_pgt), then flush everything, global
	// entries included (seeds/004: "load_cr3 ... __flush_tlb_all").
	asm.Write_cr3(uint64(pgd))
	asm.X__flush_tlb_all()
	Init_mem_mapping_ns = local_clock() - t0
	printk.Info("init_mem_mapping: direct map 4k: %d, 2M: %d, 1G: %d pages; kernel 4k: %d; %d page-table pages; NX %s, 1G pages %s; %d us\n",
		printk.Int(Direct_map_stats.Pages4K), printk.Int(Direct_map_stats.Pages2M), printk.Int(Direct_map_stats.Pages1G),
		printk.Int(Kernel_map_stats.Pages4K), printk.Int(Page_table_pages),
		printk.Str(yesno(Has_nx)), printk.Str(yesno(Has_gbpages)), printk.Int(Init_mem_mapping_ns/1000))
}

func yesno(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// init_memory_mapping maps [start, end) at PAGE_OFFSET + start.
func init_memory_mapping(pgd paging.PhysAddr, start, end uint64, sizes paging.Sizes) {
	printk.Info("init_memory_mapping: [mem %#010x-%#010x]\n", printk.Int(start), printk.Int(end-1))
	st, err := paging.Map(&asm.Direct_map, pgd, paging.Va(paging.PhysAddr(start)), paging.PhysAddr(start), end-start,
		paging.PAGE_KERNEL, sizes, alloc_pgt_page)
	if err != paging.OK {
		Panic("init_memory_mapping: [mem %#010x-%#010x]: %s", printk.Int(start), printk.Int(end-1), printk.Str(err.String()))
	}
	Direct_map_stats.Pages4K += st.Pages4K
	Direct_map_stats.Pages2M += st.Pages2M
	Direct_map_stats.Pages1G += st.Pages1G
	Direct_map_stats.Tables += st.Tables
}

// ELF program header (ELF-64 Object File Format, "Program Header").
const (
	PT_LOAD = 1
	PF_X    = 1
	PF_W    = 2
	PF_R    = 4
)

// Kernel_segment is one PT_LOAD of the running kernel.
type Kernel_segment struct {
	Vaddr, Memsz uint64
	Flags        uint32
}

// Kernel_segments reads the kernel's own ELF program headers: the first
// PT_LOAD starts with the ELF header, which the boot stage copied to 16 MiB
// with the rest, so it is at _text.
func Kernel_segments(out []Kernel_segment) int {
	ehdr := (*[64]byte)(asm.KernelPtr(asm.X__START_KERNEL))
	phoff := binary.LittleEndian.Uint64(ehdr[32:])
	phentsize := uint64(binary.LittleEndian.Uint16(ehdr[54:]))
	phnum := int(binary.LittleEndian.Uint16(ehdr[56:]))
	n := 0
	for i := 0; i < phnum && n < len(out); i++ {
		ph := (*[56]byte)(asm.KernelPtr(asm.X__START_KERNEL + uintptr(phoff+uint64(i)*phentsize)))
		if binary.LittleEndian.Uint32(ph[0:]) != PT_LOAD {
			continue
		}
		out[n] = Kernel_segment{
			Vaddr: binary.LittleEndian.Uint64(ph[16:]),
			Memsz: binary.LittleEndian.Uint64(ph[40:]),
			Flags: binary.LittleEndian.Uint32(ph[4:]),
		}
		n++
	}
	return n
}

// Kernel_prot is the protection a kernel segment gets: W^X.
func Kernel_prot(flags uint32) paging.PgProt {
	switch {
	case flags&PF_X != 0:
		return paging.PAGE_KERNEL_ROX // text: read, execute
	case flags&PF_W != 0:
		return paging.PAGE_KERNEL // data, bss: read, write, no execute
	default:
		return paging.PAGE_KERNEL_RO // rodata: read only, no execute
	}
}

// map_kernel_image maps each kernel segment at its link address with 4 KiB
// pages (the Go linker aligns segments to 4 KiB, not 2 MiB).
func map_kernel_image(pgd paging.PhysAddr) {
	if binary.LittleEndian.Uint32((*[4]byte)(asm.KernelPtr(asm.X__START_KERNEL))[:]) != 0x464c457f {
		Panic("map_kernel_image: no ELF header at _text %#x", printk.Int(uintptr(asm.X__START_KERNEL)))
	}
	var segs [8]Kernel_segment
	n := Kernel_segments(segs[:])
	for _, s := range segs[:n] {
		start := s.Vaddr &^ (asm.PAGE_SIZE - 1)
		end := (s.Vaddr + s.Memsz + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
		st, err := paging.Map(&asm.Direct_map, pgd, paging.VirtAddr(start), paging.PhysAddr(start-asm.X__START_KERNEL_map),
			end-start, Kernel_prot(s.Flags), paging.Only4K, alloc_pgt_page)
		if err != paging.OK {
			Panic("map_kernel_image: [%#x-%#x]: %s", printk.Int(start), printk.Int(end-1), printk.Str(err.String()))
		}
		Kernel_map_stats.Pages4K += st.Pages4K
		Kernel_map_stats.Tables += st.Tables
		printk.Debug("map_kernel_image: [%#x-%#x] %c%c%c\n", printk.Int(start), printk.Int(end-1),
			printk.Int(rwx(s.Flags, PF_R, 'r')), printk.Int(rwx(s.Flags, PF_W, 'w')), printk.Int(rwx(s.Flags, PF_X, 'x')))
	}
}

func rwx(flags, bit uint32, c byte) byte {
	if flags&bit != 0 {
		return c
	}
	return '-'
}

// verify_new_tables checks, through paging.Walk, that pgd maps what the CPU
// touches right after the switch: this code, the stack, the IDT and its
// exception stubs and stack, the GDT and TSS, and the direct map of the
// tables themselves. Memory that is not RAM (a memmap=nn@ss beyond the
// machine's end, say) holding the tables shows up here as a failed walk.
func verify_new_tables(pgd paging.PhysAddr) {
	check := func(what string, va uintptr, pa uint64) {
		got, _, _, ok := paging.Walk(&asm.Direct_map, pgd, paging.VirtAddr(va))
		if !ok || uint64(got) != pa {
			Panic("init_mem_mapping: the new page tables do not map %s (%#x → %#x, got %#x, ok %d): are the page-table pages real RAM? (memmap=?)",
				printk.Str(what), printk.Int(va), printk.Int(pa), printk.Int(uint64(got)), printk.Int(b2i(ok)))
		}
	}
	kern := func(what string, va uintptr) { check(what, va, uint64(va-asm.X__START_KERNEL_map)) }
	kern("the running code", early_idt_handler_array[0])
	kern("the boot stack", asm.Current_stack_pointer())
	kern("the IDT", uintptrOf(&Idt_table[0]))
	kern("the exception stack", uintptrOf(&exception_stack[EXCEPTION_STACK_SIZE-1]))
	kern("the GDT", uintptrOf(&Gdt_page[0]))
	kern("the TSS", uintptrOf(&Cpu_tss_rw))
	kern("init_top_pgt", uintptrOf(Init_top_pgt()))
	kern("the end of the kernel", Kernel_end()-1)
	check("__va(0x1000)", uintptr(paging.Va(0x1000)), 0x1000)
}
