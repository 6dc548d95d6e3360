package mm

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Host tests of the slab allocator over the simulated machine: the buddy
// allocator of helpers_test.go underneath, the slab allocator as the
// kernel runs it.

// slabBoot boots a 128 MiB machine up to kmem_cache_init_late, with
// slub_debug set as opt says ("" for none).
func slabBoot(t testing.TB, slubDebug string) *machine {
	t.Helper()
	Setup_slub_debug(nil)
	Slub_debug = 0
	if slubDebug != "" {
		if slubDebug == "slub_debug" {
			Setup_slub_debug(nil)
		} else {
			Setup_slub_debug([]byte(strings.TrimPrefix(slubDebug, "slub_debug=")))
		}
	}
	t.Cleanup(func() { Slub_debug, slub_debug_string, Slab_bugs, Slab_state = 0, nil, 0, DOWN })
	m := defaultBoot(t, false)
	Kmem_cache_init_late()
	Slab_bugs = 0
	m.checkSlab()
	return m
}

func (m *machine) checkSlab() {
	m.t.Helper()
	if msg := Validate_all_slab_caches(); msg != "" {
		m.t.Fatalf("slab invariant: %s", msg)
	}
	m.check()
}

func addr(p unsafe.Pointer) uintptr { return uintptr(p) }

// TestKmallocCaches: every class from kmalloc_info exists with its name
// and size, power-of-two classes are aligned to their size, and kmalloc
// picks the smallest class that holds each size 1..8192.
func TestKmallocCaches(t *testing.T) {
	m := slabBoot(t, "")
	out := strings.Join(m.log.Lines(), "\n")
	if !strings.Contains(out, "SLAB: HWalign=64, Order=0-3, MinObjects=8, CPUs=1, Nodes=1") {
		t.Fatalf("no SLAB line:\n%s", out)
	}
	sizes := []uint32{8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192}
	for _, typ := range []int{KMALLOC_NORMAL, KMALLOC_DMA} {
		for _, size := range sizes {
			c := Kmalloc_caches[typ][kmalloc_index(uint64(size))]
			if c == nil || c.Object_size != size || !strings.HasSuffix(Kmem_cache_name(c), fmt.Sprint(size)) &&
				!strings.HasSuffix(Kmem_cache_name(c), fmt.Sprintf("%dk", size/1024)) {
				t.Fatalf("type %d size %d: cache %v", typ, size, c)
			}
			if size&(size-1) == 0 && c.Align < size {
				t.Fatalf("%s aligned to %d", Kmem_cache_name(c), c.Align)
			}
			if (typ == KMALLOC_DMA) != strings.HasPrefix(Kmem_cache_name(c), "dma-") || (typ == KMALLOC_DMA) != (c.Allocflags == GFP_DMA) {
				t.Fatalf("%s: allocflags %#x", Kmem_cache_name(c), c.Allocflags)
			}
		}
	}
	for n := uint64(1); n <= KMALLOC_MAX_CACHE_SIZE; n++ {
		c := kmalloc_slab(n, 0)
		want := sizes[sort.Search(len(sizes), func(i int) bool { return uint64(sizes[i]) >= n })]
		if c.Object_size != want {
			t.Fatalf("kmalloc(%d) uses %s, want the %d class", n, Kmem_cache_name(c), want)
		}
	}
}

// TestKmallocKsize: each kmalloc gives memory of at least the size asked,
// from the smallest class (ksize says which), aligned, zeroed with
// kzalloc; kfree gives it back.
func TestKmallocKsize(t *testing.T) {
	m := slabBoot(t, "")
	shrinkAll()
	free0 := Nr_free_pages()
	var ptrs []unsafe.Pointer
	for _, n := range []uint64{1, 7, 8, 9, 24, 33, 64, 65, 96, 97, 128, 129, 192, 193, 500, 1000, 2000, 4000, 4097, 8192, 8193, 20000, 1 << 20} {
		p := Kzalloc(n, GFP_KERNEL)
		if p == nil {
			t.Fatalf("kzalloc(%d) failed", n)
		}
		ks := Ksize(p)
		if ks < n {
			t.Fatalf("ksize(kmalloc(%d)) = %d", n, ks)
		}
		if n <= KMALLOC_MAX_CACHE_SIZE && ks != uint64(kmalloc_slab(n, 0).Object_size) {
			t.Fatalf("ksize(kmalloc(%d)) = %d, not its class", n, ks)
		}
		if n > KMALLOC_MAX_CACHE_SIZE && ks != asm.PAGE_SIZE<<get_order(n) {
			t.Fatalf("ksize(kmalloc_large(%d)) = %d", n, ks)
		}
		for i, b := range kmem_bytes(addr(p), uint32(ks)) {
			if b != 0 {
				t.Fatalf("kzalloc(%d) byte %d = %#x", n, i, b)
			}
		}
		if n >= 8 && addr(p)%8 != 0 || n > 8192 && addr(p)%asm.PAGE_SIZE != 0 {
			t.Fatalf("kmalloc(%d) = %#x misaligned", n, addr(p))
		}
		ptrs = append(ptrs, p)
	}
	m.checkSlab()
	if Nr_slab_pages == 0 {
		t.Fatal("no slab pages counted")
	}
	for _, p := range ptrs {
		Kfree(p)
	}
	shrinkAll()
	if Nr_free_pages() != free0 {
		t.Fatalf("free pages %d, %d before", Nr_free_pages(), free0)
	}
	m.checkSlab()
}

