package mm

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// The slab allocator's interface and kmalloc. Linux: mm/slab_common.c
// (kmem_cache_create_usercopy, create_cache, kmem_cache_destroy,
// kmem_cache_shrink, kmalloc_info, kmalloc_caches, size_index,
// kmalloc_slab, create_boot_cache, create_kmalloc_caches, kmalloc_large /
// kmalloc_order, __ksize, krealloc, print_slabinfo_header, cache_show),
// mm/slab.c (kmem_cache_init, kmem_cache_init_late, kmem_cache_alloc,
// kmem_cache_free, kfree, __kmalloc), include/linux/slab.h (kmalloc,
// kzalloc, kcalloc, ZERO_SIZE_PTR, KMALLOC_*). Seeds/002 "SLAB
// Interfaces", "Available Caches (up to 3.9.11)" (cache_sizes, the
// seeds' table kmalloc_info extends).

const (
	// KMALLOC_SHIFT_LOW: the smallest kmalloc class is 8 bytes.
	KMALLOC_SHIFT_LOW = 3
	// KMALLOC_SHIFT_HIGH: the largest is 8 KiB, two pages (SLUB's
	// value); larger requests go to the page allocator (kmalloc_large).
	KMALLOC_SHIFT_HIGH = asm.PAGE_SHIFT + 1
	// KMALLOC_SHIFT_MAX: the largest kmalloc at all, a MAX_ORDER block.
	KMALLOC_SHIFT_MAX      = MAX_ORDER + asm.PAGE_SHIFT - 1
	KMALLOC_MAX_SIZE       = 1 << KMALLOC_SHIFT_MAX
	KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH
	KMALLOC_MIN_SIZE       = 1 << KMALLOC_SHIFT_LOW
	// ARCH_KMALLOC_MINALIGN: kmalloc memory is at least word aligned (and
	// a power-of-two size is aligned to itself: create_boot_cache).
	ARCH_KMALLOC_MINALIGN = 8
	// ZERO_SIZE_PTR is what kmalloc(0) returns: not nil (the call did not
	// fail), yet it faults if used, page 0 being unmapped; kfree takes it.
	ZERO_SIZE_PTR = 16
)

// kmalloc cache types, Linux enum kmalloc_cache_type (gokern has no
// reclaimable or memcg-accounted kmalloc caches).
const (
	KMALLOC_NORMAL = iota
	KMALLOC_DMA
	NR_KMALLOC_TYPES
)

// kmalloc_info names and sizes the kmalloc caches by index (Linux
// kmalloc_info): index i holds 2^i bytes, but 1 and 2, below 8, hold the
// two sizes that are not powers of two, 96 and 192.
var kmalloc_info = [KMALLOC_SHIFT_HIGH + 1]struct {
	name [NR_KMALLOC_TYPES]string
	size uint32
}{
	{[NR_KMALLOC_TYPES]string{"", ""}, 0},
	{[NR_KMALLOC_TYPES]string{"kmalloc-96", "dma-kmalloc-96"}, 96},
	{[NR_KMALLOC_TYPES]string{"kmalloc-192", "dma-kmalloc-192"}, 192},
	{[NR_KMALLOC_TYPES]string{"kmalloc-8", "dma-kmalloc-8"}, 8},
	{[NR_KMALLOC_TYPES]string{"kmalloc-16", "dma-kmalloc-16"}, 16},
	{[NR_KMALLOC_TYPES]string{"kmalloc-32", "dma-kmalloc-32"}, 32},
	{[NR_KMALLOC_TYPES]string{"kmalloc-64", "dma-kmalloc-64"}, 64},
	{[NR_KMALLOC_TYPES]string{"kmalloc-128", "dma-kmalloc-128"}, 128},
	{[NR_KMALLOC_TYPES]string{"kmalloc-256", "dma-kmalloc-256"}, 256},
	{[NR_KMALLOC_TYPES]string{"kmalloc-512", "dma-kmalloc-512"}, 512},
	{[NR_KMALLOC_TYPES]string{"kmalloc-1k", "dma-kmalloc-1k"}, 1024},
	{[NR_KMALLOC_TYPES]string{"kmalloc-2k", "dma-kmalloc-2k"}, 2048},
	{[NR_KMALLOC_TYPES]string{"kmalloc-4k", "dma-kmalloc-4k"}, 4096},
	{[NR_KMALLOC_TYPES]string{"kmalloc-8k", "dma-kmalloc-8k"}, 8192},
}

