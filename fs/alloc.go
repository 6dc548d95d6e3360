package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/mm"
	"gokern/mm/slab"
)

// The VFS's objects come from the slab allocator (mm/slab): one typed
// cache per kind, as Linux's dentry_cache, inode_cache, filp, mnt_cache,
// and kmalloc for names, symlink bodies, descriptor tables and seq_file
// buffers. objCache adds the VFS's own counts (Linux's nr_dentry,
// nr_inodes, nr_files) and its fault injection.

// objCache is a slab cache of T objects with a count of those in use.
type objCache[T any] struct {
	Name string
	c    slab.Cache[T]
	// Active: objects handed out and not freed; atomic, as allocations
	// and frees come from every CPU (a plain count lost updates: the
	// dentry count read 2^64-1 after fs_dcache_smp at -smp 2).
	Active uint64
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

// create makes the slab cache (Linux kmem_cache_create at
// vfs_caches_init): false when the slab allocator cannot.
func (c *objCache[T]) create() bool {
	if c.c.Cachep != nil {
		return true
	}
	c.c = slab.NewCache[T](c.Name, 0)
	return c.c.Cachep != nil
}

// Objsize is the bytes one object takes in its slab (object, alignment
// and padding).
func (c *objCache[T]) Objsize() uint32 { return c.c.Cachep.Size }

// Zalloc returns a zeroed object, or nil when memory is short (Linux
// kmem_cache_zalloc).
func (c *objCache[T]) Zalloc(gfp mm.Gfp) *T {
	if should_failslab() {
		return nil
	}
	p := c.c.Zalloc(gfp | mm.X__GFP_NOWARN)
	if p != nil {
		atomic.AddUint64(&c.Active, 1)
	}
	return p
}

// Free gives obj back (Linux kmem_cache_free); nil is ignored.
func (c *objCache[T]) Free(obj *T) {
	if obj == nil {
		return
	}
	c.c.Free(obj)
	atomic.AddUint64(&c.Active, ^uint64(0))
}

// kmalloc returns size zeroed bytes, or nil (Linux kzalloc). Free them
// with kfree.
func kmalloc(size int, gfp mm.Gfp) []byte {
	if should_failslab() {
		return nil
	}
	p := mm.Kzalloc(uint64(max(size, 1)), gfp|mm.X__GFP_NOWARN)
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), size)
}

// kfree frees what kmalloc returned (Linux kfree); nil is ignored.
func kfree(b []byte) {
	if b == nil {
		return
	}
	mm.Kfree(unsafe.Pointer(unsafe.SliceData(b)))
}

// vfs_create_caches makes every cache of the VFS.
func vfs_create_caches() bool {
	return dentry_cache.create() && inode_cache.create() && filp_cachep.create() && mnt_cache.create() &&
		sb_cachep.create() && files_cachep.create() && fs_cachep.create() && pipe_cachep.create() && seq_cachep.create() &&
		file_lock_cachep.create()
}

// KMALLOC_MAX_SIZE: the largest buffer the VFS asks kmalloc for (seq_file
// texts).
const KMALLOC_MAX_SIZE = 256 << 10
