package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kunit"
	"gokern/printk"
)

// In-kernel selftests of the slab allocator and kmalloc (selftest=all, or
// by name: slab_*, kmalloc_*). Linux has lib/slub_kunit.c (the slub_debug
// detections, each on a deliberate bug) and lib/test_meminit.c in the same
// spirit. Each test leaves the allocators as it found them, and checks the
// invariants (Validate_all_slab_caches, CheckInvariants) at its end.

// slabInvariants fails the test if an allocator invariant is broken.
func slabInvariants(t *kunit.Kunit, what string) {
	if msg := Validate_all_slab_caches(); msg != "" {
		t.Errorf("%s: slab: %s", printk.Str(what), printk.Str(msg))
	}
	if msg := CheckInvariants(); msg != "" {
		t.Errorf("%s: buddy: %s", printk.Str(what), printk.Str(msg))
	}
}

// shrink_all_caches gives every cache's free slabs back, so that free page
// counts can be compared.
func shrink_all_caches() {
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		Kmem_cache_shrink(cacheOf(e))
	}
}

// Test_slab_cache: a cache's objects are aligned and never overlap (each
// is filled with its own number and keeps it), and once they are freed,
// shrink and destroy give every page back.
func Test_slab_cache(t *kunit.Kunit) {
	shrink_all_caches()
	free0 := Nr_free_pages()
	c := Kmem_cache_create("slab_test", 100, 16, 0, nil)
	if c == nil {
		t.Errorf("kmem_cache_create failed")
		return
	}
	n := 3*c.Num + 1
	objs := (*[1 << 16]unsafe.Pointer)(Kcalloc(uint64(n), 8, GFP_KERNEL))
	if objs == nil {
		t.Errorf("kcalloc of %d pointers failed", printk.Int(n))
		return
	}
	for i := uint32(0); i < n; i++ {
		p := Kmem_cache_alloc(c, GFP_KERNEL)
		if p == nil || uintptr(p)%16 != 0 {
			t.Errorf("object %d: %p (align 16)", printk.Int(i), printk.Int(uintptr(p)))
			return
		}
		memset(uintptr(p), byte(i), 100)
		objs[i] = p
	}
	slabInvariants(t, "all allocated")
	for i := uint32(0); i < n; i++ {
		for j, b := range kmem_bytes(uintptr(objs[i]), 100) {
			if b != byte(i) {
				t.Errorf("object %d byte %d is %#x: another object overlaps it", printk.Int(i), printk.Int(j), printk.Int(b))
				return
			}
		}
	}
	_, num, _, slabs := kmem_cache_node_objects(c)
	t.Logf("slab_test: %d objects of %d bytes (stride %d, align %d) in %d slabs of %d pages, %d a slab",
		printk.Int(n), printk.Int(c.Object_size), printk.Int(c.Size), printk.Int(c.Align), printk.Int(slabs),
		printk.Int(1<<c.Gfporder), printk.Int(num/slabs))
	for i := uint32(0); i < n; i++ {
		Kmem_cache_free(c, objs[i])
	}
	Kfree(unsafe.Pointer(objs))
	if Kmem_cache_shrink(c) != 0 {
		t.Errorf("slabs left after freeing everything and shrinking")
	}
	Kmem_cache_destroy(c)
	shrink_all_caches()
	if Nr_free_pages() != free0 {
		t.Errorf("%d free pages after destroy, %d before the cache", printk.Int(Nr_free_pages()), printk.Int(free0))
	}
	slabInvariants(t, "after destroy")
}

