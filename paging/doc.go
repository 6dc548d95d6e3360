// Package paging is gokern's x86-64 page-table code: the types, bits and
// helpers of Linux's arch/x86/include/asm/pgtable*.h and page*.h, and the
// builder of arch/x86/mm/init_64.c that init_mem_mapping and startup use.
//
// Linux: arch/x86/include/asm/page_types.h, page_64_types.h,
// pgtable_types.h, pgtable_64_types.h, pgtable.h, pgtable_64.h,
// arch/x86/mm/init_64.c (phys_pud_init, phys_pmd_init, phys_pte_init),
// arch/x86/mm/pageattr.c (lookup_address, split_large_page),
// arch/x86/mm/dump_pagetables.c (ptdump).
//
// # Fighting against weak typing, answered
//
// The slides show that in C
//
//	typedef unsigned long pgd_t;
//	typedef unsigned long pte_t;
//	pgd_t x; pte_t y;
//	x = y;
//
// compiles without a warning, which is why Linux wraps every level in a
// one-member struct. In Go a defined type is already distinct, so
//
//	type PTE uint64
//	type PMD uint64
//	var p PMD = PTE(0) // cannot use PTE(0) (constant 0 of uint64 type PTE) as PMD value
//
// does not compile, and neither does passing a VirtAddr where a PhysAddr is
// wanted (the classic __pa/__va mix-up). Only an explicit conversion, PMD(x),
// crosses levels, and the code does that in exactly the places Linux casts
// (the folded P4D, splitting a large page). TestLevelsDoNotMix proves the
// claim mechanically with go/types.
//
// # Why VirtAddr and PhysAddr are uint64, not uintptr
//
// A page-table entry and CR3 are 64-bit on every x86-64 CPU whatever the
// program reading them is compiled for, and constants such as PAGE_OFFSET
// (0xffff888000000000) must fit the type on every host the tests run on.
// uintptr would tie the meaning of an address to the host's pointer size;
// uint64 ties it to the hardware. Only one place turns an address into a Go
// pointer (asm.LinearMem.Bytes), and it converts there, once.
//
// # Memory the walkers read
//
// The walkers never dereference a physical address themselves: they ask an
// asm.PhysMem for the 4 KiB table at a physical address. In the kernel that
// is &asm.DirectMap (physical + PAGE_OFFSET, the direct map, as Linux's
// __va); in host tests it is a simulated RAM (internal/ktest.RAM), the
// same one the memblock and bootmem tests use. The same Map, Walk, Protect
// and Dump run in both.
//
// # Kernel Go
//
// Nothing here allocates from the Go heap, starts goroutines or needs a
// package init function: every package-level variable is a constant
// initialised by the linker, errors are the small integer type Error, and
// the dump formatter writes into a buffer the caller owns.
// TestNoAllocations checks this with testing.AllocsPerRun.
package paging
