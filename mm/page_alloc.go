package mm

import (
	"math/bits"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// The buddy allocator. Linux: mm/page_alloc.c (6.1): __free_one_page,
// expand, __rmqueue_smallest, rmqueue, get_page_from_freelist,
// __alloc_pages, __free_pages, __get_free_pages, get_zeroed_page,
// free_pages, __free_pages_core, free_pages_prepare, check_new_page,
// bad_page, __zone_watermark_ok, gfp_to_alloc_flags, warn_alloc. Seeds/002
// "Buddy System: Frame Allocator", "Basic Kernel Internal MM API".
//
// Every free block is 2^order frames aligned to its size. Its first page
// (the head) is on Free_area[order]'s list, marked PG_buddy with the order
// in Private; the other pages of the block are not on any list. Freeing a
// block looks at its buddy, the block of the same order it would merge
// with: its frame number differs in bit "order" only (pfn ^ 1<<order). If
// the buddy is free at the same order the two become one block of the next
// order, and so on up to MAX_ORDER-1. Allocating takes the first block of
// the smallest order that is not empty and splits it, putting the halves it
// does not need back on the lists below (expand).
//
// With buddy=bitmap the same structures are run by the 2.4 algorithm (see
// page_alloc_bitmap.go), which finds out whether the buddy is free from a
// bit per pair instead of the buddy's struct page.
//
// Each zone's free lists and counts are under zone->lock (Zone.Lock),
// taken with interrupts off, as Linux does; there are no per-CPU page
// lists (the quicklists are the per-CPU cache of page-table pages).

// BuddyBitmap selects the 2.4 allocator (buddy=bitmap).
var BuddyBitmap bool

// Totalram_pages is the number of pages the buddy allocator manages,
// Linux _totalram_pages.
var Totalram_pages uint64

// Alloc flags, Linux mm/internal.h ALLOC_*: which watermark to check and
// how far below it an allocation may go.
const (
	ALLOC_WMARK_MIN     = WMARK_MIN
	ALLOC_WMARK_LOW     = WMARK_LOW
	ALLOC_WMARK_HIGH    = WMARK_HIGH
	ALLOC_NO_WATERMARKS = 0x04 // __GFP_MEMALLOC: ignore them
	ALLOC_WMARK_MASK    = ALLOC_NO_WATERMARKS - 1
	ALLOC_HARDER        = 0x10              // GFP_ATOMIC: a quarter below min
	ALLOC_HIGH          = uint(X__GFP_HIGH) // __GFP_HIGH: half below min
	ALLOC_KSWAPD        = uint(X__GFP_KSWAPD_RECLAIM)
)

// FPI_TO_TAIL: put the freed block at the tail of its list (Linux fpi_t):
// the handover does, so that boot memory is used in address order.
const FPI_TO_TAIL = 1 << 1

// add_to_free_list puts a free block's head on its order's list.
func add_to_free_list(p *Page, zone *Zone, order uint, tail bool) {
	area := &zone.Free_area[order]
	if tail {
		List_add_tail(&p.Lru, &area.Free_list)
	} else {
		List_add(&p.Lru, &area.Free_list)
	}
	area.Nr_free++
}

// del_page_from_free_list takes a free block's head off its list (not
// inlined: a gdb stopping point, see set_buddy_order).
//
//go:noinline
func del_page_from_free_list(p *Page, zone *Zone, order uint) {
	List_del(&p.Lru)
	X__ClearPageBuddy(p)
	set_page_private(p, 0)
	zone.Free_area[order].Nr_free--
}

// X__find_buddy_pfn is the frame number of the buddy of the order-order
// block at pfn (Linux __find_buddy_pfn): the two differ in bit order only.
func X__find_buddy_pfn(pfn uint64, order uint) uint64 { return pfn ^ 1<<order }

// page_is_buddy: buddy is the head of a free block of the same order, in
// the same zone (Linux page_is_buddy). Then the two can merge.
func page_is_buddy(p, buddy *Page, order uint) bool {
	if !PageBuddy(buddy) || buddy_order(buddy) != order {
		return false
	}
	return p.Flags>>ZONES_PGSHIFT == buddy.Flags>>ZONES_PGSHIFT
}

// X__free_one_page puts the order-order block at pfn back, merging it with
// its buddy as long as the buddy is free at the same order (Linux
// __free_one_page). Seeds/002: "Each time a buddy is free'd, ...".
func X__free_one_page(p *Page, pfn uint64, zone *Zone, order uint, fpi int) {
	zone.Free_pages += 1 << order
	if BuddyBitmap {
		bitmapFreeOnePage(p, pfn, zone, order, fpi)
		return
	}
	// LAB buddy BEGIN
	for order < MAX_ORDER-1 {
		buddy_pfn := X__find_buddy_pfn(pfn, order)
		buddy := Pfn_to_page(buddy_pfn)
		if !page_is_buddy(p, buddy, order) {
			break
		}
		// Merge: the buddy leaves its list, and the pair is one block of
		// the next order, starting at the lower of the two.
		del_page_from_free_list(buddy, zone, order)
		pfn &= buddy_pfn
		p = Pfn_to_page(pfn)
		order++
	}
	set_buddy_order(p, order)
	add_to_free_list(p, zone, order, fpi&FPI_TO_TAIL != 0)
	// LAB buddy SKELETON
	// // Merge with the buddy while it is free at the same order
	// // (X__find_buddy_pfn, page_is_buddy, del_page_from_free_list);
	// // this only puts the block on its list, unmerged.
	// set_buddy_order(p, order)
	// add_to_free_list(p, zone, order, fpi&FPI_TO_TAIL != 0)
	// LAB buddy END
}

// expand splits the order-high block at pfn down to order low, keeping the
// lower half each time and putting the upper half on the list below (Linux
// expand).
func expand(zone *Zone, pfn uint64, low, high uint) {
	// LAB buddy BEGIN
	for high > low {
		high--
		half := Pfn_to_page(pfn + 1<<high)
		add_to_free_list(half, zone, high, false)
		set_buddy_order(half, high)
	}
	// LAB buddy SKELETON
	// printk.Pr_emerg("LAB buddy: expand not implemented yet\n")
	// panic("LAB buddy: expand not implemented yet")
	// LAB buddy END
}

// X__rmqueue_smallest takes a block of at least order order from the zone,
// the smallest there is, splits it down to order and returns its head
// (Linux __rmqueue_smallest). nil if the zone has none.
func X__rmqueue_smallest(zone *Zone, order uint) *Page {
	if BuddyBitmap {
		return bitmapRmqueue(zone, order)
	}
	for current_order := order; current_order < MAX_ORDER; current_order++ {
		if p := take_from_free_area(zone, current_order); p != nil {
			expand(zone, Page_to_pfn(p), order, current_order)
			return p
		}
	}
	return nil
}

// take_from_free_area takes the first block off order's free list (Linux
// get_page_from_free_area, then del_page_from_free_list) or, at
// MAX_ORDER-1 with the list empty, a block whose struct pages were
// deferred (deferred_grow_zone); nil if there is none.
func take_from_free_area(zone *Zone, order uint) *Page {
	area := &zone.Free_area[order]
	if !List_empty(&area.Free_list) {
		p := list_entry(area.Free_list.Next)
		del_page_from_free_list(p, zone, order)
		return p
	}
	if order == MAX_ORDER-1 {
		return deferred_grow_zone(zone)
	}
	return nil
}

// rmqueue takes a block from the zone and accounts for it (Linux rmqueue,
// rmqueue_buddy); a block whose pages are in a bad state is reported and
// left out, and another one taken.
func rmqueue(zone *Zone, order uint, ip uintptr) *Page {
	flags := lockIrqsave(&zone.Lock, ip)
	p := rmqueue_buddy(zone, order, ip)
	unlockIrqrestore(&zone.Lock, flags)
	return p
}

// rmqueue_buddy is rmqueue's body, under zone->lock.
func rmqueue_buddy(zone *Zone, order uint, ip uintptr) *Page {
	for {
		p := X__rmqueue_smallest(zone, order)
		if p == nil {
			return nil
		}
		zone.Free_pages -= 1 << order
		zone.Allocated_pages += 1 << order
		if !check_new_pages(p, order, ip) {
			return p
		}
		// Linux leaks the block: it counts as allocated from now on.
	}
}

// check_new_pages reports pages of a block about to be handed out that are
// not in the state of a free page; true if any (Linux check_new_pages).
func check_new_pages(p *Page, order uint, ip uintptr) bool {
	pfn := Page_to_pfn(p)
	bad := false
	for i := uint64(0); i < 1<<order; i++ {
		q := Pfn_to_page(pfn + i)
		if q.Flags&PAGE_FLAGS_CHECK_AT_PREP != 0 || q.Flags>>ORDER_PGSHIFT&ORDER_MASK != 0 {
			bad_page(q, "PAGE_FLAGS_CHECK_AT_PREP flag(s) set", ip)
			bad = true
		} else if page_ref_count(q) != 0 {
			bad_page(q, "nonzero _refcount", ip)
			bad = true
		}
	}
	return bad
}

// prep_new_page readies a block for its new owner (Linux prep_new_page,
// post_alloc_hook): count 1 on the head, the order recorded, poison
// checked, zeroed for __GFP_ZERO.
func prep_new_page(p *Page, order uint, gfp Gfp) {
	set_page_refcounted(p)
	setAllocOrder(p, order)
	if Want_page_poisoning {
		kernel_unpoison_pages(p, order)
	}
	if gfp&X__GFP_ZERO != 0 {
		clear(pageBytes(p, order))
	}
}

// X__zone_watermark_ok reports whether the zone can give an order-order
// block and keep free_pages above mark, less what the alloc flags allow
// (Linux __zone_watermark_ok): __GFP_HIGH may use half of the reserve,
// GFP_ATOMIC a quarter of the rest as well; lowmem_reserve keeps lower
// zones for the allocations that need them.
func X__zone_watermark_ok(z *Zone, order uint, mark uint64, highest_zoneidx ZoneType, alloc_flags uint, free_pages int64) bool {
	min := int64(mark)
	free_pages -= 1<<order - 1
	if alloc_flags&ALLOC_HIGH != 0 {
		min -= min / 2
	}
	if alloc_flags&ALLOC_HARDER != 0 {
		min -= min / 4
	}
	if free_pages <= min+int64(z.Lowmem_reserve[highest_zoneidx]) {
		return false
	}
	if order == 0 {
		return true
	}
	// A high-order request also needs a block that big.
	for o := order; o < MAX_ORDER; o++ {
		if z.Free_area[o].Nr_free != 0 {
			return true
		}
	}
	return false
}

// Zone_watermark_ok is __zone_watermark_ok with the zone's free pages.
func Zone_watermark_ok(z *Zone, order uint, mark uint64, highest_zoneidx ZoneType, alloc_flags uint) bool {
	return X__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, int64(z.Free_pages))
}

