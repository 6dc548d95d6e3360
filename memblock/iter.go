package memblock

import (
	"gokern/arch/amd64/asm"
)

// Linux: mm/memblock.c should_skip_region, __next_mem_range,
// __next_mem_range_rev, __next_mem_pfn_range, and the for_each_* macros of
// include/linux/memblock.h.
//
// Free memory is never stored: it is computed as memory minus reserved by
// walking both sorted arrays in step. Linux packs the two positions into
// one u64 loop variable (low 32 bits: index into memory; high 32 bits:
// index of the gap before each reserved region); gokern keeps that, so the
// state can be printed in gdb exactly as on the slides. The exported
// iterators call a function for each range; it returns false to stop. The
// function does not escape, so a closure passed to them stays on the stack.

// ULLONG_MAX ends an iteration.
const ULLONG_MAX = ^uint64(0)

// should_skip_region reports whether memory region m must be left out of
// a walk for node nid with flags. Regions of reserved are never skipped.
func should_skip_region(t *MemblockType, m *MemblockRegion, nid int, flags MemblockFlags) bool {
	if t != &memblock.Memory {
		return false
	}
	// Only memory regions belong to nodes.
	if nid != asm.NUMA_NO_NODE && nid != int(m.Nid) {
		return true
	}
	// Hotpluggable memory is skipped only with "movable_node", which
	// gokern does not have.
	// Asked for mirrored memory: skip the rest.
	if flags&MEMBLOCK_MIRROR != 0 && m.Flags&MEMBLOCK_MIRROR == 0 {
		return true
	}
	// NOMAP memory only when asked for explicitly.
	if flags&MEMBLOCK_NOMAP == 0 && m.Flags&MEMBLOCK_NOMAP != 0 {
		return true
	}
	return false
}

// next_mem_range advances *idx to the next range of type_a not covered by
// type_b (when type_b is nil, the next region of type_a) and returns it;
// Linux __next_mem_range. *idx starts at 0 and is ULLONG_MAX at the end.
func next_mem_range(idx *uint64, nid int, flags MemblockFlags, type_a, type_b *MemblockType) (out_start, out_end uint64, out_nid int32) {
	idx_a := int(uint32(*idx))
	idx_b := int(*idx >> 32)
	if nid == asm.MAX_NUMNODES {
		nid = asm.NUMA_NO_NODE // deprecated spelling of "any node"
	}
	for ; idx_a < int(type_a.Cnt); idx_a++ {
		m := &type_a.Regions[idx_a]
		m_start, m_end, m_nid := m.Base, m.Base+m.Size, m.Nid
		if should_skip_region(type_a, m, nid, flags) {
			continue
		}
		if type_b == nil {
			*idx = uint64(uint32(idx_a+1)) | uint64(idx_b)<<32
			return m_start, m_end, m_nid
		}
		// Scan the gaps before each reserved region (and the one after
		// the last): gap idx_b is [end of b[idx_b-1], start of b[idx_b]).
		for ; idx_b < int(type_b.Cnt)+1; idx_b++ {
			r_start, r_end := uint64(0), PHYS_ADDR_MAX
			if idx_b > 0 {
				r_start = type_b.Regions[idx_b-1].Base + type_b.Regions[idx_b-1].Size
			}
			if idx_b < int(type_b.Cnt) {
				r_end = type_b.Regions[idx_b].Base
			}
			// The gap lies beyond this memory region: next region.
			if r_start >= m_end {
				break
			}
			// The gap and the region intersect: that is a free range.
			if m_start < r_end {
				out_start, out_end = max(m_start, r_start), min(m_end, r_end)
				// Advance whichever of the two ends first.
				if m_end <= r_end {
					idx_a++
				} else {
					idx_b++
				}
				*idx = uint64(uint32(idx_a)) | uint64(idx_b)<<32
				return out_start, out_end, m_nid
			}
		}
	}
	*idx = ULLONG_MAX
	return 0, 0, 0
}

