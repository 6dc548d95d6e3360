package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/memblock"
	"gokern/printk"
)

// Node, zones and core map set-up, and the handover. Linux (6.1):
// mm/page_alloc.c free_area_init, free_area_init_node,
// calculate_node_totalpages, free_area_init_core, alloc_node_mem_map,
// memmap_init, init_unavailable_range, __init_single_page,
// build_all_zonelists, init_per_zone_wmark_min, setup_per_zone_wmarks,
// setup_per_zone_lowmem_reserve, mem_init_print_info; mm/memblock.c
// memblock_free_all; init/main.c mm_init (mm/mm_init.c mm_core_init since
// 6.6). Seeds/002 "Zones Initialization", "Core Map on UMA", "Finalizing
// Memory Initialization"; seeds/000 "bootmem → buddy".

// memmap states, one per MAX_ORDER_NR_PAGES block of the core map. They
// make boot time independent of the amount of RAM, gokern's form of
// Linux's DEFERRED_STRUCT_PAGE_INIT: a block the handover gives away whole
// is only counted as free (in its zone's free pages and in
// free_area[MAX_ORDER-1].nr_free), its 1024 struct pages untouched and off
// the free list until an allocation needs it (deferred_grow_zone); and a
// block without RAM (the PCI hole below 4 GiB) is never initialised at
// all, as SPARSEMEM has no memory map for an empty section.
const (
	memmapHole     uint8 = iota // no RAM: no struct page is valid (pfn_valid false)
	memmapUninit                // RAM, struct pages not initialised yet (before the handover)
	memmapDeferred              // one free MAX_ORDER block, counted free, no struct page initialised
	memmapInit                  // every struct page initialised
)

var (
	// memmapState has one byte per MAX_ORDER_NR_PAGES frames.
	memmapState []uint8
	// After_bootmem: mem_init has handed memory to the buddy allocator;
	// alloc_pages works, the early allocators are retired (Linux
	// arch/x86/mm/init.c after_bootmem, set by mem_init).
	After_bootmem bool
	// phys is how mm reaches memory before the core map exists.
	phys asm.PhysMem
	// arch_zone_lowest/highest_possible_pfn: each zone's frame range,
	// as Free_area_init computed it.
	arch_zone_lowest_possible_pfn  [MAX_NR_ZONES]uint64
	arch_zone_highest_possible_pfn [MAX_NR_ZONES]uint64
)

// memmapStateOf is the state of pfn's block; memmapHole beyond the map.
func memmapStateOf(pfn uint64) uint8 {
	if pfn >= Max_mapnr {
		return memmapHole
	}
	return memmapState[pfn/MAX_ORDER_NR_PAGES]
}

// Pfn_valid reports whether frame pfn has a struct page (Linux pfn_valid).
func Pfn_valid(pfn uint64) bool { return memmapStateOf(pfn) != memmapHole }

// X__init_single_page initialises one struct page: zone and node links,
// count 0, not on a list (Linux __init_single_page; it sets the count to 1,
// the slides' 2.4 to 0, which gokern keeps: a reserved frame has no
// reference).
func X__init_single_page(p *Page, pfn uint64, zone ZoneType, nid int) {
	*p = Page{}
	set_page_links(p, zone, nid)
	init_page_count(p)
}

// zoneForPfn is the zone whose span holds pfn; frames past the end of
// the node belong to its last populated zone, as in Linux's memmap_init.
func zoneForPfn(pfn uint64) ZoneType {
	last := ZONE_DMA
	for z := ZONE_DMA; z < MAX_NR_ZONES; z++ {
		if arch_zone_lowest_possible_pfn[z] == arch_zone_highest_possible_pfn[z] {
			continue
		}
		if pfn < arch_zone_highest_possible_pfn[z] {
			return z
		}
		last = z
	}
	return last
}

// initMemmapBlock initialises every struct page of block blk as
// reserved, unless that is done already. The handover clears PG_reserved
// on the pages it frees (Linux: memmap_init_range marks every page
// reserved, memblock_free_all unreserves the free ones).
func initMemmapBlock(blk uint64) {
	if memmapState[blk] != memmapUninit {
		return
	}
	start := blk * MAX_ORDER_NR_PAGES
	zone := zoneForPfn(start)
	for pfn := start; pfn < start+MAX_ORDER_NR_PAGES; pfn++ {
		p := &Mem_map[pfn]
		X__init_single_page(p, pfn, zone, 0)
		X__SetPageReserved(p)
	}
	memmapState[blk] = memmapInit
}

