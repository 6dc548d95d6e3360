package bootmem

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/memblock"
	"gokern/printk"
)

// Linux 2.6.32: mm/bootmem.c align_idx, align_off, alloc_bootmem_core,
// ___alloc_bootmem_nopanic, __alloc_bootmem_nopanic, ___alloc_bootmem,
// __alloc_bootmem, __alloc_bootmem_node, __alloc_bootmem_low, and the
// alloc_bootmem* macros of include/linux/bootmem.h. Seed 004 stops in
// ___alloc_bootmem_nopanic(size=16384, align=32, goal=0,
// limit=4294967295) for the ACPI wakeup code.
//
// The functions return the allocated memory, zeroed, as a []byte seen
// through the PhysMem hook (Linux returns its virtual address), or nil and
// an Error.

// align_idx aligns a page index so that node start + index is a multiple
// of step pages.
func align_idx(bdata *BootmemData, idx, step uint64) uint64 {
	base := bdata.Node_min_pfn
	return align(base+idx, step) - base
}

// align_off is align_idx for byte offsets.
func align_off(bdata *BootmemData, off, a uint64) uint64 {
	base := pfnPhys(bdata.Node_min_pfn)
	return align(base+off, a) - base
}

// alloc_bootmem_core is first fit on one node: from the goal (or the node
// start) find size bytes of free pages aligned to align below limit,
// reserve and zero them. Two refinements:
//
//   - next fit: the search starts at Hint_idx, just after the previous
//     allocation, and only falls back to the start when that fails;
//   - packing: when the previous allocation ended inside a page and this
//     one starts right after that page, it begins in the partial page
//     instead (so many small allocations share pages).
func alloc_bootmem_core(bdata *BootmemData, size, a, goal, limit uint64) ([]byte, Error) {
	bdebug("alloc_bootmem_core", "nid=%d size=%lx [%lu pages] align=%lx goal=%lx limit=%lx\n",
		printk.Int(nid(bdata)), printk.Int(size), printk.Int(pfnUp(size)),
		printk.Int(a), printk.Int(goal), printk.Int(limit))

	// Linux BUGs on these.
	if size == 0 || a&(a-1) != 0 || (limit != 0 && goal+size > limit) {
		return nil, ErrInvalid
	}
	if bdata.bitmap == nil {
		return nil, ErrNoBootmem
	}

	min_pfn, max_pfn := bdata.Node_min_pfn, bdata.Node_low_pfn
	goal >>= asm.PAGE_SHIFT
	limit >>= asm.PAGE_SHIFT
	if limit != 0 && max_pfn > limit {
		max_pfn = limit
	}
	if max_pfn <= min_pfn {
		return nil, ErrNoMem
	}

	step := max(a>>asm.PAGE_SHIFT, 1)
	var start uint64
	if goal != 0 && min_pfn < goal && goal < max_pfn {
		start = align(goal, step)
	} else {
		start = align(min_pfn, step)
	}
	sidx := start - bdata.Node_min_pfn
	midx := max_pfn - bdata.Node_min_pfn
	npages := pfnUp(size)

	// Next fit: start at the hint; remember where to fall back to (+1 so
	// that a fallback to index 0 is still "set").
	fallback := uint64(0)
	if bdata.Hint_idx > sidx {
		fallback = sidx + 1
		sidx = align_idx(bdata, bdata.Hint_idx, step)
	}

	for {
		sidx = find_next_zero_bit(bdata.bitmap, midx, sidx)
		sidx = align_idx(bdata, sidx, step)
		if sidx >= midx || npages > midx-sidx {
			if fallback != 0 {
				sidx = align_idx(bdata, fallback-1, step)
				fallback = 0
				continue
			}
			return nil, ErrNoMem
		}
		eidx := sidx + npages

		// Are all the pages free? If not, retry after the busy one.
		busy := false
		for i := sidx; i < eidx; i++ {
			if test_bit(bdata.bitmap, i) {
				next := align_idx(bdata, i, step)
				if next == i {
					next += step
				}
				sidx = next
				busy = true
				break
			}
		}
		if busy {
			continue
		}

		// Start in the previous allocation's partial page if it is the
		// page just before this block. (gokern also checks that page is
		// still reserved, so that memory freed meanwhile is never
		// handed out unreserved.)
		var start_off uint64
		if bdata.Last_end_off&(asm.PAGE_SIZE-1) != 0 && pfnDown(bdata.Last_end_off)+1 == sidx &&
			test_bit(bdata.bitmap, sidx-1) {
			start_off = align_off(bdata, bdata.Last_end_off, a)
		} else {
			start_off = pfnPhys(sidx)
		}
		merge := uint64(0)
		if pfnDown(start_off) < sidx {
			merge = 1 // the first page is the shared one: already reserved
		}
		end_off := start_off + size

		bdata.Last_end_off = end_off
		bdata.Hint_idx = pfnUp(end_off)

		// Reserve the area now. The pages were checked free, so this
		// cannot fail.
		if err := __reserve(bdata, pfnDown(start_off)+merge, pfnUp(end_off), BOOTMEM_EXCLUSIVE); err != OK {
			return nil, err
		}
		region := phys.Bytes(pfnPhys(bdata.Node_min_pfn)+start_off, size)
		clear(region)
		return region, OK
	}
}

