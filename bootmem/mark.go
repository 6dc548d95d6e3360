package bootmem

import (
	"gokern/kallsyms"
	"gokern/printk"
)

// Linux 2.6.32: mm/bootmem.c __free, __reserve, mark_bootmem_node,
// mark_bootmem, free_bootmem_node, free_bootmem, reserve_bootmem_node,
// reserve_bootmem.
//
// Freeing rounds inwards and reserving outwards, so a partial page is
// never free: "Partial pages will be considered reserved and left as they
// are."

// __free clears the bits [sidx, eidx). Every bit must be set: Linux BUGs
// on a double free; gokern checks first and reports it without changing
// anything.
func __free(bdata *BootmemData, sidx, eidx uint64) Error {
	bdebug("__free", "nid=%d start=%lx end=%lx\n", printk.Int(nid(bdata)),
		printk.Int(sidx+bdata.Node_min_pfn), printk.Int(eidx+bdata.Node_min_pfn))
	for idx := sidx; idx < eidx; idx++ {
		if !test_bit(bdata.bitmap, idx) {
			printk.Pr_err("bootmem: freeing free page %#lx\n", printk.Int(idx+bdata.Node_min_pfn))
			return ErrNotReserved
		}
	}
	// A freed page below the hint must be found by the next search.
	if bdata.Hint_idx > sidx {
		bdata.Hint_idx = sidx
	}
	for idx := sidx; idx < eidx; idx++ {
		clear_bit(bdata.bitmap, idx)
	}
	return OK
}

// __reserve sets the bits [sidx, eidx). With BOOTMEM_EXCLUSIVE a bit that
// is already set undoes the bits set so far and fails with ErrBusy.
func __reserve(bdata *BootmemData, sidx, eidx uint64, flags int) Error {
	exclusive := flags&BOOTMEM_EXCLUSIVE != 0
	bdebug("__reserve", "nid=%d start=%lx end=%lx flags=%x\n", printk.Int(nid(bdata)),
		printk.Int(sidx+bdata.Node_min_pfn), printk.Int(eidx+bdata.Node_min_pfn), printk.Int(flags))
	for idx := sidx; idx < eidx; idx++ {
		if !test_bit(bdata.bitmap, idx) {
			set_bit(bdata.bitmap, idx)
			continue
		}
		if exclusive {
			for i := sidx; i < idx; i++ {
				clear_bit(bdata.bitmap, i)
			}
			return ErrBusy
		}
		bdebug("__reserve", "silent double reserve of PFN %lx\n", printk.Int(idx+bdata.Node_min_pfn))
	}
	return OK
}

// mark_bootmem_node reserves or frees page frames [start, end) of one node.
func mark_bootmem_node(bdata *BootmemData, start, end uint64, reserve bool, flags int) Error {
	bdebug("mark_bootmem_node", "nid=%d start=%lx end=%lx reserve=%d flags=%x\n",
		printk.Int(nid(bdata)), printk.Int(start), printk.Int(end), printk.Int(b2i(reserve)), printk.Int(flags))
	if bdata.bitmap == nil {
		return ErrNoBootmem
	}
	if start < bdata.Node_min_pfn || end > bdata.Node_low_pfn {
		return ErrRange // Linux: BUG_ON
	}
	if start >= end {
		return OK
	}
	sidx, eidx := start-bdata.Node_min_pfn, end-bdata.Node_min_pfn
	if reserve {
		return __reserve(bdata, sidx, eidx, flags)
	}
	return __free(bdata, sidx, eidx)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// covered reports whether the registered nodes cover [start, end) without
// a gap (mark_bootmem's precondition: Linux BUGs on a gap).
func covered(start, end uint64) bool {
	pos := start
	for b := bdata_list; b != nil && pos < end; b = b.next {
		if pos >= b.Node_min_pfn && pos < b.Node_low_pfn {
			pos = b.Node_low_pfn
		}
	}
	return pos >= end
}

// mark_bootmem reserves or frees [start, end), which may span nodes. A
// failed exclusive reservation is undone on the nodes already done.
func mark_bootmem(start, end uint64, reserve bool, flags int) Error {
	if start >= end {
		return OK
	}
	if !covered(start, end) {
		printk.Pr_err("bootmem: [mem %#010lx-%#010lx] is outside boot memory\n",
			printk.Int(pfnPhys(start)), printk.Int(pfnPhys(end)-1))
		return ErrRange
	}
	pos := start
	for b := bdata_list; b != nil; b = b.next {
		if pos < b.Node_min_pfn || pos >= b.Node_low_pfn {
			continue
		}
		max := min(b.Node_low_pfn, end)
		if err := mark_bootmem_node(b, pos, max, reserve, flags); err != OK {
			if reserve && pos > start {
				mark_bootmem(start, pos, false, 0)
			}
			return err
		}
		if max == end {
			return OK
		}
		pos = b.Node_low_pfn
	}
	return ErrRange
}

// Free_bootmem_node marks the whole pages of [physaddr, physaddr+size) on
// node bdata free.
//
//go:noinline
func Free_bootmem_node(bdata *BootmemData, physaddr, size uint64) Error {
	if bootmem_retired_bug("free_bootmem_node", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	return mark_bootmem_node(bdata, pfnUp(physaddr), pfnDown(physaddr+size), false, 0)
}

// Free_bootmem marks the whole pages of [addr, addr+size) free: setup code
// uses it to register RAM, and it releases earlier allocations. As in
// Linux, nothing stops a caller from freeing the bitmap's own pages once
// it is reserved; the next allocation would then overwrite the bitmap.
//
//go:noinline
func Free_bootmem(addr, size uint64) Error {
	if bootmem_retired_bug("free_bootmem", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	return mark_bootmem(pfnUp(addr), pfnDown(addr+size), false, 0)
}

// Reserve_bootmem_node marks every page touching [physaddr, physaddr+size)
// on node bdata reserved.
//
//go:noinline
func Reserve_bootmem_node(bdata *BootmemData, physaddr, size uint64, flags int) Error {
	if bootmem_retired_bug("reserve_bootmem_node", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	return mark_bootmem_node(bdata, pfnDown(physaddr), pfnUp(physaddr+size), true, flags)
}

// Reserve_bootmem marks every page touching [addr, addr+size) reserved;
// with BOOTMEM_EXCLUSIVE it fails with ErrBusy, changing nothing, if one
// already was.
//
//go:noinline
func Reserve_bootmem(addr, size uint64, flags int) Error {
	if bootmem_retired_bug("reserve_bootmem", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	return mark_bootmem(pfnDown(addr), pfnUp(addr+size), true, flags)
}
