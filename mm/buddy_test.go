package mm

import (
	"strings"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
)

func TestPageSize(t *testing.T) {
	if s := unsafe.Sizeof(Page{}); s != 32 {
		t.Fatalf("sizeof(Page) = %d, want 32", s)
	}
	t.Logf("sizeof(struct page) = %d bytes: the core map takes %.2f%% of RAM (Linux: 64 bytes, 1.56%%)",
		unsafe.Sizeof(Page{}), 100*float64(unsafe.Sizeof(Page{}))/asm.PAGE_SIZE)
}

// TestHandover: after mem_init every free page is in the buddy lists in
// the largest aligned blocks, reserved frames stay PG_reserved, the
// counts add up, and Linux's lines are printed.
func TestHandover(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := defaultBoot(t, bitmap)
		out := strings.Join(m.log.Lines(), "\n")
		for _, want := range []string{
			"Zone ranges:",
			"  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
			"  DMA32    [mem 0x0000000001000000-0x0000000007ffffff]",
			"  Normal   empty",
			"Movable zone start for each node",
			"Early memory node ranges",
			"  node   0: [mem 0x0000000000001000-0x000000000009efff]",
			"  node   0: [mem 0x0000000000100000-0x0000000007ffffff]",
			"Initmem setup node 0 [mem 0x0000000000001000-0x0000000007ffffff]",
			"On node 0, zone DMA: 1 pages in unavailable ranges",
			"On node 0, zone DMA: 97 pages in unavailable ranges",
			"Built 1 zonelists, mobility grouping off.  Total pages: ",
			"Memory: ",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("log lacks %q\n%s", want, out)
			}
		}
		dma, dma32 := zone(ZONE_DMA), zone(ZONE_DMA32)
		if dma.Present_pages != 0x9e+0xf00 || dma32.Present_pages != 0x7000 {
			t.Fatalf("present DMA %#x DMA32 %#x", dma.Present_pages, dma32.Present_pages)
		}
		// Reserved: page 0 (a hole of DMA's span: not present), the 2 MiB
		// "kernel", and the core map, its state array and the bitmaps.
		mapPages := uint64(0x8000*32+asm.PAGE_SIZE-1)/asm.PAGE_SIZE + 1
		if got, want := dma32.Present_pages-dma32.Managed_pages, reservedIn(16*MiB, 128*MiB); got != want || want < 512+mapPages {
			t.Fatalf("DMA32 reserved %d pages, memblock %d, want at least %d", got, want, 512+mapPages)
		}
		if dma.Managed_pages != dma.Present_pages {
			t.Fatalf("DMA managed %d of %d", dma.Managed_pages, dma.Present_pages)
		}
		if Totalram_pages != dma.Managed_pages+dma32.Managed_pages || Nr_free_pages() != Totalram_pages {
			t.Fatalf("totalram %d, free %d", Totalram_pages, Nr_free_pages())
		}
		// The 16-18 MiB "kernel" is reserved, 18 MiB is free at order 9.
		if !PageReserved(Pfn_to_page(16*MiB>>asm.PAGE_SHIFT)) || PageReserved(Pfn_to_page(18*MiB>>asm.PAGE_SHIFT)) {
			t.Fatal("reservations not kept")
		}
		// DMA: 4 KiB-636 KiB and 1-16 MiB; DMA32 from 18 MiB.
		blocks := freeBlocks()
		if blocks[0x100] != 8 || blocks[0x400] != 10 || blocks[18*MiB>>asm.PAGE_SHIFT] != 9 || blocks[20*MiB>>asm.PAGE_SHIFT] != 10 {
			t.Fatalf("handover blocks: 1 MiB order %d, 4 MiB %d, 18 MiB %d, 20 MiB %d",
				blocks[0x100], blocks[0x400], blocks[18*MiB>>asm.PAGE_SHIFT], blocks[20*MiB>>asm.PAGE_SHIFT])
		}
		if HandoverDeferred == 0 {
			t.Fatal("no MAX_ORDER block was handed over with deferred struct pages")
		}
	})
}

