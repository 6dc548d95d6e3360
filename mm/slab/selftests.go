package slab

import (
	"gokern/kunit"
	"gokern/mm"
	"gokern/printk"
)

// typedTestNode is a list node allocated from a typed cache.
type typedTestNode struct {
	next  *typedTestNode
	value uint64
	pad   [40]byte
}

// typedTestCtor marks a node as constructed.
func typedTestCtor(n *typedTestNode) { n.value = 0x7e57 }

// Test_slab_typed (selftest slab_typed): a Cache[T] round trip — a linked
// list of 500 *T built, walked and freed without a single unsafe in this
// function; a constructed cache's objects come constructed and keep their
// state across Free and Alloc; Kzalloc[T] and KcallocSlice[T] zero; a
// zero-size T or an overflowing count is refused.
func Test_slab_typed(t *kunit.Kunit) {
	c := NewCache[typedTestNode]("typed_test", 0)
	if c.Cachep == nil {
		t.Errorf("NewCache failed")
		return
	}
	var head *typedTestNode
	for i := uint64(0); i < 500; i++ {
		n := c.Zalloc(mm.GFP_KERNEL)
		if n == nil {
			t.Errorf("Zalloc %d failed", printk.Int(i))
			return
		}
		n.value, n.next, head = i, head, n
	}
	want := uint64(499)
	for n := head; n != nil; n = n.next {
		if n.value != want {
			t.Errorf("node %d holds %d", printk.Int(want), printk.Int(n.value))
			break
		}
		want--
	}
	for head != nil {
		next := head.next
		c.Free(head)
		head = next
	}
	if c.Shrink() != 0 {
		t.Errorf("slabs left after every object was freed")
	}
	c.Destroy()

	cc := NewCacheCtor("typed_ctor_test", 0, typedTestCtor)
	a := cc.Alloc(mm.GFP_KERNEL)
	if a == nil || a.value != 0x7e57 {
		t.Errorf("a constructed object is not constructed")
	} else {
		a.value = 1
		cc.Free(a)
		if b := cc.Alloc(mm.GFP_KERNEL); b != a || b.value != 1 {
			t.Errorf("the object was constructed again on reuse")
		} else {
			cc.Free(b)
		}
	}
	cc.Destroy()

	z := Kzalloc[typedTestNode](mm.GFP_KERNEL)
	s := KcallocSlice[uint32](5000, mm.GFP_KERNEL)
	if z == nil || z.value != 0 || len(s) != 5000 || s[4999] != 0 {
		t.Errorf("Kzalloc or KcallocSlice")
	}
	Kfree(z)
	KfreeSlice(s)

	// A cache of a zero-size type cannot be made (size 0): NewCache
	// reports it and its Cache allocates nothing; Free(nil) is a no-op.
	e := NewCache[struct{}]("typed_empty_test", 0)
	if e.Cachep != nil || !printk.LogContains("kmem_cache_create(typed_empty_test) integrity check failed: size 0") {
		t.Errorf("a cache of struct{} was made, or not reported")
	}
	if e.Alloc(mm.GFP_KERNEL) != nil || e.Zalloc(mm.GFP_KERNEL) != nil {
		t.Errorf("a cache that was never made allocated")
	}
	e.Free(nil)
	if KcallocSlice[uint64](-1, mm.GFP_KERNEL) != nil || KcallocSlice[uint64](1<<61, mm.GFP_KERNEL) != nil {
		t.Errorf("KcallocSlice of a negative or overflowing count")
	}
	if msg := mm.Validate_all_slab_caches(); msg != "" {
		t.Errorf("%s", printk.Str(msg))
	}
}