// shrinkAll shrinks every cache.
func shrinkAll() {
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		Kmem_cache_shrink(cacheOf(e))
	}
}

// TestKmallocBadInput: kmalloc(0) is ZERO_SIZE_PTR, absurd sizes fail
// with the page allocator's warning, kcalloc overflow fails silently,
// kfree(nil) and kfree(ZERO_SIZE_PTR) do nothing; a pointer no cache owns,
// one into the middle of an object or of a kmalloc_large block, are
// reported and nothing changes.
func TestKmallocBadInput(t *testing.T) {
	m := slabBoot(t, "")
	if p := Kmalloc(0, GFP_KERNEL); addr(p) != ZERO_SIZE_PTR || Ksize(p) != 0 {
		t.Fatalf("kmalloc(0) = %#x", addr(p))
	}
	Kfree(nil)
	Kfree(kptr(ZERO_SIZE_PTR))
	m.log.Lines()
	for _, n := range []uint64{KMALLOC_MAX_SIZE + 1, 1 << 40, ^uint64(0)} {
		if p := Kmalloc(n, GFP_KERNEL); p != nil {
			t.Fatalf("kmalloc(%#x) = %#x", n, addr(p))
		}
	}
	if out := strings.Join(m.log.Lines(), "\n"); strings.Count(out, "WARNING: alloc_pages: order ") != 3 {
		t.Fatalf("absurd sizes:\n%s", out)
	}
	if p := Kcalloc(1<<33, 1<<31, GFP_KERNEL); p != nil {
		t.Fatal("kcalloc overflow allocated")
	}
	if len(m.log.Lines()) != 0 {
		t.Fatal("kcalloc overflow printed")
	}
	m.checkSlab()

	p := Kmalloc(64, GFP_KERNEL)
	big := Kmalloc(20000, GFP_KERNEL)
	var static [64]byte
	cases := []struct {
		what string
		ptr  unsafe.Pointer
		want string
	}{
		{"static", unsafe.Pointer(&static[0]), "is not an address in the direct map of RAM: no cache owns it"},
		{"mid-object", unsafe.Add(p, 8), "BUG kmalloc-64 (Not tainted): Invalid object pointer"},
		{"mid-large", unsafe.Add(big, asm.PAGE_SIZE), "is not a slab object or the start of a kmalloc_large block: no cache owns it"},
		{"large+8", unsafe.Add(big, 8), "is not a slab object or the start of a kmalloc_large block"},
		{"reserved", kptr(uintptrOf(&Mem_map[0])), "no cache owns it"},
	}
	for _, c := range cases {
		bugs, free := Slab_bugs, Nr_free_pages()
		Slab_bugs = 0 // each report the first: "Not tainted"
		Kfree(c.ptr)
		out := strings.Join(m.log.Lines(), "\n")
		if !strings.Contains(out, c.want) || Slab_bugs != 1 || Nr_free_pages() != free {
			t.Fatalf("kfree %s: %d reports, free %d was %d:\n%s", c.what, Slab_bugs, Nr_free_pages(), free, out)
		}
		Slab_bugs = bugs + 1
		m.checkSlab()
	}
	Kfree(p)
	Kfree(big)
	m.checkSlab()
}