// TestAllocFreeCoalesce: allocate every free page at order 0, then free
// them all: the lists are back to the blocks of the handover.
func TestAllocFreeCoalesce(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		defaultBoot(t, bitmap)
		want := freeBlocks()
		free := Nr_free_pages()
		pages := allocAll(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0)
		if uint64(len(pages)) != free || Nr_free_pages() != 0 {
			t.Fatalf("allocated %d of %d free pages, %d left", len(pages), free, Nr_free_pages())
		}
		if msg := CheckInvariants(); msg != "" {
			t.Fatal(msg)
		}
		// Free in an order that makes merges climb: every other page first.
		for i := 0; i < len(pages); i += 2 {
			X__free_pages(pages[i], 0)
		}
		for i := 1; i < len(pages); i += 2 {
			X__free_pages(pages[i], 0)
		}
		if msg := CheckInvariants(); msg != "" {
			t.Fatal(msg)
		}
		allAtMaxOrder(t, want)
		if BadPages != 0 {
			t.Fatalf("%d bad pages", BadPages)
		}
	})
}

// TestSplitAndMerge follows one allocation: an order-0 page out of a
// MAX_ORDER block leaves one free block at each order 0..9, and freeing it
// climbs back to one MAX_ORDER block.
func TestSplitAndMerge(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		// The core map goes low (bottom-up), below 636 KiB.
		bootOpts(t, []span{{0x1000, 0x9f000}, {0x100000, 24 * MiB}}, []span{{0, 0x1000}, {0x100000, 20 * MiB}},
			opts{bitmap: bitmap, bottomUp: true})
		z := zone(ZONE_DMA32)
		if z.Free_area[MAX_ORDER-1].Nr_free != 1 {
			t.Fatalf("DMA32 should hold one MAX_ORDER block: %v", nrFree(z))
		}
		p := Alloc_pages(GFP_DMA32|X__GFP_MEMALLOC, 0)
		if p == nil || Page_zone(p) != z {
			t.Fatal("no page from DMA32")
		}
		for o := 0; o < MAX_ORDER-1; o++ {
			if z.Free_area[o].Nr_free != 1 {
				t.Fatalf("after the split: %v", nrFree(z))
			}
		}
		pfn := Page_to_pfn(p)
		// 6.1's expand keeps the lowest page, 2.4's the highest.
		if want := uint64(20 * MiB >> asm.PAGE_SHIFT); !bitmap && pfn != want || bitmap && pfn != want+MAX_ORDER_NR_PAGES-1 {
			t.Fatalf("got pfn %#x (bitmap %v)", pfn, bitmap)
		}
		X__free_pages(p, 0)
		if z.Free_area[MAX_ORDER-1].Nr_free != 1 || z.Free_pages != MAX_ORDER_NR_PAGES {
			t.Fatalf("after the free: %v", nrFree(z))
		}
	})
}

func nrFree(z *Zone) []uint64 {
	var n []uint64
	for o := range z.Free_area {
		n = append(n, z.Free_area[o].Nr_free)
	}
	return n
}

