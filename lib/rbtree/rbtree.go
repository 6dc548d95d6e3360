// Package rbtree is gokern's red-black tree, Linux's lib/rbtree.c and
// include/linux/rbtree.h: an intrusive, self-balancing binary search tree.
// The node is embedded in the structure it orders (vmalloc's vmap_area),
// the caller walks down to the insertion point comparing its own keys and
// links the node there (Rb_link_node), then Rb_insert_color rebalances;
// Rb_erase removes a node. Every operation is O(log n): the tree's height
// is at most 2·log2(n+1).
//
// The rules (CLRS ch. 13; Linux's comment at the top of lib/rbtree.c):
//
//  1. a node is red or black;
//  2. the root is black;
//  3. the leaves (nil) are black;
//  4. a red node has no red child;
//  5. every path from a node down to a leaf passes the same number of
//     black nodes.
//
// 4 and 5 together bound the longest path to twice the shortest.
//
// Linux packs the colour into the low bit of the parent pointer
// (__rb_parent_color); gokern keeps them as two fields, which costs 8
// bytes a node and lets gdb and the Go garbage collector of the host tests
// see the parent as a pointer.
//
// Kernel Go: nothing here allocates; the nodes belong to the caller.
package rbtree

// Colours of a node.
const (
	RB_RED   = 0
	RB_BLACK = 1
)

// RbNode is struct rb_node: embed it in the structure the tree orders.
type RbNode struct {
	Rb_parent *RbNode
	Rb_right  *RbNode
	Rb_left   *RbNode
	Rb_color  uint8
}

// RbRoot is struct rb_root: the tree.
type RbRoot struct {
	Rb_node *RbNode
}

// RB_EMPTY_ROOT reports whether the tree has no node.
func RB_EMPTY_ROOT(root *RbRoot) bool { return root.Rb_node == nil }

func rb_is_red(n *RbNode) bool   { return n != nil && n.Rb_color == RB_RED }
func rb_is_black(n *RbNode) bool { return n == nil || n.Rb_color == RB_BLACK }

// Rb_link_node puts node, a new leaf, at *link under parent (Linux
// rb_link_node). The caller found link by walking down from the root;
// Rb_insert_color must follow.
func Rb_link_node(node, parent *RbNode, link **RbNode) {
	node.Rb_parent = parent
	node.Rb_left, node.Rb_right = nil, nil
	node.Rb_color = RB_RED
	*link = node
}

// change_child makes new take old's place under parent (Linux
// __rb_change_child).
func change_child(old, new, parent *RbNode, root *RbRoot) {
	switch {
	case parent == nil:
		root.Rb_node = new
	case parent.Rb_left == old:
		parent.Rb_left = new
	default:
		parent.Rb_right = new
	}
}

// rotate_left turns x's right child y into x's parent:
//
//	  x              y
//	 / \            / \
//	a   y    →     x   c
//	   / \        / \
//	  b   c      a   b
//
// The in-order sequence a x b y c is unchanged.
func rotate_left(x *RbNode, root *RbRoot) {
	y := x.Rb_right
	x.Rb_right = y.Rb_left
	if y.Rb_left != nil {
		y.Rb_left.Rb_parent = x
	}
	y.Rb_parent = x.Rb_parent
	change_child(x, y, x.Rb_parent, root)
	y.Rb_left = x
	x.Rb_parent = y
}

// rotate_right is rotate_left's mirror.
func rotate_right(x *RbNode, root *RbRoot) {
	y := x.Rb_left
	x.Rb_left = y.Rb_right
	if y.Rb_right != nil {
		y.Rb_right.Rb_parent = x
	}
	y.Rb_parent = x.Rb_parent
	change_child(x, y, x.Rb_parent, root)
	y.Rb_right = x
	x.Rb_parent = y
}