// TestCacheLayout: for a range of sizes, alignments and flags, objects
// never overlap, stay inside their slab, are aligned, and the invariants
// hold; then every object is freed and shrink gives every page back.
func TestCacheLayout(t *testing.T) {
	for _, debug := range []string{"", "slub_debug"} {
		t.Run("debug="+debug, func(t *testing.T) {
			m := slabBoot(t, debug)
			shrinkAll()
			free0 := Nr_free_pages()
			type spec struct {
				size, align uint32
				flags       SlabFlags
			}
			specs := []spec{{1, 0, 0}, {8, 0, 0}, {24, 0, SLAB_HWCACHE_ALIGN}, {40, 16, 0}, {100, 0, 0}, {200, 0, 0},
				{300, 64, 0}, {1000, 0, 0}, {3000, 0, 0}, {4096, 4096, 0}, {5000, 0, 0}, {70000, 0, 0}}
			type live struct{ start, end uintptr }
			var objs []live
			var caches []*KmemCache
			for i, sp := range specs {
				c := Kmem_cache_create(fmt.Sprintf("test-%d", i), sp.size, sp.align, sp.flags, nil)
				if c == nil {
					t.Fatalf("create %+v failed", sp)
				}
				caches = append(caches, c)
				want := max(sp.align, 8)
				if c.Align < want || c.Size%c.Align != 0 {
					t.Fatalf("%+v: align %d size %d", sp, c.Align, c.Size)
				}
				n := int(3*c.Num + 1)
				for j := 0; j < n; j++ {
					p := Kmem_cache_alloc(c, GFP_KERNEL)
					if p == nil {
						t.Fatalf("%+v: alloc %d failed", sp, j)
					}
					a := addr(p)
					if a%uintptr(want) != 0 {
						t.Fatalf("%+v: object %#x misaligned", sp, a)
					}
					pg := Virt_to_page(a)
					s := page_slab(pg)
					if !PageSlab(pg) || page_slab_cache(pg) != c ||
						a+uintptr(sp.size) > slab_address(s)+uintptr(asm.PAGE_SIZE)<<c.Gfporder {
						t.Fatalf("%+v: object %#x outside its slab", sp, a)
					}
					objs = append(objs, live{a, a + uintptr(sp.size)})
				}
			}
			sort.Slice(objs, func(i, j int) bool { return objs[i].start < objs[j].start })
			for i := 1; i < len(objs); i++ {
				if objs[i].start < objs[i-1].end {
					t.Fatalf("objects %#x-%#x and %#x-%#x overlap", objs[i-1].start, objs[i-1].end, objs[i].start, objs[i].end)
				}
			}
			m.checkSlab()
			for _, o := range objs {
				Kmem_cache_free(page_slab_cache(Virt_to_page(o.start)), kptr(o.start))
			}
			m.checkSlab()
			for _, c := range caches {
				if Kmem_cache_shrink(c) != 0 {
					t.Fatalf("%s still has slabs", Kmem_cache_name(c))
				}
				Kmem_cache_destroy(c)
			}
			shrinkAll()
			if Nr_free_pages() != free0 || Slab_bugs != 0 {
				t.Fatalf("free pages %d, %d before; %d slab bugs\n%s", Nr_free_pages(), free0,
					Slab_bugs, strings.Join(m.log.Lines(), "\n"))
			}
			m.checkSlab()
		})
	}
}

// TestColouring: successive slabs of a cache start their objects at
// 0, colour_off, 2*colour_off, ... up to the leftover, then wrap, so that
// their first objects use different cache lines.
func TestColouring(t *testing.T) {
	slabBoot(t, "")
	// 200-byte objects: 20 per page, 72 bytes of descriptor, 3 lines left.
	c := Kmem_cache_create("colour-test", 200, 0, 0, nil)
	if c.Colour_off != asm.L1_CACHE_BYTES || c.Colour < 2 {
		t.Fatalf("colour_off %d, %d colours", c.Colour_off, c.Colour)
	}
	var offsets []uint32
	for i := 0; i < int(2*c.Colour+1)*int(c.Num); i++ {
		p := Kmem_cache_alloc(c, GFP_KERNEL)
		s := page_slab(Virt_to_page(addr(p)))
		if idx, _ := obj_to_index(c, s, addr(p)); idx == 0 || s.Active == 1 {
			if len(offsets) == 0 || offsets[len(offsets)-1] != s.Colouroff || s.Active == 1 {
				offsets = append(offsets, uint32(addr(p)-slab_address(s)))
			}
		}
	}
	offsets = offsets[:2*c.Colour+1]
	for i, off := range offsets {
		if want := uint32(i) % c.Colour * c.Colour_off; off != want {
			t.Fatalf("slab %d starts its objects at %d, want %d (offsets %v)", i, off, want, offsets)
		}
	}
	t.Logf("colour-test: %d objects of %d bytes a slab, %d colours of %d bytes: first objects at %v",
		c.Num, c.Size, c.Colour, c.Colour_off, offsets)
}