// TestFragmentation: with every other page allocated half the memory is
// free but no order-1 block exists; an order-1 allocation fails even so.
// Freeing the rest brings the MAX_ORDER blocks back.
func TestFragmentation(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := boot(t, []span{{0x1000, 0x9f000}, {0x100000, 8 * MiB}}, []span{{0, 0x1000}}, bitmap)
		want := freeBlocks()
		pages := allocAll(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0)
		byPfn := map[uint64]*Page{}
		for _, p := range pages {
			byPfn[Page_to_pfn(p)] = p
		}
		freed := 0
		for pfn, p := range byPfn {
			if pfn%2 == 0 {
				if _, ok := byPfn[pfn^1]; ok {
					X__free_pages(p, 0)
					delete(byPfn, pfn)
					freed++
				}
			}
		}
		z := zone(ZONE_DMA)
		if z.Free_area[0].Nr_free != uint64(freed) {
			t.Fatalf("order 0: %d free blocks, freed %d", z.Free_area[0].Nr_free, freed)
		}
		for o := 1; o < MAX_ORDER; o++ {
			if z.Free_area[o].Nr_free != 0 {
				t.Fatalf("fragmented zone has order-%d blocks: %v", o, nrFree(z))
			}
		}
		if p := Alloc_pages(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 1); p != nil {
			t.Fatal("an order-1 block out of a fully fragmented zone")
		}
		t.Logf("fragmented: %s", m.buddyinfo()[0])
		m.check()
		for _, p := range byPfn {
			X__free_pages(p, 0)
		}
		allAtMaxOrder(t, want)
		t.Logf("defragmented: %s", m.buddyinfo()[0])
	})
}

// TestZoneFallback: GFP_KERNEL takes NORMAL first, then DMA32, then DMA;
// GFP_DMA32 never NORMAL; GFP_DMA only DMA.
func TestZoneFallback(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		boot(t, pcLayout(64*MiB, 16*MiB), []span{{0, 0x1000}, {16 * MiB, 18 * MiB}}, bitmap)
		noWatermarks()
		seen := map[ZoneType]int{}
		last := ZONE_NORMAL
		for {
			p := Alloc_pages(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0)
			if p == nil {
				break
			}
			zt := page_zonenum(p)
			if zt > last {
				t.Fatalf("GFP_KERNEL went back up from %s to %s", zone_names[last], zone_names[zt])
			}
			last = zt
			seen[zt]++
		}
		if seen[ZONE_NORMAL] == 0 || seen[ZONE_DMA32] == 0 || seen[ZONE_DMA] == 0 {
			t.Fatalf("GFP_KERNEL took %v", seen)
		}
	})
	variants(t, func(t *testing.T, bitmap bool) {
		boot(t, pcLayout(64*MiB, 16*MiB), []span{{0, 0x1000}}, bitmap)
		for i := 0; i < 100; i++ {
			if p := Alloc_pages(GFP_DMA32, 0); p == nil || Page_to_pfn(p) >= MAX_DMA32_PFN {
				t.Fatal("GFP_DMA32 page above 4 GiB")
			}
			if p := Alloc_pages(GFP_DMA, 2); p == nil || Page_to_pfn(p)+3 >= MAX_DMA_PFN {
				t.Fatal("GFP_DMA block above 16 MiB")
			}
		}
		// GFP_DMA never falls back up: once DMA is empty it fails.
		for Alloc_pages(GFP_DMA|X__GFP_MEMALLOC|X__GFP_NOWARN, 0) != nil {
		}
		if zone(ZONE_DMA).Free_pages != 0 || Alloc_pages(GFP_DMA|X__GFP_NOWARN, 0) != nil {
			t.Fatal("GFP_DMA allocation beyond ZONE_DMA")
		}
	})
}