// get_page_from_freelist walks the zonelist from the highest zone the
// allocation may use down and takes the block from the first zone that
// passes the watermark check (Linux get_page_from_freelist).
func get_page_from_freelist(gfp Gfp, order uint, alloc_flags uint, zl *Zonelist, highest ZoneType, ip uintptr) *Page {
	for i := range zl.Zonerefs {
		z := &zl.Zonerefs[i]
		if z.Zone == nil {
			break
		}
		if z.Zone_idx > highest {
			continue
		}
		zone := z.Zone
		if alloc_flags&ALLOC_NO_WATERMARKS == 0 {
			mark := zone.Watermark[alloc_flags&ALLOC_WMARK_MASK]
			if !Zone_watermark_ok(zone, order, mark, highest, alloc_flags) {
				continue
			}
		}
		if p := rmqueue(zone, order, ip); p != nil {
			prep_new_page(p, order, gfp)
			return p
		}
	}
	return nil
}

// gfp_to_alloc_flags: the slow path's flags (Linux gfp_to_alloc_flags):
// down to min, GFP_ATOMIC further.
func gfp_to_alloc_flags(gfp Gfp) uint {
	alloc_flags := uint(ALLOC_WMARK_MIN)
	alloc_flags |= uint(gfp & (X__GFP_HIGH | X__GFP_KSWAPD_RECLAIM))
	if gfp&X__GFP_ATOMIC != 0 && gfp&X__GFP_NOMEMALLOC == 0 {
		alloc_flags |= ALLOC_HARDER
	}
	return alloc_flags
}