// size_index maps (size-1)/8 to the kmalloc index for sizes up to 192, so
// that 65-96 and 129-192 byte requests get the odd-sized caches (Linux
// size_index).
var size_index = [24]uint8{
	3, 4, 5, 5, 6, 6, 6, 6, // 8 16 24 32 40 48 56 64
	1, 1, 1, 1, 7, 7, 7, 7, // 72 80 88 96 104 112 120 128
	2, 2, 2, 2, 2, 2, 2, 2, // 136 ... 192
}

// Kmalloc_caches: the kmalloc caches by type and index (Linux
// kmalloc_caches).
var Kmalloc_caches [NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]*KmemCache

// kmalloc_type: GFP_DMA requests use the dma-kmalloc caches.
func kmalloc_type(gfp Gfp) int {
	if gfp&X__GFP_DMA != 0 {
		return KMALLOC_DMA
	}
	return KMALLOC_NORMAL
}

// kmalloc_index is the index of the smallest kmalloc class that holds size
// bytes, 1 ≤ size ≤ KMALLOC_MAX_CACHE_SIZE (Linux kmalloc_index,
// kmalloc_slab).
func kmalloc_index(size uint64) int {
	if size <= 192 {
		return int(size_index[(size-1)/8])
	}
	return bits.Len64(size - 1)
}

// kmalloc_slab returns the kmalloc cache for size bytes and the GFP flags'
// type, or nil: too large, 0, or not made yet (Linux kmalloc_slab).
func kmalloc_slab(size uint64, gfp Gfp) *KmemCache {
	if size == 0 || size > KMALLOC_MAX_CACHE_SIZE {
		return nil
	}
	return Kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)]
}

// Kmem_cache_init sets up the slab allocator (Linux kmem_cache_init, from
// mm_init): first the cache of caches, kmem_cache, whose own struct is
// static (kmem_cache_boot: there is no cache to allocate it from yet);
// then kmalloc's caches, smallest first (static too: new_kmalloc_cache).
// Their per-CPU arrays are the one-entry boot arrays until
// kmem_cache_init_late. No page is allocated yet.
func Kmem_cache_init() {
	Slab_state = DOWN
	Nr_slab_pages = 0
	Kmalloc_caches = [NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]*KmemCache{}
	INIT_LIST_HEAD(&Slab_caches)
	kmem_cache_boot = KmemCache{}
	Kmem_cache = &kmem_cache_boot
	if !create_boot_cache(Kmem_cache, "kmem_cache", uint32(unsafe.Sizeof(KmemCache{})), SLAB_HWCACHE_ALIGN, 0) {
		printk.Pr_emerg("kmem_cache_init: cannot lay out the cache of caches\n")
		return
	}
	List_add(&Kmem_cache.List, &Slab_caches)
	Slab_state = PARTIAL
	create_kmalloc_caches(0)
	Slab_state = UP
	printk.Pr_info("SLAB: HWalign=%d, Order=%u-%u, MinObjects=%u, CPUs=%u, Nodes=%u\n",
		printk.Int(asm.L1_CACHE_BYTES), printk.Int(0), printk.Int(Slub_max_order), printk.Int(4*(1+1)),
		printk.Int(slabNrCPUs), printk.Int(nr_node_ids))
}

// Kmem_cache_init_late gives every cache its real per-CPU array, now that
// kmalloc can allocate it (Linux kmem_cache_init_late, SLAB's step 6:
// "resize the head arrays to their final sizes").
func Kmem_cache_init_late() {
	if Slab_state < UP {
		return
	}
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		if !enable_cpucache(cacheOf(e)) {
			printk.Pr_err("kmem_cache_init_late: no per-CPU array for %s: it stays at %d object\n",
				printk.Str(Kmem_cache_name(cacheOf(e))), printk.Int(BOOT_CPUCACHE_ENTRIES))
		}
	}
	Slab_state = FULL
}