// TestWatermarks: GFP_KERNEL stops at min, GFP_ATOMIC goes on to min - min/2
// - min/8, __GFP_MEMALLOC to the last page; the failure is reported.
func TestWatermarks(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := boot(t, []span{{0x1000, 0x9f000}, {0x100000, 16 * MiB}}, []span{{0, 0x1000}}, bitmap)
		z := zone(ZONE_DMA)
		min := Min_wmark_pages(z)
		if min == 0 || Low_wmark_pages(z) <= min || High_wmark_pages(z) <= Low_wmark_pages(z) {
			t.Fatalf("watermarks %v", z.Watermark)
		}
		for Alloc_pages(GFP_KERNEL|X__GFP_NOWARN, 0) != nil {
		}
		// An allocation needs more than min free pages before it.
		if z.Free_pages != min {
			t.Fatalf("GFP_KERNEL stopped at %d free pages, min is %d", z.Free_pages, min)
		}
		m.log.Lines()
		if Alloc_pages(GFP_KERNEL, 0) != nil {
			t.Fatal("GFP_KERNEL below min")
		}
		out := strings.Join(m.log.Lines(), "\n")
		if !strings.Contains(out, "swapper: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)") ||
			!strings.Contains(out, "Node 0 DMA free:") {
			t.Fatalf("no failure report:\n%s", out)
		}
		for Alloc_pages(GFP_ATOMIC|X__GFP_NOWARN, 0) != nil {
		}
		atomicMin := min - min/2
		atomicMin -= atomicMin / 4
		if z.Free_pages != atomicMin {
			t.Fatalf("GFP_ATOMIC stopped at %d free pages, want %d", z.Free_pages, atomicMin+1)
		}
		for Alloc_pages(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0) != nil {
		}
		if z.Free_pages != 0 {
			t.Fatalf("__GFP_MEMALLOC left %d pages", z.Free_pages)
		}
		m.check()
	})
}

// TestLowmemReserve: GFP_KERNEL falling back into DMA leaves DMA's
// lowmem_reserve alone; GFP_DMA may use it.
func TestLowmemReserve(t *testing.T) {
	boot(t, pcLayout(128*MiB, 0), []span{{0, 0x1000}}, false)
	dma := zone(ZONE_DMA)
	res := dma.Lowmem_reserve[ZONE_NORMAL]
	if res == 0 || res != zone(ZONE_DMA32).Managed_pages/256 {
		t.Fatalf("DMA lowmem_reserve[NORMAL] = %d, DMA32 managed %d", res, zone(ZONE_DMA32).Managed_pages)
	}
	for Alloc_pages(GFP_KERNEL|X__GFP_NOWARN, 0) != nil {
	}
	if dma.Free_pages < res+Min_wmark_pages(dma) {
		t.Fatalf("GFP_KERNEL ate DMA's reserve: %d free, reserve %d + min %d", dma.Free_pages, res, Min_wmark_pages(dma))
	}
	if Alloc_pages(GFP_DMA|GFP_KERNEL, 0) == nil {
		t.Fatal("GFP_DMA cannot use DMA's reserve")
	}
}

// TestGetZeroedPage: the page is zeroed even over dirty memory.
func TestGetZeroedPage(t *testing.T) {
	m := defaultBoot(t, false)
	a := X__get_free_page(GFP_KERNEL)
	b := bytesAt(a, asm.PAGE_SIZE)
	for i := range b {
		b[i] = 0x5a
	}
	Free_page(a)
	z := Get_zeroed_page(GFP_KERNEL)
	if z != a {
		t.Fatalf("the freed page %#x was not reused (%#x)", a, z)
	}
	for i, c := range bytesAt(z, asm.PAGE_SIZE) {
		if c != 0 {
			t.Fatalf("byte %d is %#x", i, c)
		}
	}
	if pa(z) >= uint64(len(m.ram.Mem)) || Virt_to_page(z) != Pfn_to_page(pa(z)>>asm.PAGE_SHIFT) {
		t.Fatal("address conversions")
	}
}

