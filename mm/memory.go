package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/memblock"
	"gokern/paging"
	"gokern/printk"
)

// The handover and what follows it. Linux (6.1): init/main.c mm_init,
// arch/x86/mm/init_64.c mem_init, mm/memblock.c memblock_free_all,
// reset_all_zones_managed_pages, memblock_discard; mm/bootmem.c (2.6)
// free_all_bootmem; mm/page_alloc.c build_all_zonelists,
// mem_init_print_info, init_per_zone_wmark_min, setup_per_zone_wmarks,
// setup_per_zone_lowmem_reserve. Seeds/002 "Finalizing Memory
// Initialization": "mem_init() destroys the bootmem allocator ... gives all
// the pages to the buddy allocator"; seeds/000 "bootmem → buddy".

// Handover figures, for the boot log, the selftests and the docs.
var (
	// HandoverNs: how long mem_init took.
	HandoverNs uint64
	// HandoverPages: pages the early allocator released.
	HandoverPages uint64
	// HandoverDeferred: max-order blocks handed over with only their
	// head struct page initialised.
	HandoverDeferred uint64
	// HandoverEarlymem: "memblock" or "bootmem".
	HandoverEarlymem string
	// DiscardedPages: pages of the early allocator's own arrays freed
	// after the handover (memblock's doubled region arrays).
	DiscardedPages uint64
)

// Mm_init sets up the steady-state memory manager: the zonelists, the
// handover from the early allocator, the Memory: line and the watermarks
// (Linux 6.1 init/main.c mm_init, mm_core_init in 6.6, with
// build_all_zonelists first as 6.6 has it). Free_area_init must have run
// (setup_arch → paging_init → zone_sizes_init).
func Mm_init() {
	Build_all_zonelists()
	Mem_init()
	Mem_init_print_info()
	// The slab allocator: kmem_cache and the kmalloc caches.
	Kmem_cache_init()
	// The vmalloc space, empty.
	Vmalloc_init()
	// A postcore_initcall in Linux; gokern has no initcalls yet.
	Init_per_zone_wmark_min()
}

// Build_all_zonelists fills node 0's zonelist, highest zone first, and
// prints Linux's line (Linux build_all_zonelists, build_zonerefs_node).
// "Total pages" is what Linux prints at this point: the present pages less
// the estimated core map (the zones' managed pages before the handover).
func Build_all_zonelists() {
	pgdat := NODE_DATA(0)
	zl := &pgdat.Node_zonelists[0]
	n := 0
	var total uint64
	for zt := MAX_NR_ZONES - 1; zt >= ZONE_DMA; zt-- {
		z := &pgdat.Node_zones[zt]
		if !Populated_zone(z) {
			continue
		}
		zl.Zonerefs[n] = Zoneref{Zone: z, Zone_idx: zt}
		n++
		memmap := (z.Spanned_pages*uint64(pageSize) + asm.PAGE_SIZE - 1) >> asm.PAGE_SHIFT
		if z.Present_pages > memmap {
			total += z.Present_pages - memmap
		}
	}
	for ; n < len(zl.Zonerefs); n++ {
		zl.Zonerefs[n] = Zoneref{}
	}
	// gokern keeps one free list per order: no grouping by mobility.
	printk.Pr_info("Built 1 zonelists, mobility grouping off.  Total pages: %ld\n", printk.Int(total))
}