// create_boot_cache lays out a cache whose struct already exists (Linux
// create_boot_cache): kmem_cache's own, and kmalloc's.
func create_boot_cache(c *KmemCache, name string, size uint32, flags SlabFlags, align uint32) bool {
	if align == 0 {
		align = ARCH_KMALLOC_MINALIGN
		// kmalloc(2^n) is aligned to 2^n (Linux 5.4+).
		if size&(size-1) == 0 {
			align = max(align, size)
		}
	}
	if !__kmem_cache_create(c, name, size, align, flags, nil) {
		return false
	}
	c.Refcount = -1 // never destroyed
	return true
}

// create_kmalloc_caches makes the kmalloc caches of every type, each
// size in turn, 96 after 64 and 192 after 128 (Linux
// create_kmalloc_caches): an off-slab cache's descriptors come from a
// smaller one, which must exist first.
func create_kmalloc_caches(flags SlabFlags) {
	for typ := 0; typ < NR_KMALLOC_TYPES; typ++ {
		for i := KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++ {
			new_kmalloc_cache(i, typ, flags)
			if i == 6 {
				new_kmalloc_cache(1, typ, flags)
			}
			if i == 7 {
				new_kmalloc_cache(2, typ, flags)
			}
		}
	}
}

// new_kmalloc_cache makes one kmalloc cache (Linux new_kmalloc_cache,
// create_kmalloc_cache). Its struct is static, as kmem_cache's own: Linux
// SLAB takes the kmalloc caches' structs from kmem_cache, SLUB bootstraps
// from static ones; gokern keeps every boot cache static, so that mm_init
// spends no page (a cache takes its first slab when its first object is
// asked for).
func new_kmalloc_cache(idx, typ int, flags SlabFlags) {
	if Kmalloc_caches[typ][idx] != nil {
		return
	}
	if typ == KMALLOC_DMA {
		flags |= SLAB_CACHE_DMA
	}
	name, size := kmalloc_info[idx].name[typ], kmalloc_info[idx].size
	c := &kmalloc_caches_boot[typ][idx]
	*c = KmemCache{}
	if !create_boot_cache(c, name, size, flags|SLAB_KMALLOC, 0) {
		printk.Pr_emerg("kmem_cache_init: Failed to create slab '%s'. Error %d\n", printk.Str(name), printk.Int(-22))
		return
	}
	List_add(&c.List, &Slab_caches)
	Kmalloc_caches[typ][idx] = c
}

// kmalloc_caches_boot holds the kmalloc caches' structs.
var kmalloc_caches_boot [NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]KmemCache

// __kmem_cache_create lays a cache out (Linux __kmem_cache_create, SLAB):
// debug flags from slub_debug, alignment, the object slot, the slab order
// and descriptor place, colours, the node lists and the per-CPU array.
func __kmem_cache_create(c *KmemCache, name string, size, align uint32, flags SlabFlags, ctor func(unsafe.Pointer)) bool {
	c.Name = [KMEM_CACHE_NAME_LEN]byte{}
	copy(c.Name[:KMEM_CACHE_NAME_LEN-1], name)
	c.Object_size = size
	c.Ctor = ctor
	flags = kmem_cache_flags(name, flags)
	if flags&SLAB_POISON != 0 && ctor == nil {
		flags |= X__OBJECT_POISON
	}
	c.Allocflags = 0
	if flags&SLAB_CACHE_DMA != 0 {
		c.Allocflags = GFP_DMA
	} else if flags&SLAB_CACHE_DMA32 != 0 {
		c.Allocflags = GFP_DMA32
	}
	c.Flags = flags
	c.Align = calculate_alignment(flags, align, size)
	calculate_sizes(c)
	if !set_slab_layout(c) {
		return false
	}
	c.Cpu_cache = [asm.NR_CPUS]*ArrayCache{}
	init_cache_node(c)
	return setup_cpu_cache(c)
}

// Kmem_cache_create makes a cache of objects of size bytes aligned to
// align (0: a word), with the SLAB_* flags and a constructor ctor (nil:
// none) run once on each object when its slab is made (Linux
// kmem_cache_create). It returns nil after a report if the arguments are
// bad (no name, size 0 or above KMALLOC_MAX_SIZE, unknown flags, an align
// that is not a power of two) or memory is short; with SLAB_PANIC that
// stops the boot instead. The name is copied.
//
//go:noinline
func Kmem_cache_create(name string, size, align uint32, flags SlabFlags, ctor func(unsafe.Pointer)) *KmemCache {
	return kmemCacheCreate(name, size, align, flags, ctor, kallsyms.X_RET_IP_())
}

