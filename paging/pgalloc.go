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

// Mmu_gather holds the page-table pages an unmap unlinked until the TLB
// flush that follows it has run on every CPU (Linux struct mmu_gather's
// table batch: tlb_remove_table, then tlb_table_flush after
// tlb_flush_mmu). A table freed before the shootdown may go back into
// use — as another page table, from the quicklist — while a CPU's
// paging-structure caches still point at it for the old addresses (SDM
// Vol. 3A §4.10.3.1: a CPU may cache a PDE's pointer to a page table
// and use it for later walks until the INVLPG or CR3 write that the
// shootdown does there): that CPU would then translate the old addresses
// through whatever the new table holds. The zero value is empty. It
// lives on its user's stack.
type Mmu_gather struct {
	tables [MMU_GATHER_TABLES]PhysAddr
	nr     int
}

// MMU_GATHER_TABLES is how many tables a gather holds before its user
// must flush and free (Linux's batch is a page of pointers; gokern's
// unmaps unlink a few tables per flush).
const MMU_GATHER_TABLES = 16

// Remove_table takes the unlinked table at pa for freeing after the
// flush (Linux tlb_remove_table); with tlb nil, or full, it frees it at
// once, as before gathers (a full gather is its caller's bug: Room
// says when to flush).
func (tlb *Mmu_gather) Remove_table(pa PhysAddr) {
	if tlb == nil || tlb.nr == len(tlb.tables) {
		pgtable_free(pa)
		return
	}
	tlb.tables[tlb.nr] = pa
	tlb.nr++
}

// Room is how many more tables the gather takes.
func (tlb *Mmu_gather) Room() int { return len(tlb.tables) - tlb.nr }

// Nr_tables is how many tables wait in the gather.
func (tlb *Mmu_gather) Nr_tables() int { return tlb.nr }

// Tlb_remove_table_free frees the gathered tables; the caller has flushed
// the TLBs of every CPU that may have walked them (Linux tlb_table_flush
// → __tlb_remove_table_free, after tlb_flush_mmu).
func (tlb *Mmu_gather) Tlb_remove_table_free() {
	for _, pa := range tlb.tables[:tlb.nr] {
		pgtable_free(pa)
	}
	tlb.nr = 0
}
