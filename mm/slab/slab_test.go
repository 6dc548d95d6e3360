package slab_test

import (
	"strings"
	"testing"
	"unsafe"

	"gokern/internal/mmtest"
	"gokern/kunit"
	"gokern/mm"
	"gokern/mm/slab"
)

type item struct {
	next  *item
	key   uint64
	value [5]uint32
}

var constructed int

func itemCtor(it *item) {
	constructed++
	it.key = 0xfeed
}

// TestTypedCache: a Cache[T] hands out *T of T's size and alignment, takes
// them back, and reuses them; with a constructor each object is
// constructed once; Kzalloc[T] and KcallocSlice[T] return zeroed memory.
func TestTypedCache(t *testing.T) {
	m := mmtest.Boot(t, 64<<20, nil)
	c := slab.NewCache[item]("item", 0)
	if c.Cachep == nil || c.Cachep.Object_size != uint32(unsafe.Sizeof(item{})) || c.Cachep.Align < uint32(unsafe.Alignof(item{})) {
		t.Fatalf("cache %+v", c.Cachep)
	}
	var list *item
	for i := 0; i < 1000; i++ {
		it := c.Zalloc(mm.GFP_KERNEL)
		if it == nil || it.key != 0 {
			t.Fatal("zalloc")
		}
		it.key = uint64(i)
		it.next = list
		list = it
	}
	n := 999
	for it := list; it != nil; it = it.next {
		if it.key != uint64(n) {
			t.Fatalf("item %d holds %d", n, it.key)
		}
		n--
	}
	for list != nil {
		next := list.next
		c.Free(list)
		list = next
	}
	m.Check(t)
	c.Destroy()

	cc := slab.NewCacheCtor("item_ctor", 0, itemCtor)
	constructed = 0
	a := cc.Alloc(mm.GFP_KERNEL)
	if a.key != 0xfeed {
		t.Fatalf("not constructed: %#x", a.key)
	}
	a.key = 7
	cc.Free(a)
	if b := cc.Alloc(mm.GFP_KERNEL); b != a || b.key != 7 {
		t.Fatal("reconstructed on reuse")
	}
	if uint64(constructed) != cc.Cachep.Grown*uint64(cc.Cachep.Num) {
		t.Fatalf("%d constructions for %d objects", constructed, cc.Cachep.Grown*uint64(cc.Cachep.Num))
	}

	z := slab.Kzalloc[item](mm.GFP_KERNEL)
	s := slab.KcallocSlice[uint64](3000, mm.GFP_KERNEL)
	if z == nil || len(s) != 3000 || z.key != 0 || s[2999] != 0 {
		t.Fatal("kzalloc/kcalloc")
	}
	s[2999] = 1
	slab.Kfree(z)
	slab.KfreeSlice(s)
	if slab.KcallocSlice[uint64](-1, mm.GFP_KERNEL) != nil || slab.KcallocSlice[[1 << 20]byte](1<<45, mm.GFP_KERNEL) != nil {
		t.Fatal("absurd kcalloc")
	}
	m.Check(t)
}

// TestTypedCacheCaller: slub_debug's alloc track names the caller of
// Alloc, not this package (Alloc is inlined into its caller).
func TestTypedCacheCaller(t *testing.T) {
	m := mmtest.Boot(t, 64<<20, []byte("U"))
	c := slab.NewCache[item]("item", 0)
	it := c.Alloc(mm.GFP_KERNEL)
	m.Log.Lines()
	c.Destroy() // refused: it is live; the report names who allocated it
	out := strings.Join(m.Log.Lines(), "\n")
	if !strings.Contains(out, "INFO: Allocated in gokern/mm/slab_test.TestTypedCacheCaller+") {
		t.Fatalf("track:\n%s", out)
	}
	c.Free(it)
	c.Destroy()
}

// BenchmarkTypedCache: a Cache[T]'s Alloc+Free of a 64-byte struct, with
// the per-CPU array and without it.
func BenchmarkTypedCache(b *testing.B) {
	for _, limit := range []uint32{120, 0} {
		name := "fastpath"
		if limit == 0 {
			name = "nofastpath"
		}
		b.Run(name, func(b *testing.B) {
			mmtest.Boot(b, 64<<20, nil)
			c := slab.NewCache[struct {
				next *item
				data [7]uint64
			}]("bench", 0)
			mm.Do_tune_cpucache(c.Cachep, limit, limit/2)
			c.Free(c.Alloc(mm.GFP_KERNEL))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.Free(c.Alloc(mm.GFP_KERNEL))
			}
		})
	}
}

// TestBenchTyped runs bench=slab's typed half on the host.
func TestBenchTyped(t *testing.T) {
	m := mmtest.Boot(t, 64<<20, nil)
	slab.BenchTyped()
	out := strings.Join(m.Log.Lines(), "\n")
	if strings.Count(out, "bench slab: typed Cache[64-byte struct] Alloc+Free") != 2 {
		t.Fatalf("%s", out)
	}
	m.Check(t)
}

// TestTypedSelftest runs the in-kernel selftest slab_typed on the
// simulated machine.
func TestTypedSelftest(t *testing.T) {
	m := mmtest.Boot(t, 64<<20, nil)
	var kt kunit.Kunit
	slab.Test_slab_typed(&kt)
	if kt.Failed() {
		t.Fatal("slab_typed failed")
	}
	m.Check(t)
}
