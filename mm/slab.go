package mm

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
)

// The slab allocator: caches of equal-sized objects carved out of pages of
// the buddy allocator. Linux: mm/slab.c (the SLAB allocator: the three
// slab lists of kmem_cache_node, slab colouring, the per-CPU array_cache,
// cache_grow, cache_alloc_refill, cache_flusharray, free_block,
// enable_cpucache), mm/slab.h, include/linux/slab.h (the SLAB_* flags),
// mm/slub.c calculate_order and calc_slab_order (the slab size), and 2.4's
// mm/slab.c kmem_cache_grow (SET_PAGE_CACHE, SET_PAGE_SLAB: the page →
// cache link kfree needs). Seeds/002 "Frequent Allocations/Deallocations",
// "The SLAB Allocator", "Available Caches (since 3.10)", "Slab Coloring",
// "L1 data caches".
//
// Why: the buddy allocator hands out whole pages, too coarse for the
// kernel's many small fixed-size structures and too slow for their churn.
// A cache keeps slabs (runs of 2^order pages) cut into objects of one size,
// so that allocating is taking an index off a slab's free list, and the
// objects freed last are handed out first, while still in the CPU cache.
//
// The design is SLAB's, the seeds' (not SLUB's, Linux's default since
// 2.6.23; docs/slab.md says why):
//
//   - Each cache has, per node, three lists of slabs: full, partial (some
//     objects free) and free (all free), and allocates from partial slabs
//     first so that free slabs can go back to the buddy allocator.
//   - Each slab has a descriptor (Slab): its free objects are an array of
//     indices used as a stack (SLAB's freelist_idx_t array), so a free
//     object is never written to: constructed state and poison survive. The
//     descriptor sits at the end of the slab (on-slab) or, for large
//     objects where that wastes room, in a kmalloc'd block (off-slab).
//   - Colouring: each new slab starts its objects at an offset that
//     advances by colour_off (L1_CACHE_BYTES, or the alignment if larger)
//     through the slab's leftover bytes and wraps, so that the first
//     objects of successive slabs fall on different cache lines.
//   - In front of the lists, a per-CPU array_cache: a stack of free object
//     pointers. kmem_cache_alloc pops, kmem_cache_free pushes; only an empty
//     or full array goes to the lists, batchcount objects at a time.
//   - Every page of a slab is PG_slab and has, in its lru, the cache and
//     the slab descriptor (2.4's SET_PAGE_CACHE and SET_PAGE_SLAB; since
//     5.17 Linux overlays struct slab on struct page instead, which needs
//     more than gokern's 32-byte page), so kfree needs only the pointer.
//
// gokern runs one CPU with interrupts off: the per-CPU array is CPU 0's,
// and neither the node's list_lock nor any atomic is needed.

// SlabFlags are the SLAB_* flags of kmem_cache_create, Linux slab_flags_t
// (include/linux/slab.h, 6.1 values).
type SlabFlags uint32

const (
	// SLAB_CONSISTENCY_CHECKS (slub_debug F): check every object freed
	// and allocated (double free, bad pointer, red zones, poison).
	SLAB_CONSISTENCY_CHECKS SlabFlags = 0x00000100
	// SLAB_RED_ZONE (Z): guard bytes before and after each object.
	SLAB_RED_ZONE SlabFlags = 0x00000400
	// SLAB_POISON (P): free objects filled with POISON_FREE.
	SLAB_POISON SlabFlags = 0x00000800
	// SLAB_KMALLOC: one of kmalloc's caches.
	SLAB_KMALLOC SlabFlags = 0x00001000
	// SLAB_HWCACHE_ALIGN: align objects to the cache line.
	SLAB_HWCACHE_ALIGN SlabFlags = 0x00002000
	// SLAB_CACHE_DMA: slabs from ZONE_DMA (the dma-kmalloc caches).
	SLAB_CACHE_DMA SlabFlags = 0x00004000
	// SLAB_CACHE_DMA32: slabs from ZONE_DMA32.
	SLAB_CACHE_DMA32 SlabFlags = 0x00008000
	// SLAB_STORE_USER (U): record who allocated and freed each object.
	SLAB_STORE_USER SlabFlags = 0x00010000
	// SLAB_PANIC: a cache that cannot be created stops the boot.
	SLAB_PANIC SlabFlags = 0x00040000
	// SLAB_TRACE (T): print every allocation and free.
	SLAB_TRACE SlabFlags = 0x00200000

	// CFLGS_OFF_SLAB: the slab descriptor is kmalloc'd, not in the slab
	// (Linux SLAB's private flag).
	CFLGS_OFF_SLAB SlabFlags = 0x80000000
	// X__OBJECT_POISON: free objects are poisoned: SLAB_POISON without a
	// constructor, whose work poison would undo (Linux SLUB's
	// __OBJECT_POISON).
	X__OBJECT_POISON SlabFlags = 0x40000000

	// SLAB_DEBUG_FLAGS: the flags that make a cache a debug cache.
	SLAB_DEBUG_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE
	// SLAB_CREATE_MASK: the flags kmem_cache_create accepts.
	SLAB_CREATE_MASK = SLAB_DEBUG_FLAGS | SLAB_KMALLOC | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_PANIC
)

