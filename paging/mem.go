package paging

import "unsafe"

// How the page-table code reaches the tables it walks, and where it gets
// new ones. Linux has no such seam: its walkers dereference __va(phys)
// directly, and its builders call alloc_low_page (arch/x86/mm/init.c). The
// seam is gokern's, so the very same Map, Walk, Protect and Dump run in the
// kernel over real memory and in host tests over a byte buffer.

// Mem gives access to a page-table page by its physical address. Tables
// hold physical addresses (that is what the MMU follows), but the CPU
// running this code can only load through virtual ones, so someone must
// say where physical memory is visible.
//
// Kernel code passes a pointer to a static implementation (&KernelMem):
// converting a pointer to an interface does not allocate, and a call
// through the interface is an indirect call, nothing more.
type Mem interface {
	// Table returns the 512 entries of the page-aligned table at pa.
	Table(pa PhysAddr) *[PTRS_PER_PTE]uint64
}

// LinearMem sees physical memory at a fixed virtual offset:
// Table(pa) is the memory at virtual address pa+Offset.
type LinearMem struct {
	Offset VirtAddr
}

// Table returns the table at pa through the linear mapping. It only
// computes a pointer; it is valid only on a CPU where pa+Offset is mapped.
// The method has a pointer receiver so that only *LinearMem is a Mem: a
// LinearMem value in an interface would have to be boxed, which allocates.
func (m *LinearMem) Table(pa PhysAddr) *[PTRS_PER_PTE]uint64 {
	// unsafe.Add from nil builds a pointer from an integer without the
	// uintptr -> unsafe.Pointer conversion that vet (rightly) flags for
	// Go-heap memory; page tables are never in the Go heap.
	return (*[PTRS_PER_PTE]uint64)(unsafe.Add(nil, uintptr(pa)+uintptr(m.Offset)))
}

// KernelMem sees page tables through the direct map, as Linux's __va does:
// the kernel's Mem once init_mem_mapping has built the direct map.
var KernelMem = LinearMem{Offset: PAGE_OFFSET}

// IdentMem sees page tables at their physical address: for code running
// on the identity mapping of early boot (startup_64, before the direct
// map exists).
var IdentMem = LinearMem{Offset: 0}

// PageAlloc returns a free page-aligned physical page for a new page table
// and true, or false when there is none. The builder clears the page
// itself, as Linux's alloc_low_page does, so the allocator need not.
// In the kernel it is a top-level function (static, no closure): early on
// a static pool, later memblock. Linux: alloc_low_page / spp_getpage.
type PageAlloc func() (PhysAddr, bool)
