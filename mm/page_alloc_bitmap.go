package mm

import "gokern/printk"

// The 2.4 buddy allocator (buddy=bitmap). Linux 2.4: mm/page_alloc.c
// __free_pages_ok, rmqueue, expand, MARK_USED; mm/page_alloc.c
// free_area_init_core allocating free_area[].map. Seeds/002 "Bitmap
// *map semantic": "Linux saves memory by using one bit for a pair of
// buddies. It's a fragmentation bit. Each time a buddy is allocated or
// free'd, the bit representing the pair is toggled: 0 if the pages are
// both free or allocated, 1 if only one buddy is in use."
//
// Freeing toggles the pair's bit. If it was 1, the buddy was free: the
// two merge and the loop goes one order up; if it was 0, the buddy is in
// use (or split) and the block stays where it is. The buddy's struct page
// is never consulted, which is what the bit buys: 2.4's struct page had
// no "free" marker. gokern still marks free heads PG_buddy with their
// order, so that both variants share the invariant checks, bad_page
// detection and the gdb helpers.
//
// One difference the students can see in buddyinfo and gdb: 2.4's expand
// puts the lower half of each split back on the free list and keeps the
// upper half (index += size), where 6.1 keeps the lower half.

// MARK_USED toggles the bit of the pair holding block index (relative to
// the zone's map_base) at order, Linux 2.4:
//
//	#define MARK_USED(index, order, area) \
//		__change_bit((index) >> (1+(order)), (area)->map)
func MARK_USED(index uint64, order uint, area *FreeArea) {
	// LAB buddy BEGIN
	i := index >> (1 + order)
	area.Map[i/64] ^= 1 << (i % 64)
	// LAB buddy SKELETON
	// // Toggle the bit of the pair: __change_bit(index >> (1+order), area->map).
	// LAB buddy END
}

// test_and_change_bit toggles the bit and returns its old value (not
// inlined: a gdb stopping point, docs/buddy.md).
//
//go:noinline
func test_and_change_bit(i uint64, m []uint64) bool {
	w := &m[i/64]
	old := *w&(1<<(i%64)) != 0
	*w ^= 1 << (i % 64)
	return old
}

// bitmapFreeOnePage is 2.4's __free_pages_ok merging loop.
func bitmapFreeOnePage(p *Page, pfn uint64, zone *Zone, order uint, fpi int) {
	base := zone.map_base
	page_idx := pfn - base
	for order < MAX_ORDER-1 {
		area := &zone.Free_area[order]
		if !test_and_change_bit(page_idx>>(1+order), area.Map) {
			// The bit was 0, now 1: the buddy page is still allocated.
			break
		}
		// The bit was 1, now 0: the buddy is free at this order. Move
		// the pair up one level.
		buddy := Pfn_to_page(base + (page_idx ^ 1<<order))
		del_page_from_free_list(buddy, zone, order)
		page_idx &^= 1 << order
		order++
	}
	p = Pfn_to_page(base + page_idx)
	set_buddy_order(p, order)
	add_to_free_list(p, zone, order, fpi&FPI_TO_TAIL != 0)
}

// bitmapRmqueue is 2.4's rmqueue and expand: take the first block of the
// smallest order that has one, toggle its pair's bit, and split it,
// putting the lower halves back and toggling their bits too.
func bitmapRmqueue(zone *Zone, order uint) *Page {
	base := zone.map_base
	for current_order := order; current_order < MAX_ORDER; current_order++ {
		p := take_from_free_area(zone, current_order)
		if p == nil {
			continue
		}
		index := Page_to_pfn(p) - base
		if current_order != MAX_ORDER-1 {
			MARK_USED(index, current_order, &zone.Free_area[current_order])
		}
		// expand(zone, page, index, order, current_order, area)
		high := current_order
		for high > order {
			high--
			size := uint64(1) << high
			set_buddy_order(p, high)
			add_to_free_list(p, zone, high, false)
			MARK_USED(index, high, &zone.Free_area[high])
			index += size
			p = Pfn_to_page(base + index)
		}
		return p
	}
	return nil
}

// allocBuddyBitmaps gives each zone its 2.4 bitmaps, one per order but
// the last, zeroed: at this point every frame is "allocated" (reserved),
// so every pair is in the same state. 2.4's free_area_init_core took them
// from bootmem the same way.
func allocBuddyBitmaps(pgdat *PglistData) bool {
	var total uint64
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		if z.Spanned_pages == 0 {
			continue
		}
		span := Zone_end_pfn(z) - z.map_base
		words := uint64(0)
		for o := uint(0); o < MAX_ORDER-1; o++ {
			words += bitmapWords(span, o)
		}
		b, ok := earlyAlloc(words * 8)
		if !ok {
			printk.Pr_emerg("Failed to allocate %lu bytes for the zone %s buddy bitmaps\n", printk.Int(words*8), printk.Str(z.Name))
			return false
		}
		m := unsafeWords(b)
		clear(m)
		total += words * 8
		for o := uint(0); o < MAX_ORDER-1; o++ {
			n := bitmapWords(span, o)
			z.Free_area[o].Map = m[:n:n]
			m = m[n:]
		}
	}
	printk.Pr_info("buddy: the 2.4 allocator, one fragmentation bit per pair of buddies (buddy=bitmap): %lu bytes of bitmaps\n", printk.Int(total))
	return true
}

// bitmapWords: words for one bit per pair of order-o blocks in span frames.
func bitmapWords(span uint64, o uint) uint64 {
	pairs := (span + 1<<(o+1) - 1) >> (o + 1)
	return (pairs + 63) / 64
}
