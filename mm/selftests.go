package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kunit"
	"gokern/paging"
	"gokern/printk"
)

// In-kernel selftests of the page allocator (selftest=all runs them after
// mm_init; Linux has mm/page_alloc's debug checks and lib/test_*.c in the
// same spirit). Each leaves the allocator as it found it.

// Test_buddy_invariant: free + allocated + reserved == present per zone,
// and the lists, alignments, merges and (buddy=bitmap) bits are right.
func Test_buddy_invariant(t *kunit.Kunit) {
	pgdat := NODE_DATA(0)
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		c, msg := CheckZone(z)
		if msg != "" {
			t.Errorf("%s", printk.Str(msg))
			return
		}
		if Populated_zone(z) {
			t.Logf("zone %s: free %d + allocated %d + reserved %d == present %d (%d free blocks)",
				printk.Str(z.Name), printk.Int(c.Free), printk.Int(c.Allocated), printk.Int(c.Reserved),
				printk.Int(c.Present), printk.Int(c.Blocks))
		}
	}
	if Nr_free_pages() == 0 || Totalram_pages == 0 {
		t.Errorf("no free pages after mem_init")
	}
}

// snapshot is every zone's nr_free per order.
type snapshot [MAX_NR_ZONES][MAX_ORDER]uint64

func takeSnapshot(s *snapshot) {
	for zi := range s {
		for o := range s[zi] {
			s[zi][o] = NODE_DATA(0).Node_zones[zi].Free_area[o].Nr_free
		}
	}
}

// Test_buddy_alloc_all: every free page, allocated one at a time at order
// 0, then all freed: the zones end with exactly the blocks they started
// with (the free set is the same, and merging is eager, so the blocks are
// too), MAX_ORDER blocks included. The pages are kept on a list through
// their struct page's lru, which belongs to the owner of an allocated
// page (Linux lets it use lru too); writing into the pages themselves
// would make QEMU back every page of guest RAM, which costs far more than
// the allocator.
func Test_buddy_alloc_all(t *kunit.Kunit) {
	var before, after snapshot
	takeSnapshot(&before)
	free := Nr_free_pages()
	poison := PoisonErrors
	t0 := now()
	INIT_LIST_HEAD(&selftest_pages)
	n := uint64(0)
	for {
		p := Alloc_pages(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0)
		if p == nil {
			break
		}
		set_page_private(p, 0)
		List_add(&p.Lru, &selftest_pages)
		n++
	}
	t1 := now()
	if n != free || Nr_free_pages() != 0 {
		t.Errorf("allocated %d pages of %d free, %d left", printk.Int(n), printk.Int(free), printk.Int(Nr_free_pages()))
	}
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("all allocated: %s", printk.Str(msg))
	}
	if PoisonErrors != poison {
		t.Errorf("%d pages were not poisoned as free pages (page_poison=1)", printk.Int(PoisonErrors-poison))
	}
	free_selftest_pages()
	takeSnapshot(&after)
	if after != before || Nr_free_pages() != free {
		t.Errorf("after freeing everything the free blocks differ (free %d, was %d)", printk.Int(Nr_free_pages()), printk.Int(free))
	}
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("all freed: %s", printk.Str(msg))
	}
	t.Logf("%d pages allocated at order 0 in %d ms and freed back into %d MAX_ORDER blocks in %d ms",
		printk.Int(n), printk.Int((t1-t0)/1000000), printk.Int(after[ZONE_DMA][MAX_ORDER-1]+after[ZONE_DMA32][MAX_ORDER-1]+after[ZONE_NORMAL][MAX_ORDER-1]),
		printk.Int((now()-t1)/1000000))
}

// selftest_pages holds the blocks a selftest keeps allocated, linked
// through their lru (a static head: the pages point at it), each with its
// order in Private.
var selftest_pages ListHead

// free_selftest_pages frees every block on selftest_pages.
func free_selftest_pages() {
	for !List_empty(&selftest_pages) {
		p := list_entry(selftest_pages.Next)
		List_del(&p.Lru)
		X__free_pages(p, uint(p.Private))
	}
}

