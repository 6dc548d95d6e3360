package memblock

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// Linux: mm/memblock.c memblock_insert_region, memblock_merge_regions,
// memblock_add_range, memblock_add_node, memblock_add, memblock_reserve.
// Seed 001 walks through memblock_reserve -> memblock_add_range and its
// "empty array" special case.

// memblock_insert_region inserts [base, base+size) at index idx of t,
// shifting the regions above it up by one. t must have room.
func memblock_insert_region(t *MemblockType, idx int, base, size uint64, nid int, flags MemblockFlags) {
	// Linux: BUG_ON(type->cnt >= type->max). Here the slice bounds
	// check turns that into an oops.
	copy(t.Regions[idx+1:t.Cnt+1], t.Regions[idx:t.Cnt])
	t.Regions[idx] = MemblockRegion{Base: base, Size: size, Flags: flags, Nid: int32(nid)}
	t.Cnt++
	t.Total_size += size
}

// memblock_merge_regions merges neighbouring regions that touch and agree
// on node and flags, so that the arrays stay as short as possible.
func memblock_merge_regions(t *MemblockType) {
	// LAB memblock BEGIN
	i := uint64(0)
	for i+1 < t.Cnt {
		this, next := &t.Regions[i], &t.Regions[i+1]
		if this.Base+this.Size != next.Base || this.Nid != next.Nid || this.Flags != next.Flags {
			i++
			continue
		}
		this.Size += next.Size
		copy(t.Regions[i+1:t.Cnt-1], t.Regions[i+2:t.Cnt])
		t.Cnt--
	}
	// LAB memblock SKELETON
	// // Merge each pair of neighbours that touch and agree on node and flags.
	// // Without this the arrays only grow.
	// LAB memblock END
}

// memblock_add_range adds [base, base+size) to t. The new range may overlap
// existing regions: only the parts not yet covered are inserted (with the
// given node and flags), then neighbours merge.
//
// It works in two rounds. The first only counts how many new regions the
// range needs, so that the array can be doubled before anything changes;
// the second inserts them. (When the array has room even for the worst
// case, cnt+1 new regions, the counting round is skipped.)
func memblock_add_range(t *MemblockType, base, size uint64, nid int, flags MemblockFlags) Error {
	size = memblock_cap_size(base, size)
	if size == 0 {
		return OK
	}
	// LAB memblock BEGIN
	obase, end := base, base+size

	// Special case for an empty array: fill the dummy region.
	if t.Regions[0].Size == 0 {
		t.Regions[0] = MemblockRegion{Base: base, Size: size, Flags: flags, Nid: int32(nid)}
		t.Total_size = size
		return OK
	}

	insert := t.Cnt*2+1 < t.Max
	for {
		base = obase
		nr_new := uint64(0)
		idx := 0
		for ; idx < int(t.Cnt); idx++ {
			rbase := t.Regions[idx].Base
			rend := rbase + t.Regions[idx].Size
			if rbase >= end {
				break // this and all later regions lie above the range
			}
			if rend <= base {
				continue // below the range
			}
			// The region overlaps: the part of the range below it
			// is new.
			if rbase > base {
				nr_new++
				if insert {
					memblock_insert_region(t, idx, base, rbase-base, nid, flags)
					idx++ // skip over the region we inserted before
				}
			}
			// Everything below rend is covered now.
			base = min(rend, end)
		}
		// Whatever is left above the last region is new.
		if base < end {
			nr_new++
			if insert {
				memblock_insert_region(t, idx, base, end-base, nid, flags)
			}
		}
		if nr_new == 0 {
			return OK
		}
		if insert {
			memblock_merge_regions(t)
			return OK
		}
		// First round: make room, then insert for real.
		for t.Cnt+nr_new > t.Max {
			if err := memblock_double_array(t, obase, size); err != OK {
				return err
			}
		}
		insert = true
	}
	// LAB memblock SKELETON
	// printk.Pr_emerg("LAB memblock: memblock_add_range not implemented yet\n")
	// panic("LAB memblock: memblock_add_range not implemented yet")
	// LAB memblock END
}

// Memblock_add_node adds [base, base+size) of node nid to memory, Linux
// memblock_add_node.
//
//go:noinline
func Memblock_add_node(base, size uint64, nid int, flags MemblockFlags) Error {
	if memblock_retired_bug("memblock_add_node", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	if Memblock_debug {
		printk.Pr_info("memblock_add_node: [%#018llx-%#018llx] nid=%d flags=%x %s\n",
			printk.Int(base), printk.Int(base+size-1), printk.Int(nid),
			printk.Int(uint32(flags)), sym(kallsyms.X_RET_IP_()))
	}
	return memblock_add_range(&memblock.Memory, base, size, nid, flags)
}

// Memblock_add adds [base, base+size) to memory, Linux memblock_add: this
// is how the e820 map's RAM becomes memblock's.
//
//go:noinline
func Memblock_add(base, size uint64) Error {
	if memblock_retired_bug("memblock_add", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	if Memblock_debug {
		dbgRange("memblock_add", base, size, kallsyms.X_RET_IP_())
	}
	return memblock_add_range(&memblock.Memory, base, size, asm.MAX_NUMNODES, MEMBLOCK_NONE)
}

// Memblock_reserve marks [base, base+size) as taken, Linux
// memblock_reserve. Reserving memory that is already reserved, or that is
// not in memory at all, is allowed.
//
//go:noinline
func Memblock_reserve(base, size uint64) Error {
	if memblock_retired_bug("memblock_reserve", kallsyms.X_RET_IP_()) {
		return ErrRetired
	}
	if Memblock_debug {
		dbgRange("memblock_reserve", base, size, kallsyms.X_RET_IP_())
	}
	return memblock_add_range(&memblock.Reserved, base, size, asm.MAX_NUMNODES, MEMBLOCK_NONE)
}