const (
	// BOOT_CPUCACHE_ENTRIES: the per-CPU array of a cache created before
	// kmem_cache_init_late holds one object (Linux's value): a larger one
	// needs kmalloc, which is what is being set up.
	BOOT_CPUCACHE_ENTRIES = 1
	// BATCHREFILL_LIMIT: an array not used since the last refill takes at
	// most this many objects (Linux's value).
	BATCHREFILL_LIMIT = 16
	// SLAB_OBJ_MAX_NUM: a slab's free list holds 16-bit indices.
	SLAB_OBJ_MAX_NUM = 1<<16 - 1
	// OFF_SLAB_MIN_SIZE: smaller objects always keep the descriptor in
	// the slab (Linux: max(PAGE_SIZE >> 5, KMALLOC_MIN_SIZE)).
	OFF_SLAB_MIN_SIZE = asm.PAGE_SIZE >> 5
	// Slub_max_order: calculate_order keeps slabs at or below this order
	// when it can (Linux slub_max_order = PAGE_ALLOC_COSTLY_ORDER).
	Slub_max_order = 3
	// nr_node_ids: the nodes gokern boots (Node_data[0] only); Linux
	// sizes kmem_cache's node array by it.
	nr_node_ids = 1
	// KMEM_CACHE_NAME_LEN: a cache's name is copied into the cache
	// (Linux kstrdup_const), truncated to this many bytes less one.
	KMEM_CACHE_NAME_LEN = 32
)

// ARCH_SLAB_MINALIGN: every object is aligned to at least a word.
const ARCH_SLAB_MINALIGN = 8

// slabNrCPUs: the CPUs slab keeps arrays for (Setup_smp sets it; 1 in
// host tests).
var slabNrCPUs = 1

// ArrayCache is struct array_cache: one CPU's stack of free objects in
// front of the node lists. Entry[:Avail] are the objects, the last pushed
// at the top (LIFO: the one freed last, likely still cached, goes first).
type ArrayCache struct {
	Avail      uint32 // objects in Entry
	Limit      uint32 // capacity; 0: no array, every call goes to the lists (gokern)
	Batchcount uint32 // objects moved to or from the lists at a time
	Touched    uint32 // allocated from since the last refill
	Entry      []uintptr
}

// KmemCacheNode is struct kmem_cache_node: one node's slabs of a cache
// (seeds/002 "Available Caches (since 3.10)", the CONFIG_SLAB half).
type KmemCacheNode struct {
	// List_lock protects the lists and counts below (Linux
	// kmem_cache_node.list_lock), taken with interrupts off.
	List_lock     asm.Spinlock_t
	Slabs_partial ListHead // some objects free: allocations come from here first
	Slabs_full    ListHead // no object free
	Slabs_free    ListHead // every object free: shrink gives these back
	Total_slabs   uint64
	Free_slabs    uint64
	Free_objects  uint64 // free objects in this node's slabs (not in the array)
	// Free_limit: above this many free objects, free_block gives empty
	// slabs back to the buddy allocator (Linux: (1 + nr_cpus) *
	// batchcount + num).
	Free_limit uint64
	// Colour_next is the colour of the next slab: its first object sits
	// Colour_next * colour_off bytes into the slab.
	Colour_next uint32
}

// Slab describes one slab: Linux struct slab (5.17+; before, these were
// struct page fields), 2.4's slab_t.
type Slab struct {
	Slab_list ListHead   // on its node's full, partial or free list
	Cache     *KmemCache // the cache it belongs to
	// S_mem is the first object's slot: the slab's address plus its
	// colour offset.
	S_mem     uintptr
	Active    uint32 // objects handed out (to callers or the per-CPU array)
	Colouroff uint32 // this slab's colour offset in bytes
	Page      *Page  // the first of its 2^gfporder pages
	// Freelist is SLAB's free list: Freelist[Active:] are the indices of
	// the free objects, Freelist[Active] the next one handed out.
	Freelist []uint16
}

// slabDescSize is sizeof(struct slab) without its index array.
const slabDescSize = uint32(unsafe.Sizeof(Slab{}))

// KmemCache is struct kmem_cache. List is its first field: the pages of a
// slab point at it (page_slab_cache).
type KmemCache struct {
	List ListHead // on slab_caches

	// Cpu_cache[cpu] is cpu's array, used only by that CPU with
	// interrupts off (Linux: __percpu cpu_cache; 2.6's array[NR_CPUS]);
	// nil: none yet, every call goes to the lists.
	Cpu_cache  [asm.NR_CPUS]*ArrayCache
	Batchcount uint32
	Limit      uint32
	Shared     uint32

	// Size is the distance between objects: the object, its debug
	// metadata and padding, aligned. Reciprocal_buffer_size turns the
	// division by it into a multiplication (obj_to_index).
	Size                   uint32
	Reciprocal_buffer_size uint64
	Flags                  SlabFlags
	Num                    uint32 // objects per slab
	Gfporder               uint32 // a slab is 2^Gfporder pages
	Allocflags             Gfp    // added to the slab pages' GFP flags (GFP_DMA)
	// Colour is how many colours there are (leftover / Colour_off);
	// Colour_off the step between them.
	Colour     uint32
	Colour_off uint32
	// Freelist_cache: where off-slab descriptors come from; Freelist_size
	// the descriptor's size (the Slab and the index array).
	Freelist_cache *KmemCache
	Freelist_size  uint32
	// Ctor runs once on each object when its slab is made.
	Ctor func(obj unsafe.Pointer)

	Name        [KMEM_CACHE_NAME_LEN]byte // NUL-terminated
	Object_size uint32                    // what the creator asked for
	Align       uint32
	// Red_left_pad: the left red zone before each object; Inuse: the
	// offset from the object to its tracks (the object and the right red
	// zone).
	Red_left_pad uint32
	Inuse        uint32
	Refcount     int32

	Node [nr_node_ids]KmemCacheNode

	// The statistics /proc/slabinfo prints with STATS (Linux
	// num_allocations, grown, reaped, ...).
	Num_allocations, Num_frees, Grown, Reaped, Errors uint64

	// arraycache_boot is the array of BOOT_CPUCACHE_ENTRIES the cache
	// uses until kmem_cache_init_late gives it a real one.
	arraycache_boot ArrayCache
	entry_boot      [BOOT_CPUCACHE_ENTRIES]uintptr
}

