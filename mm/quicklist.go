package mm

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"

	"gokern/paging"
	"gokern/printk"
)

// Quicklists: a per-CPU cache of zeroed pages for page tables. Linux 2.6:
// include/linux/quicklist.h (quicklist_alloc, quicklist_free,
// __quicklist_free), mm/quicklist.c (quicklist_trim, max_pages,
// quicklist_total_size). Seeds/002 "Quicklist", "Quicklist Allocation":
// page tables at every level are allocated and freed often, so they skip
// the buddy allocator: a freed table is empty (all zero) already, so it is
// pushed on the CPU's list as it is, with the list link in its first word,
// and the next allocation pops it and clears that word. Only an empty list
// falls back to the buddy allocator, with __GFP_ZERO.
//
// Linux removed quicklists in 5.5 (the page-table pages come from the page
// allocator directly, with per-CPU page lists in front); gokern keeps them
// because the seeds teach them and paging/ needs a free path for tables.

// CONFIG_NR_QUICK: one list. On x86-64 the tables of all four levels are
// the same zeroed 4 KiB page, so they can share it (2.6's ia64 used one
// list too; sparc64 had two).
const CONFIG_NR_QUICK = 1

// QUICK_PGTABLE is the list of page-table pages.
const QUICK_PGTABLE = 0

// Quicklist is Linux struct quicklist: the first free page (its first word
// holds the next one's address) and how many there are.
type Quicklist struct {
	Page     uintptr
	Nr_pages uint64
}

// quicklist is DEFINE_PER_CPU(struct quicklist, quicklist)[CONFIG_NR_QUICK]:
// each CPU pushes and pops its own lists, with interrupts off (Linux
// get_cpu_var). An array indexed by CPU rather than a per-CPU variable in
// GS's area: paging_init fills it before setup_per_cpu_areas, and the host
// tests run it without GS.
var quicklist [asm.NR_CPUS][CONFIG_NR_QUICK]Quicklist

// Quicklist figures, for the selftests and the docs.
var (
	QuicklistHits, QuicklistMisses uint64
)

// FRACTION_OF_NODE_MEM: quicklist_trim keeps at most this fraction of the
// node's free memory on the lists (Linux mm/quicklist.c).
const FRACTION_OF_NODE_MEM = 16

// QUICKLIST_MIN, QUICKLIST_MAX_FREE: x86's check_pgt_cache trimmed with
// quicklist_trim(0, NULL, 25, 16) in 2.6.
const (
	QUICKLIST_MIN      = 25
	QUICKLIST_MAX_FREE = 16
)

func qlink(p uintptr) *uintptr { return (*uintptr)(unsafe.Add(nil, p)) }

// Quicklist_alloc returns a zeroed page from list nr, or from the buddy
// allocator (gfp|__GFP_ZERO) when the list is empty; 0 if there is none.
func Quicklist_alloc(nr int, gfp Gfp) uintptr {
	flags := irqSave()
	q := &quicklist[thisCPU()][nr]
	if p := q.Page; p != 0 {
		q.Page = *qlink(p)
		*qlink(p) = 0
		q.Nr_pages--
		irqRestore(flags)
		atomic.AddUint64(&QuicklistHits, 1)
		return p
	}
	irqRestore(flags)
	atomic.AddUint64(&QuicklistMisses, 1)
	p := allocPages(gfp|X__GFP_ZERO, 0, 0)
	if p == nil {
		return 0
	}
	return Page_address(p)
}

// Quicklist_free pushes page pp, which must be zeroed, on list nr, then
// trims the list if it grew too long (Linux quicklist_free, with the
// check_pgt_cache that followed it). A page that is not zero (a table
// freed with entries left) would come back dirty: it is reported and
// cleared.
func Quicklist_free(nr int, pp uintptr) {
	b := unsafe.Slice((*uint64)(unsafe.Add(nil, pp)), 512)
	for i, e := range b {
		if e != 0 {
			printk.Pr_err("BUG: quicklist_free: page table %#lx is not empty (entry %d = %#lx): cleared\n",
				printk.Int(pp), printk.Int(i), printk.Int(e))
			clear(b)
			break
		}
	}
	flags := irqSave()
	q := &quicklist[thisCPU()][nr]
	*qlink(pp) = q.Page
	q.Page = pp
	q.Nr_pages++
	trimQuicklist(q, QUICKLIST_MIN, QUICKLIST_MAX_FREE)
	irqRestore(flags)
}

// max_pages is how many pages list nr may keep: a sixteenth of the node's
// free memory, at least min_pages (Linux max_pages).
func max_pages(min_pages uint64) uint64 {
	return max(Nr_free_pages()/FRACTION_OF_NODE_MEM, min_pages)
}

// Quicklist_trim gives pages above the limit back to the buddy allocator,
// at most max_free per call (Linux quicklist_trim).
func Quicklist_trim(nr int, min_pages, max_free uint64) {
	flags := irqSave()
	trimQuicklist(&quicklist[thisCPU()][nr], min_pages, max_free)
	irqRestore(flags)
}

// trimQuicklist trims this CPU's list q, interrupts off.
func trimQuicklist(q *Quicklist, min_pages, max_free uint64) {
	if q.Nr_pages <= min_pages {
		return
	}
	limit := max_pages(min_pages)
	for i := uint64(0); q.Nr_pages > limit && i < max_free; i++ {
		p := q.Page
		q.Page = *qlink(p)
		*qlink(p) = 0
		q.Nr_pages--
		freePages(Virt_to_page(p), 0, 0)
	}
}

// Quicklist_total_size is the number of pages on all lists (Linux
// quicklist_total_size, shown as "Quicklists:" in /proc/meminfo).
func Quicklist_total_size() uint64 {
	var n uint64
	for cpu := range quicklist {
		for i := range quicklist[cpu] {
			n += atomic.LoadUint64(&quicklist[cpu][i].Nr_pages)
		}
	}
	return n
}

// quicklistPgtableAlloc and quicklistPgtableFree are paging's page-table
// hooks once the buddy allocator is up (Mem_init sets them): pgd_alloc,
// pud_alloc_one, pmd_alloc_one and pte_alloc_one_kernel take zeroed pages
// from the quicklist (Linux: GFP_PGTABLE_KERNEL, GFP_KERNEL|__GFP_ZERO),
// and their _free functions put empty tables back on it.
func quicklistPgtableAlloc() (paging.PhysAddr, bool) {
	a := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	return paging.PhysAddr(pa(a)), a != 0
}

func quicklistPgtableFree(p paging.PhysAddr) { Quicklist_free(QUICK_PGTABLE, va(uint64(p))) }