// TestBadInput: each misuse is reported and changes nothing.
func TestBadInput(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := defaultBoot(t, bitmap)
		p := Alloc_pages(GFP_KERNEL, 2)
		q := Alloc_pages(GFP_KERNEL, 0)
		Get_page(q)
		r := Alloc_pages(GFP_KERNEL, 0)
		X__free_pages(r, 0)
		// No order-10 block left in DMA.
		for Alloc_pages(GFP_DMA|X__GFP_MEMALLOC|X__GFP_NOWARN, MAX_ORDER-1) != nil {
		}
		before := freeBlocks()
		cases := []struct {
			name string
			do   func()
			want string
		}{
			{"reserved", func() { X__free_pages(Pfn_to_page(16*MiB>>asm.PAGE_SHIFT), 0) },
				"PAGE_FLAGS_CHECK_AT_FREE flag(s) set (PG_reserved)"},
			{"double free", func() { X__free_pages(r, 0) }, "page already free"},
			{"wrong order", func() { X__free_pages(p, 1) }, "freed with order 1, allocated with order 2"},
			{"tail page", func() { X__free_pages(Pfn_to_page(Page_to_pfn(p)+1), 0) }, "not the first page of an allocated block"},
			{"tail referenced", func() { Get_page(Pfn_to_page(Page_to_pfn(p) + 3)); X__free_pages(p, 2) }, "nonzero _refcount"},
			{"order too big", func() { X__free_pages(p, MAX_ORDER) }, "order 11 >= MAX_ORDER"},
			{"not a page", func() { X__free_pages((*Page)(unsafe.Pointer(&before)), 0) }, "is not a struct page of the core map"},
			{"out of range", func() { Free_pages(va(Max_mapnr<<asm.PAGE_SHIFT), 0) }, "is not a direct-map address of RAM"},
			{"alloc order too big", func() {
				if Alloc_pages(GFP_KERNEL, MAX_ORDER) != nil {
					t.Error("an order-11 block")
				}
			}, "WARNING: alloc_pages: order 11 >= MAX_ORDER (11)"},
			{"unsatisfiable", func() {
				if Alloc_pages(GFP_DMA, MAX_ORDER-1) != nil {
					t.Error("an order-10 DMA block out of a fragmented DMA zone")
				}
			}, "page allocation failure: order:10, mode:0x1(GFP_DMA)"},
		}
		for _, c := range cases {
			m.log.Lines()
			bad := BadPages
			c.do()
			out := strings.Join(m.log.Lines(), "\n")
			if !strings.Contains(out, c.want) {
				t.Fatalf("%s: report lacks %q:\n%s", c.name, c.want, out)
			}
			if strings.Contains(c.want, "Bad page") && BadPages == bad {
				t.Fatalf("%s: not counted", c.name)
			}
			if !strings.Contains(out, "gokern/mm.") {
				t.Fatalf("%s: the caller is not named:\n%s", c.name, out)
			}
			m.check()
			if got := freeBlocks(); len(got) != len(before) {
				t.Fatalf("%s changed the free lists", c.name)
			}
		}
		if Page_count(p) != 1 || Page_count(q) != 2 {
			t.Fatalf("counts %d %d after the rejected frees", Page_count(p), Page_count(q))
		}
		// A page still referenced is not freed; the last reference frees it.
		X__free_pages(q, 0)
		if Page_count(q) != 1 || PageBuddy(q) {
			t.Fatal("freed while referenced")
		}
		X__free_pages(q, 0)
		Set_page_count(Pfn_to_page(Page_to_pfn(p)+3), 0)
		X__free_pages(p, 2)
		m.check()
	})
}

// TestBadPageFormat: the report reads as Linux's.
func TestBadPageFormat(t *testing.T) {
	m := defaultBoot(t, false)
	m.log.Lines()
	X__free_pages(Pfn_to_page(16*MiB>>asm.PAGE_SHIFT), 0)
	lines := m.log.Lines()
	if len(lines) < 4 || lines[0] != "BUG: Bad page state in process swapper  pfn:01000" ||
		!strings.HasPrefix(lines[1], "page:") || !strings.Contains(lines[1], "refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1000") ||
		!strings.Contains(lines[2], "(reserved|zone=1)") || !strings.HasPrefix(lines[3], "page dumped because: ") ||
		!strings.HasPrefix(lines[4], "Call Trace: gokern/mm.TestBadPageFormat+0x") {
		t.Fatalf("report:\n%s", strings.Join(lines, "\n"))
	}
}