// Slab states, Linux enum slab_state.
const (
	DOWN    = iota // no slab allocator
	PARTIAL        // kmem_cache works: kmalloc's caches are being made
	UP             // kmalloc works; arrays are the one-entry boot ones
	FULL           // every cache has its real per-CPU array
)

var (
	// Slab_state: how far kmem_cache_init has come (Linux slab_state).
	Slab_state int
	// Slab_caches lists every cache, newest first (Linux slab_caches).
	Slab_caches ListHead
	// Kmem_cache is the cache of struct kmem_cache (Linux kmem_cache);
	// its own kmem_cache is static, as Linux's kmem_cache_boot.
	Kmem_cache      *KmemCache
	kmem_cache_boot KmemCache
	// Nr_slab_pages counts the pages of every slab and kmalloc_large
	// block (Linux vm_stat NR_SLAB_UNRECLAIMABLE_B, in pages).
	Nr_slab_pages uint64
)

// kptr turns an address into a pointer (objects live in memory the Go
// runtime does not manage: slabs in the direct map, or the host tests'
// simulated RAM).
func kptr(a uintptr) unsafe.Pointer { return unsafe.Add(nil, a) }

// kmem_bytes sees n bytes at a.
func kmem_bytes(a uintptr, n uint32) []byte { return unsafe.Slice((*byte)(kptr(a)), n) }

// Kmem_cache_name returns c's name (Linux: cachep->name).
func Kmem_cache_name(c *KmemCache) string {
	n := 0
	for n < len(c.Name) && c.Name[n] != 0 {
		n++
	}
	return unsafe.String(&c.Name[0], n)
}

// slabOf is container_of(l, struct slab, slab_list).
func slabOf(l *ListHead) *Slab { return (*Slab)(unsafe.Pointer(l)) }

// cacheOf is container_of(l, struct kmem_cache, list).
func cacheOf(l *ListHead) *KmemCache { return (*KmemCache)(unsafe.Pointer(l)) }

// page_slab_cache and page_slab read what slab_map_pages put in a slab
// page's lru: 2.4's GET_PAGE_CACHE (page->list.next) and GET_PAGE_SLAB
// (page->list.prev).
func page_slab_cache(p *Page) *KmemCache { return cacheOf(p.Lru.Next) }
func page_slab(p *Page) *Slab            { return slabOf(p.Lru.Prev) }

// slab_address is the address of the slab's first page.
func slab_address(s *Slab) uintptr { return Page_address(s.Page) }

// index_to_obj is the address of object idx of the slab.
func index_to_obj(c *KmemCache, s *Slab, idx uint32) uintptr {
	// LAB slab BEGIN
	return s.S_mem + uintptr(idx)*uintptr(c.Size) + uintptr(c.Red_left_pad)
	// LAB slab SKELETON
	// // Objects follow each other c.Size bytes apart from s.S_mem (where the
	// // colour put the first), each after its left red zone (c.Red_left_pad).
	// panic("LAB slab: index_to_obj not implemented yet")
	// LAB slab END
}

// reciprocal_value and reciprocal_divide divide by a constant with a
// multiplication (Linux lib/reciprocal_div.c, the pre-3.18 form): for
// a = m*k, (a * ceil(2^32/k)) >> 32 is m exactly while a < 2^32; obj_to_index
// relies on that and checks the remainder.
func reciprocal_value(k uint32) uint64            { return (1<<32 + uint64(k) - 1) / uint64(k) }
func reciprocal_divide(a uint64, r uint64) uint64 { return a * r >> 32 }

// obj_to_index returns the index of the object at obj, and false if obj is
// not the start of one of the slab's objects.
func obj_to_index(c *KmemCache, s *Slab, obj uintptr) (uint32, bool) {
	// LAB slab BEGIN
	if obj < s.S_mem+uintptr(c.Red_left_pad) {
		return 0, false
	}
	off := obj - s.S_mem - uintptr(c.Red_left_pad)
	idx := reciprocal_divide(uint64(off), c.Reciprocal_buffer_size)
	if idx >= uint64(c.Num) || idx*uint64(c.Size) != uint64(off) {
		return 0, false
	}
	return uint32(idx), true
	// LAB slab SKELETON
	// // index_to_obj backwards, without a division: reciprocal_divide with
	// // c.Reciprocal_buffer_size; false unless obj starts an object of s.
	// return 0, false
	// LAB slab END
}

