package bootmem

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/memblock"
	"gokern/printk"
)

// Linux 2.6.32: mm/bootmem.c bootmap_bytes, bootmem_bootmap_pages,
// link_bootmem, init_bootmem_core, init_bootmem_node, init_bootmem.

// bootmap_bytes is the bitmap size for pages pages: one bit each, rounded
// up to whole longs.
func bootmap_bytes(pages uint64) uint64 {
	return align((pages+7)/8, 8)
}

// Bootmem_bootmap_pages is the bitmap size in pages, what setup code must
// set aside for it.
func Bootmem_bootmap_pages(pages uint64) uint64 {
	return align(bootmap_bytes(pages), asm.PAGE_SIZE) >> asm.PAGE_SHIFT
}

// link_bootmem inserts bdata into bdata_list, keeping address order.
func link_bootmem(bdata *BootmemData) {
	pp := &bdata_list
	for *pp != nil && (*pp).Node_min_pfn <= bdata.Node_min_pfn {
		if *pp == bdata {
			return // already linked
		}
		pp = &(*pp).next
	}
	bdata.next = *pp
	*pp = bdata
}

// init_bootmem_core sets up a node covering pages [start, end) with its
// bitmap at page mapstart, every page reserved: setup code then frees the
// RAM it knows about. It returns the bitmap size in bytes.
func init_bootmem_core(bdata *BootmemData, mapstart, start, end uint64) (uint64, Error) {
	if phys == nil {
		printk.Pr_err("bootmem: no access to physical memory\n")
		return 0, ErrNoPhys
	}
	if end <= start {
		return 0, ErrRange
	}
	mapsize := bootmap_bytes(end - start)
	b := phys.Bytes(pfnPhys(mapstart), mapsize)
	bdata.Node_bootmem_map = pfnPhys(mapstart)
	bdata.bitmap = unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), mapsize/8)
	bdata.Node_min_pfn = start
	bdata.Node_low_pfn = end
	bdata.Last_end_off = 0
	bdata.Hint_idx = 0
	link_bootmem(bdata)

	// Initially all pages are reserved: setup_arch has to register free
	// RAM explicitly.
	for i := range bdata.bitmap {
		bdata.bitmap[i] = ^uint64(0)
	}
	bdebug("init_bootmem_core", "nid=%d start=%lx map=%lx end=%lx mapsize=%lx\n",
		printk.Int(nid(bdata)), printk.Int(start), printk.Int(mapstart), printk.Int(end), printk.Int(mapsize))
	return mapsize, OK
}

// Init_bootmem_node registers node bdata, covering page frames [startpfn,
// endpfn), with its bitmap at page freepfn; it returns the bitmap size in
// bytes. Linux init_bootmem_node (which takes the node's pg_data_t).
func Init_bootmem_node(bdata *BootmemData, freepfn, startpfn, endpfn uint64) (uint64, Error) {
	return init_bootmem_core(bdata, freepfn, startpfn, endpfn)
}

// Init_bootmem registers the only node of a UMA machine: page frames [0,
// pages) with the bitmap at page start, and sets max_low_pfn and
// min_low_pfn as 2.6 did (Linux init_bootmem). Those live in memblock,
// where Linux 5.x defines them: one owner for both allocators.
func Init_bootmem(start, pages uint64) (uint64, Error) {
	memblock.Max_low_pfn = pages
	memblock.Min_low_pfn = start
	return init_bootmem_core(&Bootmem_node_data[0], start, 0, pages)
}

// Ready reports whether bootmem is running: a node is registered and its
// bitmap not yet handed over (gokern: the page allocator asks it which
// early allocator to take the core map from and to retire).
func Ready() bool { return bdata_list != nil && bdata_list.bitmap != nil }
