package mm

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
)

// The core map: one Page per page frame. Linux: include/linux/mm_types.h
// (struct page), include/linux/page-flags.h (PG_*, PageReserved,
// SetPageReserved, ...), include/linux/page_ref.h, include/linux/mm.h
// (page_zone, page_address, virt_to_page), include/asm-generic/memory_model.h
// (pfn_to_page, page_to_pfn for FLATMEM). Seeds/002 "Core Map", "Core Map
// Members", "How to manage flags", "Core Map on UMA".

// Page is Linux struct page: the state of one 4 KiB frame.
//
// 32 bytes, half of Linux's 64 (TestPageSize): Linux's union of
// page-cache, anonymous, slab, compound and page-table members is not
// needed yet, and the zone and node live in the top bits of Flags as in
// Linux. With 4 KiB frames the core map takes 32/4096 = 0.78% of RAM.
type Page struct {
	// Flags: PG_* bits from bit 0 up; the node and the zone in the top
	// bits (see NODES_PGSHIFT, ZONES_PGSHIFT).
	Flags uint64
	// Lru links the page into a list: a free block's head page into its
	// free_area list, a quicklist page into the quicklist (Linux: lru,
	// and buddy_list in 6.x, members of a union).
	Lru ListHead
	// Refcount: Linux _refcount. 0 for a free page and, as the slides
	// say, for a reserved one; 1 when alloc_pages hands the page out.
	Refcount int32
	// Private: Linux page->private. For the head page of a free block
	// its order (set_buddy_order); while allocated, the owner's.
	Private uint32
}

// Page flags, Linux enum pageflags (6.1 numbering). Only the ones gokern
// uses; seeds/002 "Core Map Members" lists the 2.4 ones.
const (
	PG_locked   = 0  // locked for I/O; seeds: LockPage/UnlockPage
	PG_dirty    = 3  // written since last written back
	PG_lru      = 4  // on an LRU list (reclaim; none yet)
	PG_slab     = 9  // owned by the slab allocator
	PG_reserved = 12 // never allocated or freed: kernel image, core map, holes, firmware
	PG_head     = 16 // first page of a compound page
	// PG_buddy: the head page of a free block in the buddy allocator,
	// whose order is in Private. Linux had this flag in 2.6 (bit 19);
	// since 3.x "buddy" is a page type kept in _mapcount, which gokern's
	// 32-byte page has no room for.
	PG_buddy = 19
)

// The node and zone of a page live in the top bits of Flags, as Linux's
// page_zonenum/page_to_nid read them (include/linux/page-flags-layout.h:
// | NODE | ZONE | ... | FLAGS |).
const (
	ZONES_SHIFT   = 2
	ZONES_WIDTH   = ZONES_SHIFT
	NODES_WIDTH   = asm.NODES_SHIFT
	NODES_PGSHIFT = 64 - NODES_WIDTH
	ZONES_PGSHIFT = NODES_PGSHIFT - ZONES_WIDTH
	ZONES_MASK    = 1<<ZONES_WIDTH - 1
	NODES_MASK    = 1<<NODES_WIDTH - 1
	// ORDER_PGSHIFT: gokern keeps the order an allocated block was
	// handed out with, plus one, in 4 bits below the zone, so that
	// freeing it with another order is caught (Linux cannot tell; its
	// page->private belongs to the page's owner while allocated).
	ORDER_PGSHIFT = ZONES_PGSHIFT - 8
	ORDER_MASK    = 0xf
	// PAGEFLAGS_MASK covers the PG_* bits.
	PAGEFLAGS_MASK = 1<<ORDER_PGSHIFT - 1
)

// PAGE_FLAGS_CHECK_AT_FREE: flags a page must not have when it is freed
// (Linux: the same name; it has more flags).
const PAGE_FLAGS_CHECK_AT_FREE = 1<<PG_locked | 1<<PG_lru | 1<<PG_slab | 1<<PG_reserved | 1<<PG_head

// PAGE_FLAGS_CHECK_AT_PREP: flags a page must not have when it is
// allocated (Linux: every PG_* flag).
const PAGE_FLAGS_CHECK_AT_PREP = PAGEFLAGS_MASK &^ (1 << PG_buddy)