// ctorCalls counts testCtor's calls.
var ctorCalls int

// testCtor marks an object as constructed and clears its user word.
func testCtor(obj unsafe.Pointer) {
	ctorCalls++
	p := (*[2]uint64)(obj)
	p[0] = 0xc0ffee
	p[1] = 0
}

// TestCtorOncePerObject: the constructor runs once per object, when its
// slab is made, not on every allocation: an object freed and allocated
// again keeps what its user left in it.
func TestCtorOncePerObject(t *testing.T) {
	for _, debug := range []string{"", "slub_debug"} {
		t.Run("debug="+debug, func(t *testing.T) {
			slabBoot(t, debug)
			c := Kmem_cache_create("ctor-test", 16, 0, 0, testCtor)
			ctorCalls = 0
			marks := map[uintptr]uint64{}
			var ps []unsafe.Pointer
			for round := uint64(1); round <= 3; round++ {
				// Few enough that no slab empties past free_limit: a
				// reaped slab's objects are new objects when it comes back.
				for i := 0; i < 150; i++ {
					p := Kmem_cache_alloc(c, GFP_KERNEL)
					w := (*[2]uint64)(p)
					if w[0] != 0xc0ffee || w[1] != marks[addr(p)] {
						t.Fatalf("round %d: object %#x: %#x, user word %d, want %d", round, addr(p), w[0], w[1], marks[addr(p)])
					}
					w[1] = round
					marks[addr(p)] = round
					ps = append(ps, p)
				}
				for _, p := range ps {
					Kmem_cache_free(c, p)
				}
				ps = ps[:0]
			}
			if uint64(ctorCalls) != c.Grown*uint64(c.Num) || c.Reaped != 0 {
				t.Fatalf("%d constructor calls for %d slabs of %d objects (%d reaped)", ctorCalls, c.Grown, c.Num, c.Reaped)
			}
		})
	}
}

// TestLIFO: an object freed is the next one allocated, through the
// per-CPU array and without it (the slab's free list is a stack too).
func TestLIFO(t *testing.T) {
	slabBoot(t, "")
	c := Kmem_cache_create("lifo-test", 64, 0, 0, nil)
	for _, limit := range []uint32{120, 0} {
		if !Do_tune_cpucache(c, limit, limit/2) {
			t.Fatal("tune")
		}
		a, b := Kmem_cache_alloc(c, GFP_KERNEL), Kmem_cache_alloc(c, GFP_KERNEL)
		Kmem_cache_free(c, a)
		Kmem_cache_free(c, b)
		if x, y := Kmem_cache_alloc(c, GFP_KERNEL), Kmem_cache_alloc(c, GFP_KERNEL); x != b || y != a {
			t.Fatalf("limit %d: freed %#x then %#x, got %#x then %#x", limit, addr(a), addr(b), addr(x), addr(y))
		}
	}
}