// Test_buddy_zones: GFP_DMA memory is below 16 MiB, GFP_DMA32 below
// 4 GiB, and GFP_KERNEL takes the highest zone that has memory.
func Test_buddy_zones(t *kunit.Kunit) {
	var held [8]*Page
	for i := range held {
		gfp, order, limit := GFP_KERNEL|GFP_DMA, uint(i%4), uint64(MAX_DMA_PFN)
		if i >= 4 {
			gfp, limit = GFP_KERNEL|GFP_DMA32, MAX_DMA32_PFN
		}
		p := Alloc_pages(gfp, order)
		held[i] = p
		if p == nil {
			t.Errorf("order-%d %#x allocation failed", printk.Int(order), printk.Int(gfp))
			continue
		}
		if end := Page_to_pfn(p) + 1<<order; end > limit {
			t.Errorf("order-%d %#x block ends at pfn %#x, beyond %#x", printk.Int(order), printk.Int(gfp), printk.Int(end), printk.Int(limit))
		}
	}
	p := Alloc_pages(GFP_KERNEL, 0)
	highest := ZONE_DMA
	for zt := ZONE_DMA; zt < MAX_NR_ZONES; zt++ {
		if Populated_zone(&NODE_DATA(0).Node_zones[zt]) {
			highest = zt
		}
	}
	if p == nil || page_zonenum(p) != highest {
		t.Errorf("GFP_KERNEL did not come from zone %s", printk.Str(zone_names[highest]))
	}
	if p != nil {
		X__free_pages(p, 0)
	}
	for i, q := range held {
		if q != nil {
			X__free_pages(q, uint(i%4))
		}
	}
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("%s", printk.Str(msg))
	}
}

// Test_get_zeroed_page: a page dirtied and freed comes back zeroed.
func Test_get_zeroed_page(t *kunit.Kunit) {
	a := X__get_free_page(GFP_KERNEL)
	if a == 0 {
		t.Errorf("no page")
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(nil, a)), asm.PAGE_SIZE)
	for i := range b {
		b[i] = 0x5a
	}
	Free_page(a)
	z := Get_zeroed_page(GFP_KERNEL)
	if z != a {
		t.Logf("get_zeroed_page gave %#x, not the dirty page %#x", printk.Int(z), printk.Int(a))
	}
	for i, c := range unsafe.Slice((*byte)(unsafe.Add(nil, z)), asm.PAGE_SIZE) {
		if c != 0 {
			t.Errorf("byte %d of get_zeroed_page's %#x is %#x", printk.Int(i), printk.Int(z), printk.Int(c))
			break
		}
	}
	Free_page(z)
}

// Test_quicklist: quicklist pages come back zeroed, from the list.
func Test_quicklist(t *kunit.Kunit) {
	a := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	if a == 0 {
		t.Errorf("no page")
		return
	}
	*(*uint64)(unsafe.Add(nil, a+8)) = 0xdead // an entry, cleared before the free
	*(*uint64)(unsafe.Add(nil, a+8)) = 0
	Quicklist_free(QUICK_PGTABLE, a)
	hits := QuicklistHits
	b := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	if b != a || QuicklistHits != hits+1 {
		t.Errorf("quicklist_alloc gave %#x, not the freed %#x from the list", printk.Int(b), printk.Int(a))
	}
	for i, w := range unsafe.Slice((*uint64)(unsafe.Add(nil, b)), 512) {
		if w != 0 {
			t.Errorf("word %d of the quicklist page is %#x", printk.Int(i), printk.Int(w))
			break
		}
	}
	Quicklist_free(QUICK_PGTABLE, b)
	t.Logf("quicklist: %d pages, %d hits, %d misses", printk.Int(Quicklist_total_size()), printk.Int(QuicklistHits), printk.Int(QuicklistMisses))
}