// Rb_insert_color rebalances after Rb_link_node put a red leaf in (Linux
// rb_insert_color, __rb_insert). A red node under a red parent breaks rule
// 4; three cases, by the colour of the uncle:
//
//   - uncle red: parent and uncle turn black, the grandparent red, and the
//     problem moves two levels up;
//   - uncle black, node on the inner side: rotate it to the outer side;
//   - uncle black, node on the outer side: rotate the grandparent the
//     other way and swap colours; done.
func Rb_insert_color(node *RbNode, root *RbRoot) {
	for {
		parent := node.Rb_parent
		if parent == nil {
			node.Rb_color = RB_BLACK // rule 2
			return
		}
		if parent.Rb_color == RB_BLACK {
			return
		}
		gparent := parent.Rb_parent // exists: a red parent is not the root
		if parent == gparent.Rb_left {
			if uncle := gparent.Rb_right; rb_is_red(uncle) {
				parent.Rb_color, uncle.Rb_color, gparent.Rb_color = RB_BLACK, RB_BLACK, RB_RED
				node = gparent
				continue
			}
			if node == parent.Rb_right {
				rotate_left(parent, root)
				node, parent = parent, node
			}
			parent.Rb_color, gparent.Rb_color = RB_BLACK, RB_RED
			rotate_right(gparent, root)
			return
		}
		if uncle := gparent.Rb_left; rb_is_red(uncle) {
			parent.Rb_color, uncle.Rb_color, gparent.Rb_color = RB_BLACK, RB_BLACK, RB_RED
			node = gparent
			continue
		}
		if node == parent.Rb_left {
			rotate_right(parent, root)
			node, parent = parent, node
		}
		parent.Rb_color, gparent.Rb_color = RB_BLACK, RB_RED
		rotate_left(gparent, root)
		return
	}
}

// Rb_erase takes node out of the tree and rebalances (Linux rb_erase,
// __rb_erase_augmented, ____rb_erase_color). A node with two children is
// replaced by its successor, the leftmost node of its right subtree, which
// has no left child; so the node actually unlinked always has at most one
// child. If it was black, the path through it lost a black node (rule 5):
// erase_color repairs that.
func Rb_erase(node *RbNode, root *RbRoot) {
	var child, parent *RbNode
	var color uint8
	if node.Rb_left == nil || node.Rb_right == nil {
		child = node.Rb_left
		if child == nil {
			child = node.Rb_right
		}
		parent, color = node.Rb_parent, node.Rb_color
		if child != nil {
			child.Rb_parent = parent
		}
		change_child(node, child, parent, root)
	} else {
		successor := node.Rb_right
		for successor.Rb_left != nil {
			successor = successor.Rb_left
		}
		child, color = successor.Rb_right, successor.Rb_color
		if successor.Rb_parent == node {
			parent = successor
		} else {
			parent = successor.Rb_parent
			parent.Rb_left = child
			if child != nil {
				child.Rb_parent = parent
			}
			successor.Rb_right = node.Rb_right
			node.Rb_right.Rb_parent = successor
		}
		successor.Rb_left = node.Rb_left
		node.Rb_left.Rb_parent = successor
		successor.Rb_parent = node.Rb_parent
		successor.Rb_color = node.Rb_color
		change_child(node, successor, node.Rb_parent, root)
	}
	if color == RB_BLACK {
		erase_color(child, parent, root)
	}
	node.Rb_parent, node.Rb_left, node.Rb_right = nil, nil, nil
}

