package mm

import (
	"gokern/printk"
)

// The slab allocator's invariants, checked by the host tests and the boot
// selftests (Linux: validate_slab_cache and validate_slab in mm/slub.c,
// which /sys/kernel/slab/<cache>/validate runs, and SLAB's check_slabp).
// For every cache:
//
//   - each slab on the full, partial or free list belongs to the cache
//     and has as many objects handed out as its list says (all, some,
//     none); its free list holds distinct indices below num;
//   - every page of every slab is PG_slab, allocated from the buddy
//     allocator, and points at the cache and the slab (page_slab_cache,
//     page_slab);
//   - the node's counts (total and free slabs, free objects) match the
//     lists;
//   - every object in the per-CPU array is an object of one of the
//     cache's slabs, counted there as handed out, and in the array once.

// Validate_slab_cache checks one cache and returns "" or the first
// violation.
func Validate_slab_cache(c *KmemCache) string {
	name := printk.Str(Kmem_cache_name(c))
	n := &c.Node[0]
	var total, free, freeObjs uint64
	lists := [3]struct {
		head *ListHead
		what string
	}{{&n.Slabs_full, "full"}, {&n.Slabs_partial, "partial"}, {&n.Slabs_free, "free"}}
	for _, l := range lists {
		count := uint64(0)
		for e := l.head.Next; e != l.head; e = e.Next {
			if e == nil || e.Next == nil || e.Next.Prev != e {
				return violation("%s: %s list broken", name, printk.Str(l.what))
			}
			if count++; count > 1<<40 {
				return violation("%s: %s list loops", name, printk.Str(l.what))
			}
			s := slabOf(e)
			if msg := validate_slab(c, s); msg != "" {
				return msg
			}
			switch {
			case l.what == "full" && s.Active != c.Num,
				l.what == "partial" && (s.Active == 0 || s.Active == c.Num),
				l.what == "free" && s.Active != 0:
				return violation("%s: slab %p with %d of %d objects in use is on the %s list", name,
					printk.Int(uintptrOf(s)), printk.Int(s.Active), printk.Int(c.Num), printk.Str(l.what))
			}
			total++
			if l.what == "free" {
				free++
			}
			freeObjs += uint64(c.Num - s.Active)
		}
	}
	if total != n.Total_slabs || free != n.Free_slabs || freeObjs != n.Free_objects {
		return violation("%s: the lists hold %d slabs (%d free) and %d free objects, the node counts %d (%d) and %d", name,
			printk.Int(total), printk.Int(free), printk.Int(freeObjs), printk.Int(n.Total_slabs), printk.Int(n.Free_slabs), printk.Int(n.Free_objects))
	}
	for cpu, ac := range c.Cpu_cache {
		if ac == nil {
			continue
		}
		if msg := validate_array(c, name, cpu, ac); msg != "" {
			return msg
		}
	}
	return ""
}

// validate_array checks one CPU's array: within its limit, and every entry
// an object of the cache that its slab counts as handed out, once.
func validate_array(c *KmemCache, name printk.Arg, cpu int, ac *ArrayCache) string {
	if ac.Avail > ac.Limit || int(ac.Limit) > len(ac.Entry) && ac.Limit != 0 {
		return violation("%s: CPU %d's per-CPU array broken", name, printk.Int(cpu))
	}
	for i, obj := range ac.Entry[:ac.Avail] {
		p := Virt_to_page(obj)
		if !PageSlab(p) || page_slab_cache(p) != c {
			return violation("%s: per-CPU array entry %d (%p) is not an object of the cache", name, printk.Int(i), printk.Int(obj))
		}
		s := page_slab(p)
		idx, ok := obj_to_index(c, s, obj)
		if !ok || slab_index_free(c, s, idx) {
			return violation("%s: per-CPU array entry %d (%p) is not an object handed out by its slab", name, printk.Int(i), printk.Int(obj))
		}
		for _, other := range ac.Entry[:i] {
			if other == obj {
				return violation("%s: %p is in the per-CPU array twice", name, printk.Int(obj))
			}
		}
	}
	return ""
}

// validate_slab checks one slab's descriptor and pages.
func validate_slab(c *KmemCache, s *Slab) string {
	name := printk.Str(Kmem_cache_name(c))
	if s.Cache != c {
		return violation("%s: slab %p belongs to another cache", name, printk.Int(uintptrOf(s)))
	}
	if !pageInMemMap(s.Page) {
		return violation("%s: slab %p has no page", name, printk.Int(uintptrOf(s)))
	}
	addr := slab_address(s)
	if s.S_mem != addr+uintptr(s.Colouroff) || s.Colouroff > c.Colour*c.Colour_off || s.Active > c.Num {
		return violation("%s: slab %p: s_mem %p, colour offset %d, %d objects in use", name, printk.Int(uintptrOf(s)),
			printk.Int(s.S_mem), printk.Int(s.Colouroff), printk.Int(s.Active))
	}
	if o, ok := allocOrder(s.Page); !ok || o != uint(c.Gfporder) {
		return violation("%s: slab %p: its pages are not an allocated order-%d block", name, printk.Int(uintptrOf(s)), printk.Int(c.Gfporder))
	}
	pfn := Page_to_pfn(s.Page)
	for i := uint64(0); i < 1<<c.Gfporder; i++ {
		q := Pfn_to_page(pfn + i)
		if !PageSlab(q) || page_slab_cache(q) != c || page_slab(q) != s {
			return violation("%s: page %d of slab %p does not point at its cache and slab", name, printk.Int(i), printk.Int(uintptrOf(s)))
		}
	}
	seen := &validate_seen
	clear(seen[:c.Num/64+1])
	for _, f := range s.Freelist[s.Active:c.Num] {
		if uint32(f) >= c.Num || seen[f/64]&(1<<(f%64)) != 0 {
			return violation("%s: slab %p: free list index %d repeated or out of range", name, printk.Int(uintptrOf(s)), printk.Int(f))
		}
		seen[f/64] |= 1 << (f % 64)
	}
	return ""
}

// validate_seen marks the free indices of the slab being checked (static:
// one CPU, and too big for a comfortable stack frame).
var validate_seen [SLAB_OBJ_MAX_NUM/64 + 1]uint64

// Validate_all_slab_caches checks every cache and returns the first
// violation, or "".
func Validate_all_slab_caches() string {
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		if msg := Validate_slab_cache(cacheOf(e)); msg != "" {
			return msg
		}
	}
	return ""
}