// cache_estimate: how many objects of size bytes a slab of 2^order pages
// holds, and the bytes left over, with the descriptor in the slab or not
// (Linux cache_estimate).
func cache_estimate(order uint32, size uint32, offslab bool) (num, left uint32) {
	bytes := uint32(asm.PAGE_SIZE) << order
	if offslab {
		num = bytes / size
	} else {
		if bytes < slabDescSize {
			return 0, bytes
		}
		num = (bytes - slabDescSize) / (size + 2)
		for num > 0 && num*size+freelist_size(num) > bytes {
			num--
		}
	}
	num = min(num, SLAB_OBJ_MAX_NUM)
	left = bytes - num*size
	if !offslab {
		left -= freelist_size(num)
	}
	return num, left
}

// freelist_size is the descriptor: struct slab and num 16-bit indices,
// rounded to a word.
func freelist_size(num uint32) uint32 { return (slabDescSize + 2*num + 7) &^ 7 }

// get_order is the smallest order of pages that holds size bytes (Linux
// get_order); MAX_ORDER or more for what no block can hold.
func get_order(size uint64) uint32 {
	if size <= asm.PAGE_SIZE {
		return 0
	}
	return uint32(bits.Len64(size-1)) - asm.PAGE_SHIFT
}

// calc_slab_order is the smallest order from which a slab holds at least
// min_objects and wastes at most a 1/fract_leftover of itself, up to
// max_order; max_order+1 if none (Linux mm/slub.c calc_slab_order, with
// the descriptor counted).
func calc_slab_order(size, min_objects, max_order, fract_leftover uint32, offslab bool) uint32 {
	order := get_order(uint64(min_objects) * uint64(size))
	for ; order <= max_order; order++ {
		num, rem := cache_estimate(order, size, offslab)
		if num >= min_objects && rem <= (uint32(asm.PAGE_SIZE)<<order)/fract_leftover {
			break
		}
	}
	return order
}

// calculate_order chooses the slab order for objects of size bytes (Linux
// mm/slub.c calculate_order): the smallest slab with at least min_objects
// (4 * (fls(nr_cpu_ids) + 1) = 8 on one CPU) wasting at most 1/16, then
// 1/8, then 1/4, each up to slub_max_order (3: 32 KiB); then fewer
// objects; then one object in any order up to MAX_ORDER-1.
func calculate_order(size uint32, offslab bool) (uint32, bool) {
	min_objects := uint32(4 * (1 + 1))
	if maxo, _ := cache_estimate(Slub_max_order, size, offslab); maxo < min_objects {
		min_objects = maxo
	}
	for ; min_objects > 1; min_objects-- {
		for fraction := uint32(16); fraction >= 4; fraction /= 2 {
			if order := calc_slab_order(size, min_objects, Slub_max_order, fraction, offslab); order <= Slub_max_order {
				return order, true
			}
		}
	}
	if order := calc_slab_order(size, 1, Slub_max_order, 1, offslab); order <= Slub_max_order {
		return order, true
	}
	if order := calc_slab_order(size, 1, MAX_ORDER-1, 1, offslab); order <= MAX_ORDER-1 {
		return order, true
	}
	return 0, false
}

// calculate_alignment: at least a word; with SLAB_HWCACHE_ALIGN a cache
// line, or the smallest power-of-two fraction of it the object fits in
// (Linux calculate_alignment).
func calculate_alignment(flags SlabFlags, align, size uint32) uint32 {
	if flags&SLAB_HWCACHE_ALIGN != 0 {
		ralign := uint32(asm.L1_CACHE_BYTES)
		for size <= ralign/2 {
			ralign /= 2
		}
		align = max(align, ralign)
	}
	align = max(align, ARCH_SLAB_MINALIGN)
	return (align + 7) &^ 7
}

// Track is where an object was last allocated or freed (SLAB_STORE_USER;
// Linux struct track): the caller, the TSC, the CPU and the pid.
type Track struct {
	Addr uintptr
	When uint64 // TSC
	Cpu  int32
	Pid  int32
}

const trackSize = uint32(unsafe.Sizeof(Track{}))

// calculate_sizes lays out one object slot (Linux mm/slub.c
// calculate_sizes, less the free pointer SLAB does not need):
//
//	| left red zone | object | right red zone | alloc track | free track | padding |
//	                ^ the pointer callers get
//
// The object is rounded to a word; a red zone needs at least one word on
// the right, so an object that is a whole number of words gets one more.
// The left red zone is a word, aligned to the cache's alignment, so that
// the object stays aligned. The whole slot is rounded to the alignment.
func calculate_sizes(c *KmemCache) {
	flags := c.Flags
	size := (c.Object_size + 7) &^ 7
	if flags&SLAB_RED_ZONE != 0 && size == c.Object_size {
		size += 8
	}
	c.Inuse = size
	if flags&SLAB_STORE_USER != 0 {
		size += 2 * trackSize
	}
	c.Red_left_pad = 0
	if flags&SLAB_RED_ZONE != 0 {
		c.Red_left_pad = (8 + c.Align - 1) &^ (c.Align - 1)
		size += c.Red_left_pad
	}
	c.Size = (size + c.Align - 1) &^ (c.Align - 1)
	c.Reciprocal_buffer_size = reciprocal_value(c.Size)
}

