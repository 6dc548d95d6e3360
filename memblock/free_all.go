package memblock

import (
	"gokern/arch/amd64/asm"
)

// Linux: mm/memblock.c memblock_free_all, free_low_memory_core_early,
// __free_memory_core (seed 002, "Finalizing Memory Initialization": the
// bootmem version, free_all_bootmem_core, does the same job).

// Memblock_free_all hands every free page to the page allocator: for each
// free range, the whole pages inside it (below Max_low_pfn, when set) go
// to release as [start, end) physical addresses, in ascending order. It
// returns the number of pages released. The next stage's buddy allocator
// is release; Linux splits each range into power-of-two blocks itself
// (__free_pages_memory), gokern leaves that to the buddy allocator.
func Memblock_free_all(release func(start, end uint64)) (pages uint64) {
	for i := uint64(0); ; {
		start, end, _ := next_mem_range(&i, asm.NUMA_NO_NODE, MEMBLOCK_NONE, &memblock.Memory, &memblock.Reserved)
		if i == ULLONG_MAX {
			return pages
		}
		pages += free_memory_core(start, end, release)
	}
}

// free_memory_core releases the whole pages of [start, end).
func free_memory_core(start, end uint64, release func(start, end uint64)) uint64 {
	start_pfn, end_pfn := pfn_up(start), pfn_down(end)
	if Max_low_pfn != 0 {
		end_pfn = min(end_pfn, Max_low_pfn)
	}
	if start_pfn >= end_pfn {
		return 0
	}
	release(start_pfn<<asm.PAGE_SHIFT, end_pfn<<asm.PAGE_SHIFT)
	return end_pfn - start_pfn
}
