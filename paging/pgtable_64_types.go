package paging

import "gokern/arch/amd64/asm"

// The shape of the 4-level page-table tree and the regions of the kernel's
// address space that are not fixed by the kernel image.
//
// Linux: arch/x86/include/asm/pgtable_64_types.h, and
// include/asm-generic/pgtable-nop4d.h for the folded P4D level.
//
// A 48-bit virtual address splits as (SDM Vol. 3A §4.5, Figure 4-8
// "Linear-Address Translation to a 4-KByte Page using 4-Level Paging"):
//
//	 47      39 38      30 29      21 20      12 11         0
//	| PGD index | PUD index | PMD index | PTE index | page offset |
//	  (PML4)      (PDPT)      (PD)        (PT)
//
// Each level is one 4 KiB page of 512 8-byte entries, so each index is
// 9 bits.
//
// Five names, four levels: Linux is written for 5-level paging (LA57, where
// the PML5 is the pgd and the PML4 the p4d). On a CPU running 4-level
// paging (CR4.LA57=0), which is what gokern uses, the p4d level is
// "folded": it has a single entry that is the pgd entry itself
// (PTRS_PER_P4D = 1, P4D_SHIFT = PGDIR_SHIFT), so generic code can still
// walk pgd -> p4d -> pud -> pmd -> pte and the compiler removes the extra
// step. gokern keeps the folded level so the walk reads like Linux's.
const (
	// PGDIR_SHIFT: what one top-level (PML4) entry maps: 512 GiB.
	// Linux: PGDIR_SHIFT (39 without LA57).
	PGDIR_SHIFT  = 39
	PGDIR_SIZE   = 1 << PGDIR_SHIFT
	PGDIR_MASK   = 1<<64 - PGDIR_SIZE
	PTRS_PER_PGD = 512

	// P4D_SHIFT: folded into the PGD with 4-level paging.
	// Linux: P4D_SHIFT, PTRS_PER_P4D (pgtable-nop4d.h).
	P4D_SHIFT    = PGDIR_SHIFT
	P4D_SIZE     = 1 << P4D_SHIFT
	P4D_MASK     = 1<<64 - P4D_SIZE
	PTRS_PER_P4D = 1

	// PUD_SHIFT: what one page-directory-pointer entry maps: 1 GiB.
	// Linux: PUD_SHIFT.
	PUD_SHIFT    = 30
	PUD_SIZE     = 1 << PUD_SHIFT
	PUD_MASK     = 1<<64 - PUD_SIZE
	PTRS_PER_PUD = 512

	// PMD_SHIFT: what one page-directory entry maps: 2 MiB.
	// Linux: PMD_SHIFT.
	PMD_SHIFT    = 21
	PMD_SIZE     = 1 << PMD_SHIFT
	PMD_MASK     = 1<<64 - PMD_SIZE
	PTRS_PER_PMD = 512

	// PTRS_PER_PTE: entries in a page table, each mapping PAGE_SIZE.
	// Linux: PTRS_PER_PTE.
	PTRS_PER_PTE = 512
)

// Large-page frame masks: a 2 MiB or 1 GiB entry holds only the address
// bits above the page size (bits 12..20 or 12..29 carry PAT and reserved
// bits instead). Linux: PHYSICAL_PMD_PAGE_MASK, PHYSICAL_PUD_PAGE_MASK.
const (
	PHYSICAL_PMD_PAGE_MASK = PMD_MASK & PHYSICAL_MASK
	PHYSICAL_PUD_PAGE_MASK = PUD_MASK & PHYSICAL_MASK
)

// Dynamic kernel regions, typed (the numbers are asm's,
// pgtable_64_types.go). Linux: VMALLOC_START, VMALLOC_END, VMEMMAP_START.
const (
	VMALLOC_START VirtAddr = asm.VMALLOC_START
	VMALLOC_END   VirtAddr = asm.VMALLOC_END
	VMEMMAP_START VirtAddr = asm.VMEMMAP_START
)
