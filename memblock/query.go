package memblock

// Linux: mm/memblock.c "Remaining API functions": memblock_phys_mem_size,
// memblock_reserved_size, memblock_start_of_DRAM, memblock_end_of_DRAM,
// memblock_search, memblock_is_reserved, memblock_is_memory,
// memblock_is_region_memory, memblock_is_region_reserved,
// memblock_trim_memory.

// Memblock_phys_mem_size is the total size of memory.
func Memblock_phys_mem_size() uint64 { return memblock.Memory.Total_size }

// Memblock_reserved_size is the total size of the reservations.
func Memblock_reserved_size() uint64 { return memblock.Reserved.Total_size }

// Memblock_start_of_DRAM is the lowest memory address.
func Memblock_start_of_DRAM() uint64 { return memblock.Memory.Regions[0].Base }

// Memblock_end_of_DRAM is one past the highest memory address.
func Memblock_end_of_DRAM() uint64 {
	r := &memblock.Memory.Regions[memblock.Memory.Cnt-1]
	return r.Base + r.Size
}

// memblock_search returns the index of the region of t containing addr,
// or -1: a binary search, since the regions are sorted.
func memblock_search(t *MemblockType, addr uint64) int {
	left, right := uint64(0), t.Cnt
	for left < right {
		mid := (left + right) / 2
		r := &t.Regions[mid]
		switch {
		case addr < r.Base:
			right = mid
		case addr >= r.Base+r.Size:
			left = mid + 1
		default:
			return int(mid)
		}
	}
	return -1
}

// Memblock_is_reserved reports whether addr is reserved.
func Memblock_is_reserved(addr uint64) bool { return memblock_search(&memblock.Reserved, addr) != -1 }

// Memblock_is_memory reports whether addr is memory.
func Memblock_is_memory(addr uint64) bool { return memblock_search(&memblock.Memory, addr) != -1 }

// Memblock_is_region_memory reports whether all of [base, base+size) lies
// in a single memory region.
func Memblock_is_region_memory(base, size uint64) bool {
	idx := memblock_search(&memblock.Memory, base)
	if idx == -1 {
		return false
	}
	r := &memblock.Memory.Regions[idx]
	return r.Base+r.Size >= base+memblock_cap_size(base, size)
}

// Memblock_is_region_reserved reports whether [base, base+size) intersects
// a reservation.
func Memblock_is_region_reserved(base, size uint64) bool {
	return memblock_overlaps_region(&memblock.Reserved, base, size)
}

// Memblock_trim_memory shrinks every memory region to whole multiples of
// align (a page, from e820): the page allocator cannot use partial pages.
// Regions with nothing left are removed.
func Memblock_trim_memory(align uint64) {
	t := &memblock.Memory
	for i := 0; i < int(t.Cnt); i++ {
		r := &t.Regions[i]
		if r.Size == 0 {
			continue // the dummy region of an empty array
		}
		orig_start, orig_end := r.Base, r.Base+r.Size
		start, end := round_up(orig_start, align), round_down(orig_end, align)
		if start == orig_start && end == orig_end {
			continue
		}
		if start < end {
			t.Total_size -= r.Size - (end - start)
			r.Base, r.Size = start, end-start
		} else {
			memblock_remove_region(t, i)
			i--
		}
	}
}