// set_slab_layout decides where the slab descriptor goes and the slab
// order (Linux set_off_slab_cache, calculate_slab_order's off-slab
// tests): in the slab, unless the object is large (OFF_SLAB_MIN_SIZE) and
// a kmalloc cache can hold the descriptor — one whose own descriptors are
// in its slabs, with objects at most half this cache's size — and the
// slab then holds more objects per page.
func set_slab_layout(c *KmemCache) bool {
	order, ok := calculate_order(c.Size, false)
	if !ok {
		return false
	}
	num, left := cache_estimate(order, c.Size, false)
	c.Flags &^= CFLGS_OFF_SLAB
	c.Freelist_cache = nil
	if c.Size >= OFF_SLAB_MIN_SIZE {
		if oorder, ok := calculate_order(c.Size, true); ok {
			onum, oleft := cache_estimate(oorder, c.Size, true)
			fc := kmalloc_slab(uint64(freelist_size(onum)), 0)
			if fc != nil && fc.Flags&CFLGS_OFF_SLAB == 0 && fc.Size <= c.Size/2 &&
				uint64(onum)<<order > uint64(num)<<oorder {
				c.Flags |= CFLGS_OFF_SLAB
				c.Freelist_cache = fc
				order, num, left = oorder, onum, oleft
			}
		}
	}
	c.Gfporder, c.Num = order, num
	c.Freelist_size = freelist_size(num)
	c.Colour_off = max(uint32(asm.L1_CACHE_BYTES), c.Align)
	c.Colour = left / c.Colour_off
	return true
}

// init_cache_node readies node 0's lists (Linux init_cache_node).
func init_cache_node(c *KmemCache) {
	n := &c.Node[0]
	*n = KmemCacheNode{}
	INIT_LIST_HEAD(&n.Slabs_partial)
	INIT_LIST_HEAD(&n.Slabs_full)
	INIT_LIST_HEAD(&n.Slabs_free)
	n.Free_limit = uint64(1+slabNrCPUs)*uint64(c.Batchcount) + uint64(c.Num)
}

// setup_cpu_cache gives a new cache its per-CPU array: the real one once
// kmalloc works (slab_state FULL), else the one-entry boot array (Linux
// setup_cpu_cache).
func setup_cpu_cache(c *KmemCache) bool {
	if Slab_state >= FULL {
		return enable_cpucache(c)
	}
	c.arraycache_boot = ArrayCache{Limit: BOOT_CPUCACHE_ENTRIES, Batchcount: 1}
	c.arraycache_boot.Entry = c.entry_boot[:]
	c.Cpu_cache[0] = &c.arraycache_boot
	c.Limit, c.Batchcount = BOOT_CPUCACHE_ENTRIES, 1
	init_cache_node(c)
	return true
}

// enable_cpucache sizes the per-CPU array from the object size (Linux
// enable_cpucache: large objects are few, small ones many).
func enable_cpucache(c *KmemCache) bool {
	var limit uint32
	switch {
	case c.Size > 131072:
		limit = 1
	case c.Size > asm.PAGE_SIZE:
		limit = 8
	case c.Size > 1024:
		limit = 24
	case c.Size > 256:
		limit = 54
	default:
		limit = 120
	}
	return Do_tune_cpucache(c, limit, (limit+1)/2)
}

// Do_tune_cpucache gives the cache a per-CPU array of limit objects moved
// batchcount at a time, after giving the old array's objects back to the
// lists (Linux do_tune_cpucache, what writing /proc/slabinfo does). A
// limit of 0 removes the array: every allocation and free goes to the node
// lists (gokern, to measure what the array saves; Linux requires 1 or
// more). false, and nothing changed, if the array cannot be allocated.
func Do_tune_cpucache(c *KmemCache, limit, batchcount uint32) bool {
	var acs [asm.NR_CPUS]*ArrayCache
	if limit == 0 {
		batchcount = 0
	} else {
		batchcount = max(min(batchcount, limit), 1)
		size := uint64(unsafe.Sizeof(ArrayCache{})) + uint64(limit)*8
		for cpu := 0; cpu < slabNrCPUs; cpu++ {
			p := kmallocNode(size, GFP_KERNEL, 0)
			if p == nil {
				for _, ac := range acs[:cpu] {
					kfreeNode(unsafe.Pointer(ac), 0)
				}
				return false
			}
			ac := (*ArrayCache)(p)
			ac.Entry = unsafe.Slice((*uintptr)(unsafe.Add(p, unsafe.Sizeof(ArrayCache{}))), limit)
			ac.Avail, ac.Limit, ac.Batchcount, ac.Touched = 0, limit, batchcount, 0
			acs[cpu] = ac
		}
	}
	// The new arrays go in before the old ones are emptied and freed: an
	// old one may be an object of this very cache (kmalloc-512's array is
	// a kmalloc-512 object), whose free must not land in it. Linux swaps
	// each CPU's array on that CPU (on_each_cpu(do_ccupdate_local));
	// gokern swaps them all from here, which is safe while no other CPU
	// allocates from the cache: at its creation, and in kmem_cache_init_late
	// before the other CPUs start.
	flags := irqSave()
	old := c.Cpu_cache
	c.Cpu_cache, c.Limit, c.Batchcount = acs, limit, batchcount
	irqRestore(flags)
	n := &c.Node[0]
	flags = lockIrqsave(&n.List_lock, 0)
	n.Free_limit = uint64(1+slabNrCPUs)*uint64(batchcount) + uint64(c.Num)
	unlockIrqrestore(&n.List_lock, flags)
	for _, ac := range old {
		if ac == nil {
			continue
		}
		drain_array(c, ac)
		if ac != &c.arraycache_boot {
			kfreeNode(unsafe.Pointer(ac), 0)
		}
	}
	return true
}

