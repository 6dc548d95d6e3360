package paging

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// How the page-table code reaches the tables it walks, and where it gets
// new ones. Linux has no such seam: its walkers dereference __va(phys)
// directly, and its builders call alloc_low_page (arch/x86/mm/init.c).
// gokern's seam is asm.PhysMem, the same one memblock and bootmem use, so
// the very same Map, Walk, Protect and Dump run in the kernel over real
// memory (&asm.DirectMap) and in host tests over a simulated RAM
// (internal/ktest.RAM).

// table returns the 512 entries of the page-aligned table at pa. Tables
// hold physical addresses (that is what the MMU follows), but the CPU
// running this code can only load through virtual ones: mem says where
// physical memory is visible.
func table(mem asm.PhysMem, pa PhysAddr) *[PTRS_PER_PTE]uint64 {
	return (*[PTRS_PER_PTE]uint64)(unsafe.Pointer(unsafe.SliceData(mem.Bytes(uint64(pa), PAGE_SIZE))))
}

// PageAlloc returns a free page-aligned physical page for a new page table
// and true, or false when there is none. The builder clears the page
// itself, as Linux's alloc_low_page does, so the allocator need not.
// In the kernel it is a top-level function (static, no closure): early on
// a static pool, then memblock (or bootmem). A nil PageAlloc means the
// page allocator's, through the PgtableAlloc hook (pgalloc.go), once the
// buddy allocator is up. Linux: alloc_low_page / spp_getpage.
type PageAlloc func() (PhysAddr, bool)