// erase_color: the path through x (maybe nil, a leaf) under parent is one
// black node short. Four cases, by x's sibling w: w red (rotate so that
// x's sibling is black); w black with black children (w turns red, the
// shortage moves up); w black with a red far child (rotate parent towards
// x, recolour: done); w black with a red near child only (rotate w to make
// it the previous case).
func erase_color(x, parent *RbNode, root *RbRoot) {
	for x != root.Rb_node && rb_is_black(x) {
		if x == parent.Rb_left {
			w := parent.Rb_right
			if rb_is_red(w) {
				w.Rb_color, parent.Rb_color = RB_BLACK, RB_RED
				rotate_left(parent, root)
				w = parent.Rb_right
			}
			if rb_is_black(w.Rb_left) && rb_is_black(w.Rb_right) {
				w.Rb_color = RB_RED
				x, parent = parent, parent.Rb_parent
				continue
			}
			if rb_is_black(w.Rb_right) {
				w.Rb_left.Rb_color, w.Rb_color = RB_BLACK, RB_RED
				rotate_right(w, root)
				w = parent.Rb_right
			}
			w.Rb_color, parent.Rb_color, w.Rb_right.Rb_color = parent.Rb_color, RB_BLACK, RB_BLACK
			rotate_left(parent, root)
			x = root.Rb_node
			break
		}
		w := parent.Rb_left
		if rb_is_red(w) {
			w.Rb_color, parent.Rb_color = RB_BLACK, RB_RED
			rotate_right(parent, root)
			w = parent.Rb_left
		}
		if rb_is_black(w.Rb_left) && rb_is_black(w.Rb_right) {
			w.Rb_color = RB_RED
			x, parent = parent, parent.Rb_parent
			continue
		}
		if rb_is_black(w.Rb_left) {
			w.Rb_right.Rb_color, w.Rb_color = RB_BLACK, RB_RED
			rotate_left(w, root)
			w = parent.Rb_left
		}
		w.Rb_color, parent.Rb_color, w.Rb_left.Rb_color = parent.Rb_color, RB_BLACK, RB_BLACK
		rotate_right(parent, root)
		x = root.Rb_node
		break
	}
	if x != nil {
		x.Rb_color = RB_BLACK
	}
}

// Rb_first is the leftmost (smallest) node, nil for an empty tree.
func Rb_first(root *RbRoot) *RbNode {
	n := root.Rb_node
	if n == nil {
		return nil
	}
	for n.Rb_left != nil {
		n = n.Rb_left
	}
	return n
}

// Rb_last is the rightmost (largest) node.
func Rb_last(root *RbRoot) *RbNode {
	n := root.Rb_node
	if n == nil {
		return nil
	}
	for n.Rb_right != nil {
		n = n.Rb_right
	}
	return n
}

// Rb_next is the in-order successor of node, nil after the last.
func Rb_next(node *RbNode) *RbNode {
	if node.Rb_right != nil {
		node = node.Rb_right
		for node.Rb_left != nil {
			node = node.Rb_left
		}
		return node
	}
	for node.Rb_parent != nil && node == node.Rb_parent.Rb_right {
		node = node.Rb_parent
	}
	return node.Rb_parent
}

// Rb_prev is the in-order predecessor of node, nil before the first.
func Rb_prev(node *RbNode) *RbNode {
	if node.Rb_left != nil {
		node = node.Rb_left
		for node.Rb_right != nil {
			node = node.Rb_right
		}
		return node
	}
	for node.Rb_parent != nil && node == node.Rb_parent.Rb_left {
		node = node.Rb_parent
	}
	return node.Rb_parent
}

// Check verifies the five rules and the parent links and returns the
// tree's black height, or -1 and a description of the first violation.
// (gokern: for the host tests and the selftests; Linux has none.)
func Check(root *RbRoot) (blackHeight int, problem string) {
	if root.Rb_node == nil {
		return 0, ""
	}
	if root.Rb_node.Rb_parent != nil {
		return -1, "the root has a parent"
	}
	if root.Rb_node.Rb_color != RB_BLACK {
		return -1, "the root is red"
	}
	return check(root.Rb_node)
}

func check(n *RbNode) (int, string) {
	if n == nil {
		return 1, ""
	}
	for _, c := range [2]*RbNode{n.Rb_left, n.Rb_right} {
		if c == nil {
			continue
		}
		if c.Rb_parent != n {
			return -1, "a child's parent link does not point back"
		}
		if n.Rb_color == RB_RED && c.Rb_color == RB_RED {
			return -1, "a red node has a red child"
		}
	}
	lh, p := check(n.Rb_left)
	if p != "" {
		return -1, p
	}
	rh, p := check(n.Rb_right)
	if p != "" {
		return -1, p
	}
	if lh != rh {
		return -1, "two paths down have different numbers of black nodes"
	}
	if n.Rb_color == RB_BLACK {
		lh++
	}
	return lh, ""
}