// TestPagePoison: with page_poison=1 freed pages hold 0xaa, and a write
// after free is reported at the next allocation, naming the byte.
func TestPagePoison(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := bootOpts(t, []span{{0x1000, 0x9f000}, {0x100000, 24 * MiB}}, []span{{0, 0x1000}}, opts{bitmap: bitmap, poison: true})
		if HandoverDeferred == 0 {
			t.Fatal("no deferred MAX_ORDER block to check the poisoning of")
		}
		a := X__get_free_page(GFP_KERNEL)
		Free_page(a)
		b := bytesAt(a, asm.PAGE_SIZE)
		for i, c := range b {
			if c != PAGE_POISON {
				t.Fatalf("freed page byte %d is %#x", i, c)
			}
		}
		b[100] = 0xab // a single bit flip
		b[300] = 0
		m.log.Lines()
		if X__get_free_page(GFP_KERNEL) != a {
			t.Fatal("the poisoned page was not reused")
		}
		out := strings.Join(m.log.Lines(), "\n")
		if PoisonErrors != 1 || !strings.Contains(out, "pagealloc: memory corruption") ||
			!strings.Contains(out, "first corrupted byte at") || !strings.Contains(out, "offset 0x64): 0xab, expected 0xaa; 201 bytes") {
			t.Fatalf("poison report:\n%s", out)
		}
		// Every other free page, deferred MAX_ORDER blocks included, was
		// poisoned at the handover: no more reports.
		allAllocated := allocAll(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, 0)
		if PoisonErrors != 1 || len(allAllocated) == 0 {
			t.Fatalf("%d poison reports after allocating %d more pages", PoisonErrors, len(allAllocated))
		}
		m.check()
	})
}

// TestBuddyinfo: /proc/buddyinfo's format.
func TestBuddyinfo(t *testing.T) {
	m := defaultBoot(t, false)
	lines := m.buddyinfo()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Node 0, zone      DMA ") || !strings.HasPrefix(lines[1], "Node 0, zone    DMA32 ") {
		t.Fatalf("buddyinfo:\n%s", strings.Join(lines, "\n"))
	}
	if f := strings.Fields(lines[1]); len(f) != 4+MAX_ORDER || f[4+MAX_ORDER-1] != "26" {
		t.Fatalf("DMA32 line %q", lines[1])
	}
}

func TestGfpNames(t *testing.T) {
	var b [160]byte
	for _, c := range []struct {
		gfp  Gfp
		want string
	}{
		{GFP_KERNEL, "GFP_KERNEL"},
		{GFP_ATOMIC, "GFP_ATOMIC"},
		{GFP_KERNEL | X__GFP_ZERO | X__GFP_DMA32, "GFP_KERNEL|GFP_DMA32|__GFP_ZERO"},
		{0, "0"},
		{1 << 30, "0x40000000"},
	} {
		if got := string(b[:SprintGfp(b[:], c.gfp)]); got != c.want {
			t.Errorf("%#x: %q, want %q", c.gfp, got, c.want)
		}
	}
	if GFP_KERNEL != 0xcc0 || GFP_ATOMIC != 0xa20 {
		t.Fatalf("GFP_KERNEL %#x GFP_ATOMIC %#x: Linux 6.1 has 0xcc0 and 0xa20", GFP_KERNEL, GFP_ATOMIC)
	}
}

// TestNoAllocations: the allocator's paths never touch the Go heap
// (DESIGN.md §4; the kcheck test proves it on the kernel image too).
func TestNoAllocations(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		defaultBoot(t, bitmap)
		n := testing.AllocsPerRun(100, func() {
			p := Alloc_pages(GFP_KERNEL, 3)
			a := Get_zeroed_page(GFP_KERNEL)
			Free_page(a)
			X__free_pages(p, 3)
			if msg := CheckInvariants(); msg != "" {
				t.Fatal(msg)
			}
		})
		if n != 0 {
			t.Fatalf("%v heap allocations per run", n)
		}
	})
}