// The flag helpers of seeds/002 "How to manage flags". Linux's SetPageX
// are atomic (set_bit) and __SetPageX are not; gokern runs one CPU with
// interrupts off, so both are plain read-modify-writes here, and only the
// names Linux uses in the page allocator are provided.

func testFlag(p *Page, bit uint) bool { return p.Flags&(1<<bit) != 0 }
func setFlag(p *Page, bit uint)       { p.Flags |= 1 << bit }
func clearFlag(p *Page, bit uint)     { p.Flags &^= 1 << bit }

func PageReserved(p *Page) bool        { return testFlag(p, PG_reserved) }
func SetPageReserved(p *Page)          { setFlag(p, PG_reserved) }
func ClearPageReserved(p *Page)        { clearFlag(p, PG_reserved) }
func X__SetPageReserved(p *Page)       { setFlag(p, PG_reserved) }
func X__ClearPageReserved(p *Page)     { clearFlag(p, PG_reserved) }
func PageBuddy(p *Page) bool           { return testFlag(p, PG_buddy) }
func X__SetPageBuddy(p *Page)          { setFlag(p, PG_buddy) }
func X__ClearPageBuddy(p *Page)        { clearFlag(p, PG_buddy) }
func PageSlab(p *Page) bool            { return testFlag(p, PG_slab) }
func X__SetPageSlab(p *Page)           { setFlag(p, PG_slab) }
func X__ClearPageSlab(p *Page)         { clearFlag(p, PG_slab) }
func PageHead(p *Page) bool            { return testFlag(p, PG_head) }
func X__SetPageHead(p *Page)           { setFlag(p, PG_head) }
func X__ClearPageHead(p *Page)         { clearFlag(p, PG_head) }
func PageLRU(p *Page) bool             { return testFlag(p, PG_lru) }
func SetPageLRU(p *Page)               { setFlag(p, PG_lru) }
func ClearPageLRU(p *Page)             { clearFlag(p, PG_lru) }
func PageDirty(p *Page) bool           { return testFlag(p, PG_dirty) }
func SetPageDirty(p *Page)             { setFlag(p, PG_dirty) }
func ClearPageDirty(p *Page)           { clearFlag(p, PG_dirty) }
func PageLocked(p *Page) bool          { return testFlag(p, PG_locked) }
func X__SetPageLocked(p *Page)         { setFlag(p, PG_locked) }
func X__ClearPageLocked(p *Page)       { clearFlag(p, PG_locked) }
func page_zonenum(p *Page) ZoneType    { return ZoneType(p.Flags >> ZONES_PGSHIFT & ZONES_MASK) }
func page_to_nid(p *Page) int          { return int(p.Flags >> NODES_PGSHIFT & NODES_MASK) }
func buddy_order(p *Page) uint         { return uint(p.Private) }
func set_page_private(p *Page, v uint) { p.Private = uint32(v) }

// set_page_links records the zone and node in the flags, Linux
// set_page_links.
func set_page_links(p *Page, zone ZoneType, nid int) {
	p.Flags = p.Flags&PAGEFLAGS_MASK | uint64(nid)<<NODES_PGSHIFT | uint64(zone)<<ZONES_PGSHIFT
}

// Page_zone is the zone the page belongs to, Linux page_zone.
func Page_zone(p *Page) *Zone {
	return &Node_data[page_to_nid(p)].Node_zones[page_zonenum(p)]
}

// Reference counts, Linux include/linux/page_ref.h and mm.h.

func Page_count(p *Page) int32        { return p.Refcount }
func Set_page_count(p *Page, v int32) { p.Refcount = v }
func init_page_count(p *Page)         { p.Refcount = 0 }
func set_page_refcounted(p *Page)     { atomic.StoreInt32(&p.Refcount, 1) }
func Get_page(p *Page)                { atomic.AddInt32(&p.Refcount, 1) }
func put_page_testzero(p *Page) bool  { return atomic.AddInt32(&p.Refcount, -1) == 0 }
func page_ref_count(p *Page) int32    { return atomic.LoadInt32(&p.Refcount) }
func page_ref_add(p *Page, n int32)   { atomic.AddInt32(&p.Refcount, n) }
func Page_ref_inc(p *Page)            { atomic.AddInt32(&p.Refcount, 1) }