// deferred_grow_zone takes the next free MAX_ORDER block of the zone
// whose struct pages were never initialised, initialises them and returns
// its head, already off the free area's count as a block taken from the
// list would be (Linux deferred_grow_zone initialises deferred memory on
// demand, deferred_init_maxorder a MAX_ORDER block at a time). nil if the
// zone has none left.
func deferred_grow_zone(zone *Zone) *Page {
	for zone.Nr_deferred != 0 {
		pfn := zone.deferred_cursor
		if pfn >= Zone_end_pfn(zone) {
			break
		}
		zone.deferred_cursor += MAX_ORDER_NR_PAGES
		blk := pfn / MAX_ORDER_NR_PAGES
		if memmapState[blk] != memmapDeferred {
			continue
		}
		zt := zone_idx(zone)
		for q := pfn; q < pfn+MAX_ORDER_NR_PAGES; q++ {
			X__init_single_page(&Mem_map[q], q, zt, zone.Node)
		}
		memmapState[blk] = memmapInit
		zone.Nr_deferred--
		zone.Free_area[MAX_ORDER-1].Nr_free--
		return &Mem_map[pfn]
	}
	return nil
}

// Free_area_init sets up node 0 and its zones from memblock's memory and
// the zone limits max_zone_pfn (Linux free_area_init, which the arch's
// zone_sizes_init calls from paging_init): it prints the zone ranges and
// node map as Linux does, sizes the zones, allocates the core map from the
// early allocator (and the 2.4 bitmaps with buddy=bitmap), and initialises
// the free lists. The struct pages themselves are initialised at the
// handover, block by block (see memmapState).
//
// It returns false, after printing why, if the core map cannot be
// allocated; the caller stops the boot (Linux panics).
func Free_area_init(max_zone_pfn *[MAX_NR_ZONES]uint64, p asm.PhysMem) bool {
	phys = p
	pageOffset = uintptr(unsafe.Pointer(unsafe.SliceData(p.Bytes(0, 1))))
	After_bootmem = false
	quicklist = [asm.NR_CPUS][CONFIG_NR_QUICK]Quicklist{}

	start_pfn, end_pfn := memblockPfnRange()
	// The zones, each from where the previous one ends.
	printk.Pr_info("Zone ranges:\n")
	for i := ZONE_DMA; i < MAX_NR_ZONES; i++ {
		end := max(max_zone_pfn[i], start_pfn)
		arch_zone_lowest_possible_pfn[i] = start_pfn
		arch_zone_highest_possible_pfn[i] = end
		if start_pfn == end {
			printk.Pr_info("  %-8s empty\n", printk.Str(zone_names[i]))
		} else {
			printk.Pr_info("  %-8s [mem %#018llx-%#018llx]\n", printk.Str(zone_names[i]),
				printk.Int(start_pfn<<asm.PAGE_SHIFT), printk.Int(end<<asm.PAGE_SHIFT-1))
		}
		start_pfn = end
	}
	// No movablecore=/kernelcore=: no node has a ZONE_MOVABLE.
	printk.Pr_info("Movable zone start for each node\n")
	printk.Pr_info("Early memory node ranges\n")
	memblock.For_each_mem_pfn_range(asm.MAX_NUMNODES, func(s, e uint64, _ int32) bool {
		// Without NUMA every region is node 0 (Linux's
		// memblock_get_region_node without CONFIG_NUMA).
		printk.Pr_info("  node %3d: [mem %#018llx-%#018llx]\n", printk.Int(0), printk.Int(s<<asm.PAGE_SHIFT), printk.Int(e<<asm.PAGE_SHIFT-1))
		return true
	})
	return free_area_init_node(0, end_pfn)
}

// memblockPfnRange is the first and one-past-last frame of memory.
func memblockPfnRange() (start, end uint64) {
	start = ^uint64(0)
	memblock.For_each_mem_pfn_range(asm.MAX_NUMNODES, func(s, e uint64, _ int32) bool {
		start = min(start, s)
		end = max(end, e)
		return true
	})
	if start > end {
		start = end
	}
	return start, end
}

