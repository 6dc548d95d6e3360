package mm

import (
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Host benchmarks of the slab allocator: ns per alloc+free pair, with the
// per-CPU array (the fast path: a pop and a push) and without it (every
// call goes to the node lists: index stack, list moves).

func benchSlab(b *testing.B, limit uint32, pair func()) {
	slabBoot(b, "")
	if limit != 120 {
		Do_tune_cpucache(Kmalloc_caches[KMALLOC_NORMAL][6], limit, limit/2)
	}
	pair() // warm: the first slab exists
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pair()
	}
}

func kmallocKfree64() { Kfree(Kmalloc(64, GFP_KERNEL)) }

func BenchmarkKmallocKfree64(b *testing.B) {
	b.Run("fastpath", func(b *testing.B) { benchSlab(b, 120, kmallocKfree64) })
	b.Run("nofastpath", func(b *testing.B) { benchSlab(b, 0, kmallocKfree64) })
}

// BenchmarkKmallocKfreeBatch: 100 allocations then 100 frees, so that the
// array refills and flushes in batches (the pair above always hits it).
func BenchmarkKmallocKfreeBatch(b *testing.B) {
	var p [100]unsafe.Pointer
	batch := func() {
		for i := range p {
			p[i] = Kmalloc(64, GFP_KERNEL)
		}
		for i := range p {
			Kfree(p[i])
		}
	}
	b.Run("fastpath", func(b *testing.B) { benchSlab(b, 120, batch) })
	b.Run("nofastpath", func(b *testing.B) { benchSlab(b, 0, batch) })
}

// TestSlabOverhead prints the memory each object costs beyond its size,
// for the kmalloc classes of 32, 64, 192 and 4096 bytes: the slab's
// leftover and descriptor (in the slab or kmalloc'd) shared among its
// objects, plus the struct pages of the slab's frames.
func TestSlabOverhead(t *testing.T) {
	slabBoot(t, "")
	for _, size := range []uint64{32, 64, 192, 4096} {
		c := kmalloc_slab(size, 0)
		slabBytes := float64(uint64(asm.PAGE_SIZE) << c.Gfporder)
		desc := 0.0
		where := "on-slab"
		if c.Flags&CFLGS_OFF_SLAB != 0 {
			desc = float64(c.Freelist_cache.Size)
			where = "off-slab in " + Kmem_cache_name(c.Freelist_cache)
		}
		pages := float64(uint64(1) << c.Gfporder * uint64(pageSize))
		per := (slabBytes+desc)/float64(c.Num) - float64(size)
		t.Logf("%-11s %3d objects in %d page(s), descriptor %s: %.1f bytes/object overhead (%.1f%%), %.1f more with struct page",
			Kmem_cache_name(c), c.Num, 1<<c.Gfporder, where, per, 100*per/float64(size), pages/float64(c.Num))
		if c.Num == 0 || per < 0 || per > float64(size) {
			t.Fatalf("%s: %d objects a slab, overhead %.1f", Kmem_cache_name(c), c.Num, per)
		}
	}
}

// TestBenchSlab runs bench=slab's code on the host: three lines, and
// kmalloc-64 keeps its array size.
func TestBenchSlab(t *testing.T) {
	m := vmallocBoot(t)
	c := Kmalloc_caches[KMALLOC_NORMAL][6]
	limit := c.Limit
	m.log.Lines()
	BenchSlab()
	out := m.log.Lines()
	if len(out) != 3 || c.Limit != limit {
		t.Fatalf("limit %d, was %d:\n%s", c.Limit, limit, out)
	}
	for _, l := range out {
		t.Log(l)
	}
	m.checkSlab()
}