// cpu_cache_get is this CPU's array, or an empty one without room
// (every call then goes to the lists); the caller has interrupts off
// (Linux cpu_cache_get).
//
//go:nosplit
func cpu_cache_get(c *KmemCache) *ArrayCache {
	if ac := c.Cpu_cache[thisCPU()]; ac != nil {
		return ac
	}
	return &no_array
}

// no_array: the array of a CPU a cache has none for. Limit 0: nothing is
// ever stored in it.
var no_array ArrayCache

// drain_array gives every object of the array back to the lists.
func drain_array(c *KmemCache, ac *ArrayCache) {
	if ac.Avail == 0 {
		return
	}
	free_block(c, ac.Entry[:ac.Avail])
	ac.Avail = 0
}

// kmem_getpages allocates a slab's pages (Linux kmem_getpages): the
// cache's order, GFP_DMA for DMA caches, never zeroed (the objects are
// initialised one by one).
func kmem_getpages(c *KmemCache, gfp Gfp, ip uintptr) *Page {
	gfp = gfp&^X__GFP_ZERO | c.Allocflags
	p := allocPages(gfp, uint(c.Gfporder), ip)
	if p == nil {
		return nil
	}
	Nr_slab_pages += 1 << c.Gfporder
	return p
}

// kmem_freepages gives a slab's pages back (Linux kmem_freepages): each
// loses PG_slab and its lru links first, as the buddy allocator checks.
func kmem_freepages(c *KmemCache, p *Page) {
	pfn := Page_to_pfn(p)
	for i := uint64(0); i < 1<<c.Gfporder; i++ {
		q := Pfn_to_page(pfn + i)
		X__ClearPageSlab(q)
		q.Lru = ListHead{}
	}
	Nr_slab_pages -= 1 << c.Gfporder
	freePages(p, uint(c.Gfporder), 0)
}

// alloc_slabmgmt places the slab descriptor: at the end of the slab, or a
// kmalloc'd block for off-slab caches (Linux alloc_slabmgmt).
func alloc_slabmgmt(c *KmemCache, p *Page, colouroff uint32, gfp Gfp, ip uintptr) *Slab {
	addr := Page_address(p)
	var desc unsafe.Pointer
	if c.Flags&CFLGS_OFF_SLAB != 0 {
		desc = slab_alloc(c.Freelist_cache, gfp&^X__GFP_ZERO, ip)
		if desc == nil {
			return nil
		}
	} else {
		desc = kptr(addr + uintptr(asm.PAGE_SIZE)<<c.Gfporder - uintptr(c.Freelist_size))
	}
	s := (*Slab)(desc)
	*s = Slab{Cache: c, S_mem: addr + uintptr(colouroff), Colouroff: colouroff, Page: p}
	s.Freelist = unsafe.Slice((*uint16)(unsafe.Add(desc, slabDescSize)), c.Num)
	return s
}

// slab_map_pages links every page of the slab to its cache and
// descriptor and marks it PG_slab (2.4 kmem_cache_grow: SET_PAGE_CACHE,
// SET_PAGE_SLAB, PageSetSlab on each page).
func slab_map_pages(c *KmemCache, s *Slab) {
	pfn := Page_to_pfn(s.Page)
	for i := uint64(0); i < 1<<c.Gfporder; i++ {
		q := Pfn_to_page(pfn + i)
		q.Lru.Next = &c.List
		q.Lru.Prev = &s.Slab_list
		X__SetPageSlab(q)
	}
}

// cache_init_objs prepares every object of a new slab: debug state (red
// zones, poison, tracks), the constructor, and the free list 0, 1, 2, ...
// (Linux cache_init_objs).
func cache_init_objs(c *KmemCache, s *Slab) {
	debug := c.Flags&SLAB_DEBUG_FLAGS != 0
	for i := uint32(0); i < c.Num; i++ {
		obj := index_to_obj(c, s, i)
		if debug {
			setup_object_debug(c, obj)
		}
		if c.Ctor != nil {
			c.Ctor(kptr(obj))
		}
		s.Freelist[i] = uint16(i)
	}
}

// cache_grow makes a new slab and puts it on the free list (Linux
// cache_grow_begin/cache_grow_end; 2.4 kmem_cache_grow). Its colour is the
// node's colour_next, which then advances and wraps at c.Colour: the
// objects of successive slabs start 0, colour_off, 2*colour_off, ... bytes
// in (seeds/002 "Slab Coloring").
func cache_grow(c *KmemCache, gfp Gfp, ip uintptr) *Slab {
	p := kmem_getpages(c, gfp, ip)
	if p == nil {
		return nil
	}
	if c.Flags&SLAB_DEBUG_FLAGS != 0 {
		setup_slab_debug(c, Page_address(p))
	}
	n := &c.Node[0]
	// LAB slab BEGIN
	offset := n.Colour_next
	n.Colour_next++
	if n.Colour_next >= c.Colour {
		n.Colour_next = 0
	}
	// LAB slab SKELETON
	// // Slab colouring (seeds/002): this slab's colour is n.Colour_next, which
	// // then advances and wraps at c.Colour; the objects start
	// // offset*c.Colour_off bytes in.
	// offset := uint32(0)
	// LAB slab END
	s := alloc_slabmgmt(c, p, offset*c.Colour_off, gfp, ip)
	if s == nil {
		kmem_freepages(c, p)
		return nil
	}
	slab_map_pages(c, s)
	cache_init_objs(c, s)
	List_add_tail(&s.Slab_list, &n.Slabs_free)
	n.Total_slabs++
	n.Free_slabs++
	n.Free_objects += uint64(c.Num)
	c.Grown++
	return s
}