func kmemCacheCreate(name string, size, align uint32, flags SlabFlags, ctor func(unsafe.Pointer), ip uintptr) *KmemCache {
	err := 0
	var c *KmemCache
	switch {
	case Slab_state < UP:
		printk.Pr_err("kmem_cache_create(%s) called before kmem_cache_init, from %s\n", printk.Str(name), sym(ip))
		err = -22
	case name == "" || size == 0 || size > KMALLOC_MAX_SIZE || flags&^SLAB_CREATE_MASK != 0 || align&(align-1) != 0:
		// Linux kmem_cache_sanity_check.
		printk.Pr_err("kmem_cache_create(%s) integrity check failed: size %u, align %u, flags %#x\n",
			printk.Str(name), printk.Int(size), printk.Int(align), printk.Int(flags))
		err = -22
	default:
		if len(name) >= KMEM_CACHE_NAME_LEN {
			printk.Pr_warn("kmem_cache_create(%s): name truncated to %d bytes\n", printk.Str(name), printk.Int(KMEM_CACHE_NAME_LEN-1))
		}
		p := slab_alloc(Kmem_cache, GFP_KERNEL|X__GFP_ZERO, ip)
		if p == nil {
			err = -12
			break
		}
		c = (*KmemCache)(p)
		if !__kmem_cache_create(c, name, size, align, flags, ctor) {
			slab_free(Kmem_cache, uintptr(p), ip)
			c, err = nil, -22
			break
		}
		c.Refcount = 1
		List_add(&c.List, &Slab_caches)
	}
	if err != 0 {
		if flags&SLAB_PANIC != 0 && PanicHook != nil {
			n := printk.Snprintf(panicMsg[:], "kmem_cache_create: Failed to create slab '%s'. Error %d", printk.Str(name), printk.Int(err))
			PanicHook(stringOf(panicMsg[:n]))
		}
		printk.Pr_warn("kmem_cache_create(%s) failed with error %d, from %s\n", printk.Str(name), printk.Int(err), sym(ip))
		return nil
	}
	return c
}

// PanicHook stops the boot with a message (kernel.Panic, which is above
// mm; the arch sets it). Nil in host tests.
var PanicHook func(msg string)

// panicMsg holds its message (static: handing a stack buffer to the hook
// would move it to the Go heap).
var panicMsg [128]byte

// Kmem_cache_destroy removes a cache (Linux kmem_cache_destroy): once its
// last user calls it, the per-CPU array and the free slabs go back; a
// cache that still has objects is reported, with the objects and who
// allocated them under slub_debug U, and kept (as Linux keeps it). The
// boot caches (kmem_cache, kmalloc's) cannot be destroyed.
//
//go:noinline
func Kmem_cache_destroy(c *KmemCache) {
	ip := kallsyms.X_RET_IP_()
	if c == nil {
		return
	}
	if c.Refcount < 0 {
		printk.Pr_err("kmem_cache_destroy %s: a boot cache cannot be destroyed, called from %s\n", printk.Str(Kmem_cache_name(c)), sym(ip))
		Slab_bugs++
		return
	}
	c.Refcount--
	if c.Refcount > 0 {
		return
	}
	if Kmem_cache_shrink(c) != 0 {
		printk.Pr_err("kmem_cache_destroy %s: Slab cache still has objects when called from %s\n",
			printk.Str(Kmem_cache_name(c)), sym(ip))
		list_slab_objects(c)
		Slab_bugs++
		c.Refcount = 1
		return
	}
	List_del(&c.List)
	for _, ac := range c.Cpu_cache {
		if ac != nil && ac != &c.arraycache_boot {
			kfreeNode(unsafe.Pointer(ac), ip)
		}
	}
	slab_free(Kmem_cache, uintptr(unsafe.Pointer(c)), ip)
}

// Kmem_cache_alloc returns an object of the cache, or nil if memory is
// short (Linux kmem_cache_alloc). With __GFP_ZERO it is zeroed.
//
//go:noinline
func Kmem_cache_alloc(c *KmemCache, gfp Gfp) unsafe.Pointer {
	if c == nil {
		return nil
	}
	return slab_alloc(c, gfp, kallsyms.X_RET_IP_())
}

