// Package mm is gokern's arch/x86/mm: the kernel's final page tables
// (init_mem_mapping), the early page allocator they come from
// (alloc_low_pages), the TLB API and ptdump. Its name clashes with the
// top-level mm/ (Linux mm/: buddy, slab, vmalloc), so code that needs both
// imports this one as x86mm (docs/layout.md, "Names").
package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/kernel"
	"gokern/memblock"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
)

// init_mem_mapping builds the kernel's final page tables and switches to
// them. Linux: arch/x86/mm/init.c (init_mem_mapping, init_memory_mapping,
// probe_page_size_mask, alloc_low_pages), init_64.c
// (kernel_physical_mapping_init), and the kernel-image protections of
// mark_rodata_ro / set_kernel_text_ro. Seeds: 000 "Paging Initialization"
// and "TLB", 004 (init_memory_mapping, load_cr3, __flush_tlb_all).
//
//   - the direct map: all RAM at PAGE_OFFSET, with 1 GiB pages when the CPU
//     has them (CPUID pdpe1gb), else 2 MiB, and 4 KiB at unaligned edges;
//     read-write, never executable;
//   - the kernel image at __START_KERNEL_map, W^X from its own ELF program
//     headers: text RX, rodata R+NX, data and bss RW+NX (init_64.go);
//   - nothing else: no identity map, so virtual page 0 is unmapped.
//
// The tables go into init_top_pgt; their pages come from the early
// allocator (memblock, or bootmem with earlymem=bootmem), below 4 GiB,
// where startup_64's early direct map can write them.

// EARLY_DIRECT_MAP_END: startup_64's early direct map covers 0-4 GiB, so
// until init_mem_mapping switches tables only memory below it can be
// written (the page-table pages, memblock's grown arrays).
const EARLY_DIRECT_MAP_END = 4 << 30

var (
	// init_top_pgt_buf holds the kernel's final top-level page table
	// (Linux init_top_pgt, once init_level4_pgt; defined in head_64.S).
	// Page-aligned at run time (Init_top_pgt): the Go linker aligns data to
	// at most 32 bytes.
	init_top_pgt_buf [2 * asm.PAGE_SIZE]byte

	// EarlymemBootmem: "earlymem=bootmem" chose the 2.6 bitmap allocator
	// for the early allocations.
	EarlymemBootmem bool

	// Mapping statistics, for the boot log and the selftests.
	DirectMapStats    paging.MapStats
	KernelMapStats    paging.MapStats
	HasNX, HasGbpages bool
	// InitMemMappingNs: how long init_mem_mapping took.
	InitMemMappingNs uint64
	// PageTablePages: pages the early allocator gave for the tables.
	PageTablePages uint64
)