// slab_destroy gives a slab that holds no object back (Linux
// slab_destroy): its pages to the buddy allocator, an off-slab
// descriptor to its cache. The caller has taken it off its list.
func slab_destroy(c *KmemCache, s *Slab) {
	if c.Flags&SLAB_DEBUG_FLAGS != 0 {
		slab_destroy_debugcheck(c, s)
	}
	p := s.Page
	if c.Flags&CFLGS_OFF_SLAB != 0 {
		slab_free(c.Freelist_cache, uintptr(unsafe.Pointer(s)), 0)
	}
	kmem_freepages(c, p)
	c.Reaped++
}

// slab_get_obj takes the next free object of a slab (Linux
// slab_get_obj).
func slab_get_obj(c *KmemCache, s *Slab) uintptr {
	// LAB slab BEGIN
	obj := index_to_obj(c, s, uint32(s.Freelist[s.Active]))
	s.Active++
	return obj
	// LAB slab SKELETON
	// // s.Freelist[s.Active:] are the indices of the free objects.
	// panic("LAB slab: slab_get_obj not implemented yet")
	// LAB slab END
}

// slab_put_obj puts an object back on its slab's free list (Linux
// slab_put_obj).
func slab_put_obj(c *KmemCache, s *Slab, idx uint32) {
	// LAB slab BEGIN
	s.Active--
	s.Freelist[s.Active] = uint16(idx)
	// LAB slab SKELETON
	// panic("LAB slab: slab_put_obj not implemented yet")
	// LAB slab END
}

// fixup_slab_list moves a slab to the list its fill level says (Linux
// fixup_slab_list).
func fixup_slab_list(c *KmemCache, n *KmemCacheNode, s *Slab) {
	List_del(&s.Slab_list)
	if s.Active == c.Num {
		List_add(&s.Slab_list, &n.Slabs_full)
	} else {
		List_add(&s.Slab_list, &n.Slabs_partial)
	}
}

// get_first_slab returns a slab with a free object: partial first, then
// free (Linux get_first_slab), or nil.
func get_first_slab(n *KmemCacheNode) *Slab {
	if !List_empty(&n.Slabs_partial) {
		return slabOf(n.Slabs_partial.Next)
	}
	if !List_empty(&n.Slabs_free) {
		n.Free_slabs--
		return slabOf(n.Slabs_free.Next)
	}
	return nil
}

// take_from_slab moves up to want objects of s into the array (or just
// returns one when the cache has no array), counting them off the node.
func take_from_slab(c *KmemCache, n *KmemCacheNode, s *Slab, ac *ArrayCache, want uint32) {
	for s.Active < c.Num && want > 0 {
		ac.Entry[ac.Avail] = slab_get_obj(c, s)
		ac.Avail++
		want--
		n.Free_objects--
	}
	fixup_slab_list(c, n, s)
}

// cache_alloc_refill is the slow path of an allocation: the array is
// empty, so it takes batchcount objects from the node's slabs, growing a
// new slab if none has a free object, and returns one (Linux
// cache_alloc_refill). A cache without array takes one object directly.
func cache_alloc_refill(c *KmemCache, gfp Gfp, ip uintptr) uintptr {
	n := &c.Node[0]
	flags := lockIrqsave(&n.List_lock, ip)
	obj := cache_alloc_refill_locked(c, n, gfp, ip)
	unlockIrqrestore(&n.List_lock, flags)
	return obj
}

// cache_alloc_refill_locked is cache_alloc_refill under the node's
// list_lock. Linux drops the lock to grow a slab; gokern keeps it (the
// buddy allocator's zone lock nests inside).
func cache_alloc_refill_locked(c *KmemCache, n *KmemCacheNode, gfp Gfp, ip uintptr) uintptr {
	ac := cpu_cache_get(c)
	if ac.Limit == 0 {
		s := get_first_slab(n)
		if s == nil {
			if s = cache_grow(c, gfp, ip); s == nil {
				return 0
			}
			n.Free_slabs--
		}
		obj := slab_get_obj(c, s)
		n.Free_objects--
		fixup_slab_list(c, n, s)
		return obj
	}
	batch := ac.Batchcount
	if ac.Touched == 0 && batch > BATCHREFILL_LIMIT {
		batch = BATCHREFILL_LIMIT
	}
	for ac.Avail < batch {
		s := get_first_slab(n)
		if s == nil {
			break
		}
		take_from_slab(c, n, s, ac, batch-ac.Avail)
	}
	if ac.Avail == 0 {
		s := cache_grow(c, gfp, ip)
		if s == nil {
			return 0
		}
		n.Free_slabs--
		take_from_slab(c, n, s, ac, batch)
	}
	ac.Touched = 1
	ac.Avail--
	return ac.Entry[ac.Avail]
}

// free_block gives objects back to their slabs and the slabs to the lists
// their fill says; past the node's free_limit, empty slabs go back to the
// buddy allocator (Linux free_block, slabs_destroy).
func free_block(c *KmemCache, objs []uintptr) {
	n := &c.Node[0]
	flags := lockIrqsave(&n.List_lock, 0)
	free_block_locked(c, n, objs)
	unlockIrqrestore(&n.List_lock, flags)
}