// TestBootmemHandover: with earlymem=bootmem the core map comes from
// bootmem and free_all_bootmem hands over the same free memory as
// memblock_free_all, plus the bitmap's own pages.
func TestBootmemHandover(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		regions := pcLayout(3*GiB, 1*GiB)
		reserved := []span{{0, 0x1000}, {16 * MiB, 18 * MiB}, {40 * MiB, 40*MiB + 12345}}
		m := bootOpts(t, regions, reserved, opts{bitmap: bitmap})
		viaMemblock := Nr_free_pages()
		m.log.Lines()
		m = bootOpts(t, regions, reserved, opts{bitmap: bitmap, bootmem: true})
		out := strings.Join(m.log.Lines(), "\n")
		if !strings.Contains(out, "mem_init: free_all_bootmem released") || bootmem.Ready() {
			t.Fatalf("no bootmem handover:\n%s", out)
		}
		bitmapPages := bootmem.Bootmem_bootmap_pages(m.max)
		viaBootmem := Nr_free_pages()
		if viaBootmem != viaMemblock {
			t.Fatalf("free after free_all_bootmem %d, after memblock_free_all %d (bitmap %d pages)", viaBootmem, viaMemblock, bitmapPages)
		}
		t.Logf("%d pages free either way; the bootmem bitmap's %d pages were freed too", viaBootmem, bitmapPages)
	})
}

// bytesAt is the memory at a direct-map address of the simulated RAM.
func bytesAt(addr uintptr, n int) []byte { return unsafe.Slice((*byte)(unsafe.Add(nil, addr)), n) }

// TestCheckCatches: the invariant check finds each kind of corruption
// (it is what the boot selftests rely on).
func TestCheckCatches(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		cases := []struct {
			name    string
			corrupt func(z *Zone)
			want    string
		}{
			{"unmerged buddies", func(z *Zone) {
				// Split a free block by hand into its two halves, both free.
				p, o := firstBlock(z, 1)
				pfn := Page_to_pfn(p)
				del_page_from_free_list(p, z, o)
				for _, q := range []uint64{pfn, pfn + 1<<(o-1)} {
					set_buddy_order(Pfn_to_page(q), o-1)
					add_to_free_list(Pfn_to_page(q), z, o-1, false)
				}
			}, "not merged"},
			{"nr_free", func(z *Zone) { _, o := firstBlock(z, 0); z.Free_area[o].Nr_free++ }, "nr_free"},
			{"reserved in a free block", func(z *Zone) {
				p, _ := firstBlock(z, 1)
				SetPageReserved(Pfn_to_page(Page_to_pfn(p) + 1))
			}, "reserved inside a free block"},
			{"allocated counter", func(z *Zone) { z.Allocated_pages++ }, "allocated"},
		}
		if bitmap {
			cases = append(cases, struct {
				name    string
				corrupt func(z *Zone)
				want    string
			}{"bit", func(z *Zone) {
				p, o := firstBlock(z, 0)
				MARK_USED(Page_to_pfn(p)-z.map_base, o, &z.Free_area[o])
			}, "bitmap order"})
		}
		for _, c := range cases {
			defaultBoot(t, bitmap)
			// Some allocations, so that small free blocks exist.
			for i := 0; i < 3; i++ {
				Alloc_pages(GFP_KERNEL, 0)
			}
			z := zone(ZONE_DMA32)
			if _, msg := CheckZone(z); msg != "" {
				t.Fatalf("%s: clean state: %s", c.name, msg)
			}
			c.corrupt(z)
			if _, msg := CheckZone(z); !strings.Contains(msg, c.want) {
				t.Fatalf("%s: check says %q, want %q", c.name, msg, c.want)
			}
		}
	})
}

// firstBlock is the first free block on a list of order min or more
// (below MAX_ORDER-1, whose blocks may be deferred).
func firstBlock(z *Zone, min uint) (*Page, uint) {
	for o := min; o < MAX_ORDER-1; o++ {
		if !List_empty(&z.Free_area[o].Free_list) {
			return list_entry(z.Free_area[o].Free_list.Next), o
		}
	}
	panic("no free block below MAX_ORDER-1")
}
