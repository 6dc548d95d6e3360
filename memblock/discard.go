package memblock

import "gokern/arch/amd64/asm"

// Linux: mm/memblock.c memblock_discard, memblock_free_late.

// Memblock_discard gives the pages of the region arrays that
// memblock_double_array allocated to release (the page allocator), once
// memblock_free_all has run, and returns how many pages that was. The
// static arrays are part of the kernel image and stay. An array freed
// this way is gone: memblock's lists are empty afterwards, as Linux's
// memblock_memory = NULL says.
func Memblock_discard(release func(start, end uint64)) (pages uint64) {
	for _, t := range [2]*MemblockType{&memblock.Reserved, &memblock.Memory} {
		if t.arrayPA == 0 {
			continue
		}
		size := page_align(t.Max * regionSize)
		release(t.arrayPA, t.arrayPA+size)
		pages += size >> asm.PAGE_SHIFT
		t.arrayPA = 0
		t.Regions = nil
		t.Cnt, t.Max, t.Total_size = 0, 0, 0
	}
	return pages
}