// X__alloc_pages allocates 2^order contiguous frames and returns the head
// page, or nil (Linux __alloc_pages). The fast path keeps every zone above
// its low watermark; the slow path, where Linux would wake kswapd and
// reclaim, goes down to min (GFP_ATOMIC below it); __GFP_MEMALLOC ignores
// the watermarks. gokern cannot reclaim, so what remains is a failure,
// reported unless __GFP_NOWARN.
//
//go:noinline
func X__alloc_pages(gfp Gfp, order uint) *Page {
	return allocPages(gfp, order, kallsyms.X_RET_IP_())
}

// Alloc_pages is Linux alloc_pages (one node: __alloc_pages).
//
//go:noinline
func Alloc_pages(gfp Gfp, order uint) *Page { return allocPages(gfp, order, kallsyms.X_RET_IP_()) }

// Alloc_page is Linux alloc_page: one frame.
//
//go:noinline
func Alloc_page(gfp Gfp) *Page { return allocPages(gfp, 0, kallsyms.X_RET_IP_()) }

func allocPages(gfp Gfp, order uint, ip uintptr) *Page {
	if order >= MAX_ORDER {
		// Linux: WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp).
		if gfp&X__GFP_NOWARN == 0 {
			printk.Pr_warn("WARNING: alloc_pages: order %d >= MAX_ORDER (%d) from %s\n",
				printk.Int(order), printk.Int(MAX_ORDER), sym(ip))
		}
		return nil
	}
	if !After_bootmem {
		printk.Pr_err("BUG: alloc_pages called before mem_init handed memory to the buddy allocator, from %s\n", sym(ip))
		return nil
	}
	highest := gfp_zone(gfp)
	zl := &NODE_DATA(0).Node_zonelists[0]
	if p := get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW, zl, highest, ip); p != nil {
		return p
	}
	// The slow path, without reclaim.
	alloc_flags := gfp_to_alloc_flags(gfp)
	if p := get_page_from_freelist(gfp, order, alloc_flags, zl, highest, ip); p != nil {
		return p
	}
	if gfp&X__GFP_MEMALLOC != 0 && gfp&X__GFP_NOMEMALLOC == 0 {
		if p := get_page_from_freelist(gfp, order, ALLOC_NO_WATERMARKS, zl, highest, ip); p != nil {
			return p
		}
	}
	if gfp&X__GFP_NOWARN == 0 {
		warn_alloc(gfp, order, highest, ip)
	}
	return nil
}

