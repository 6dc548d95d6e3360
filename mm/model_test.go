package mm

import (
	"math/rand"
	"sort"
	"testing"

	"gokern/arch/amd64/asm"
)

// A reference model of the buddy allocator: only the set of free frames.
// Given that set, the free blocks of a buddy allocator that merges eagerly
// are determined (every maximal aligned all-free block, largest first), so
// the model predicts the lists exactly — for both variants, which differ
// in which half of a split they hand out, not in the blocks they keep.

type refModel struct {
	free  []bool          // by pfn
	alloc map[uint64]uint // head pfn -> order
}

func newModel() *refModel {
	r := &refModel{free: make([]bool, Max_mapnr), alloc: map[uint64]uint{}}
	for pfn, o := range freeBlocks() {
		for i := uint64(0); i < 1<<o; i++ {
			r.free[pfn+i] = true
		}
	}
	return r
}

// blocks is the canonical decomposition of the free set: in each
// MAX_ORDER block with RAM, the largest aligned all-free blocks.
func (r *refModel) blocks() map[uint64]uint {
	out := map[uint64]uint{}
	var prefix [MAX_ORDER_NR_PAGES + 1]uint32
	for base := uint64(0); base < uint64(len(r.free)); base += MAX_ORDER_NR_PAGES {
		if !Pfn_valid(base) {
			continue
		}
		for i := uint64(0); i < MAX_ORDER_NR_PAGES; i++ {
			prefix[i+1] = prefix[i]
			if r.free[base+i] {
				prefix[i+1]++
			}
		}
		var rec func(off uint64, o uint)
		rec = func(off uint64, o uint) {
			n := uint64(prefix[off+1<<o] - prefix[off])
			if n == 0 {
				return
			}
			if n == 1<<o {
				out[base+off] = o
				return
			}
			rec(off, o-1)
			rec(off+1<<(o-1), o-1)
		}
		rec(0, MAX_ORDER-1)
	}
	return out
}

// expectZone is the zone an order-o allocation limited to highest must
// come from (no watermarks): the first in NORMAL, DMA32, DMA order with a
// free block of order >= o; -1 if none.
func expectZone(blocks map[uint64]uint, highest ZoneType, o uint) ZoneType {
	best := [MAX_NR_ZONES]int{-1, -1, -1}
	for pfn, bo := range blocks {
		z := zoneForPfn(pfn)
		if int(bo) > best[z] {
			best[z] = int(bo)
		}
	}
	for z := highest; z >= ZONE_DMA; z-- {
		if best[z] >= int(o) {
			return z
		}
	}
	return -1
}

func (r *refModel) compare(t testing.TB, step int) {
	t.Helper()
	want, got := r.blocks(), freeBlocks()
	if len(want) != len(got) {
		t.Fatalf("step %d: %d free blocks, the model has %d", step, len(got), len(want))
	}
	for pfn, o := range want {
		if g, ok := got[pfn]; !ok || g != o {
			t.Fatalf("step %d: model has a free block at %#x order %d, allocator has order %d (present %v)", step, pfn, o, g, ok)
		}
	}
	if msg := CheckInvariants(); msg != "" {
		t.Fatalf("step %d: %s", step, msg)
	}
}

// run applies ops (pairs of bytes) to the allocator and the model.
func (r *refModel) run(t testing.TB, ops []byte, checkEvery int) {
	t.Helper()
	zones := [...]Gfp{0, GFP_DMA32, GFP_DMA, 0}
	heads := func() []uint64 {
		h := make([]uint64, 0, len(r.alloc))
		for pfn := range r.alloc {
			h = append(h, pfn)
		}
		sort.Slice(h, func(i, j int) bool { return h[i] < h[j] })
		return h
	}
	for i := 0; i+1 < len(ops); i += 2 {
		a, b := ops[i], ops[i+1]
		if a&1 == 0 && len(r.alloc) > 0 {
			// free the b-th allocated block
			h := heads()
			pfn := h[int(b)%len(h)]
			o := r.alloc[pfn]
			X__free_pages(Pfn_to_page(pfn), o)
			delete(r.alloc, pfn)
			for j := uint64(0); j < 1<<o; j++ {
				r.free[pfn+j] = true
			}
		} else {
			o := uint(b % 6)
			if b >= 0xf0 {
				o = uint(b&0xf) % MAX_ORDER
			}
			gfp := GFP_KERNEL | zones[(a>>1)&3] | X__GFP_NOWARN
			wantZone := expectZone(r.blocks(), gfp_zone(gfp), o)
			p := Alloc_pages(gfp, o)
			if p == nil {
				if wantZone >= 0 {
					t.Fatalf("step %d: order-%d %#x allocation failed, zone %s has a block", i/2, o, gfp, zone_names[wantZone])
				}
				continue
			}
			pfn := Page_to_pfn(p)
			if wantZone < 0 || page_zonenum(p) != wantZone {
				t.Fatalf("step %d: order-%d %#x block from zone %s, want %d", i/2, o, gfp, zone_names[page_zonenum(p)], wantZone)
			}
			if pfn&(1<<o-1) != 0 {
				t.Fatalf("step %d: order-%d block at %#x not aligned", i/2, o, pfn)
			}
			for j := uint64(0); j < 1<<o; j++ {
				if !r.free[pfn+j] {
					t.Fatalf("step %d: order-%d block at %#x includes pfn %#x, which is not free", i/2, o, pfn, pfn+j)
				}
				r.free[pfn+j] = false
			}
			r.alloc[pfn] = o
		}
		if checkEvery > 0 && (i/2)%checkEvery == 0 {
			r.compare(t, i/2)
		}
	}
	r.compare(t, len(ops)/2)
	// Free everything: back to the handover's blocks.
	for pfn, o := range r.alloc {
		X__free_pages(Pfn_to_page(pfn), o)
		for j := uint64(0); j < 1<<o; j++ {
			r.free[pfn+j] = true
		}
	}
	r.alloc = map[uint64]uint{}
	r.compare(t, -1)
}

// modelBoot: DMA, DMA32 and 8 MiB of NORMAL, no watermarks.
func modelBoot(t testing.TB, bitmap bool) *refModel {
	boot(t, pcLayout(96*MiB, 8*MiB), []span{{0, 0x1000}, {16 * MiB, 18 * MiB}, {4*GiB + 2*MiB, 4*GiB + 2*MiB + 12*asm.PAGE_SIZE}}, bitmap)
	noWatermarks()
	return newModel()
}

func TestModelRandom(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		for seed := int64(1); seed <= 3; seed++ {
			r := modelBoot(t, bitmap)
			handover := r.blocks()
			rng := rand.New(rand.NewSource(seed))
			ops := make([]byte, 2*4000)
			rng.Read(ops)
			// Phases: mostly allocations, then mostly frees.
			for i := 0; i < len(ops)/2; i += 2 {
				ops[i] |= 1
			}
			r.run(t, ops, 97)
			allAtMaxOrder(t, handover)
			if BadPages != 0 {
				t.Fatalf("%d bad pages", BadPages)
			}
		}
	})
}

func FuzzBuddy(f *testing.F) {
	f.Add([]byte{1, 0, 1, 3, 0, 0, 1, 0xfa, 2, 1})
	f.Add([]byte{3, 5, 5, 2, 7, 0xf9, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4000 {
			ops = ops[:4000]
		}
		for _, bitmap := range []bool{false, true} {
			r := modelBoot(t, bitmap)
			r.run(t, ops, 16)
		}
	})
}