// Test_bad_page: each misuse is reported (BadPages grows or an allocation
// fails with its report) and the invariant still holds afterwards.
func Test_bad_page(t *kunit.Kunit) {
	p := Alloc_pages(GFP_KERNEL, 2)
	r := Alloc_pages(GFP_KERNEL, 0)
	if p == nil || r == nil {
		t.Errorf("no pages")
		return
	}
	X__free_pages(r, 0)
	pfn := Page_to_pfn(p)
	reserved := Virt_to_page(uintptrOf(&Mem_map[0])) // the core map is reserved memory
	expect := func(what string, before uint64) {
		if BadPages != before+1 {
			t.Errorf("%s: not reported", printk.Str(what))
		}
		if msg := CheckInvariants(); msg != "" {
			t.Errorf("%s: %s", printk.Str(what), printk.Str(msg))
		}
	}
	b := BadPages
	X__free_pages(reserved, 0)
	expect("reserved page", b)
	b = BadPages
	X__free_pages(r, 0)
	expect("double free", b)
	b = BadPages
	X__free_pages(p, 1)
	expect("wrong order", b)
	b = BadPages
	X__free_pages(Pfn_to_page(pfn+1), 0)
	expect("tail page", b)
	b = BadPages
	Get_page(Pfn_to_page(pfn + 3))
	X__free_pages(p, 2)
	expect("nonzero count", b)
	Set_page_count(Pfn_to_page(pfn+3), 0)
	if Page_count(p) != 1 {
		t.Errorf("rejected frees changed the count to %d", printk.Int(Page_count(p)))
	}
	X__free_pages(p, 2)
	X__free_pages(p, MAX_ORDER)
	Free_pages(va(Max_mapnr<<asm.PAGE_SHIFT), 0)
	if Alloc_pages(GFP_KERNEL, MAX_ORDER) != nil {
		t.Errorf("an order-%d block", printk.Int(MAX_ORDER))
	}
	// DMA's large blocks, all taken: one more fails with a report.
	INIT_LIST_HEAD(&selftest_pages)
	for {
		q := Alloc_pages(GFP_DMA|X__GFP_MEMALLOC|X__GFP_NOWARN, MAX_ORDER-1)
		if q == nil {
			break
		}
		set_page_private(q, MAX_ORDER-1)
		List_add(&q.Lru, &selftest_pages)
	}
	if Alloc_pages(GFP_DMA, MAX_ORDER-1) != nil {
		t.Errorf("an order-10 DMA block beyond the last")
	}
	free_selftest_pages()
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("after the bad input: %s", printk.Str(msg))
	}
}

// Test_page_poison (selftest=page_poison, with page_poison=1): a byte
// written to a freed page is reported at the page's next allocation.
func Test_page_poison(t *kunit.Kunit) {
	if !Want_page_poisoning {
		t.Errorf("boot with page_poison=1")
		return
	}
	a := X__get_free_page(GFP_KERNEL)
	Free_page(a)
	*(*byte)(unsafe.Add(nil, a+123)) = 0
	errs := PoisonErrors
	b := X__get_free_page(GFP_KERNEL)
	if b != a || PoisonErrors != errs+1 {
		t.Errorf("the write after free was not reported (page %#x, then %#x)", printk.Int(a), printk.Int(b))
	}
	Free_page(b)
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("%s", printk.Str(msg))
	}
}