// warn_alloc reports a failed allocation as Linux does, with the state of
// the zones it could have used (Linux warn_alloc, show_mem).
func warn_alloc(gfp Gfp, order uint, highest ZoneType, ip uintptr) {
	var b [160]byte
	n := SprintGfp(b[:], gfp)
	printk.Pr_warn("swapper: page allocation failure: order:%d, mode:%#x(%s), nodemask=(null) from %s\n",
		printk.Int(order), printk.Int(gfp), printk.Bytes(b[:n]), sym(ip))
	pgdat := NODE_DATA(0)
	for i := ZoneType(0); i <= highest; i++ {
		z := &pgdat.Node_zones[i]
		if !Populated_zone(z) {
			continue
		}
		printk.Pr_warn("Node %d %s free:%lukB min:%lukB low:%lukB high:%lukB present:%lukB managed:%lukB\n",
			printk.Int(pgdat.Node_id), printk.Str(z.Name), printk.Int(K(z.Free_pages)),
			printk.Int(K(z.Watermark[WMARK_MIN])), printk.Int(K(z.Watermark[WMARK_LOW])),
			printk.Int(K(z.Watermark[WMARK_HIGH])), printk.Int(K(z.Present_pages)), printk.Int(K(z.Managed_pages)))
	}
}

// K converts pages to KiB, Linux's K().
func K(pages uint64) uint64 { return pages << (asm.PAGE_SHIFT - 10) }

