package fs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/mm"
)

// The VFS's objects (inodes, dentries, files, mounts, pipe rings, long
// names) come from typed caches. Until the slab allocator (issue 11) is on
// main, objCache is a minimal one over buddy pages: objects carved from
// whole pages, a free list threaded through the free objects' first word,
// pages never given back. It has slab.Cache[T]'s method names, so that
// moving to the slab allocator changes this file only.

// objCache is a cache of T objects.
type objCache[T any] struct {
	Name   string
	free   uintptr // first free object; each holds the next in its first word
	Active uint64  // objects handed out
	Total  uint64  // objects carved
	Pages  uint64  // pages taken from the buddy allocator
}

// Fail_nth, when non-zero, makes the Fail_nth-th allocation from now
// fail (then it is 0 again): the VFS's fault injection, which the host
// tests use to fail every allocation of an operation in turn (Linux:
// /proc/self/fail-nth with failslab).
var Fail_nth int

// should_failslab counts down Fail_nth (Linux should_failslab).
func should_failslab() bool {
	if Fail_nth == 0 {
		return false
	}
	Fail_nth--
	return Fail_nth == 0
}

// Objsize is the size of one object: T's, rounded to 8 bytes, at least
// one word (the free-list link).
func (c *objCache[T]) Objsize() uintptr {
	var zero T
	return max(8, (unsafe.Sizeof(zero)+7)&^7)
}

// order is the buddy order of one slab: one page, or the pages one
// object needs.
func (c *objCache[T]) order() uint {
	o := uint(0)
	for asm.PAGE_SIZE<<o < c.Objsize() {
		o++
	}
	return o
}

// Zalloc returns a zeroed object, or nil when memory is short (Linux
// kmem_cache_zalloc).
func (c *objCache[T]) Zalloc(gfp mm.Gfp) *T {
	if should_failslab() {
		return nil
	}
	if c.free == 0 && !c.grow(gfp) {
		return nil
	}
	p := c.free
	c.free = *(*uintptr)(unsafe.Add(nil, p))
	c.Active++
	clear(unsafe.Slice((*byte)(unsafe.Add(nil, p)), c.Objsize()))
	return (*T)(unsafe.Add(nil, p))
}

// grow carves a new slab into free objects.
func (c *objCache[T]) grow(gfp mm.Gfp) bool {
	o := c.order()
	pg := mm.Alloc_pages(gfp|mm.X__GFP_NOWARN, o)
	if pg == nil {
		return false
	}
	c.Pages += 1 << o
	base, size := mm.Page_address(pg), c.Objsize()
	for off := uintptr(0); off+size <= asm.PAGE_SIZE<<o; off += size {
		*(*uintptr)(unsafe.Add(nil, base+off)) = c.free
		c.free = base + off
		c.Total++
	}
	return true
}

// Free gives obj back (Linux kmem_cache_free); nil is ignored.
func (c *objCache[T]) Free(obj *T) {
	if obj == nil {
		return
	}
	p := uintptr(unsafe.Pointer(obj))
	*(*uintptr)(unsafe.Add(nil, p)) = c.free
	c.free = p
	c.Active--
}

// Size classes for kmalloc: names longer than a dentry holds inline,
// symlink bodies, seq_file buffers, descriptor tables.
type (
	kmalloc64   [64]byte
	kmalloc256  [256]byte
	kmalloc1k   [1024]byte
	kmalloc4k   [4096]byte
	kmalloc8k   [8192]byte
	kmalloc16k  [16384]byte
	kmalloc64k  [65536]byte
	kmalloc256k [262144]byte
)

var (
	kmalloc_64   = objCache[kmalloc64]{Name: "kmalloc-64"}
	kmalloc_256  = objCache[kmalloc256]{Name: "kmalloc-256"}
	kmalloc_1k   = objCache[kmalloc1k]{Name: "kmalloc-1k"}
	kmalloc_4k   = objCache[kmalloc4k]{Name: "kmalloc-4k"}
	kmalloc_8k   = objCache[kmalloc8k]{Name: "kmalloc-8k"}
	kmalloc_16k  = objCache[kmalloc16k]{Name: "kmalloc-16k"}
	kmalloc_64k  = objCache[kmalloc64k]{Name: "kmalloc-64k"}
	kmalloc_256k = objCache[kmalloc256k]{Name: "kmalloc-256k"}
)

// KMALLOC_MAX_SIZE: the largest kmalloc.
const KMALLOC_MAX_SIZE = 256 << 10

// kmalloc returns size zeroed bytes, or nil (Linux kzalloc). Free them
// with kfree and the same size.
func kmalloc(size int, gfp mm.Gfp) []byte {
	var p unsafe.Pointer
	switch {
	case size <= 64:
		p = unsafe.Pointer(kmalloc_64.Zalloc(gfp))
	case size <= 256:
		p = unsafe.Pointer(kmalloc_256.Zalloc(gfp))
	case size <= 1024:
		p = unsafe.Pointer(kmalloc_1k.Zalloc(gfp))
	case size <= 4096:
		p = unsafe.Pointer(kmalloc_4k.Zalloc(gfp))
	case size <= 8192:
		p = unsafe.Pointer(kmalloc_8k.Zalloc(gfp))
	case size <= 16384:
		p = unsafe.Pointer(kmalloc_16k.Zalloc(gfp))
	case size <= 65536:
		p = unsafe.Pointer(kmalloc_64k.Zalloc(gfp))
	case size <= KMALLOC_MAX_SIZE:
		p = unsafe.Pointer(kmalloc_256k.Zalloc(gfp))
	}
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), size)
}

// kfree frees what kmalloc returned (the slice kmalloc gave, or one
// with the same start and length).
func kfree(b []byte) {
	if b == nil {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	switch size := len(b); {
	case size <= 64:
		kmalloc_64.Free((*kmalloc64)(p))
	case size <= 256:
		kmalloc_256.Free((*kmalloc256)(p))
	case size <= 1024:
		kmalloc_1k.Free((*kmalloc1k)(p))
	case size <= 4096:
		kmalloc_4k.Free((*kmalloc4k)(p))
	case size <= 8192:
		kmalloc_8k.Free((*kmalloc8k)(p))
	case size <= 16384:
		kmalloc_16k.Free((*kmalloc16k)(p))
	case size <= 65536:
		kmalloc_64k.Free((*kmalloc64k)(p))
	default:
		kmalloc_256k.Free((*kmalloc256k)(p))
	}
}