// Test_slab_colour: successive slabs put their first object at colour
// offsets 0, 64, 128, ... through the leftover, then wrap (seeds/002
// "Slab Coloring"). The offsets are printed for docs/slab.md.
func Test_slab_colour(t *kunit.Kunit) {
	// The first object size from 200 bytes up whose slabs have at least
	// two colours (200 has without slub_debug: 19 objects, 184 bytes
	// left; its metadata changes the sums).
	var c *KmemCache
	for size := uint32(200); size < 1024 && (c == nil || c.Colour < 2); size += 8 {
		Kmem_cache_destroy(c)
		c = Kmem_cache_create("colour_test", size, 0, 0, nil)
		if c == nil {
			t.Errorf("kmem_cache_create failed")
			return
		}
	}
	const slabs = 6
	var seen [slabs]*Slab // the slabs in the order they were made
	var held [slabs * 64]unsafe.Pointer
	k, ns := 0, 0
	for ns < slabs && k < len(held) {
		p := Kmem_cache_alloc(c, GFP_KERNEL)
		held[k] = p
		k++
		sl := page_slab(Virt_to_page(uintptr(p)))
		known := false
		for _, x := range seen[:ns] {
			known = known || x == sl
		}
		if !known {
			seen[ns] = sl
			ns++
		}
	}
	t.Logf("colour_test: %d objects of %d bytes a slab, %d colours of %d bytes",
		printk.Int(c.Num), printk.Int(c.Size), printk.Int(c.Colour), printk.Int(c.Colour_off))
	for s, sl := range seen[:ns] {
		off := index_to_obj(c, sl, 0) - slab_address(sl)
		want := uintptr(uint32(s)%max(c.Colour, 1)) * uintptr(c.Colour_off)
		t.Logf("slab %d at %p: first object at offset %d (cache line %d)", printk.Int(s), printk.Int(slab_address(sl)),
			printk.Int(off), printk.Int(off/asm.L1_CACHE_BYTES))
		if off != want+uintptr(c.Red_left_pad) {
			t.Errorf("slab %d: first object at offset %d, want %d", printk.Int(s), printk.Int(off), printk.Int(want))
		}
	}
	if ns < slabs {
		t.Errorf("only %d slabs made", printk.Int(ns))
	}
	for i := 0; i < k; i++ {
		Kmem_cache_free(c, held[i])
	}
	Kmem_cache_destroy(c)
	slabInvariants(t, "colour")
}

// slab_ctor_calls counts slab_test_ctor's calls.
var slab_ctor_calls uint64

// slab_test_ctor constructs an object: a magic word, the user word 0.
func slab_test_ctor(obj unsafe.Pointer) {
	slab_ctor_calls++
	w := (*[2]uint64)(obj)
	w[0], w[1] = 0xc0ffee, 0
}

// Test_slab_ctor: the constructor runs once per object, when its slab is
// made; an object freed and allocated again keeps what its user left.
func Test_slab_ctor(t *kunit.Kunit) {
	c := Kmem_cache_create("ctor_test", 16, 0, 0, slab_test_ctor)
	if c == nil {
		t.Errorf("kmem_cache_create failed")
		return
	}
	slab_ctor_calls = 0
	p := Kmem_cache_alloc(c, GFP_KERNEL)
	w := (*[2]uint64)(p)
	if w[0] != 0xc0ffee || w[1] != 0 {
		t.Errorf("a new object is not constructed: %#x %#x", printk.Int(w[0]), printk.Int(w[1]))
	}
	w[1] = 42
	Kmem_cache_free(c, p)
	q := Kmem_cache_alloc(c, GFP_KERNEL)
	if q != p || (*[2]uint64)(q)[1] != 42 {
		t.Errorf("the object came back constructed again, or not at all (%p, %p)", printk.Int(uintptr(p)), printk.Int(uintptr(q)))
	}
	Kmem_cache_free(c, q)
	if slab_ctor_calls != c.Grown*uint64(c.Num) {
		t.Errorf("%d constructor calls for %d slabs of %d objects", printk.Int(slab_ctor_calls), printk.Int(c.Grown), printk.Int(c.Num))
	}
	Kmem_cache_destroy(c)
	slabInvariants(t, "ctor")
}

// Test_slab_lifo: the object freed last is the next handed out, through
// the per-CPU array and, with the array off, through the slab's free list.
func Test_slab_lifo(t *kunit.Kunit) {
	c := Kmem_cache_create("lifo_test", 64, 0, 0, nil)
	if c == nil {
		t.Errorf("kmem_cache_create failed")
		return
	}
	for _, limit := range [2]uint32{120, 0} {
		Do_tune_cpucache(c, limit, limit/2)
		a, b := Kmem_cache_alloc(c, GFP_KERNEL), Kmem_cache_alloc(c, GFP_KERNEL)
		Kmem_cache_free(c, a)
		Kmem_cache_free(c, b)
		if x, y := Kmem_cache_alloc(c, GFP_KERNEL), Kmem_cache_alloc(c, GFP_KERNEL); x != b || y != a {
			t.Errorf("array limit %d: freed %p then %p, got %p then %p", printk.Int(limit), printk.Int(uintptr(a)),
				printk.Int(uintptr(b)), printk.Int(uintptr(x)), printk.Int(uintptr(y)))
		}
		Kmem_cache_free(c, a)
		Kmem_cache_free(c, b)
	}
	Kmem_cache_destroy(c)
	slabInvariants(t, "lifo")
}

