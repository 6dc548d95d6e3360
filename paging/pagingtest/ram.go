// Package pagingtest simulates physical memory for host tests of page-table
// code: a byte buffer stands for RAM, and a bump allocator hands out its
// pages as page-table pages. It is a test harness (like net/http/httptest)
// and is not part of the kernel: it allocates from the Go heap freely.
package pagingtest

import (
	"fmt"
	"unsafe"

	"gokern/paging"
)

// RAM is simulated physical memory from physical address Base up to
// Base+len(Bytes()). Page-table pages are allocated from it; the pages
// that mappings point to need not be inside it (the page-table code never
// touches them).
type RAM struct {
	base  paging.PhysAddr
	words []uint64 // backing store, 8-byte aligned for the entries
	bytes []byte   // the same memory seen as bytes
	next  paging.PhysAddr
	// Allocated counts the pages AllocPage has handed out since Reset.
	Allocated int
}

// NewRAM makes size bytes (a multiple of 4 KiB) of zeroed simulated RAM
// starting at physical address base (4 KiB aligned).
func NewRAM(base paging.PhysAddr, size uint64) *RAM {
	if size == 0 || size%paging.PAGE_SIZE != 0 || base%paging.PAGE_SIZE != 0 {
		panic("pagingtest: RAM base and size must be non-zero multiples of 4 KiB")
	}
	words := make([]uint64, size/8)
	return &RAM{
		base:  base,
		words: words,
		bytes: unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size),
		next:  base,
	}
}

// Bytes is the RAM's content: Bytes()[0] is physical address Base().
func (r *RAM) Bytes() []byte { return r.bytes }

// Base is the physical address of the first byte.
func (r *RAM) Base() paging.PhysAddr { return r.base }

// Table implements paging.Mem: the 512 entries at physical address pa.
// It panics if pa is not a page inside the RAM: on real hardware that
// would be a wild memory access, here it is a test failure.
func (r *RAM) Table(pa paging.PhysAddr) *[paging.PTRS_PER_PTE]uint64 {
	if pa%paging.PAGE_SIZE != 0 || pa < r.base || uint64(pa-r.base) >= uint64(len(r.bytes)) {
		panic(fmt.Sprintf("pagingtest: table at %#x outside simulated RAM [%#x, %#x)",
			uint64(pa), uint64(r.base), uint64(r.base)+uint64(len(r.bytes))))
	}
	return (*[paging.PTRS_PER_PTE]uint64)(unsafe.Pointer(&r.bytes[pa-r.base]))
}

// AllocPage hands out the next free page of the RAM (a paging.PageAlloc
// when taken as a method value), or false when the RAM is used up. Pages
// are not cleared: the page-table builder clears them itself, and leaving
// old contents checks that it does.
func (r *RAM) AllocPage() (paging.PhysAddr, bool) {
	if uint64(r.next-r.base) >= uint64(len(r.bytes)) {
		return 0, false
	}
	pa := r.next
	r.next += paging.PAGE_SIZE
	r.Allocated++
	return pa, true
}

// Reset frees every page and zeroes the memory that was handed out.
func (r *RAM) Reset() {
	clear(r.bytes[:r.next-r.base])
	r.next = r.base
	r.Allocated = 0
}

// Rewind frees every page without clearing anything: cheap, for
// benchmarks. The page-table builder clears each table it takes, and
// NewPGD clears the PGD, so a tree built after Rewind is still correct.
func (r *RAM) Rewind() {
	r.next = r.base
	r.Allocated = 0
}

// Scribble fills the free pages with a non-zero pattern, so that a test
// notices if a new table is used without being cleared.
func (r *RAM) Scribble() {
	for i := range r.bytes[r.next-r.base:] {
		r.bytes[uint64(r.next-r.base)+uint64(i)] = 0xa5
	}
}

// NewPGD allocates and clears a top-level table, the page CR3 would hold.
func (r *RAM) NewPGD() paging.PhysAddr {
	pa, ok := r.AllocPage()
	if !ok {
		panic("pagingtest: no RAM left for a PGD")
	}
	*r.Table(pa) = [paging.PTRS_PER_PTE]uint64{}
	return pa
}