// Kmem_cache_zalloc is kmem_cache_alloc with __GFP_ZERO.
//
//go:noinline
func Kmem_cache_zalloc(c *KmemCache, gfp Gfp) unsafe.Pointer {
	if c == nil {
		return nil
	}
	return slab_alloc(c, gfp|X__GFP_ZERO, kallsyms.X_RET_IP_())
}

// Kmem_cache_free gives an object back to its cache (Linux
// kmem_cache_free). nil is ignored. A pointer that is not an object of a
// cache is reported and ignored; an object of another cache is reported
// (Linux's "Wrong slab cache") and freed to its own cache, as Linux does.
//
//go:noinline
func Kmem_cache_free(c *KmemCache, objp unsafe.Pointer) {
	ip := kallsyms.X_RET_IP_()
	obj := uintptr(objp)
	if obj == 0 {
		return
	}
	p := kobj_page(obj, "kmem_cache_free", ip)
	if p == nil {
		return
	}
	if !PageSlab(p) {
		no_cache_owns("kmem_cache_free", p, obj, ip)
		return
	}
	real := page_slab_cache(p)
	if c != real && c != nil {
		printk.Pr_warn("WARNING: kmem_cache_free: Wrong slab cache. %s but object is from %s\n",
			printk.Str(Kmem_cache_name(c)), printk.Str(Kmem_cache_name(real)))
		printk.Pr_warn("Call Trace:\n")
		printk.Pr_warn(" %s\n", sym(ip))
		Slab_bugs++
	}
	free_slab_object(real, p, obj, ip)
}

// free_slab_object frees obj, known to be in a slab of c, after checking
// that it is the start of an object (always, not only with slub_debug:
// the division is a multiplication, and a pointer into the middle of an
// object would otherwise corrupt the free list).
func free_slab_object(c *KmemCache, p *Page, obj uintptr, ip uintptr) {
	s := page_slab(p)
	if _, ok := obj_to_index(c, s, obj); !ok {
		var b [64]byte
		n := printk.Snprintf(b[:], "Invalid object pointer %p", printk.Int(obj))
		slab_err(c, s, stringOf(b[:n]), ip)
		slab_fix(c, "Object at", obj)
		return
	}
	slab_free(c, obj, ip)
}

// kobj_page returns the struct page of a pointer given to a free, or nil
// after a report if the pointer is not in the direct map of RAM with an
// initialised struct page (Linux would follow virt_to_page into garbage).
func kobj_page(obj uintptr, fn string, ip uintptr) *Page {
	if obj < pageOffset || pa(obj)>>asm.PAGE_SHIFT >= Max_mapnr || memmapStateOf(pa(obj)>>asm.PAGE_SHIFT) != memmapInit {
		printk.Pr_err("BUG: %s: %p is not an address in the direct map of RAM: no cache owns it, from %s\n",
			printk.Str(fn), printk.Int(obj), sym(ip))
		Slab_bugs++
		return nil
	}
	return Virt_to_page(obj)
}

// no_cache_owns reports a pointer into a page that is neither a slab nor a
// kmalloc_large block.
func no_cache_owns(fn string, p *Page, obj uintptr, ip uintptr) {
	printk.Pr_err("BUG: %s: %p (pfn %#lx) is not a slab object or the start of a kmalloc_large block: no cache owns it, from %s\n",
		printk.Str(fn), printk.Int(obj), printk.Int(Page_to_pfn(p)), sym(ip))
	Dump_page(p, "freed pointer no cache owns")
	Slab_bugs++
}

// Kmalloc allocates size bytes (Linux kmalloc, __kmalloc): from the
// smallest kmalloc class that holds them, from the page allocator above
// KMALLOC_MAX_CACHE_SIZE (kmalloc_large). kmalloc(0) is ZERO_SIZE_PTR; too
// large a size fails with the page allocator's warning. GFP_DMA takes the
// dma-kmalloc classes, __GFP_ZERO zeroes.
//
//go:noinline
func Kmalloc(size uint64, gfp Gfp) unsafe.Pointer {
	return kmallocNode(size, gfp, kallsyms.X_RET_IP_())
}

