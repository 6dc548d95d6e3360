package mm

import (
	"math/bits"

	"gokern/printk"
)

// The accounting invariant of the buddy allocator, checked by the boot
// selftests and the host tests (gokern; Linux's nearest is the
// CONFIG_DEBUG_VM checks scattered through page_alloc.c). Per zone:
//
//   - pages free in the buddy lists + pages allocated + reserved pages ==
//     present pages;
//   - every list entry is the head of a free block: PG_buddy, its order in
//     Private, aligned to its size, in this zone; Nr_free counts the list;
//   - no page is in two free blocks, and no head is missing from its list;
//   - no free block's buddy is free at the same order (they would have
//     merged);
//   - with buddy=bitmap, a pair's bit is set exactly when one of the two is
//     a free block of that order.

// ZoneCounts is what CheckZone found by walking the core map.
type ZoneCounts struct {
	Free, Allocated, Reserved, Present uint64
	Blocks                             uint64 // free blocks
}

// checkbuf holds the first violation's message.
var checkbuf [256]byte

func violation(format string, args ...printk.Arg) string {
	n := printk.Snprintf(checkbuf[:], format, args...)
	return stringOf(checkbuf[:n])
}

// CheckZone verifies the invariant for z and returns what it counted and
// "" if it holds, else the first violation.
func CheckZone(z *Zone) (ZoneCounts, string) {
	var c ZoneCounts
	if z.Spanned_pages == 0 {
		return c, ""
	}
	zi := zone_idx(z)
	// The lists.
	var listed, listedPages uint64
	for o := uint(0); o < MAX_ORDER; o++ {
		area := &z.Free_area[o]
		head := &area.Free_list
		n := uint64(0)
		for e := head.Next; e != head; e = e.Next {
			if e == nil || e.Next == nil || e.Next.Prev != e {
				return c, violation("zone %s order %d: list broken after %d entries", printk.Str(z.Name), printk.Int(o), printk.Int(n))
			}
			n++
			if n > z.Spanned_pages {
				return c, violation("zone %s order %d: list longer than the zone (a cycle?)", printk.Str(z.Name), printk.Int(o))
			}
			p := list_entry(e)
			if !pageInMemMap(p) {
				return c, violation("zone %s order %d: entry %#x is not in the core map", printk.Str(z.Name), printk.Int(o), printk.Int(uintptrOf(p)))
			}
			pfn := Page_to_pfn(p)
			switch {
			case !PageBuddy(p) || buddy_order(p) != o:
				return c, violation("zone %s order %d: pfn %#x on the list is not a free block of that order (flags %#x order %d)",
					printk.Str(z.Name), printk.Int(o), printk.Int(pfn), printk.Int(p.Flags), printk.Int(p.Private))
			case pfn&(1<<o-1) != 0:
				return c, violation("zone %s: free block pfn %#x not aligned to its order %d", printk.Str(z.Name), printk.Int(pfn), printk.Int(o))
			case !zone_spans_pfn(z, pfn) || !zone_spans_pfn(z, pfn+1<<o-1) || page_zonenum(p) != zi:
				return c, violation("zone %s: free block pfn %#x order %d outside the zone", printk.Str(z.Name), printk.Int(pfn), printk.Int(o))
			case PageReserved(p) || page_ref_count(p) != 0:
				return c, violation("zone %s: free block pfn %#x is reserved or referenced (count %d)", printk.Str(z.Name), printk.Int(pfn), printk.Int(p.Refcount))
			}
			if o < MAX_ORDER-1 {
				bpfn := X__find_buddy_pfn(pfn, o)
				if s := memmapStateOf(bpfn); s == memmapInit {
					if b := Pfn_to_page(bpfn); page_is_buddy(p, b, o) {
						return c, violation("zone %s: free blocks pfn %#x and its buddy %#x both free at order %d: not merged",
							printk.Str(z.Name), printk.Int(pfn), printk.Int(bpfn), printk.Int(o))
					}
				}
				if BuddyBitmap {
					if i := (pfn - z.map_base) >> (1 + o); area.Map[i/64]&(1<<(i%64)) == 0 {
						return c, violation("zone %s: bitmap order %d: the bit of free block pfn %#x is 0", printk.Str(z.Name), printk.Int(o), printk.Int(pfn))
					}
				}
			}
		}
		if o == MAX_ORDER-1 {
			n += z.Nr_deferred // counted free, not on the list yet
		}
		if n != area.Nr_free {
			return c, violation("zone %s order %d: nr_free %d, the list and the deferred blocks hold %d", printk.Str(z.Name), printk.Int(o), printk.Int(area.Nr_free), printk.Int(n))
		}
		if BuddyBitmap && o < MAX_ORDER-1 {
			set := uint64(0)
			for _, w := range area.Map {
				set += uint64(bits.OnesCount64(w))
			}
			if set != n {
				return c, violation("zone %s: bitmap order %d has %d bits set for %d free blocks", printk.Str(z.Name), printk.Int(o), printk.Int(set), printk.Int(n))
			}
		}
		listed += n
		listedPages += n << o
	}
	if listedPages != z.Free_pages {
		return c, violation("zone %s: free pages %d, the lists hold %d", printk.Str(z.Name), printk.Int(z.Free_pages), printk.Int(listedPages))
	}

	// The core map.
	var holes, deferred uint64
	freeUntil := uint64(0) // inside a free block until this pfn
	end := Zone_end_pfn(z)
	for pfn := z.Zone_start_pfn; pfn < end; {
		switch memmapStateOf(pfn) {
		case memmapHole:
			next := min((pfn/MAX_ORDER_NR_PAGES+1)*MAX_ORDER_NR_PAGES, end)
			holes += next - pfn
			pfn = next
			continue
		case memmapUninit:
			return c, violation("zone %s: pfn %#x: struct page never initialised", printk.Str(z.Name), printk.Int(pfn))
		case memmapDeferred:
			// No struct page to look at: one free MAX_ORDER block.
			if pfn%MAX_ORDER_NR_PAGES != 0 || pfn+MAX_ORDER_NR_PAGES > end || pfn < freeUntil {
				return c, violation("zone %s: deferred block at pfn %#x is not a MAX_ORDER block of the zone", printk.Str(z.Name), printk.Int(pfn))
			}
			c.Free += MAX_ORDER_NR_PAGES
			c.Blocks++
			deferred++
			pfn += MAX_ORDER_NR_PAGES
			continue
		}
		p := Pfn_to_page(pfn)
		if PageBuddy(p) {
			if pfn < freeUntil {
				return c, violation("zone %s: pfn %#x heads a free block inside another one", printk.Str(z.Name), printk.Int(pfn))
			}
			freeUntil = pfn + 1<<buddy_order(p)
			c.Blocks++
		}
		switch {
		case pfn < freeUntil:
			if PageReserved(p) {
				return c, violation("zone %s: pfn %#x is reserved inside a free block", printk.Str(z.Name), printk.Int(pfn))
			}
			c.Free++
		case PageReserved(p):
			c.Reserved++
		default:
			c.Allocated++
		}
		pfn++
	}
	if deferred != z.Nr_deferred {
		return c, violation("zone %s: %d deferred blocks in the core map, %d counted", printk.Str(z.Name), printk.Int(deferred), printk.Int(z.Nr_deferred))
	}
	if c.Blocks != listed {
		return c, violation("zone %s: %d free blocks in the core map, %d on the lists", printk.Str(z.Name), printk.Int(c.Blocks), printk.Int(listed))
	}
	if c.Free != z.Free_pages {
		return c, violation("zone %s: %d pages in free blocks, free pages %d", printk.Str(z.Name), printk.Int(c.Free), printk.Int(z.Free_pages))
	}
	if c.Allocated != z.Allocated_pages {
		return c, violation("zone %s: %d pages allocated in the core map, the counter says %d", printk.Str(z.Name), printk.Int(c.Allocated), printk.Int(z.Allocated_pages))
	}
	// Frames in holes are reserved struct pages or no struct page at all;
	// what remains of the reserved ones is present RAM.
	holes += c.Reserved
	c.Present = z.Present_pages
	absent := z.Spanned_pages - z.Present_pages
	if holes < absent {
		return c, violation("zone %s: %d reserved or missing frames, fewer than the %d absent ones", printk.Str(z.Name), printk.Int(holes), printk.Int(absent))
	}
	c.Reserved = holes - absent
	if c.Free+c.Allocated+c.Reserved != c.Present {
		return c, violation("zone %s: free %d + allocated %d + reserved %d != present %d", printk.Str(z.Name),
			printk.Int(c.Free), printk.Int(c.Allocated), printk.Int(c.Reserved), printk.Int(c.Present))
	}
	if c.Present-c.Reserved != z.Managed_pages {
		return c, violation("zone %s: present %d - reserved %d != managed %d", printk.Str(z.Name),
			printk.Int(c.Present), printk.Int(c.Reserved), printk.Int(z.Managed_pages))
	}
	return c, ""
}

// CheckInvariants checks every zone of node 0 and returns the first
// violation, or "".
func CheckInvariants() string {
	pgdat := NODE_DATA(0)
	for i := range pgdat.Node_zones {
		if _, msg := CheckZone(&pgdat.Node_zones[i]); msg != "" {
			return msg
		}
	}
	return ""
}