// set_buddy_order marks p the head of a free block of order order (Linux
// set_buddy_order). Not inlined, nor is del_page_from_free_list: a
// breakpoint on each shows a merge climb the orders (docs/buddy.md).
//
//go:noinline
func set_buddy_order(p *Page, order uint) { set_page_private(p, order); X__SetPageBuddy(p) }

// allocOrder returns the order p's block was allocated with and true, or
// false if p is not the head of an allocated block.
func allocOrder(p *Page) (uint, bool) {
	o := uint(p.Flags >> ORDER_PGSHIFT & ORDER_MASK)
	return o - 1, o != 0
}

func setAllocOrder(p *Page, order uint) {
	p.Flags = p.Flags&^(ORDER_MASK<<ORDER_PGSHIFT) | uint64(order+1)<<ORDER_PGSHIFT
}

func clearAllocOrder(p *Page) { p.Flags &^= ORDER_MASK << ORDER_PGSHIFT }

// The core map, FLATMEM style: one array for all frames, as the slides'
// mem_map (seeds/002 "Core Map on UMA").
var (
	// Mem_map is the core map: Mem_map[pfn] describes frame pfn. Its
	// memory comes from the early allocator (mem_map is allocated in
	// alloc_node_mem_map) and is seen here through the direct map.
	Mem_map []Page
	// Max_mapnr is len(Mem_map): Linux max_mapnr.
	Max_mapnr uint64
	// pageOffset is where physical address 0 is visible: PAGE_OFFSET in
	// the kernel, the start of the simulated RAM in host tests.
	pageOffset uintptr
)

// pageSize is sizeof(struct page).
const pageSize = unsafe.Sizeof(Page{})

// Pfn_to_page is Linux pfn_to_page: the frame's Page. An out-of-range pfn
// is a bounds fault (an oops naming the caller in the kernel).
func Pfn_to_page(pfn uint64) *Page { return &Mem_map[pfn] }

// Page_to_pfn is Linux page_to_pfn.
func Page_to_pfn(p *Page) uint64 {
	return uint64((uintptr(unsafe.Pointer(p)) - uintptr(unsafe.Pointer(unsafe.SliceData(Mem_map)))) / pageSize)
}

// pageInMemMap reports whether p points at an entry of the core map
// (a check for pointers coming from callers, before trusting them).
func pageInMemMap(p *Page) bool {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(Mem_map)))
	a := uintptr(unsafe.Pointer(p))
	return a >= base && a < base+uintptr(Max_mapnr)*pageSize && (a-base)%pageSize == 0
}

// X__va is Linux __va: the direct-map address of physical address pa.
func va(pa uint64) uintptr { return pageOffset + uintptr(pa) }

// X__pa is Linux __pa for a direct-map address.
func pa(va uintptr) uint64 { return uint64(va - pageOffset) }

// Page_address is the direct-map address of the page's frame, Linux
// page_address (no highmem on x86-64: every frame is mapped).
func Page_address(p *Page) uintptr { return va(Page_to_pfn(p) << asm.PAGE_SHIFT) }

// Virt_to_page is the Page of the frame behind a direct-map address,
// Linux virt_to_page.
func Virt_to_page(addr uintptr) *Page { return Pfn_to_page(pa(addr) >> asm.PAGE_SHIFT) }

// pageBytes is the memory of 1<<order frames starting at p's.
func pageBytes(p *Page, order uint) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(nil, Page_address(p))), asm.PAGE_SIZE<<order)
}

// PfnIsReserved reports whether frame pfn can never be handed out: it
// has no struct page (no RAM in its block), or its struct page is
// PG_reserved. A frame inside a free block with deferred struct pages is
// free. (gokern: a query for selftests and debuggers, which must not read
// a struct page that is not initialised.)
func PfnIsReserved(pfn uint64) bool {
	switch memmapStateOf(pfn) {
	case memmapHole:
		return true
	case memmapDeferred:
		return false
	case memmapUninit:
		return true // before the handover every frame is reserved
	}
	return PageReserved(Pfn_to_page(pfn))
}
