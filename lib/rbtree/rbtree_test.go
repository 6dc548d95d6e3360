package rbtree

import (
	"math/rand"
	"slices"
	"testing"
	"unsafe"
)

// item is a keyed structure with an embedded node, as vmap_area is.
type item struct {
	node RbNode
	key  uint64
}

func itemOf(n *RbNode) *item { return (*item)(unsafePointer(n)) }

type tree struct {
	root  RbRoot
	items map[uint64]*item
}

// insert walks down comparing keys and links the new node, as a Linux user
// of rb_link_node does.
func (tr *tree) insert(k uint64) {
	it := &item{key: k}
	link, parent := &tr.root.Rb_node, (*RbNode)(nil)
	for *link != nil {
		parent = *link
		if k < itemOf(parent).key {
			link = &parent.Rb_left
		} else {
			link = &parent.Rb_right
		}
	}
	Rb_link_node(&it.node, parent, link)
	Rb_insert_color(&it.node, &tr.root)
	tr.items[k] = it
}

func (tr *tree) erase(k uint64) {
	Rb_erase(&tr.items[k].node, &tr.root)
	delete(tr.items, k)
}

// verify checks the rules, the order both ways, and the height bound.
func (tr *tree) verify(t *testing.T) {
	t.Helper()
	bh, problem := Check(&tr.root)
	if problem != "" {
		t.Fatalf("after %d items: %s", len(tr.items), problem)
	}
	want := make([]uint64, 0, len(tr.items))
	for k := range tr.items {
		want = append(want, k)
	}
	slices.Sort(want)
	var got []uint64
	for n := Rb_first(&tr.root); n != nil; n = Rb_next(n) {
		got = append(got, itemOf(n).key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("in-order walk %v, want %v", got, want)
	}
	var back []uint64
	for n := Rb_last(&tr.root); n != nil; n = Rb_prev(n) {
		back = append(back, itemOf(n).key)
	}
	slices.Reverse(back)
	if !slices.Equal(back, want) {
		t.Fatalf("reverse walk %v, want %v", back, want)
	}
	if h := height(tr.root.Rb_node); h > 2*bh {
		t.Fatalf("height %d with black height %d", h, bh)
	}
}

func height(n *RbNode) int {
	if n == nil {
		return 0
	}
	return 1 + max(height(n.Rb_left), height(n.Rb_right))
}

// TestRandomOps: random inserts and erases keep the five rules, the order
// and the O(log n) height, against a map as the reference.
func TestRandomOps(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tr := &tree{items: map[uint64]*item{}}
	for i := 0; i < 20000; i++ {
		if len(tr.items) > 0 && rng.Intn(3) == 0 {
			keys := make([]uint64, 0, len(tr.items))
			for k := range tr.items {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			tr.erase(keys[rng.Intn(len(keys))])
		} else if k := uint64(rng.Intn(5000)); tr.items[k] == nil {
			tr.insert(k)
		}
		if i%97 == 0 {
			tr.verify(t)
		}
	}
	tr.verify(t)
	for len(tr.items) > 0 {
		for k := range tr.items {
			tr.erase(k)
			break
		}
	}
	tr.verify(t)
	if !RB_EMPTY_ROOT(&tr.root) {
		t.Fatal("tree not empty after erasing everything")
	}
}

// TestSequential: ascending insertion (the worst case of a plain binary
// tree, and vmalloc's usual pattern) stays balanced.
func TestSequential(t *testing.T) {
	tr := &tree{items: map[uint64]*item{}}
	for k := uint64(0); k < 4096; k++ {
		tr.insert(k)
	}
	tr.verify(t)
	if h := height(tr.root.Rb_node); h > 24 {
		t.Fatalf("height %d for 4096 ascending keys", h)
	}
	for k := uint64(0); k < 4096; k += 2 {
		tr.erase(k)
	}
	tr.verify(t)
}

// TestCheckCatches: Check reports a broken tree (so that it can fail).
func TestCheckCatches(t *testing.T) {
	tr := &tree{items: map[uint64]*item{}}
	for k := uint64(0); k < 10; k++ {
		tr.insert(k)
	}
	tr.root.Rb_node.Rb_color = RB_RED
	if _, p := Check(&tr.root); p == "" {
		t.Fatal("a red root passed")
	}
	tr.root.Rb_node.Rb_color = RB_BLACK
	leaf := Rb_first(&tr.root)
	leaf.Rb_parent.Rb_color, leaf.Rb_color = RB_RED, RB_RED
	if _, p := Check(&tr.root); p == "" {
		t.Fatal("red-red passed")
	}
}

func FuzzOps(f *testing.F) {
	f.Add([]byte{1, 2, 3, 130, 131, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr := &tree{items: map[uint64]*item{}}
		for _, op := range ops {
			k := uint64(op & 0x3f)
			if op&0x80 != 0 {
				if tr.items[k] != nil {
					tr.erase(k)
				}
			} else if tr.items[k] == nil {
				tr.insert(k)
			}
			tr.verify(t)
		}
	})
}

// unsafePointer: the node is item's first field (container_of).
func unsafePointer(n *RbNode) unsafe.Pointer { return unsafe.Pointer(n) }
