package mm

import "unsafe"

// Linux: include/linux/list.h (struct list_head, INIT_LIST_HEAD, list_add,
// list_add_tail, list_del, list_empty, list_entry). Seeds/002 "Buddy
// System: Frame Allocator": free_area_t holds a struct list_head, and the
// frames of a free block are linked through the list_head inside their own
// struct page.
//
// The list is intrusive and circular, with the head as a sentinel: an
// empty list is a head pointing at itself, so adding and removing need no
// special case. Entries live in the core map, which is not Go heap memory
// (it comes from memblock or bootmem), and the heads live in static
// variables: the pointers between them are never the only pointer to a Go
// heap object (DESIGN.md §4).

// ListHead is one link, Linux struct list_head.
type ListHead struct {
	Next, Prev *ListHead
}

// INIT_LIST_HEAD makes l an empty list.
func INIT_LIST_HEAD(l *ListHead) {
	l.Next = l
	l.Prev = l
}

// __list_add links new between prev and next.
func __list_add(new, prev, next *ListHead) {
	next.Prev = new
	new.Next = next
	new.Prev = prev
	prev.Next = new
}

// List_add inserts new right after head (a stack: the buddy allocator
// takes from the head, so a block freed last is reused first, while it is
// still in the cache).
func List_add(new, head *ListHead) { __list_add(new, head, head.Next) }

// List_add_tail inserts new before head, at the end of the list.
func List_add_tail(new, head *ListHead) { __list_add(new, head.Prev, head) }

// List_del unlinks entry and clears its pointers (Linux poisons them with
// LIST_POISON1/2 so that a use after removal faults; nil faults too).
func List_del(entry *ListHead) {
	entry.Next.Prev = entry.Prev
	entry.Prev.Next = entry.Next
	entry.Next = nil
	entry.Prev = nil
}

// List_empty reports whether the list headed by head has no entries.
func List_empty(head *ListHead) bool { return head.Next == head }

// lruOffset is offsetof(struct page, lru).
const lruOffset = unsafe.Offsetof(Page{}.Lru)

// list_entry returns the struct page whose lru field is l (Linux
// list_entry(l, struct page, lru), i.e. container_of).
func list_entry(l *ListHead) *Page {
	return (*Page)(unsafe.Add(unsafe.Pointer(l), -int(lruOffset)))
}