// Mem_init hands every free frame of the early allocator to the buddy
// allocator and retires it (Linux mem_init → memblock_free_all; with
// earlymem=bootmem 2.6's free_all_bootmem → free_all_bootmem_core, which
// also frees the bitmap's own pages). Frames that stay reserved keep
// PG_reserved. Then the memory of memblock's own grown arrays is freed too
// (Linux memblock_discard).
func Mem_init() {
	t0 := now()
	pgdat := NODE_DATA(0)
	for i := range pgdat.Node_zones {
		pgdat.Node_zones[i].Managed_pages = 0 // reset_all_zones_managed_pages
	}
	var pages uint64
	if bootmem.Ready() {
		HandoverEarlymem = "bootmem"
		pages = bootmem.Free_all_bootmem(X__free_pages_memory)
	} else {
		HandoverEarlymem = "memblock"
		pages = memblock.Memblock_free_all(X__free_pages_memory)
	}
	reserveRemainingMemmap()
	Totalram_pages = pages
	HandoverPages = pages
	HandoverDeferred = 0
	for _, s := range memmapState {
		if s == memmapDeferred {
			HandoverDeferred++
		}
	}
	After_bootmem = true
	// Page tables come from the quicklist from now on (seeds/002
	// "Quicklist"), and empty ones go back to it.
	paging.PgtableAlloc, paging.PgtableFree = quicklistPgtableAlloc, quicklistPgtableFree
	// memblock's doubled arrays: memblock is done with them now.
	DiscardedPages = memblock.Memblock_discard(X__free_pages_memory)
	Totalram_pages += DiscardedPages
	HandoverNs = now() - t0
	printk.Pr_info("mem_init: %s released %lu pages to the buddy allocator (%lu MAX_ORDER blocks with deferred struct pages), %lu more from its arrays, in %lu us\n",
		printk.Str(handoverFn()), printk.Int(pages), printk.Int(HandoverDeferred),
		printk.Int(DiscardedPages), printk.Int(HandoverNs/1000))
}

func handoverFn() string {
	if HandoverEarlymem == "bootmem" {
		return "free_all_bootmem"
	}
	return "memblock_free_all"
}

// now is the kernel clock in ns, 0 before it runs (and in host tests
// without one).
func now() uint64 {
	if printk.Clock == nil {
		return 0
	}
	return printk.Clock()
}

// Mem_init_print_info prints Linux's summary of memory after the
// handover: free pages out of present pages, the kernel image's parts,
// and what stayed reserved (present pages the buddy allocator does not
// manage: the image, the core map, page tables, firmware tables, ...).
func Mem_init_print_info() {
	physpages := uint64(0)
	for nid := range Node_data {
		if Node_data[nid] != nil {
			physpages += Node_data[nid].Node_present_pages
		}
	}
	// Go has no .init sections: gokern frees no init memory, so "init"
	// is 0 and the image stays reserved whole.
	printk.Pr_info("Memory: %luK/%luK available (%luK kernel code, %luK rwdata, %luK rodata, %luK init, %luK bss, %luK reserved)\n",
		printk.Int(K(Nr_free_pages())), printk.Int(K(physpages)),
		printk.Int((asm.X_etext()-asm.X_stext())>>10), printk.Int((asm.X_edata()-asm.X_sdata())>>10),
		printk.Int((asm.X__end_rodata()-asm.X__start_rodata())>>10), printk.Int(0),
		printk.Int((asm.X__bss_stop()-asm.X__bss_start())>>10), printk.Int(K(physpages-Totalram_pages)))
}

// Watermark tunables, Linux's defaults.
var (
	// Min_free_kbytes: the reserve below which only GFP_ATOMIC (and
	// __GFP_MEMALLOC) may allocate, spread over the zones.
	Min_free_kbytes uint64 = 1024
	// Watermark_scale_factor: the gap between min, low and high, in
	// ten-thousandths of a zone's managed pages.
	Watermark_scale_factor uint64 = 10
	// Sysctl_lowmem_reserve_ratio: a zone keeps back 1/ratio of the
	// managed pages of the zones above it.
	Sysctl_lowmem_reserve_ratio = [MAX_NR_ZONES]uint64{256, 256, 32}
)

// Init_per_zone_wmark_min sizes the reserve as sqrt(16 * lowmem KiB)
// clamped to [128 KiB, 256 MiB] and sets the watermarks (Linux
// init_per_zone_wmark_min).
func Init_per_zone_wmark_min() {
	var lowmem uint64
	pgdat := NODE_DATA(0)
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		if z.Managed_pages > High_wmark_pages(z) {
			lowmem += z.Managed_pages - High_wmark_pages(z) // nr_free_buffer_pages
		}
	}
	Min_free_kbytes = min(max(Int_sqrt(K(lowmem)*16), 128), 262144)
	Setup_per_zone_wmarks()
	setup_per_zone_lowmem_reserve()
}