// alloc_nopanic is ___alloc_bootmem_nopanic: try every node that can
// satisfy goal and limit, then drop the goal.
func alloc_nopanic(size, a, goal, limit uint64) ([]byte, Error) {
	if a == 0 {
		a = asm.SMP_CACHE_BYTES // Linux callers always pass one
	}
	err := ErrNoBootmem
	for {
		for b := bdata_list; b != nil; b = b.next {
			if goal != 0 && b.Node_low_pfn <= pfnDown(goal) {
				continue // the node lies below the goal
			}
			if limit != 0 && b.Node_min_pfn >= pfnDown(limit) {
				break // this and later nodes lie above the limit
			}
			region, e := alloc_bootmem_core(b, size, a, goal, limit)
			if e == OK {
				return region, OK
			}
			if e == ErrInvalid {
				return nil, e
			}
			err = e
		}
		if goal == 0 {
			return nil, err
		}
		goal = 0
	}
}

// alloc_or_fail is ___alloc_bootmem: Linux panics with "Out of memory";
// gokern prints the same alert and returns the error for the kernel to
// stop on.
func alloc_or_fail(size, a, goal, limit uint64) ([]byte, Error) {
	region, err := alloc_nopanic(size, a, goal, limit)
	if err != OK {
		printk.Pr_alert("bootmem alloc of %lu bytes failed!\n", printk.Int(size))
	}
	return region, err
}

// Alloc_bootmem_nopanic allocates size bytes aligned to align, preferably
// at or above goal, on any node; it fails silently. Linux
// __alloc_bootmem_nopanic.
//
//go:noinline
func Alloc_bootmem_nopanic(size, align, goal uint64) ([]byte, Error) {
	if bootmem_retired_bug("__alloc_bootmem_nopanic", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_nopanic(size, align, goal, 0)
}

// Alloc_bootmem_goal is Linux __alloc_bootmem: Alloc_bootmem_nopanic that
// reports failure.
//
//go:noinline
func Alloc_bootmem_goal(size, align, goal uint64) ([]byte, Error) {
	if bootmem_retired_bug("__alloc_bootmem", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, align, goal, 0)
}

// Alloc_bootmem_node allocates on node bdata if it can, anywhere if not;
// Linux __alloc_bootmem_node.
//
//go:noinline
func Alloc_bootmem_node(bdata *BootmemData, size, align, goal uint64) ([]byte, Error) {
	if bootmem_retired_bug("__alloc_bootmem_node", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	if align == 0 {
		align = asm.SMP_CACHE_BYTES
	}
	if region, err := alloc_bootmem_core(bdata, size, align, goal, 0); err == OK || err == ErrInvalid {
		return region, err
	}
	return alloc_or_fail(size, align, goal, 0)
}

// Alloc_bootmem_low_goal allocates below 4 GiB (ARCH_LOW_ADDRESS_LIMIT);
// Linux __alloc_bootmem_low.
//
//go:noinline
func Alloc_bootmem_low_goal(size, align, goal uint64) ([]byte, Error) {
	if bootmem_retired_bug("__alloc_bootmem_low", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, align, goal, memblock.ARCH_LOW_ADDRESS_LIMIT)
}

// Alloc_bootmem allocates size bytes, cache-line aligned, above the DMA
// zone if possible; Linux alloc_bootmem(x).
//
//go:noinline
func Alloc_bootmem(size uint64) ([]byte, Error) {
	if bootmem_retired_bug("alloc_bootmem", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, asm.SMP_CACHE_BYTES, MAX_DMA_ADDRESS, 0)
}

// Alloc_bootmem_pages allocates whole pages above the DMA zone if possible;
// Linux alloc_bootmem_pages(x).
//
//go:noinline
func Alloc_bootmem_pages(size uint64) ([]byte, Error) {
	if bootmem_retired_bug("alloc_bootmem_pages", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, asm.PAGE_SIZE, MAX_DMA_ADDRESS, 0)
}

// Alloc_bootmem_low allocates cache-line aligned memory below 4 GiB; Linux
// alloc_bootmem_low(x).
//
//go:noinline
func Alloc_bootmem_low(size uint64) ([]byte, Error) {
	if bootmem_retired_bug("alloc_bootmem_low", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, asm.SMP_CACHE_BYTES, 0, memblock.ARCH_LOW_ADDRESS_LIMIT)
}

// Alloc_bootmem_low_pages allocates whole pages below 4 GiB; Linux
// alloc_bootmem_low_pages(x), which the 2.6 page-table setup uses (seed 002:
// "pte_base = pte = (pte_t *) alloc_bootmem_low_pages(PAGE_SIZE)").
//
//go:noinline
func Alloc_bootmem_low_pages(size uint64) ([]byte, Error) {
	if bootmem_retired_bug("alloc_bootmem_low_pages", kallsyms.X_RET_IP_()) {
		return nil, ErrRetired
	}
	return alloc_or_fail(size, asm.PAGE_SIZE, 0, memblock.ARCH_LOW_ADDRESS_LIMIT)
}