// TestShrinkDestroy: empty slabs go back to the buddy allocator on
// shrink and destroy; destroying a cache with objects is reported with
// Linux's message and keeps the cache.
func TestShrinkDestroy(t *testing.T) {
	m := slabBoot(t, "slub_debug=U,shrink-test")
	shrinkAll()
	free0 := Nr_free_pages()
	c := Kmem_cache_create("shrink-test", 512, 0, 0, nil)
	var ps []unsafe.Pointer
	for i := 0; i < 1000; i++ {
		ps = append(ps, Kmem_cache_alloc(c, GFP_KERNEL))
	}
	if Nr_free_pages() >= free0 {
		t.Fatal("no pages used")
	}
	for _, p := range ps[1:] {
		Kmem_cache_free(c, p)
	}
	m.log.Lines()
	Kmem_cache_destroy(c)
	out := strings.Join(m.log.Lines(), "\n")
	if !strings.Contains(out, "kmem_cache_destroy shrink-test: Slab cache still has objects when called from ") ||
		!strings.Contains(out, fmt.Sprintf("INFO: Object 0x%016x", addr(ps[0]))) || !strings.Contains(out, "INFO: Allocated in ") ||
		!strings.Contains(out, "TestShrinkDestroy") {
		t.Fatalf("destroy with object %#x:\n%s", addr(ps[0]), out)
	}
	m.checkSlab()
	if a, _, as, ns := kmem_cache_node_objects(c); a != 1 || as != 1 || ns != 1 {
		t.Fatalf("after the failed destroy: %d objects in %d/%d slabs", a, as, ns)
	}
	Kmem_cache_free(c, ps[0])
	Kmem_cache_destroy(c)
	if len(m.log.Lines()) != 0 {
		t.Fatal("the second destroy printed")
	}
	m.checkSlab()
	shrinkAll() // the slab of kmem_cache that held the cache's struct
	if Nr_free_pages() != free0 {
		t.Fatalf("free pages %d, %d before the cache", Nr_free_pages(), free0)
	}
	// A boot cache cannot go.
	Kmem_cache_destroy(Kmalloc_caches[0][6])
	if out := strings.Join(m.log.Lines(), "\n"); !strings.Contains(out, "kmem_cache_destroy kmalloc-64: a boot cache cannot be destroyed") {
		t.Fatalf("destroying kmalloc-64:\n%s", out)
	}
}

// TestWrongCache: kmem_cache_free with another cache is Linux's "Wrong
// slab cache" warning, and the object goes back to its own cache.
func TestWrongCache(t *testing.T) {
	m := slabBoot(t, "")
	a := Kmem_cache_create("cache-a", 64, 0, 0, nil)
	b := Kmem_cache_create("cache-b", 64, 0, 0, nil)
	p := Kmem_cache_alloc(a, GFP_KERNEL)
	m.log.Lines()
	Kmem_cache_free(b, p)
	out := strings.Join(m.log.Lines(), "\n")
	if !strings.Contains(out, "WARNING: kmem_cache_free: Wrong slab cache. cache-b but object is from cache-a") {
		t.Fatalf("wrong cache:\n%s", out)
	}
	if q := Kmem_cache_alloc(a, GFP_KERNEL); q != p {
		t.Fatal("the object did not go back to its own cache")
	}
	m.checkSlab()
}

// TestCreateBadInput: kmem_cache_create refuses what Linux refuses.
func TestCreateBadInput(t *testing.T) {
	m := slabBoot(t, "")
	for _, c := range []struct {
		name        string
		size, align uint32
		flags       SlabFlags
	}{{"", 8, 0, 0}, {"zero", 0, 0, 0}, {"huge", KMALLOC_MAX_SIZE + 1, 0, 0}, {"align", 8, 24, 0}, {"flags", 8, 0, 1}} {
		m.log.Lines()
		if Kmem_cache_create(c.name, c.size, c.align, c.flags, nil) != nil {
			t.Fatalf("%+v created", c)
		}
		out := strings.Join(m.log.Lines(), "\n")
		if !strings.Contains(out, "integrity check failed") || !strings.Contains(out, "failed with error -22") {
			t.Fatalf("%+v:\n%s", c, out)
		}
	}
	m.checkSlab()
}

// TestRetuneOwnArray: kmalloc-512's per-CPU array (54 entries, 472 bytes)
// is a kmalloc-512 object itself; resizing it frees the old array into
// the new one, and no object is lost on the way.
func TestRetuneOwnArray(t *testing.T) {
	m := slabBoot(t, "")
	c := Kmalloc_caches[KMALLOC_NORMAL][9]
	if Virt_to_page(uintptr(unsafe.Pointer(c.Cpu_cache[0]))) == nil || page_slab_cache(Virt_to_page(uintptr(unsafe.Pointer(c.Cpu_cache[0])))) != c {
		t.Fatalf("%s's array is not one of its objects", Kmem_cache_name(c))
	}
	handedOut := func() uint64 {
		a, _, _, _ := kmem_cache_node_objects(c)
		return a - uint64(c.Cpu_cache[0].Avail)
	}
	before := handedOut()
	for _, limit := range []uint32{54, 40, 30, 54} { // arrays of 280-472 bytes: kmalloc-512 objects
		if !Do_tune_cpucache(c, limit, limit/2) {
			t.Fatal("tune")
		}
		m.checkSlab()
		if got := handedOut(); got != before {
			t.Fatalf("limit %d: %d objects handed out, %d before", limit, got, before)
		}
	}
}