// Setup_per_zone_wmarks gives each zone a share of min_free_kbytes in
// proportion to its managed pages as its min watermark; low and high are
// min plus one and two steps of max(min/4, managed*scale/10000) (Linux
// __setup_per_zone_wmarks).
func Setup_per_zone_wmarks() {
	pages_min := Min_free_kbytes >> (asm.PAGE_SHIFT - 10)
	pgdat := NODE_DATA(0)
	var lowmem_pages uint64
	for i := range pgdat.Node_zones {
		lowmem_pages += pgdat.Node_zones[i].Managed_pages
	}
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		if lowmem_pages == 0 {
			z.Watermark = [NR_WMARK]uint64{}
			continue
		}
		tmp := pages_min * z.Managed_pages / lowmem_pages
		z.Watermark[WMARK_MIN] = tmp
		step := max(tmp>>2, z.Managed_pages*Watermark_scale_factor/10000)
		z.Watermark[WMARK_LOW] = tmp + step
		z.Watermark[WMARK_HIGH] = tmp + 2*step
	}
}

// setup_per_zone_lowmem_reserve: zone i keeps back, from allocations that
// could use zone j > i, the managed pages of zones i+1..j divided by
// zone i's ratio (Linux setup_per_zone_lowmem_reserve).
func setup_per_zone_lowmem_reserve() {
	pgdat := NODE_DATA(0)
	for i := 0; i < int(MAX_NR_ZONES); i++ {
		z := &pgdat.Node_zones[i]
		ratio := Sysctl_lowmem_reserve_ratio[i]
		clearIt := ratio == 0 || z.Managed_pages == 0
		var managed uint64
		z.Lowmem_reserve = [MAX_NR_ZONES]uint64{}
		for j := i + 1; j < int(MAX_NR_ZONES); j++ {
			managed += pgdat.Node_zones[j].Managed_pages
			if !clearIt {
				z.Lowmem_reserve[j] = managed / ratio
			}
		}
	}
}

// Int_sqrt is the integer square root (Linux lib/math/int_sqrt.c).
func Int_sqrt(x uint64) uint64 {
	if x < 2 {
		return x
	}
	r := uint64(0)
	for b := uint64(1) << 62; b != 0; b >>= 2 {
		if x >= r+b {
			x -= r + b
			r = r>>1 + b
		} else {
			r >>= 1
		}
	}
	return r
}

// Frag_show prints /proc/buddyinfo: for each populated zone, the number of
// free blocks of each order (Linux mm/vmstat.c frag_show_print).
//
//	Node 0, zone      DMA      1      0      1      0      2      1      1      0      1      1      3
func Frag_show() { Frag_show_lines(pr_info_line) }

// Frag_show_lines gives Frag_show's lines, without their newlines, to
// emit: the console or /proc/buddyinfo (Linux frag_show, which writes
// to a seq_file).
func Frag_show_lines(emit func(line []byte)) {
	pgdat := NODE_DATA(0)
	line := &frag_line
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		if !Populated_zone(z) {
			continue
		}
		n := printk.Snprintf(line[:], "Node %d, zone %8s ", printk.Int(pgdat.Node_id), printk.Str(z.Name))
		for o := range z.Free_area {
			n += printk.Snprintf(line[n:], "%6lu ", printk.Int(z.Free_area[o].Nr_free))
		}
		emit(line[:n])
	}
}

// frag_line is Frag_show_lines' line: static, since emit is a function
// value and the compiler would move a local buffer given to it to the Go
// heap.
var frag_line [16 + 8 + MAX_ORDER*16]byte

// pr_info_line prints one line of a show function.
func pr_info_line(line []byte) { printk.Pr_info("%s\n", printk.Bytes(line)) }