// Test_slab_destroy_busy: destroying a cache that still has an object is
// Linux's "Slab cache still has objects" report; the cache stays and
// works, and goes once the object is freed.
func Test_slab_destroy_busy(t *kunit.Kunit) {
	c := Kmem_cache_create("busy_test", 32, 0, 0, nil)
	if c == nil {
		t.Errorf("kmem_cache_create failed")
		return
	}
	p := Kmem_cache_alloc(c, GFP_KERNEL)
	bugs := Slab_bugs
	Kmem_cache_destroy(c)
	if Slab_bugs != bugs+1 || !printk.LogContains("kmem_cache_destroy busy_test: Slab cache still has objects when called from ") {
		t.Errorf("destroy with an object was not reported")
	}
	slabInvariants(t, "after the refused destroy")
	if q := Kmem_cache_alloc(c, GFP_KERNEL); q == nil {
		t.Errorf("the kept cache does not allocate")
	} else {
		Kmem_cache_free(c, q)
	}
	Kmem_cache_free(c, p)
	bugs = Slab_bugs
	Kmem_cache_destroy(c)
	if Slab_bugs != bugs {
		t.Errorf("destroy of the empty cache reported a problem")
	}
	slabInvariants(t, "after destroy")
}

// slubTestCache is the cache the slub_debug tests corrupt: kmalloc-64 when
// slub_debug covers it (the reports then say "BUG kmalloc-64"), else a
// cache of 64-byte objects with F, Z, P and U of its own.
func slubTestCache() (*KmemCache, bool) {
	if k := Kmalloc_caches[KMALLOC_NORMAL][6]; k != nil && k.Flags&DEBUG_DEFAULT_FLAGS == DEBUG_DEFAULT_FLAGS {
		return k, false
	}
	return Kmem_cache_create("slub_test", 64, 0, DEBUG_DEFAULT_FLAGS, nil), true
}

// objAlloc and objFree are small enough to be inlined (one call each), so
// that the reports name the test that allocated and freed, as Linux's
// inline kmalloc names its caller.
func objAlloc(c *KmemCache) *[64]byte { return (*[64]byte)(Kmem_cache_alloc(c, GFP_KERNEL)) }

func objFree(c *KmemCache, p *[64]byte) { Kmem_cache_free(c, unsafe.Pointer(p)) }

func slubTestDone(t *kunit.Kunit, c *KmemCache, own bool, what string) {
	if own {
		Kmem_cache_destroy(c)
	}
	slabInvariants(t, what)
}

// reported checks that the last report was about c, what, and the object
// at obj, and counted once.
func reported(t *kunit.Kunit, c *KmemCache, bugs uint64, what string, obj uintptr) {
	var b [128]byte
	n := printk.Snprintf(b[:], "BUG %s (", printk.Str(Kmem_cache_name(c)))
	m := printk.Snprintf(b[n:], "): %s", printk.Str(what))
	if Slab_bugs != bugs+1 || !printk.LogContains(stringOf(b[:n])) || !printk.LogContains(stringOf(b[n:n+m])) {
		t.Errorf("%s was not reported once (%d reports)", printk.Str(what), printk.Int(Slab_bugs-bugs))
	}
	n = printk.Snprintf(b[:], "INFO: Object %p @offset=", printk.Int(obj))
	if !printk.LogContains(stringOf(b[:n])) {
		t.Errorf("%s: the report does not name the object %p", printk.Str(what), printk.Int(obj))
	}
}