// next_mem_range_rev is next_mem_range walking down from the top; Linux
// __next_mem_range_rev. *idx starts at ULLONG_MAX and is ULLONG_MAX again
// at the end. (The two halves are signed: -1 means "before the first".)
func next_mem_range_rev(idx *uint64, nid int, flags MemblockFlags, type_a, type_b *MemblockType) (out_start, out_end uint64, out_nid int32) {
	idx_a := int(int32(uint32(*idx)))
	idx_b := int(int32(uint32(*idx >> 32)))
	if nid == asm.MAX_NUMNODES {
		nid = asm.NUMA_NO_NODE
	}
	if *idx == ULLONG_MAX {
		idx_a = int(type_a.Cnt) - 1
		idx_b = 0
		if type_b != nil {
			idx_b = int(type_b.Cnt)
		}
	}
	for ; idx_a >= 0; idx_a-- {
		m := &type_a.Regions[idx_a]
		m_start, m_end, m_nid := m.Base, m.Base+m.Size, m.Nid
		if should_skip_region(type_a, m, nid, flags) {
			continue
		}
		if type_b == nil {
			*idx = pack_rev(idx_a-1, idx_b)
			return m_start, m_end, m_nid
		}
		for ; idx_b >= 0; idx_b-- {
			r_start, r_end := uint64(0), PHYS_ADDR_MAX
			if idx_b > 0 {
				r_start = type_b.Regions[idx_b-1].Base + type_b.Regions[idx_b-1].Size
			}
			if idx_b < int(type_b.Cnt) {
				r_end = type_b.Regions[idx_b].Base
			}
			if r_end <= m_start {
				break
			}
			if m_end > r_start {
				out_start, out_end = max(m_start, r_start), min(m_end, r_end)
				if m_start >= r_start {
					idx_a--
				} else {
					idx_b--
				}
				*idx = pack_rev(idx_a, idx_b)
				return out_start, out_end, m_nid
			}
		}
	}
	*idx = ULLONG_MAX
	return 0, 0, 0
}

// For_each_free_mem_range calls fn for every free range (in memory, not
// reserved) of node nid (NUMA_NO_NODE: all) in ascending order, until fn
// returns false; Linux for_each_free_mem_range.
func For_each_free_mem_range(nid int, flags MemblockFlags, fn func(start, end uint64, nid int32) bool) {
	for i := uint64(0); ; {
		start, end, n := next_mem_range(&i, nid, flags, &memblock.Memory, &memblock.Reserved)
		if i == ULLONG_MAX || !fn(start, end, n) {
			return
		}
	}
}

// For_each_free_mem_range_reverse is For_each_free_mem_range from the top
// down; Linux for_each_free_mem_range_reverse.
func For_each_free_mem_range_reverse(nid int, flags MemblockFlags, fn func(start, end uint64, nid int32) bool) {
	for i := ULLONG_MAX; ; {
		start, end, n := next_mem_range_rev(&i, nid, flags, &memblock.Memory, &memblock.Reserved)
		if i == ULLONG_MAX || !fn(start, end, n) {
			return
		}
	}
}

// For_each_mem_region calls fn for each memory region; Linux
// for_each_mem_region.
func For_each_mem_region(fn func(r *MemblockRegion) bool) {
	for_each_region(&memblock.Memory, fn)
}

// For_each_reserved_mem_region calls fn for each reserved region; Linux
// for_each_reserved_mem_region.
func For_each_reserved_mem_region(fn func(r *MemblockRegion) bool) {
	for_each_region(&memblock.Reserved, fn)
}

func for_each_region(t *MemblockType, fn func(r *MemblockRegion) bool) {
	for i := uint64(0); i < t.Cnt; i++ {
		if t.Regions[i].Size == 0 {
			continue // the dummy region of an empty array
		}
		if !fn(&t.Regions[i]) {
			return
		}
	}
}

// For_each_mem_pfn_range calls fn with the whole pages [start_pfn, end_pfn)
// of each memory region of node nid (NUMA_NO_NODE or MAX_NUMNODES: all),
// skipping regions without a whole page; Linux for_each_mem_pfn_range.
// The zone setup of the next stage sizes its zones with it.
func For_each_mem_pfn_range(nid int, fn func(start_pfn, end_pfn uint64, nid int32) bool) {
	t := &memblock.Memory
	for i := uint64(0); i < t.Cnt; i++ {
		r := &t.Regions[i]
		spfn, epfn := pfn_up(r.Base), pfn_down(r.Base+r.Size)
		if spfn >= epfn {
			continue
		}
		if nid != asm.NUMA_NO_NODE && nid != asm.MAX_NUMNODES && nid != int(r.Nid) {
			continue
		}
		if !fn(spfn, epfn, r.Nid) {
			return
		}
	}
}

// pack_rev stores the two signed halves of a reverse walk's position.
func pack_rev(a, b int) uint64 { return uint64(uint32(int32(a))) | uint64(uint32(int32(b)))<<32 }

// pfn_up is PFN_UP without wrapping at the top of the address space.
func pfn_up(x uint64) uint64 {
	if x&(asm.PAGE_SIZE-1) != 0 {
		return x>>asm.PAGE_SHIFT + 1
	}
	return x >> asm.PAGE_SHIFT
}

func pfn_down(x uint64) uint64 { return x >> asm.PAGE_SHIFT }
