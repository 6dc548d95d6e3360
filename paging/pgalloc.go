package paging

// Page-table pages: where new tables come from and where empty ones go.
// Linux: include/asm-generic/pgalloc.h (pte_alloc_one_kernel,
// pte_free_kernel, pmd_alloc_one, pmd_free, pud_alloc_one, pud_free),
// arch/x86/mm/pgtable.c (pgd_alloc, pgd_free). Seeds/002 "Classical
// Examples": pgd_alloc(), pmd_alloc(), pte_alloc() and their _free are
// served by the quicklists.
//
// paging sits below the allocators, so it reaches them through two hooks:
// the page allocator (mm) points them at its quicklist of zeroed
// page-table pages once the buddy allocator is up. Before that, the
// builders take their pages from the PageAlloc their caller passes (the
// early allocator), and nothing is freed.

var (
	// PgtableAlloc gives a page for a page table (zeroed); nil until
	// the buddy allocator is up.
	PgtableAlloc PageAlloc
	// PgtableFree takes back an empty (all-zero) page-table page.
	PgtableFree func(pa PhysAddr)
)

func pgtable_alloc() (PhysAddr, bool) {
	if PgtableAlloc == nil {
		return 0, false
	}
	return PgtableAlloc()
}

func pgtable_free(pa PhysAddr) {
	if PgtableFree != nil {
		PgtableFree(pa)
	}
}

// On x86-64 a table of every level is the same 4 KiB page of 512 entries,
// so the four levels share one allocator (and one quicklist).

// Pgd_alloc allocates a top-level table (Linux pgd_alloc; for a process
// it would also copy the kernel's half of init_top_pgt).
func Pgd_alloc() (PhysAddr, bool) { return pgtable_alloc() }

// Pgd_free frees an empty top-level table (Linux pgd_free).
func Pgd_free(pa PhysAddr) { pgtable_free(pa) }

// Pud_alloc_one allocates a PUD table (Linux pud_alloc_one).
func Pud_alloc_one() (PhysAddr, bool) { return pgtable_alloc() }

// Pud_free frees an empty PUD table (Linux pud_free).
func Pud_free(pa PhysAddr) { pgtable_free(pa) }

// Pmd_alloc_one allocates a PMD table (Linux pmd_alloc_one).
func Pmd_alloc_one() (PhysAddr, bool) { return pgtable_alloc() }

// Pmd_free frees an empty PMD table (Linux pmd_free).
func Pmd_free(pa PhysAddr) { pgtable_free(pa) }

// Pte_alloc_one_kernel allocates a page table for kernel mappings (Linux
// pte_alloc_one_kernel; user page tables are pte_alloc_one).
func Pte_alloc_one_kernel() (PhysAddr, bool) { return pgtable_alloc() }

// Pte_free_kernel frees an empty kernel page table (Linux
// pte_free_kernel).
func Pte_free_kernel(pa PhysAddr) { pgtable_free(pa) }

// tableEmpty reports whether every entry of the table at pa is zero.
func tableEmpty(t *[PTRS_PER_PTE]uint64) bool {
	for _, e := range t {
		if e != 0 {
			return false
		}
	}
	return true
}
