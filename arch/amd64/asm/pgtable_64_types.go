package asm

// The dynamic kernel regions of the x86-64 address space, 4-level values
// (no KASLR, no CONFIG_DYNAMIC_MEMORY_LAYOUT). Linux:
// arch/x86/include/asm/pgtable_64_types.h. The shape of the page-table
// tree (PGDIR_SHIFT, PMD_SHIFT, PTRS_PER_*) is in package paging.

const (
	// VMALLOC_START..VMALLOC_END (inclusive, 32 TiB): vmalloc and
	// ioremap. Linux: __VMALLOC_BASE_L4, VMALLOC_SIZE_TB_L4, VMALLOC_END.
	VMALLOC_START = 0xffffc90000000000
	VMALLOC_END   = VMALLOC_START + 32<<40 - 1
	// VMEMMAP_START: the virtual memmap (the struct page array).
	// Linux: __VMEMMAP_BASE_L4.
	VMEMMAP_START = 0xffffea0000000000
)