// X__get_free_pages allocates 2^order frames and returns their direct-map
// address, or 0 (Linux __get_free_pages; seeds/002 "Basic Kernel Internal
// MM API").
//
//go:noinline
func X__get_free_pages(gfp Gfp, order uint) uintptr {
	p := allocPages(gfp, order, kallsyms.X_RET_IP_())
	if p == nil {
		return 0
	}
	return Page_address(p)
}

// X__get_free_page is one frame's __get_free_pages.
//
//go:noinline
func X__get_free_page(gfp Gfp) uintptr {
	p := allocPages(gfp, 0, kallsyms.X_RET_IP_())
	if p == nil {
		return 0
	}
	return Page_address(p)
}

// Get_zeroed_page allocates one zeroed frame and returns its address, or 0
// (Linux get_zeroed_page).
//
//go:noinline
func Get_zeroed_page(gfp Gfp) uintptr {
	p := allocPages(gfp|X__GFP_ZERO, 0, kallsyms.X_RET_IP_())
	if p == nil {
		return 0
	}
	return Page_address(p)
}

// X__free_pages drops a reference to the block and frees it when that was
// the last (Linux __free_pages). Misuse — a reserved page, a page already
// free, the wrong order, pages still referenced, a pointer that is not a
// struct page — is reported (bad_page) and changes nothing.
//
//go:noinline
func X__free_pages(p *Page, order uint) { freePages(p, order, kallsyms.X_RET_IP_()) }

// X__free_page is one frame's __free_pages.
//
//go:noinline
func X__free_page(p *Page) { freePages(p, 0, kallsyms.X_RET_IP_()) }

// Free_pages frees the block at direct-map address addr (Linux free_pages);
// 0 is ignored, as in Linux.
//
//go:noinline
func Free_pages(addr uintptr, order uint) { freePagesAddr(addr, order, kallsyms.X_RET_IP_()) }

// Free_page is one frame's free_pages.
//
//go:noinline
func Free_page(addr uintptr) { freePagesAddr(addr, 0, kallsyms.X_RET_IP_()) }

func freePagesAddr(addr uintptr, order uint, ip uintptr) {
	if addr == 0 {
		return
	}
	// Linux: VM_BUG_ON(!virt_addr_valid(addr)).
	if addr < pageOffset || pa(addr)>>asm.PAGE_SHIFT >= Max_mapnr {
		printk.Pr_alert("BUG: free_pages: %#x is not a direct-map address of RAM (pfn beyond %#x) from %s\n",
			printk.Int(addr), printk.Int(Max_mapnr), sym(ip))
		return
	}
	freePages(Virt_to_page(addr), order, ip)
}

