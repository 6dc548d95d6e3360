package memblock

import (
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
)

// setup starts memblock afresh on a simulated RAM of size bytes, all of
// it memory.
func setup(t testing.TB, size uint64) *ktest.RAM {
	t.Helper()
	ram := ktest.NewRAM(t, size)
	Init(ram)
	Memblock_debug = false
	if size > 0 {
		if err := Memblock_add(0, size); err != OK {
			t.Fatal(err)
		}
	}
	return ram
}

type rng [2]uint64 // [base, end)

func regions(ty *MemblockType) []rng {
	var out []rng
	for i := uint64(0); i < ty.Cnt; i++ {
		r := ty.Regions[i]
		if r.Size != 0 {
			out = append(out, rng{r.Base, r.Base + r.Size})
		}
	}
	return out
}

func freeRanges() []rng {
	var out []rng
	For_each_free_mem_range(asm.NUMA_NO_NODE, MEMBLOCK_NONE, func(s, e uint64, _ int32) bool {
		out = append(out, rng{s, e})
		return true
	})
	return out
}

// checkType verifies a region array's invariants: sorted, no overlaps,
// neighbours that could merge are merged, Total_size is the sum.
func checkType(t testing.TB, ty *MemblockType) {
	t.Helper()
	if ty.Cnt == 0 || ty.Cnt > ty.Max || uint64(len(ty.Regions)) != ty.Max {
		t.Fatalf("%s: cnt %d max %d len %d", ty.Name, ty.Cnt, ty.Max, len(ty.Regions))
	}
	var sum uint64
	for i := uint64(0); i < ty.Cnt; i++ {
		r := ty.Regions[i]
		sum += r.Size
		if r.Size == 0 && ty.Cnt != 1 {
			t.Fatalf("%s[%d]: empty region in a non-empty array", ty.Name, i)
		}
		if i > 0 {
			p := ty.Regions[i-1]
			if p.Base+p.Size > r.Base {
				t.Fatalf("%s[%d]: overlap/unsorted %+v %+v", ty.Name, i, p, r)
			}
			if p.Base+p.Size == r.Base && p.Nid == r.Nid && p.Flags == r.Flags {
				t.Fatalf("%s[%d]: not merged %+v %+v", ty.Name, i, p, r)
			}
		}
	}
	if sum != ty.Total_size {
		t.Fatalf("%s: Total_size %#x, regions sum to %#x", ty.Name, ty.Total_size, sum)
	}
}
