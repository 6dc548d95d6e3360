// Package slab is the typed face of the slab allocator, what kernel code
// outside mm/ uses to allocate its own structures: a Cache[T] hands out
// *T and takes *T back, so the caller never converts a pointer and never
// writes unsafe. Linux: include/linux/slab.h (KMEM_CACHE, which names and
// sizes a cache after a struct, kmem_cache_alloc, kmem_cache_free,
// kzalloc). The allocator is mm's (mm/slab.go); this package adds only
// the types, with generics. Seeds/002 "SLAB Interfaces".
//
// A Cache is a value holding the cache pointer: keep it in a package-level
// variable, set during boot (there are no package initialisers in the
// kernel):
//
//	var irqaction_cache slab.Cache[irq.Irqaction]
//	irqaction_cache = slab.NewCache[irq.Irqaction]("irqaction", 0)
//	a := irqaction_cache.Alloc(mm.GFP_KERNEL) // *irq.Irqaction, or nil
//	irqaction_cache.Free(a)
//
// Kernel Go (DESIGN.md §4): no Go heap. The objects live in slab pages,
// memory the Go garbage collector does not know; T may hold pointers to
// other kernel memory but never the only pointer to a Go heap object. A
// constructor must be a top-level function (a closure would be a heap
// object); kcheck proves none of this reaches the Go allocator.
package slab

import (
	"unsafe"

	"gokern/mm"
)

// Cache is a cache of T objects.
type Cache[T any] struct {
	Cachep *mm.KmemCache
}

// NewCache makes a cache named name of T-sized, T-aligned objects (Linux
// KMEM_CACHE(T, flags)). Its Cachep is nil, after kmem_cache_create's
// report, if the cache cannot be made.
func NewCache[T any](name string, flags mm.SlabFlags) Cache[T] {
	var zero T
	return Cache[T]{mm.Kmem_cache_create(name, uint32(unsafe.Sizeof(zero)), uint32(unsafe.Alignof(zero)), flags, nil)}
}

// NewCacheCtor is NewCache with a constructor, run once on each object
// when its slab is made (not on every Alloc: an object comes back from
// Free in the state its user left it, which for a constructed cache must
// be the constructed state).
func NewCacheCtor[T any](name string, flags mm.SlabFlags, ctor func(*T)) Cache[T] {
	var zero T
	// func(*T) and func(unsafe.Pointer) are called alike: one pointer in
	// a register (Go's internal ABI), so the allocator can call the
	// typed constructor through the untyped slot.
	untyped := *(*func(unsafe.Pointer))(unsafe.Pointer(&ctor))
	return Cache[T]{mm.Kmem_cache_create(name, uint32(unsafe.Sizeof(zero)), uint32(unsafe.Alignof(zero)), flags, untyped)}
}

// Alloc returns an object, or nil if memory is short (Linux
// kmem_cache_alloc). With mm.X__GFP_ZERO it is zeroed. Alloc, Zalloc and
// Free are small enough to be inlined, so that the allocator's caller
// (_RET_IP_, which slub_debug records) is the caller's code, not this
// package.
func (c Cache[T]) Alloc(gfp mm.Gfp) *T { return (*T)(mm.Kmem_cache_alloc(c.Cachep, gfp)) }

// Zalloc returns a zeroed object (Linux kmem_cache_zalloc).
func (c Cache[T]) Zalloc(gfp mm.Gfp) *T { return (*T)(mm.Kmem_cache_zalloc(c.Cachep, gfp)) }

// Free gives an object back (Linux kmem_cache_free); nil is ignored.
func (c Cache[T]) Free(obj *T) { mm.Kmem_cache_free(c.Cachep, unsafe.Pointer(obj)) }

// Shrink gives the cache's free slabs back (Linux kmem_cache_shrink).
func (c Cache[T]) Shrink() int { return mm.Kmem_cache_shrink(c.Cachep) }

// Destroy removes the cache (Linux kmem_cache_destroy); one that still
// has objects is reported and kept.
func (c Cache[T]) Destroy() { mm.Kmem_cache_destroy(c.Cachep) }

// Kzalloc returns a zeroed T from kmalloc (Linux kzalloc(sizeof(T), gfp)),
// or nil; Kfree frees it.
func Kzalloc[T any](gfp mm.Gfp) *T {
	var zero T
	return (*T)(mm.Kzalloc(uint64(unsafe.Sizeof(zero)), gfp))
}

// Kfree frees what Kzalloc or KcallocSlice returned (Linux kfree).
func Kfree[T any](obj *T) { mm.Kfree(unsafe.Pointer(obj)) }

// KcallocSlice returns n zeroed Ts from kmalloc as a slice (Linux
// kcalloc(n, sizeof(T), gfp)), or nil if that overflows or memory is
// short; free it with KfreeSlice.
func KcallocSlice[T any](n int, gfp mm.Gfp) []T {
	var zero T
	if n < 0 {
		return nil
	}
	p := mm.Kcalloc(uint64(n), uint64(unsafe.Sizeof(zero)), gfp)
	if p == nil || uintptr(p) == mm.ZERO_SIZE_PTR {
		return nil
	}
	return unsafe.Slice((*T)(p), n)
}

// KfreeSlice frees what KcallocSlice returned.
func KfreeSlice[T any](s []T) { mm.Kfree(unsafe.Pointer(unsafe.SliceData(s))) }