// __absent_pages_in_range counts the frames of [start, end) outside
// memory (Linux __absent_pages_in_range).
func __absent_pages_in_range(start, end uint64) uint64 {
	present := uint64(0)
	memblock.For_each_mem_pfn_range(asm.MAX_NUMNODES, func(s, e uint64, _ int32) bool {
		s, e = max(s, start), min(e, end)
		if s < e {
			present += e - s
		}
		return true
	})
	return end - start - present
}

// free_area_init_node: the node's span, each zone's span and present
// pages, the core map, the zones' free lists (Linux free_area_init_node,
// calculate_node_totalpages, free_area_init_core).
func free_area_init_node(nid int, end_pfn uint64) bool {
	pgdat := NODE_DATA(nid)
	start_pfn := arch_zone_lowest_possible_pfn[ZONE_DMA]
	pgdat.Node_id = nid
	pgdat.Node_start_pfn = start_pfn
	printk.Pr_info("Initmem setup node %d [mem %#018llx-%#018llx]\n", printk.Int(nid),
		printk.Int(start_pfn<<asm.PAGE_SHIFT), printk.Int(end_pfn<<asm.PAGE_SHIFT-1))

	pgdat.Node_spanned_pages = end_pfn - start_pfn
	pgdat.Node_present_pages = 0
	pgdat.Nr_zones = 0
	for i := ZONE_DMA; i < MAX_NR_ZONES; i++ {
		z := &pgdat.Node_zones[i]
		zs := max(arch_zone_lowest_possible_pfn[i], start_pfn)
		ze := min(arch_zone_highest_possible_pfn[i], end_pfn)
		*z = Zone{Name: zone_names[i], Node: nid, Zone_pgdat: pgdat}
		if zs < ze {
			z.Zone_start_pfn = zs
			z.Spanned_pages = ze - zs
			z.Present_pages = z.Spanned_pages - __absent_pages_in_range(zs, ze)
		} else {
			z.Zone_start_pfn = max(zs, start_pfn)
		}
		pgdat.Node_present_pages += z.Present_pages
		if z.Present_pages != 0 {
			pgdat.Nr_zones = int(i) + 1
		}
		z.map_base = z.Zone_start_pfn &^ (MAX_ORDER_NR_PAGES - 1)
		z.deferred_cursor = z.map_base
		for o := range z.Free_area {
			INIT_LIST_HEAD(&z.Free_area[o].Free_list)
			z.Free_area[o].Nr_free = 0
			z.Free_area[o].Map = nil
		}
	}
	if !alloc_node_mem_map(pgdat, end_pfn) {
		return false
	}
	if BuddyBitmap && !allocBuddyBitmaps(pgdat) {
		return false
	}
	memmap_init(end_pfn)
	return true
}

// earlyAlloc takes size bytes from the early allocator, raw: bootmem if
// it is running (earlymem=bootmem), memblock otherwise. Linux's
// memmap_alloc uses memblock_alloc_try_nid_raw: the map is initialised
// anyway, so zeroing it first would double the cost.
func earlyAlloc(size uint64) ([]byte, bool) {
	if bootmem.Ready() {
		b, err := bootmem.Alloc_bootmem_node(&bootmem.Bootmem_node_data[0], size, asm.PAGE_SIZE, 0)
		return b, err == bootmem.OK
	}
	b, err := memblock.Memblock_alloc_try_nid_raw(size, asm.PAGE_SIZE, memblock.MEMBLOCK_LOW_LIMIT,
		memblock.MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE)
	return b, err == memblock.OK
}

// Early_alloc_zeroed is earlyAlloc, zeroed: for the architecture's early
// allocations made between paging_init and mm_init, such as the per-CPU
// areas (setup_per_cpu_areas), which must come from whichever early
// allocator runs (earlymem=bootmem or memblock).
func Early_alloc_zeroed(size uint64) ([]byte, bool) {
	b, ok := earlyAlloc(size)
	if ok {
		clear(b)
	}
	return b, ok
}