func freePages(p *Page, order uint, ip uintptr) {
	if order >= MAX_ORDER {
		printk.Pr_warn("WARNING: __free_pages: order %d >= MAX_ORDER (%d) from %s\n",
			printk.Int(order), printk.Int(MAX_ORDER), sym(ip))
		return
	}
	if !pageInMemMap(p) {
		printk.Pr_alert("BUG: __free_pages: %#x is not a struct page of the core map from %s\n",
			printk.Int(uintptrOf(p)), sym(ip))
		return
	}
	pfn := Page_to_pfn(p)
	switch memmapStateOf(pfn) {
	case memmapHole, memmapUninit:
		printk.Pr_alert("BUG: __free_pages: pfn %#x is not RAM from %s\n", printk.Int(pfn), sym(ip))
		return
	case memmapDeferred:
		// Inside a free max-order block whose struct pages are not
		// initialised yet: certainly free already.
		badPfn(pfn, "page already free (inside a free MAX_ORDER block)", ip)
		return
	}
	if PageReserved(p) {
		bad_page(p, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set (PG_reserved)", ip)
		return
	}
	if PageBuddy(p) || page_ref_count(p) <= 0 {
		// Linux: VM_BUG_ON_PAGE(page_ref_count(page) == 0, page).
		if Is_free_buddy_page(p) {
			bad_page(p, "page already free", ip)
		} else {
			bad_page(p, "not the first page of an allocated block (_refcount 0)", ip)
		}
		return
	}
	if !put_page_testzero(p) {
		return // someone else still holds a reference
	}
	if !free_pages_prepare(p, pfn, order, ip) {
		set_page_refcounted(p) // rejected: the block stays allocated as it was
		return
	}
	zone := Page_zone(p)
	flags := lockIrqsave(&zone.Lock, ip)
	zone.Allocated_pages -= 1 << order
	X__free_one_page(p, pfn, zone, order, 0)
	unlockIrqrestore(&zone.Lock, flags)
}

// free_pages_prepare checks a block about to be freed and clears what its
// owner left (Linux free_pages_prepare, free_page_is_bad): false, after a
// report, if the block is not what the caller says.
func free_pages_prepare(p *Page, pfn uint64, order uint, ip uintptr) bool {
	if ao, ok := allocOrder(p); !ok {
		// A page inside an allocated block, not its head.
		bad_page(p, "not the first page of an allocated block", ip)
		return false
	} else if ao != order {
		var b [80]byte
		n := printk.Snprintf(b[:], "freed with order %d, allocated with order %d", printk.Int(order), printk.Int(ao))
		bad_page(p, stringOf(b[:n]), ip)
		return false
	}
	if p.Flags&PAGE_FLAGS_CHECK_AT_FREE != 0 {
		bad_page(p, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set", ip)
		return false
	}
	bad := false
	for i := uint64(1); i < 1<<order; i++ {
		q := Pfn_to_page(pfn + i)
		switch {
		case q.Flags&(PAGE_FLAGS_CHECK_AT_FREE|1<<PG_buddy) != 0:
			bad_page(q, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set", ip)
			bad = true
		case page_ref_count(q) != 0:
			bad_page(q, "nonzero _refcount", ip)
			bad = true
		}
	}
	if bad {
		return false
	}
	clearAllocOrder(p)
	p.Flags &^= PAGE_FLAGS_CHECK_AT_PREP
	for i := uint64(1); i < 1<<order; i++ {
		Pfn_to_page(pfn + i).Flags &^= PAGE_FLAGS_CHECK_AT_PREP
	}
	if Want_page_poisoning {
		kernel_poison_pages(p, order)
	}
	return true
}

// X__free_pages_core gives the buddy allocator a block it never had: the
// handover from the early allocator (Linux __free_pages_core, which
// memblock_free_pages calls). Every page loses PG_reserved and gets count
// 0 (the slides' free_all_bootmem_core does the same with
// ClearPageReserved, set_page_count and __free_page), the zone's managed
// pages grow, and the block is freed to the tail of its list.
func X__free_pages_core(p *Page, order uint) {
	pfn := Page_to_pfn(p)
	n := uint64(1) << order
	for i := uint64(0); i < n; i++ {
		q := Pfn_to_page(pfn + i)
		X__ClearPageReserved(q)
		Set_page_count(q, 0)
	}
	zone := Page_zone(p)
	zone.Managed_pages += n
	if Want_page_poisoning {
		kernel_poison_pages(p, order)
	}
	X__free_one_page(p, pfn, zone, order, FPI_TO_TAIL)
}

// X__free_pages_memory frees the whole pages of [start, end) (physical
// addresses) in the largest naturally aligned blocks that fit (Linux
// mm/memblock.c __free_pages_memory): the release function the early
// allocators hand their free ranges to.
func X__free_pages_memory(start, end uint64) {
	spfn, epfn := (start+asm.PAGE_SIZE-1)>>asm.PAGE_SHIFT, end>>asm.PAGE_SHIFT
	for spfn < epfn {
		order := uint(MAX_ORDER - 1)
		if spfn != 0 {
			order = min(order, uint(bits.TrailingZeros64(spfn)))
		}
		for spfn+1<<order > epfn {
			order--
		}
		memblock_free_pages(spfn, order)
		spfn += 1 << order
	}
}

// memblock_free_pages frees one block at the handover (Linux
// memblock_free_pages). A whole MAX_ORDER block whose struct pages are not
// initialised yet stays that way: it is only counted, free, in its zone
// (see deferred_grow_zone). Linux's DEFERRED_STRUCT_PAGE_INIT leaves such
// memory out of the buddy allocator until threads initialise it after
// boot; gokern has no threads, and waits until an allocation needs it.
func memblock_free_pages(pfn uint64, order uint) {
	blk := pfn / MAX_ORDER_NR_PAGES
	if order == MAX_ORDER-1 && memmapState[blk] == memmapUninit {
		zone := &NODE_DATA(0).Node_zones[zoneForPfn(pfn)]
		memmapState[blk] = memmapDeferred
		zone.Managed_pages += MAX_ORDER_NR_PAGES
		zone.Free_pages += MAX_ORDER_NR_PAGES
		zone.Free_area[MAX_ORDER-1].Nr_free++
		zone.Nr_deferred++
		if Want_page_poisoning {
			b := unsafe.Slice((*byte)(unsafe.Add(nil, va(pfn<<asm.PAGE_SHIFT))), MAX_ORDER_NR_PAGES*asm.PAGE_SIZE)
			for i := range b {
				b[i] = PAGE_POISON
			}
		}
		return
	}
	initMemmapBlock(blk)
	X__free_pages_core(Pfn_to_page(pfn), order)
}

// Nr_free_pages is the number of free pages in all zones, Linux
// nr_free_pages (global_zone_page_state(NR_FREE_PAGES)).
func Nr_free_pages() uint64 {
	var n uint64
	for nid := range Node_data {
		pgdat := Node_data[nid]
		if pgdat == nil {
			continue
		}
		for i := range pgdat.Node_zones {
			n += pgdat.Node_zones[i].Free_pages
		}
	}
	return n
}

// Is_free_buddy_page reports whether the page is in a free block, as its
// head or inside it (Linux is_free_buddy_page): some head at pfn rounded
// down to 2^o is free with an order of at least o.
func Is_free_buddy_page(p *Page) bool {
	pfn := Page_to_pfn(p)
	for o := uint(0); o < MAX_ORDER; o++ {
		head := Pfn_to_page(pfn &^ (1<<o - 1))
		if PageBuddy(head) && buddy_order(head) >= o {
			return true
		}
	}
	return false
}

// POISON_FREE_INITMEM: the byte freed init memory is filled with (Linux
// include/linux/poison.h), so a stale pointer into it reads 0xcc...
const POISON_FREE_INITMEM = 0xcc

// Free_reserved_area gives the buddy allocator the whole pages of [start,
// end) (direct-map addresses) that stayed reserved since boot — the
// initrd after its unpacking, init memory — filling them with poison
// first unless it is negative, and says so: "Freeing initrd memory:
// 2048K" (Linux free_reserved_area with free_reserved_page and
// adjust_managed_page_count). A page that is not reserved is skipped: it
// was never the caller's. It returns the pages freed.
func Free_reserved_area(start, end uintptr, poison int, s string) uint64 {
	start = (start + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	end &^= asm.PAGE_SIZE - 1
	var pages uint64
	for pos := start; pos < end; pos += asm.PAGE_SIZE {
		pfn := pa(pos) >> asm.PAGE_SHIFT
		if memmapStateOf(pfn) != memmapInit || !PageReserved(Pfn_to_page(pfn)) {
			continue
		}
		if poison >= 0 {
			b := unsafe.Slice((*byte)(unsafe.Add(nil, pos)), asm.PAGE_SIZE)
			for i := range b {
				b[i] = byte(poison)
			}
		}
		X__free_pages_core(Pfn_to_page(pfn), 0)
		Totalram_pages++
		pages++
	}
	if pages != 0 && s != "" {
		printk.Pr_info("Freeing %s memory: %dK\n", printk.Str(s), printk.Int(K(pages)))
	}
	return pages
}