// Test_slab_debug_right_redzone: a byte written just past an object is
// reported when the object is freed ("Right Redzone overwritten"), the red
// zone is restored, the object stays allocated (as Linux leaves it), and
// a second free then works.
func Test_slab_debug_right_redzone(t *kunit.Kunit) {
	c, own := slubTestCache()
	if c == nil {
		t.Errorf("no debug cache")
		return
	}
	p := objAlloc(c)
	bugs := Slab_bugs
	*(*byte)(unsafe.Add(unsafe.Pointer(p), c.Object_size)) = 0 // one past the end
	objFree(c, p)
	reported(t, c, bugs, "Right Redzone overwritten", uintptr(unsafe.Pointer(p)))
	if z := *(*byte)(unsafe.Add(unsafe.Pointer(p), c.Object_size)); z != SLUB_RED_ACTIVE {
		t.Errorf("the red zone was not restored: %#x", printk.Int(z))
	}
	bugs = Slab_bugs
	objFree(c, p)
	if Slab_bugs != bugs {
		t.Errorf("freeing the repaired object was reported again")
	}
	slubTestDone(t, c, own, "right redzone")
}

// Test_slab_debug_left_redzone: a byte written just before an object is
// reported at its free ("Left Redzone overwritten") and repaired.
func Test_slab_debug_left_redzone(t *kunit.Kunit) {
	c, own := slubTestCache()
	if c == nil {
		t.Errorf("no debug cache")
		return
	}
	p := objAlloc(c)
	bugs := Slab_bugs
	*(*byte)(unsafe.Add(unsafe.Pointer(p), -1)) = 0x42 // one before the start
	objFree(c, p)
	reported(t, c, bugs, "Left Redzone overwritten", uintptr(unsafe.Pointer(p)))
	bugs = Slab_bugs
	objFree(c, p)
	if Slab_bugs != bugs {
		t.Errorf("freeing the repaired object was reported again")
	}
	slubTestDone(t, c, own, "left redzone")
}

// Test_slab_debug_use_after_free: a write to a freed object is found when
// the object is next allocated ("Poison overwritten"), with who allocated
// and who freed it; the poison is restored and the object handed out.
func Test_slab_debug_use_after_free(t *kunit.Kunit) {
	c, own := slubTestCache()
	if c == nil {
		t.Errorf("no debug cache")
		return
	}
	p := objAlloc(c)
	objFree(c, p)
	bugs := Slab_bugs
	p[10] = 0x42 // after the free
	q := objAlloc(c)
	if q != p {
		t.Errorf("the freed object %p did not come back first (%p)", printk.Int(uintptr(unsafe.Pointer(p))), printk.Int(uintptr(unsafe.Pointer(q))))
	}
	reported(t, c, bugs, "Poison overwritten", uintptr(unsafe.Pointer(p)))
	if !printk.LogContains("INFO: Freed in ") {
		t.Errorf("the report does not say who freed the object")
	}
	if q[10] != POISON_FREE {
		t.Errorf("the poison was not restored: %#x", printk.Int(q[10]))
	}
	objFree(c, q)
	slubTestDone(t, c, own, "use after free")
}

// Test_slab_debug_double_free: a second free of an object is reported
// ("Object already free") and ignored: the object is handed out once.
func Test_slab_debug_double_free(t *kunit.Kunit) {
	c, own := slubTestCache()
	if c == nil {
		t.Errorf("no debug cache")
		return
	}
	p := objAlloc(c)
	objFree(c, p)
	bugs := Slab_bugs
	objFree(c, p)
	reported(t, c, bugs, "Object already free", uintptr(unsafe.Pointer(p)))
	x, y := objAlloc(c), objAlloc(c)
	if x != p || y == p {
		t.Errorf("after the double free: %p then %p (the object is %p)", printk.Int(uintptr(unsafe.Pointer(x))),
			printk.Int(uintptr(unsafe.Pointer(y))), printk.Int(uintptr(unsafe.Pointer(p))))
	}
	objFree(c, x)
	objFree(c, y)
	slubTestDone(t, c, own, "double free")
}

// slab_test_static is memory no cache owns.
var slab_test_static [64]byte