// Test_quicklist_pgtables: after mem_init paging's tables come from the
// quicklist: a mapping in the vmalloc area takes its PUD, PMD and page
// table from it, unmapping gives the three back (zeroed, as a freed table
// is empty), and mapping again reuses them. The address is one PGD entry
// (512 GiB) into the vmalloc area, whose PUD no vmalloc area (kernel
// threads' stacks, from rest_init on) has made yet.
func Test_quicklist_pgtables(t *kunit.Kunit) {
	pgd := paging.PhysAddr(asm.Read_cr3() &^ (asm.PAGE_SIZE - 1))
	v := paging.VirtAddr(paging.VMALLOC_START + 1<<39 + 1<<30)
	frame := X__get_free_page(GFP_KERNEL)
	if frame == 0 {
		t.Errorf("no page")
		return
	}
	for round := 0; round < 2; round++ {
		before, hits := Quicklist_total_size(), QuicklistHits
		st, err := paging.Map(&asm.DirectMap, pgd, v, paging.PhysAddr(pa(frame)), asm.PAGE_SIZE, paging.PAGE_KERNEL, paging.Only4K, nil)
		if err != paging.OK || st.Tables != 3 {
			t.Errorf("round %d: Map through the quicklist: %s, %d tables", printk.Int(round), printk.Str(err.String()), printk.Int(st.Tables))
			break
		}
		if round == 1 && (QuicklistHits != hits+3 || Quicklist_total_size() != before-3) {
			t.Errorf("the second mapping did not reuse the freed tables (hits %d, was %d)", printk.Int(QuicklistHits), printk.Int(hits))
		}
		*(*uint64)(unsafe.Add(nil, uintptr(v))) = 0x1234 // the mapping works
		if *(*uint64)(unsafe.Add(nil, frame)) != 0x1234 {
			t.Errorf("the new mapping does not reach the frame")
		}
		before = Quicklist_total_size()
		if _, err := paging.Unmap(&asm.DirectMap, pgd, v); err != paging.OK {
			t.Errorf("Unmap: %s", printk.Str(err.String()))
		}
		asm.Invlpg(uintptr(v))
		if Quicklist_total_size() != before+3 {
			t.Errorf("Unmap gave %d tables back, want 3", printk.Int(Quicklist_total_size()-before))
		}
	}
	Free_page(frame)
}

// Test_buddy_demo (selftest=buddy_demo, explicit): the walk-through of
// docs/buddy.md. In the zone GFP_KERNEL uses, it first holds every free
// block below MAX_ORDER, so that only MAX_ORDER blocks are left; then it
// takes blocks of orders 0, 0, 3, 1 and 0, printing each block and the
// zone's buddyinfo after it, and frees them in the reverse order, printing
// buddyinfo after each free. The first allocation splits a MAX_ORDER block
// all the way down; the last free merges it all the way back up. The
// zone must end as it began.
func Test_buddy_demo(t *kunit.Kunit) {
	z := &NODE_DATA(0).Node_zones[gfpKernelZone()]
	var before snapshot
	takeSnapshot(&before)
	hold_small_blocks(z)
	demo_buddyinfo(z, "only MAX_ORDER blocks")
	orders := [...]uint{0, 0, 3, 1, 0}
	var pages [len(orders)]*Page
	for i, o := range orders {
		pages[i] = Alloc_pages(GFP_KERNEL, o)
		if pages[i] == nil {
			t.Errorf("no order-%d block", printk.Int(o))
			free_selftest_pages()
			return
		}
		pfn := Page_to_pfn(pages[i])
		var what [48]byte
		n := printk.Snprintf(what[:], "alloc order %d: pfn %#x-%#x", printk.Int(o), printk.Int(pfn), printk.Int(pfn+1<<o-1))
		demo_buddyinfo(z, stringOf(what[:n]))
	}
	for i := len(orders) - 1; i >= 0; i-- {
		pfn := Page_to_pfn(pages[i])
		X__free_pages(pages[i], orders[i])
		var what [48]byte
		n := printk.Snprintf(what[:], "free order %d: pfn %#x", printk.Int(orders[i]), printk.Int(pfn))
		demo_buddyinfo(z, stringOf(what[:n]))
	}
	free_selftest_pages()
	var after snapshot
	takeSnapshot(&after)
	if after != before {
		t.Errorf("the zone did not come back to its blocks")
	}
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("%s", printk.Str(msg))
	}
}

// demo_buddyinfo prints the zone's buddyinfo line after a label.
func demo_buddyinfo(z *Zone, label string) {
	var line [MAX_ORDER * 8]byte
	n := 0
	for o := range z.Free_area {
		n += printk.Snprintf(line[n:], "%6lu ", printk.Int(z.Free_area[o].Nr_free))
	}
	printk.Pr_info("%-32s zone %8s %s\n", printk.Str(label), printk.Str(z.Name), printk.Bytes(line[:n]))
}