// Kzalloc is kmalloc with __GFP_ZERO (Linux kzalloc).
//
//go:noinline
func Kzalloc(size uint64, gfp Gfp) unsafe.Pointer {
	return kmallocNode(size, gfp|X__GFP_ZERO, kallsyms.X_RET_IP_())
}

// Kcalloc allocates n zeroed elements of size bytes, nil if n*size
// overflows (Linux kcalloc, kmalloc_array: check_mul_overflow).
//
//go:noinline
func Kcalloc(n, size uint64, gfp Gfp) unsafe.Pointer {
	hi, bytes := bits.Mul64(n, size)
	if hi != 0 {
		return nil
	}
	return kmallocNode(bytes, gfp|X__GFP_ZERO, kallsyms.X_RET_IP_())
}

func kmallocNode(size uint64, gfp Gfp, ip uintptr) unsafe.Pointer {
	if size > KMALLOC_MAX_CACHE_SIZE {
		return kmalloc_large(size, gfp, ip)
	}
	if size == 0 {
		return kptr(ZERO_SIZE_PTR)
	}
	c := kmalloc_slab(size, gfp)
	if c == nil {
		printk.Pr_err("BUG: kmalloc(%lu) before kmem_cache_init, from %s\n", printk.Int(size), sym(ip))
		return nil
	}
	return slab_alloc(c, gfp, ip)
}

// kmalloc_large serves sizes above the largest kmalloc class from the page
// allocator: the head page is PG_head, as a __GFP_COMP block's, which is
// how kfree knows it (Linux kmalloc_large, kmalloc_order). An order the
// buddy allocator cannot give fails with its warning.
func kmalloc_large(size uint64, gfp Gfp, ip uintptr) unsafe.Pointer {
	order := get_order(size)
	p := allocPages(gfp|X__GFP_COMP, uint(order), ip)
	if p == nil {
		return nil
	}
	X__SetPageHead(p)
	Nr_slab_pages += 1 << order
	return kptr(Page_address(p))
}

// free_large_kmalloc frees a kmalloc_large block (Linux
// free_large_kmalloc); a pointer that is not the start of one is
// reported.
func free_large_kmalloc(p *Page, obj uintptr, ip uintptr) {
	order, ok := allocOrder(p)
	if !PageHead(p) || !ok || obj != Page_address(p) {
		no_cache_owns("kfree", p, obj, ip)
		return
	}
	X__ClearPageHead(p)
	Nr_slab_pages -= 1 << order
	freePages(p, order, ip)
}

// Kfree frees what kmalloc returned (Linux kfree): nil and ZERO_SIZE_PTR
// are ignored; a slab object goes back to its cache, a kmalloc_large
// block to the page allocator; anything else is reported and ignored.
//
//go:noinline
func Kfree(objp unsafe.Pointer) { kfreeNode(objp, kallsyms.X_RET_IP_()) }

func kfreeNode(objp unsafe.Pointer, ip uintptr) {
	obj := uintptr(objp)
	if obj <= ZERO_SIZE_PTR {
		return
	}
	p := kobj_page(obj, "kfree", ip)
	if p == nil {
		return
	}
	if !PageSlab(p) {
		free_large_kmalloc(p, obj, ip)
		return
	}
	free_slab_object(page_slab_cache(p), p, obj, ip)
}

// Ksize is how many bytes the object at objp can hold: its cache's
// object size, or the kmalloc_large block's (Linux ksize). 0 for nil and
// ZERO_SIZE_PTR, and, after a report, for a pointer no cache owns.
//
//go:noinline
func Ksize(objp unsafe.Pointer) uint64 {
	n, _ := ksizeCaller(objp, kallsyms.X_RET_IP_())
	return n
}

func ksizeCaller(objp unsafe.Pointer, ip uintptr) (uint64, bool) {
	obj := uintptr(objp)
	if obj <= ZERO_SIZE_PTR {
		return 0, true
	}
	p := kobj_page(obj, "ksize", ip)
	if p == nil {
		return 0, false
	}
	if PageSlab(p) {
		c := page_slab_cache(p)
		if _, ok := obj_to_index(c, page_slab(p), obj); !ok {
			no_cache_owns("ksize", p, obj, ip)
			return 0, false
		}
		return uint64(c.Object_size), true
	}
	if order, ok := allocOrder(p); ok && PageHead(p) && obj == Page_address(p) {
		return asm.PAGE_SIZE << order, true
	}
	no_cache_owns("ksize", p, obj, ip)
	return 0, false
}