// Test_slab_bad_pointer: freeing a pointer into the middle of an object,
// a pointer no cache owns (kernel data, the inside of a kmalloc_large
// block), or an object with the wrong cache is reported; nothing is
// corrupted and the wrong-cache object goes back to its own cache.
func Test_slab_bad_pointer(t *kunit.Kunit) {
	c, own := slubTestCache()
	if c == nil {
		t.Errorf("no debug cache")
		return
	}
	p := objAlloc(c)
	bugs := Slab_bugs
	objFree(c, (*[64]byte)(unsafe.Add(unsafe.Pointer(p), 8)))
	if Slab_bugs != bugs+1 || !printk.LogContains("): Invalid object pointer ") {
		t.Errorf("a pointer into an object was not reported")
	}
	big := Kmalloc(3*asm.PAGE_SIZE, GFP_KERNEL)
	free := Nr_free_pages()
	bugs = Slab_bugs
	Kfree(unsafe.Pointer(&slab_test_static[0]))
	Kfree(unsafe.Add(big, asm.PAGE_SIZE))
	Kmem_cache_free(c, unsafe.Add(big, 64))
	if Slab_bugs != bugs+3 || Nr_free_pages() != free || !printk.LogContains("no cache owns it") {
		t.Errorf("pointers no cache owns: %d reports, want 3", printk.Int(Slab_bugs-bugs))
	}
	Kfree(big)
	other := Kmem_cache_create("wrong_cache_test", 64, 0, 0, nil)
	bugs = Slab_bugs
	Kmem_cache_free(other, unsafe.Pointer(p))
	if Slab_bugs != bugs+1 || !printk.LogContains("Wrong slab cache. wrong_cache_test but object is from ") {
		t.Errorf("a free into the wrong cache was not reported")
	}
	if q := objAlloc(c); q != p {
		t.Errorf("the object did not go back to its own cache")
	} else {
		objFree(c, q)
	}
	Kmem_cache_destroy(other)
	slubTestDone(t, c, own, "bad pointers")
}

// kmalloc_test_sizes: sizes around each class boundary.
var kmalloc_test_sizes = [...]uint64{1, 8, 9, 16, 17, 32, 33, 64, 65, 96, 97, 128, 129, 192, 193, 256, 257, 512, 513,
	1024, 1025, 2048, 2049, 4096, 4097, 8192}

// Test_kmalloc_sizes: kmalloc takes the smallest class that holds each
// size (ksize says which: at least the size, less than the next class
// down could not), the memory is usable to its ksize, and kzalloc zeroes.
func Test_kmalloc_sizes(t *kunit.Kunit) {
	for _, n := range kmalloc_test_sizes {
		p := Kmalloc(n, GFP_KERNEL)
		ks := Ksize(p)
		c := kmalloc_slab(n, 0)
		if p == nil || ks < n || ks != uint64(c.Object_size) || page_slab_cache(Virt_to_page(uintptr(p))) != c {
			t.Errorf("kmalloc(%d): %p, ksize %d", printk.Int(n), printk.Int(uintptr(p)), printk.Int(ks))
			continue
		}
		if idx := kmalloc_index(n); idx > KMALLOC_SHIFT_LOW && idx != 1 && idx != 2 {
			if smaller := Kmalloc_caches[0][idx-1]; n <= uint64(smaller.Object_size) {
				t.Errorf("kmalloc(%d) took %s though %s fits", printk.Int(n), printk.Str(Kmem_cache_name(c)), printk.Str(Kmem_cache_name(smaller)))
			}
		}
		memset(uintptr(p), 0xa5, uint32(ks))
		Kfree(p)
		z := Kzalloc(n, GFP_KERNEL)
		for i, b := range kmem_bytes(uintptr(z), uint32(n)) {
			if b != 0 {
				t.Errorf("kzalloc(%d): byte %d is %#x", printk.Int(n), printk.Int(i), printk.Int(b))
				break
			}
		}
		Kfree(z)
	}
	slabInvariants(t, "sizes")
}

// Test_kmalloc_large: above 8 KiB kmalloc takes whole pages, a PG_head
// block of the page allocator; kfree gives them back; ksize is the block.
func Test_kmalloc_large(t *kunit.Kunit) {
	free := Nr_free_pages()
	for _, n := range [...]uint64{KMALLOC_MAX_CACHE_SIZE + 1, 100000, 1 << 20, KMALLOC_MAX_SIZE} {
		p := Kmalloc(n, GFP_KERNEL)
		if p == nil {
			t.Errorf("kmalloc(%d) failed", printk.Int(n))
			continue
		}
		pg := Virt_to_page(uintptr(p))
		if uintptr(p)%asm.PAGE_SIZE != 0 || PageSlab(pg) || !PageHead(pg) || Ksize(p) != asm.PAGE_SIZE<<get_order(n) {
			t.Errorf("kmalloc(%d) = %p: not a page-aligned PG_head block of order %d (ksize %d)", printk.Int(n),
				printk.Int(uintptr(p)), printk.Int(get_order(n)), printk.Int(Ksize(p)))
		}
		if free-Nr_free_pages() != 1<<get_order(n) {
			t.Errorf("kmalloc(%d) took %d pages", printk.Int(n), printk.Int(free-Nr_free_pages()))
		}
		Kfree(p)
		if Nr_free_pages() != free {
			t.Errorf("kfree of kmalloc(%d) left %d pages out", printk.Int(n), printk.Int(free-Nr_free_pages()))
		}
	}
	slabInvariants(t, "large")
}

