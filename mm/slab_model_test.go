package mm

import (
	"math/rand"
	"testing"
	"unsafe"
)

// Random allocation and free sequences against a reference model: the
// model is only the set of live objects, each with its size and a fill
// byte. After every step no two live objects overlap, every object still
// holds its fill (nothing else wrote into it), and after every few steps
// the slab and buddy invariants hold. At the end everything is freed and
// shrink must give back every page.

type liveObj struct {
	p    unsafe.Pointer
	size uint64
	fill byte
	c    *KmemCache // nil: kmalloc
}

type slabModel struct {
	t      testing.TB
	m      *machine
	caches []*KmemCache
	live   []liveObj
	free0  uint64
	next   byte
}

func newSlabModel(t testing.TB, debug string) *slabModel {
	m := slabBoot(t, debug)
	s := &slabModel{t: t, m: m}
	for i, sz := range []uint32{8, 72, 200, 1000, 5000} {
		c := Kmem_cache_create("model-"+string(rune('a'+i)), sz, 0, 0, nil)
		if c == nil {
			t.Fatal("create")
		}
		s.caches = append(s.caches, c)
	}
	shrinkAll()
	s.free0 = Nr_free_pages() + Nr_slab_pages
	return s
}

var modelSizes = []uint64{0, 1, 8, 13, 64, 100, 192, 300, 1024, 4000, 8192, 9000, 70000}

func (s *slabModel) step(op byte, arg byte) {
	switch {
	case op < 100 || len(s.live) == 0: // allocate
		var o liveObj
		if op%2 == 0 {
			o.c = s.caches[int(arg)%len(s.caches)]
			o.size = uint64(o.c.Object_size)
			o.p = Kmem_cache_alloc(o.c, GFP_KERNEL)
		} else {
			o.size = modelSizes[int(arg)%len(modelSizes)]
			o.p = Kmalloc(o.size, GFP_KERNEL)
			if o.size == 0 {
				if uintptr(o.p) != ZERO_SIZE_PTR {
					s.t.Fatalf("kmalloc(0) = %#x", uintptr(o.p))
				}
				return
			}
			if Ksize(o.p) < o.size {
				s.t.Fatalf("ksize(kmalloc(%d)) = %d", o.size, Ksize(o.p))
			}
		}
		if o.p == nil {
			s.t.Fatalf("allocation of %d bytes failed", o.size)
		}
		a := uintptr(o.p)
		for _, l := range s.live {
			b := uintptr(l.p)
			if a < b+uintptr(l.size) && b < a+uintptr(o.size) {
				s.t.Fatalf("new object %#x+%d overlaps live %#x+%d", a, o.size, b, l.size)
			}
		}
		s.next++
		o.fill = s.next
		memset(a, o.fill, uint32(o.size))
		s.live = append(s.live, o)
	case op < 200: // free one
		i := int(arg) % len(s.live)
		o := s.live[i]
		for j, b := range kmem_bytes(uintptr(o.p), uint32(o.size)) {
			if b != o.fill {
				s.t.Fatalf("object %#x byte %d is %#x, not its fill %#x", uintptr(o.p), j, b, o.fill)
			}
		}
		if o.c != nil {
			Kmem_cache_free(o.c, o.p)
		} else {
			Kfree(o.p)
		}
		s.live[i] = s.live[len(s.live)-1]
		s.live = s.live[:len(s.live)-1]
	case op < 230: // shrink a cache
		Kmem_cache_shrink(s.caches[int(arg)%len(s.caches)])
	default: // change a cache's per-CPU array, 0 to 120 objects
		Do_tune_cpucache(s.caches[int(arg)%len(s.caches)], uint32(arg)%121, uint32(arg)%61)
	}
}

// finish frees everything; then the model's caches hold no slab, every
// page not free is a slab page (the per-CPU arrays the test resized moved
// between kmalloc caches, so the free count alone may differ), and the
// slab page count is the caches' pages.
func (s *slabModel) finish() {
	for len(s.live) > 0 {
		s.step(150, 0)
	}
	s.m.checkSlab()
	shrinkAll()
	for _, c := range s.caches {
		if _, _, _, n := kmem_cache_node_objects(c); n != 0 {
			s.t.Fatalf("%s keeps %d slabs with no object", Kmem_cache_name(c), n)
		}
	}
	if Nr_free_pages()+Nr_slab_pages != s.free0 || Slab_bugs != 0 {
		s.t.Fatalf("after freeing everything: %d free + %d slab pages, %d before; %d reports", Nr_free_pages(), Nr_slab_pages, s.free0, Slab_bugs)
	}
	var pages uint64
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		c := cacheOf(e)
		_, _, _, n := kmem_cache_node_objects(c)
		pages += n << c.Gfporder
	}
	if pages != Nr_slab_pages {
		s.t.Fatalf("the caches hold %d pages, %d counted", pages, Nr_slab_pages)
	}
}

// TestSlabModel: a long random sequence, with and without slub_debug.
func TestSlabModel(t *testing.T) {
	for _, debug := range []string{"", "slub_debug"} {
		t.Run("debug="+debug, func(t *testing.T) {
			s := newSlabModel(t, debug)
			rng := rand.New(rand.NewSource(7))
			for i := 0; i < 20000; i++ {
				s.step(byte(rng.Intn(256)), byte(rng.Intn(256)))
				if i%1000 == 0 {
					s.m.checkSlab()
				}
			}
			s.finish()
		})
	}
}

func FuzzSlab(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 150, 0, 160, 1, 240, 5, 1, 7})
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := newSlabModel(t, "")
		for i := 0; i+1 < len(ops); i += 2 {
			s.step(ops[i], ops[i+1])
		}
		s.m.checkSlab()
		s.finish()
	})
}