// alloc_node_mem_map allocates the core map for frames 0 to end_pfn rounded
// up to MAX_ORDER_NR_PAGES, so that every buddy of every block has a struct
// page (Linux alloc_node_mem_map, FLATMEM, which aligns the same way), and
// the per-block state array beside it.
func alloc_node_mem_map(pgdat *PglistData, end_pfn uint64) bool {
	end := (end_pfn + MAX_ORDER_NR_PAGES - 1) &^ (MAX_ORDER_NR_PAGES - 1)
	size := end * uint64(pageSize)
	b, ok := earlyAlloc(size)
	if !ok {
		printk.Pr_emerg("Failed to allocate %lu bytes for node %d memory map\n", printk.Int(size), printk.Int(pgdat.Node_id))
		return false
	}
	Mem_map = unsafe.Slice((*Page)(unsafe.Pointer(unsafe.SliceData(b))), end)
	Max_mapnr = end
	pgdat.Node_mem_map = Mem_map
	nblk := end / MAX_ORDER_NR_PAGES
	s, ok := earlyAlloc(nblk)
	if !ok {
		printk.Pr_emerg("Failed to allocate %lu bytes for the memory map state\n", printk.Int(nblk))
		return false
	}
	memmapState = s[:nblk:nblk]
	printk.Pr_info("mem_map: %lu struct pages of %d bytes at [mem %#018llx-%#018llx] (%lu KiB, %d.%02d%% of RAM)\n",
		printk.Int(end), printk.Int(pageSize), printk.Int(pa(uintptrOf(&Mem_map[0]))),
		printk.Int(pa(uintptrOf(&Mem_map[0]))+size-1), printk.Int(size>>10),
		printk.Int(pageSize*100/asm.PAGE_SIZE), printk.Int(pageSize*10000/asm.PAGE_SIZE%100))
	return true
}

// memmap_init marks each block of the core map as holding RAM or not, and
// prints Linux's "pages in unavailable ranges" lines: the frames that have
// a struct page but no RAM (Linux memmap_init, memmap_init_zone_range,
// init_unavailable_range, whose pr_info this is). The struct pages are
// initialised later, by the handover (memblock_free_pages) and after it
// (reserveRemainingMemmap).
func memmap_init(end_pfn uint64) {
	clear(memmapState) // memmapHole
	memblock.For_each_mem_pfn_range(asm.MAX_NUMNODES, func(s, e uint64, _ int32) bool {
		for blk := s / MAX_ORDER_NR_PAGES; blk*MAX_ORDER_NR_PAGES < e; blk++ {
			memmapState[blk] = memmapUninit
		}
		return true
	})
	pgdat := NODE_DATA(0)
	hole_pfn := uint64(0)
	zone_id := ZONE_DMA
	memblock.For_each_mem_pfn_range(asm.MAX_NUMNODES, func(s, e uint64, _ int32) bool {
		for j := ZONE_DMA; j < MAX_NR_ZONES; j++ {
			z := &pgdat.Node_zones[j]
			if !Populated_zone(z) {
				continue
			}
			zs, ze := max(s, z.Zone_start_pfn), min(e, Zone_end_pfn(z))
			if zs >= ze {
				continue
			}
			if hole_pfn < zs {
				init_unavailable_range(hole_pfn, zs, j)
			}
			hole_pfn = ze
			zone_id = j
		}
		return true
	})
	if hole_pfn < Max_mapnr {
		init_unavailable_range(hole_pfn, Max_mapnr, zone_id)
	}
}

// init_unavailable_range counts the frames of [spfn, epfn) in blocks that
// have a memory map (Linux skips pageblocks without one) and prints them.
func init_unavailable_range(spfn, epfn uint64, zone ZoneType) {
	var n uint64
	for pfn := spfn; pfn < epfn; {
		blk := pfn / MAX_ORDER_NR_PAGES
		next := min((blk+1)*MAX_ORDER_NR_PAGES, epfn)
		if memmapState[blk] != memmapHole {
			n += next - pfn
		}
		pfn = next
	}
	if n != 0 {
		printk.Pr_info("On node %d, zone %s: %lld pages in unavailable ranges\n", printk.Int(0), printk.Str(zone_names[zone]), printk.Int(n))
	}
}

// reserveRemainingMemmap initialises, as reserved, every block the
// handover did not touch: RAM that stayed reserved whole (the kernel
// image, the core map itself, the initrd). Linux does this for reserved
// memory before freeing (memmap_init_reserved_pages).
func reserveRemainingMemmap() {
	for blk := range memmapState {
		initMemmapBlock(uint64(blk))
	}
}

// uintptrOf is the address p points to.
func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