// Test_kmalloc_dma: GFP_DMA uses the dma-kmalloc classes, whose slabs lie
// below 16 MiB.
func Test_kmalloc_dma(t *kunit.Kunit) {
	p := Kmalloc(100, GFP_KERNEL|GFP_DMA)
	if p == nil {
		t.Errorf("kmalloc(100, GFP_DMA) failed")
		return
	}
	c := page_slab_cache(Virt_to_page(uintptr(p)))
	if Kmem_cache_name(c) != "dma-kmalloc-128" || pa(uintptr(p)) >= MAX_DMA_PFN<<asm.PAGE_SHIFT {
		t.Errorf("kmalloc(100, GFP_DMA) = %p (physical %#x) from %s", printk.Int(uintptr(p)), printk.Int(pa(uintptr(p))),
			printk.Str(Kmem_cache_name(c)))
	}
	Kfree(p)
	slabInvariants(t, "dma")
}

// Test_slab_bad_input: kmem_cache_create refuses what Linux's
// kmem_cache_sanity_check and flag check refuse — no name, size 0, a size
// above KMALLOC_MAX_SIZE (and the largest uint32), an alignment that is
// not a power of two, an unknown flag — each with a report naming the
// cache and the values and an error -22, and none of them makes a cache
// or takes a page; a cache that was never made (nil) allocates nothing
// and frees nothing.
func Test_slab_bad_input(t *kunit.Kunit) {
	shrink_all_caches()
	free := Nr_free_pages()
	caches := 0
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		caches++
	}
	for _, c := range [...]struct {
		name        string
		size, align uint32
		flags       SlabFlags
		report      string
	}{
		{"", 24, 0, 0, "kmem_cache_create() integrity check failed: size 24, align 0, flags 0x0"},
		{"bad_zero_test", 0, 0, 0, "kmem_cache_create(bad_zero_test) integrity check failed: size 0, align 0, flags 0x0"},
		{"bad_huge_test", KMALLOC_MAX_SIZE + 1, 0, 0, "kmem_cache_create(bad_huge_test) integrity check failed: size 4194305, "},
		{"bad_max_test", ^uint32(0), 0, 0, "kmem_cache_create(bad_max_test) integrity check failed: size 4294967295, "},
		{"bad_align_test", 64, 24, 0, "kmem_cache_create(bad_align_test) integrity check failed: size 64, align 24, "},
		{"bad_flags_test", 64, 0, 1, "kmem_cache_create(bad_flags_test) integrity check failed: size 64, align 0, flags 0x1"},
	} {
		if k := Kmem_cache_create(c.name, c.size, c.align, c.flags, nil); k != nil {
			t.Errorf("kmem_cache_create(%s, %d, %d, %#x) made a cache", printk.Str(c.name), printk.Int(c.size),
				printk.Int(c.align), printk.Int(c.flags))
			Kmem_cache_destroy(k)
		} else if !printk.LogContains(c.report) {
			t.Errorf("kmem_cache_create(%s, %d): no report", printk.Str(c.name), printk.Int(c.size))
		}
	}
	if !printk.LogContains("kmem_cache_create(bad_flags_test) failed with error -22, from ") {
		t.Errorf("no error -22 and caller")
	}
	// A boot cache (kmalloc-64) cannot go: reported, kept, still working.
	bugs := Slab_bugs
	k64 := Kmalloc_caches[KMALLOC_NORMAL][6]
	Kmem_cache_destroy(k64)
	if Slab_bugs != bugs+1 || !printk.LogContains("kmem_cache_destroy kmalloc-64: a boot cache cannot be destroyed, called from ") {
		t.Errorf("destroying kmalloc-64 was not refused")
	}
	if p := Kmem_cache_alloc(k64, GFP_KERNEL); p == nil {
		t.Errorf("kmalloc-64 does not allocate after the refused destroy")
	} else {
		Kfree(p)
	}
	if Kmem_cache_alloc(nil, GFP_KERNEL) != nil || Kmem_cache_zalloc(nil, GFP_KERNEL) != nil {
		t.Errorf("a nil cache allocated")
	}
	Kmem_cache_free(nil, nil)
	Kmem_cache_destroy(nil)
	n := 0
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		n++
	}
	shrink_all_caches()
	if n != caches || Nr_free_pages() != free {
		t.Errorf("%d caches and %d free pages after the bad calls, %d and %d before", printk.Int(n),
			printk.Int(Nr_free_pages()), printk.Int(caches), printk.Int(free))
	}
	slabInvariants(t, "bad kmem_cache_create")
}