// free_block_locked is free_block under the node's list_lock.
func free_block_locked(c *KmemCache, n *KmemCacheNode, objs []uintptr) {
	for _, obj := range objs {
		s := page_slab(Virt_to_page(obj))
		idx, _ := obj_to_index(c, s, obj)
		slab_put_obj(c, s, idx)
		n.Free_objects++
		List_del(&s.Slab_list)
		if s.Active == 0 {
			List_add(&s.Slab_list, &n.Slabs_free)
			n.Free_slabs++
		} else {
			List_add_tail(&s.Slab_list, &n.Slabs_partial)
		}
	}
	for n.Free_objects > n.Free_limit && !List_empty(&n.Slabs_free) {
		s := slabOf(n.Slabs_free.Prev)
		List_del(&s.Slab_list)
		n.Free_slabs--
		n.Total_slabs--
		n.Free_objects -= uint64(c.Num)
		slab_destroy(c, s)
	}
}

// cache_flusharray makes room in a full array: its batchcount oldest
// objects (the bottom of the stack, the coldest) go back to the lists
// (Linux cache_flusharray).
func cache_flusharray(c *KmemCache, ac *ArrayCache) {
	batch := min(ac.Batchcount, ac.Avail)
	free_block(c, ac.Entry[:batch])
	ac.Avail -= batch
	copy(ac.Entry[:ac.Avail], ac.Entry[batch:batch+ac.Avail])
}

// drain_freelist destroys the node's free slabs (Linux drain_freelist)
// and returns how many.
func drain_freelist(c *KmemCache) uint64 {
	n := &c.Node[0]
	flags := lockIrqsave(&n.List_lock, 0)
	nr := uint64(0)
	for !List_empty(&n.Slabs_free) {
		s := slabOf(n.Slabs_free.Prev)
		List_del(&s.Slab_list)
		n.Free_slabs--
		n.Total_slabs--
		n.Free_objects -= uint64(c.Num)
		slab_destroy(c, s)
		nr++
	}
	unlockIrqrestore(&n.List_lock, flags)
	return nr
}

// slab_alloc is kmem_cache_alloc's body (Linux slab_alloc,
// ____cache_alloc): the fast path pops the per-CPU array; an empty array
// is refilled from the lists.
func slab_alloc(c *KmemCache, gfp Gfp, ip uintptr) unsafe.Pointer {
	flags := irqSave()
	ac := cpu_cache_get(c)
	var obj uintptr
	if ac.Avail != 0 {
		ac.Touched = 1
		ac.Avail--
		obj = ac.Entry[ac.Avail]
	} else if obj = cache_alloc_refill(c, gfp, ip); obj == 0 {
		irqRestore(flags)
		atomic.AddUint64(&c.Errors, 1)
		return nil
	}
	irqRestore(flags)
	atomic.AddUint64(&c.Num_allocations, 1)
	if c.Flags&SLAB_DEBUG_FLAGS != 0 {
		alloc_debug_processing(c, obj, ip)
	}
	if gfp&X__GFP_ZERO != 0 {
		clear(kmem_bytes(obj, c.Object_size))
	}
	return kptr(obj)
}

// slab_free is kmem_cache_free's body once the object is known to be c's
// (Linux __cache_free, ___cache_free): the fast path pushes on the
// per-CPU array; a full array first gives its oldest half back.
func slab_free(c *KmemCache, obj uintptr, ip uintptr) {
	if c.Flags&SLAB_DEBUG_FLAGS != 0 && !free_debug_processing(c, page_slab(Virt_to_page(obj)), obj, ip) {
		return
	}
	atomic.AddUint64(&c.Num_frees, 1)
	flags := irqSave()
	ac := cpu_cache_get(c)
	switch {
	case ac.Avail < ac.Limit:
	case ac.Limit == 0:
		var one [1]uintptr
		one[0] = obj
		free_block(c, one[:])
		irqRestore(flags)
		return
	default:
		cache_flusharray(c, ac)
	}
	ac.Entry[ac.Avail] = obj
	ac.Avail++
	irqRestore(flags)
}

// Kmem_cache_shrink empties the per-CPU array and gives every free slab
// back to the buddy allocator; it returns 1 if slabs remain in use, 0 if
// the cache holds none (Linux kmem_cache_shrink, __kmem_cache_shrink).
func Kmem_cache_shrink(c *KmemCache) int {
	if c == nil {
		return 0
	}
	for _, ac := range c.Cpu_cache {
		if ac != nil {
			// Linux drains each CPU's array on that CPU (on_each_cpu);
			// like Do_tune_cpucache, this is for a cache the other CPUs
			// are not using meanwhile.
			flags := irqSave()
			drain_array(c, ac)
			irqRestore(flags)
		}
	}
	drain_freelist(c)
	n := &c.Node[0]
	if List_empty(&n.Slabs_full) && List_empty(&n.Slabs_partial) {
		return 0
	}
	return 1
}

// kmem_cache_node_objects counts a cache's slabs and objects for slabinfo
// and the checks (Linux get_slabinfo for SLAB): objects in the per-CPU
// array count as active, as SLAB's slabinfo counts them.
func kmem_cache_node_objects(c *KmemCache) (active_objs, num_objs, active_slabs, num_slabs uint64) {
	n := &c.Node[0]
	num_slabs = n.Total_slabs
	active_slabs = num_slabs - n.Free_slabs
	num_objs = num_slabs * uint64(c.Num)
	active_objs = num_objs - n.Free_objects
	return
}