// Krealloc resizes a kmalloc'd block (Linux krealloc, __do_krealloc): if
// it still fits (ksize), the same pointer; else a new block with the old
// contents, and the old one freed. New size 0 frees and returns
// ZERO_SIZE_PTR; nil p is kmalloc. On failure nil, and p is untouched.
//
//go:noinline
func Krealloc(objp unsafe.Pointer, new_size uint64, gfp Gfp) unsafe.Pointer {
	ip := kallsyms.X_RET_IP_()
	if new_size == 0 {
		kfreeNode(objp, ip)
		return kptr(ZERO_SIZE_PTR)
	}
	ks, ok := ksizeCaller(objp, ip)
	if !ok {
		return nil
	}
	if ks >= new_size {
		return objp
	}
	ret := kmallocNode(new_size, gfp, ip)
	if ret != nil && ks != 0 {
		copy(kmem_bytes(uintptr(ret), uint32(ks)), kmem_bytes(uintptr(objp), uint32(ks)))
		kfreeNode(objp, ip)
	}
	return ret
}

// Print_slabinfo_header prints /proc/slabinfo's header, version 2.1
// (Linux print_slabinfo_header).
func Print_slabinfo_header() { print_slabinfo_header(pr_info_line) }

func print_slabinfo_header(emit func(line []byte)) {
	emit(strBytes("slabinfo - version: 2.1"))
	emit(strBytes("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"))
}

// show_line is cache_show's and Vmallocinfo_lines' line: static, since
// emit is a function value and the compiler would move a local buffer
// given to it to the Go heap.
var show_line [256]byte

// strBytes is a string's bytes, read-only, without a copy ([]byte(s)
// of a long string would reach the Go allocator).
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// cache_show prints one cache's /proc/slabinfo line (Linux cache_show,
// SLAB's get_slabinfo).
func cache_show(c *KmemCache, emit func(line []byte)) {
	active_objs, num_objs, active_slabs, num_slabs := kmem_cache_node_objects(c)
	line := &show_line
	n := printk.Snprintf(line[:], "%-17s %6lu %6lu %6u %4u %4d", printk.Str(Kmem_cache_name(c)), printk.Int(active_objs),
		printk.Int(num_objs), printk.Int(c.Size), printk.Int(c.Num), printk.Int(1<<c.Gfporder))
	n += printk.Snprintf(line[n:], " : tunables %4u %4u %4u", printk.Int(c.Limit), printk.Int(c.Batchcount), printk.Int(c.Shared))
	n += printk.Snprintf(line[n:], " : slabdata %6lu %6lu %6lu", printk.Int(active_slabs), printk.Int(num_slabs), printk.Int(0))
	emit(line[:n])
}

// Slab_show prints /proc/slabinfo: the header and one line per cache,
// newest first, as Linux lists slab_caches (gokern has no /proc yet: the
// "slabinfo" option prints it at the end of boot).
func Slab_show() { Slab_show_lines(pr_info_line) }

// Slab_show_lines gives Slab_show's lines to emit: the console or
// /proc/slabinfo (Linux slab_show with its seq_file).
func Slab_show_lines(emit func(line []byte)) {
	print_slabinfo_header(emit)
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		cache_show(cacheOf(e), emit)
	}
}

// Kmem_cache_shrink_all empties every cache's per-CPU arrays and gives
// its free slabs back (Linux 5.x kmem_cache_shrink_all); for a quiet
// moment (the other CPUs not allocating), as Kmem_cache_shrink.
func Kmem_cache_shrink_all() {
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		Kmem_cache_shrink(cacheOf(e))
	}
}

// Slab_objects_in_use: the objects of every cache handed out and not
// freed (each cache's allocations less its frees).
func Slab_objects_in_use() uint64 {
	var n uint64
	for e := Slab_caches.Next; e != &Slab_caches; e = e.Next {
		c := cacheOf(e)
		n += atomic.LoadUint64(&c.Num_allocations) - atomic.LoadUint64(&c.Num_frees)
	}
	return n
}