// Test_kmalloc_bad_input: kmalloc(0) is ZERO_SIZE_PTR (ksize 0, kfree
// takes it); kfree(NULL) does nothing; sizes no block can hold fail with
// the page allocator's warning; kcalloc's overflow fails quietly; krealloc
// keeps a block that still fits, moves one that does not, and frees for 0.
func Test_kmalloc_bad_input(t *kunit.Kunit) {
	shrink_all_caches()
	free := Nr_free_pages()
	z := Kmalloc(0, GFP_KERNEL)
	if uintptr(z) != ZERO_SIZE_PTR || Ksize(z) != 0 {
		t.Errorf("kmalloc(0) = %p", printk.Int(uintptr(z)))
	}
	Kfree(z)
	Kfree(nil)
	for _, n := range [...]uint64{KMALLOC_MAX_SIZE + 1, 1 << 40, ^uint64(0)} {
		if p := Kmalloc(n, GFP_KERNEL); p != nil {
			t.Errorf("kmalloc(%#x) = %p", printk.Int(n), printk.Int(uintptr(p)))
		}
	}
	if p := Kcalloc(1<<33, 1<<31, GFP_KERNEL); p != nil {
		t.Errorf("kcalloc(2^33, 2^31) = %p", printk.Int(uintptr(p)))
	}
	p := Kmalloc(40, GFP_KERNEL)
	memset(uintptr(p), 0x3c, 40)
	if q := Krealloc(p, 60, GFP_KERNEL); q != p {
		t.Errorf("krealloc within kmalloc-64 moved the block")
	}
	q := Krealloc(p, 1000, GFP_KERNEL)
	if q == nil || Ksize(q) != 1024 || kmem_bytes(uintptr(q), 40)[39] != 0x3c {
		t.Errorf("krealloc to 1000 bytes: %p, ksize %d", printk.Int(uintptr(q)), printk.Int(Ksize(q)))
	}
	if r := Krealloc(q, 0, GFP_KERNEL); uintptr(r) != ZERO_SIZE_PTR {
		t.Errorf("krealloc(p, 0) = %p", printk.Int(uintptr(r)))
	}
	shrink_all_caches()
	if Nr_free_pages() != free {
		t.Errorf("%d pages free after the test, %d before", printk.Int(Nr_free_pages()), printk.Int(free))
	}
	slabInvariants(t, "bad input")
}

// Test_slab_invariants: every cache's lists, counts, pages and per-CPU
// array agree; the buddy allocator's invariant holds with slab pages in
// use. Printed: the slab pages against the buddy allocator's count.
func Test_slab_invariants(t *kunit.Kunit) {
	slabInvariants(t, "now")
	var caches, slabs uint64
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		c := cacheOf(e)
		_, _, _, ns := kmem_cache_node_objects(c)
		caches++
		slabs += ns << c.Gfporder
	}
	t.Logf("%d caches, %d pages in slabs, %d slab and kmalloc_large pages counted, %d reports so far",
		printk.Int(caches), printk.Int(slabs), printk.Int(Nr_slab_pages), printk.Int(Slab_bugs))
	if slabs > Nr_slab_pages {
		t.Errorf("the caches hold %d pages, only %d counted", printk.Int(slabs), printk.Int(Nr_slab_pages))
	}
}
