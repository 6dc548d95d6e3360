package mm

import (
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/internal/ktest"
	"gokern/memblock"
	"gokern/paging"
)

// A simulated machine: RAM regions, early reservations, memblock, then
// free_area_init and mm_init as the kernel runs them.

type span struct{ start, end uint64 } // physical, [start, end)

const (
	MiB = 1 << 20
	GiB = 1 << 30
)

// pcLayout is a PC's memory map: page 0 reserved, 4 KiB-636 KiB, then
// from 1 MiB up to lowEnd, and highSize above 4 GiB.
func pcLayout(lowEnd, highSize uint64) []span {
	r := []span{{0x1000, 0x9f000}, {0x100000, lowEnd}}
	if highSize != 0 {
		r = append(r, span{4 * GiB, 4*GiB + highSize})
	}
	return r
}

type machine struct {
	t   testing.TB
	ram *ktest.RAM
	log *ktest.Capture
	max uint64 // max_pfn
}

// boot sets up memblock over ram with the regions and reservations, runs
// Free_area_init and Mm_init, and checks the invariant.
func boot(t testing.TB, regions, reserved []span, bitmap bool) *machine {
	t.Helper()
	return bootOpts(t, regions, reserved, opts{bitmap: bitmap})
}

type opts struct {
	bitmap, poison, bottomUp bool
	// bootmem: run the 2.6 bitmap allocator over the same map, as
	// earlymem=bootmem does, with reserved[1] as the kernel.
	bootmem bool
}

func bootOpts(t testing.TB, regions, reserved []span, o opts) *machine {
	t.Helper()
	end := regions[len(regions)-1].end
	m := &machine{t: t, ram: ktest.NewRAM(t, end), log: ktest.StartCapture(t), max: end >> asm.PAGE_SHIFT}
	bootmem.Init(nil)
	memblock.Init(m.ram)
	memblock.Memblock_allow_resize()
	memblock.Memblock_set_bottom_up(o.bottomUp)
	for _, r := range regions {
		if err := memblock.Memblock_add(r.start, r.end-r.start); err != memblock.OK {
			t.Fatalf("memblock_add: %v", err)
		}
	}
	for _, r := range reserved {
		memblock.Memblock_reserve(r.start, r.end-r.start)
	}
	if o.bootmem {
		var tbl e820.E820Table
		for _, r := range regions {
			tbl.Entries[tbl.Nr_entries] = e820.E820Entry{Addr: r.start, Size: r.end - r.start, Type: e820.E820_TYPE_RAM}
			tbl.Nr_entries++
		}
		bootmem.Init(m.ram)
		if err := bootmem.Setup_bootmem_allocator(&tbl, reserved[1].start, reserved[1].end, m.max); err != bootmem.OK {
			t.Fatalf("bootmem: %v", err)
		}
		for _, r := range reserved {
			bootmem.Reserve_bootmem(r.start, r.end-r.start, bootmem.BOOTMEM_DEFAULT)
		}
		t.Cleanup(func() { bootmem.Init(nil) })
	}
	BuddyBitmap = o.bitmap
	Want_page_poisoning = o.poison
	BadPages, PoisonErrors = 0, 0
	t.Cleanup(func() {
		BuddyBitmap, Want_page_poisoning, Mem_map, After_bootmem = false, false, nil, false
		paging.PgtableAlloc, paging.PgtableFree = nil, nil
	})
	maxz := [MAX_NR_ZONES]uint64{min(MAX_DMA_PFN, m.max), min(MAX_DMA32_PFN, m.max), m.max}
	if !Free_area_init(&maxz, m.ram) {
		t.Fatalf("free_area_init failed\n%s", strings.Join(m.log.Lines(), "\n"))
	}
	Mm_init()
	m.check()
	return m
}

// defaultBoot: 128 MiB with the first 16 MiB + 2 MiB reserved (a kernel at
// 16 MiB, like the real boot) and page 0.
func defaultBoot(t testing.TB, bitmap bool) *machine {
	return boot(t, pcLayout(128*MiB, 0), []span{{0, 0x1000}, {16 * MiB, 18 * MiB}}, bitmap)
}

func (m *machine) check() {
	m.t.Helper()
	if msg := CheckInvariants(); msg != "" {
		m.t.Fatalf("invariant: %s", msg)
	}
}

// zone returns node 0's zone.
func zone(z ZoneType) *Zone { return &NODE_DATA(0).Node_zones[z] }

// freeBlocks lists every free block as pfn -> order.
func freeBlocks() map[uint64]uint {
	out := map[uint64]uint{}
	for zi := range NODE_DATA(0).Node_zones {
		z := zone(ZoneType(zi))
		if z.Spanned_pages == 0 {
			continue
		}
		for o := uint(0); o < MAX_ORDER; o++ {
			h := &z.Free_area[o].Free_list
			for e := h.Next; e != h; e = e.Next {
				out[Page_to_pfn(list_entry(e))] = o
			}
		}
	}
	// The MAX_ORDER blocks whose struct pages are deferred.
	for blk, s := range memmapState {
		if s == memmapDeferred {
			out[uint64(blk)*MAX_ORDER_NR_PAGES] = MAX_ORDER - 1
		}
	}
	return out
}

// buddyinfo returns what Frag_show prints (/proc/buddyinfo).
func (m *machine) buddyinfo() []string {
	m.log.Lines()
	Frag_show()
	return m.log.Lines()
}

func variants(t *testing.T, f func(t *testing.T, bitmap bool)) {
	for _, v := range []struct {
		name   string
		bitmap bool
	}{{"default", false}, {"bitmap", true}} {
		t.Run(v.name, func(t *testing.T) { f(t, v.bitmap) })
	}
}

// allAtMaxOrder fails unless every free page is in a MAX_ORDER block,
// except in the blocks that are partly reserved or holes.
func allAtMaxOrder(t *testing.T, want map[uint64]uint) {
	t.Helper()
	got := freeBlocks()
	if len(got) != len(want) {
		t.Fatalf("%d free blocks, want %d as after the handover", len(got), len(want))
	}
	for pfn, o := range want {
		if got[pfn] != o {
			t.Fatalf("free block at %#x has order %d, want %d", pfn, got[pfn], o)
		}
	}
}

// noWatermarks drops every watermark and lowmem reserve, for tests of the
// zone order alone.
func noWatermarks() {
	for i := range NODE_DATA(0).Node_zones {
		z := zone(ZoneType(i))
		z.Watermark = [NR_WMARK]uint64{}
		z.Lowmem_reserve = [MAX_NR_ZONES]uint64{}
	}
}

// reservedIn counts the pages memblock holds reserved in [start, end),
// whole or in part (a page reserved in part is not freed).
func reservedIn(start, end uint64) uint64 {
	var n uint64
	memblock.For_each_reserved_mem_region(func(r *memblock.MemblockRegion) bool {
		s, e := max(r.Base, start), min(r.Base+r.Size, end)
		if s < e {
			n += (e+asm.PAGE_SIZE-1)>>asm.PAGE_SHIFT - s>>asm.PAGE_SHIFT
		}
		return true
	})
	return n
}

// allocAll allocates order-order blocks with gfp until none is left.
func allocAll(gfp Gfp, order uint) []*Page {
	var pages []*Page
	for {
		p := Alloc_pages(gfp, order)
		if p == nil {
			return pages
		}
		pages = append(pages, p)
	}
}
