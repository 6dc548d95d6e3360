package memblock

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
)

// Linux: mm/memblock.c memblock_remove_region, memblock_isolate_range,
// memblock_remove_range, memblock_remove, memblock_free (memblock_phys_free
// since 5.16), memblock_setclr_flag and the memblock_mark_* family.

// memblock_remove_region deletes region r of t. An array never becomes
// truly empty: the last region is replaced by the zero-size dummy.
func memblock_remove_region(t *MemblockType, r int) {
	t.Total_size -= t.Regions[r].Size
	copy(t.Regions[r:t.Cnt-1], t.Regions[r+1:t.Cnt])
	t.Cnt--
	if t.Cnt == 0 {
		t.Cnt = 1
		t.Regions[0] = MemblockRegion{Nid: asm.MAX_NUMNODES}
	}
}

// memblock_isolate_range splits the regions of t that cross base or
// base+size, so that afterwards [base, base+size) is covered by whole
// regions only. It returns the index range [start_rgn, end_rgn) of the
// regions inside (both 0 when none are). At most two regions are added,
// so the array is grown first if it has less room than that.
func memblock_isolate_range(t *MemblockType, base, size uint64) (start_rgn, end_rgn int, err Error) {
	size = memblock_cap_size(base, size)
	end := base + size
	if size == 0 {
		return 0, 0, OK
	}
	for t.Cnt+2 > t.Max {
		if err := memblock_double_array(t, base, size); err != OK {
			return 0, 0, err
		}
	}
	for idx := 0; idx < int(t.Cnt); idx++ {
		rgn := &t.Regions[idx]
		rbase, rend := rgn.Base, rgn.Base+rgn.Size
		if rbase >= end {
			break
		}
		if rend <= base {
			continue
		}
		switch {
		case rbase < base:
			// The region sticks out below: cut off the bottom as a
			// region of its own, and look at the top half next
			// (it is now at idx+1).
			rgn.Base = base
			rgn.Size -= base - rbase
			t.Total_size -= base - rbase
			memblock_insert_region(t, idx, rbase, base-rbase, int(rgn.Nid), rgn.Flags)
		case rend > end:
			// The region sticks out above: cut off the bottom part
			// (inside the range) and look at it again, at idx.
			rgn.Base = end
			rgn.Size -= end - rbase
			t.Total_size -= end - rbase
			memblock_insert_region(t, idx, rbase, end-rbase, int(rgn.Nid), rgn.Flags)
			idx--
		default:
			// Fully inside: record it.
			if end_rgn == 0 {
				start_rgn = idx
			}
			end_rgn = idx + 1
		}
	}
	return start_rgn, end_rgn, OK
}

// memblock_remove_range takes [base, base+size) out of t.
func memblock_remove_range(t *MemblockType, base, size uint64) Error {
	start_rgn, end_rgn, err := memblock_isolate_range(t, base, size)
	if err != OK {
		return err
	}
	for i := end_rgn - 1; i >= start_rgn; i-- {
		memblock_remove_region(t, i)
	}
	return OK
}

// Memblock_remove takes [base, base+size) out of memory: the kernel will
// not use it at all (Linux memblock_remove).
//
//go:noinline
func Memblock_remove(base, size uint64) Error {
	if memblock_retired_bug("memblock_remove", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	if Memblock_debug {
		dbgRange("memblock_remove", base, size, kallsyms.X_RET_IP_())
	}
	return memblock_remove_range(&memblock.Memory, base, size)
}

// Memblock_free releases a reservation (an earlier allocation): the range
// leaves reserved and is free again. Linux memblock_free (renamed
// memblock_phys_free in 5.16). The memory goes back to memblock, not to
// the buddy allocator.
//
//go:noinline
func Memblock_free(base, size uint64) Error {
	if memblock_retired_bug("memblock_free", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	if Memblock_debug {
		dbgRange("memblock_free", base, size, kallsyms.X_RET_IP_())
	}
	return memblock_remove_range(&memblock.Reserved, base, size)
}

// memblock_setclr_flag sets or clears flag on the memory regions covering
// [base, base+size), splitting them at the edges first.
func memblock_setclr_flag(base, size uint64, set bool, flag MemblockFlags) Error {
	t := &memblock.Memory
	start_rgn, end_rgn, err := memblock_isolate_range(t, base, size)
	if err != OK {
		return err
	}
	for i := start_rgn; i < end_rgn; i++ {
		if set {
			t.Regions[i].Flags |= flag
		} else {
			t.Regions[i].Flags &^= flag
		}
	}
	memblock_merge_regions(t)
	return OK
}

// Memblock_mark_hotplug marks memory that may be unplugged later.
func Memblock_mark_hotplug(base, size uint64) Error {
	return memblock_setclr_flag(base, size, true, MEMBLOCK_HOTPLUG)
}

// Memblock_clear_hotplug clears MEMBLOCK_HOTPLUG.
func Memblock_clear_hotplug(base, size uint64) Error {
	return memblock_setclr_flag(base, size, false, MEMBLOCK_HOTPLUG)
}

// Memblock_mark_mirror marks mirrored memory; from then on allocations
// prefer mirrored memory and fall back with a warning.
func Memblock_mark_mirror(base, size uint64) Error {
	system_has_some_mirror = true
	return memblock_setclr_flag(base, size, true, MEMBLOCK_MIRROR)
}

// Memblock_mark_nomap marks memory that must stay out of the direct map
// (firmware tables that must not be cached, say): it is never allocated
// and never freed to the buddy allocator.
func Memblock_mark_nomap(base, size uint64) Error {
	return memblock_setclr_flag(base, size, true, MEMBLOCK_NOMAP)
}

// Memblock_clear_nomap clears MEMBLOCK_NOMAP.
func Memblock_clear_nomap(base, size uint64) Error {
	return memblock_setclr_flag(base, size, false, MEMBLOCK_NOMAP)
}