func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// Init_top_pgt returns the page-aligned init_top_pgt.
func Init_top_pgt() *[512]uint64 {
	a := (uintptrOf(&init_top_pgt_buf[0]) + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	return (*[512]uint64)(asm.KernelPtr(a))
}

// Init_top_pgt_phys is the physical address of init_top_pgt.
func Init_top_pgt_phys() uintptr {
	return uintptr(asm.X__pa(uint64(uintptrOf(Init_top_pgt()))))
}

// Alloc_low_pages returns num zeroed pages below EARLY_DIRECT_MAP_END, the
// memory the early page tables can reach, from the early allocator
// (memblock, or bootmem with earlymem=bootmem), or ok=false; after
// mem_init, from the buddy allocator (anywhere: the direct map covers all
// RAM by then). Linux: alloc_low_pages (which returns __va of them).
func Alloc_low_pages(num uint64) (pa uint64, ok bool) {
	size := num * asm.PAGE_SIZE
	if mm.After_bootmem {
		// The early allocators are retired: the page allocator, as
		// Linux's alloc_low_pages does after bootmem.
		order := uint(0)
		for uint64(1)<<order < num {
			order++
		}
		a := mm.X__get_free_pages(mm.GFP_ATOMIC|mm.X__GFP_ZERO, order)
		if a == 0 {
			return 0, false
		}
		return asm.X__pa(uint64(a)), true
	}
	if EarlymemBootmem {
		b, err := bootmem.Alloc_bootmem_low_pages(size)
		if err != bootmem.OK {
			printk.Pr_err("alloc_bootmem_low_pages: failed to allocate %d bytes: %s\n", printk.Int(size), printk.Str(err.String()))
			return 0, false
		}
		pa = asm.X__pa(uint64(uintptrOf(&b[0])))
		return pa, pa+size <= EARLY_DIRECT_MAP_END
	}
	pa, err := memblock.Memblock_phys_alloc_range(size, asm.PAGE_SIZE, 0, EARLY_DIRECT_MAP_END)
	if err != memblock.OK {
		return 0, false
	}
	clear(asm.DirectMap.Bytes(pa, size))
	return pa, true
}

// alloc_low_page gives the page-table builder one zeroed page and counts
// it (Linux alloc_low_page). A top-level function, so passing it as a
// paging.PageAlloc does not allocate.
func alloc_low_page() (paging.PhysAddr, bool) {
	if mm.After_bootmem {
		// The quicklist of page-table pages (pte_alloc_one_kernel).
		return paging.Pte_alloc_one_kernel()
	}
	pa, ok := Alloc_low_pages(1)
	if ok {
		PageTablePages++
	}
	return paging.PhysAddr(pa), ok
}

// probe_page_size_mask finds the page sizes the direct map may use, and
// turns NX on when the CPU has it (Linux probe_page_size_mask,
// x86_configure_nx).
func probe_page_size_mask() paging.Sizes {
	_, _, _, edx := asm.Cpuid(0x80000001)
	HasNX = edx&asm.FeatureMask(asm.X86_FEATURE_NX) != 0
	HasGbpages = edx&asm.FeatureMask(asm.X86_FEATURE_GBPAGES) != 0
	if HasNX {
		// NX is a reserved bit until EFER.NX is set: set it before any
		// table with NX is live.
		asm.Wrmsrl(asm.MSR_EFER, asm.Rdmsrl(asm.MSR_EFER)|asm.EFER_NX)
	} else {
		paging.Supported_pte_mask &^= paging.PAGE_NX
	}
	sizes := paging.Size2M
	if HasGbpages {
		sizes |= paging.Size1G
	}
	return sizes
}

// Init_mem_mapping maps all RAM and the kernel into init_top_pgt, checks
// the new tables, and switches CR3 to them (Linux init_mem_mapping).
func Init_mem_mapping() {
	t0 := tsc.Local_clock()
	sizes := probe_page_size_mask()
	pgd := paging.PhysAddr(Init_top_pgt_phys())
	*Init_top_pgt() = [512]uint64{}

	// The first MiB always (Linux maps ISA_END_ADDRESS first), then every
	// RAM region memblock knows, each range printed as Linux does.
	init_memory_mapping(pgd, 0, e820.ISA_END_ADDRESS, sizes)
	memblock.For_each_mem_region(func(r *memblock.MemblockRegion) bool {
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
	InitMemMappingNs = tsc.Local_clock() - t0
	printk.Pr_info("init_mem_mapping: direct map 4k: %d, 2M: %d, 1G: %d pages; kernel 4k: %d; %d page-table pages; NX %s, 1G pages %s; %d us\n",
		printk.Int(DirectMapStats.Pages4K), printk.Int(DirectMapStats.Pages2M), printk.Int(DirectMapStats.Pages1G),
		printk.Int(KernelMapStats.Pages4K), printk.Int(PageTablePages),
		printk.Str(yesno(HasNX)), printk.Str(yesno(HasGbpages)), printk.Int(InitMemMappingNs/1000))
	// The kernel's address space from now on (init_mm.pgd =
	// swapper_pg_dir), where vmalloc maps, and how it flushes.
	mm.Init_mm.Pgd = pgd
	mm.FlushTlbKernelRangeHook = Flush_tlb_kernel_range
	mm.Flush_tlb_others = Native_flush_tlb_multi
}

func yesno(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// init_memory_mapping maps [start, end) at PAGE_OFFSET + start.
func init_memory_mapping(pgd paging.PhysAddr, start, end uint64, sizes paging.Sizes) {
	printk.Pr_info("init_memory_mapping: [mem %#010x-%#010x]\n", printk.Int(start), printk.Int(end-1))
	st, err := paging.Map(&asm.DirectMap, pgd, paging.Va(paging.PhysAddr(start)), paging.PhysAddr(start), end-start,
		paging.PAGE_KERNEL, sizes, alloc_low_page)
	if err != paging.OK {
		kernel.Panic("init_memory_mapping: [mem %#010x-%#010x]: %s", printk.Int(start), printk.Int(end-1), printk.Str(err.String()))
	}
	DirectMapStats.Pages4K += st.Pages4K
	DirectMapStats.Pages2M += st.Pages2M
	DirectMapStats.Pages1G += st.Pages1G
	DirectMapStats.Tables += st.Tables
}

// Zone_sizes_init gives each zone its upper frame limit — ZONE_DMA below
// 16 MiB, ZONE_DMA32 below 4 GiB, ZONE_NORMAL the rest — and sets up the
// node, its zones and the core map from them (Linux arch/x86/mm/init.c
// zone_sizes_init → free_area_init; seeds/002 "Zones Initialization").
// If the core map cannot be allocated (mem= too small), the boot stops.
func Zone_sizes_init() {
	var max_zone_pfns [mm.MAX_NR_ZONES]uint64
	max_zone_pfns[mm.ZONE_DMA] = min(mm.MAX_DMA_PFN, memblock.Max_low_pfn)
	max_zone_pfns[mm.ZONE_DMA32] = min(mm.MAX_DMA32_PFN, memblock.Max_low_pfn)
	max_zone_pfns[mm.ZONE_NORMAL] = memblock.Max_low_pfn
	if !mm.Free_area_init(&max_zone_pfns, &asm.DirectMap) {
		kernel.Panic("Failed to allocate the memory map of node 0 (%lu pages of RAM): mem= too small?", printk.Int(memblock.Max_pfn))
	}
}
