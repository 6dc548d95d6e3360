package paging

import "gokern/arch/amd64/asm"

// Changing and removing existing mappings.
//
// Linux: arch/x86/mm/pageattr.c (change_page_attr_set_clr, __change_page_attr,
// should_split_large_page, split_large_page, __split_large_page), used by
// set_memory_ro/set_memory_nx and friends; and pte_clear for Unmap.
//
// Both change present entries, so the caller must flush the TLB afterwards:
// INVLPG per page, or, after a large page was split, the whole TLB
// including global entries (Linux: flush_tlb_all), since the CPU may hold
// both the old large and the new small translations (SDM Vol. 3A §4.10.2.3
// "Details of TLB Use").

// cpa carries one Protect call down the levels. Linux: struct cpa_data.
type cpa struct {
	mem   asm.PhysMem
	alloc PageAlloc
	prot  PgProt // new leaf protection, 4 KiB form
	large PgProt // the same for large entries (PAT moved, PSE set)
	dry   bool   // first pass: only check that every page is mapped
	stats MapStats
}

// Protect sets the protection of every page in [va, va+size) to prot
// (4 KiB form, validated as for Map), keeping each page's frame.
//
// A large page entirely inside the range is rewritten in place and stays
// large. A large page only partly inside is split first, unless it already
// has the new flags: a new table gets 512 entries of the next size down
// with the old frames and flags (1 GiB -> 2 MiB pages, 2 MiB -> 4 KiB
// pages), the table replaces the large entry in one store, and then only
// the pages inside the range are changed. The translation of every page is
// the same before and after the split.
//
// Where the range covers a whole 2 MiB mapped by a page table, and the
// table's pages then map one aligned 2 MiB of frames with the same flags,
// the table is collapsed back into a 2 MiB page and freed (collapse_pmd),
// once the page allocator takes tables back.
//
// If any page of the range is not mapped, Protect returns ErrNotMapped and
// changes nothing. Only ErrNoMem, from a split, can stop it midway.
// MapStats counts the leaf entries rewritten and the tables allocated for
// splits or freed by collapses. The caller must flush the TLB (all of it
// after a split or a collapse).
//
// Linux: change_page_attr_set_clr (set_memory_ro, set_memory_nx, ...).
func Protect(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr, size uint64, prot PgProt, alloc PageAlloc) (MapStats, Error) {
	if err := checkRange(va, size); err != OK {
		return MapStats{}, err
	}
	if err := checkProt(prot); err != OK {
		return MapStats{}, err
	}
	if size == 0 {
		return MapStats{}, OK
	}
	c := cpa{
		mem:   mem,
		alloc: alloc,
		prot:  prot & Supported_pte_mask,
		large: (Protval_4k_2_large(prot) | PAGE_PSE) & Supported_pte_mask,
		dry:   true,
	}
	end := va + VirtAddr(size)
	if err := c.change_page_attr(pgdPhys, va, end); err != OK {
		return MapStats{}, err
	}
	c.dry = false
	err := c.change_page_attr(pgdPhys, va, end)
	return c.stats, err
}

// change_page_attr walks the PGD entries of the range.
// Linux: __change_page_attr_set_clr.
func (c *cpa) change_page_attr(pgdPhys PhysAddr, va, end VirtAddr) Error {
	for v := va; v != end; {
		next := Pgd_addr_end(v, end)
		p4d := P4d_offset(Pgd_offset(c.mem, pgdPhys, v), v)
		if !p4d.Present() {
			return ErrNotMapped
		}
		if err := c.cpa_pud(p4d.Phys(), v, next); err != OK {
			return err
		}
		v = next
	}
	return OK
}

func (c *cpa) cpa_pud(pudPage PhysAddr, va, end VirtAddr) Error {
	t := table(c.mem, pudPage)
	for v := va; v != end; {
		next := Pud_addr_end(v, end)
		pud := (*PUD)(&t[Pud_index(v)])
		old := *pud
		if !old.Present() {
			return ErrNotMapped
		}
		if old.Large() {
			if c.dry {
				v = next
				continue
			}
			if next-v == PUD_SIZE { // the whole 1 GiB page: change it in place
				if want := Pfn_pud(old.PFN(), c.large); want != old {
					Set_pud(pud, want)
					c.stats.Pages1G++
				}
				v = next
				continue
			}
			if old.Flags() == c.large { // already right: no need to split
				v = next
				continue
			}
			if err := c.split_pud(pud); err != OK {
				return err
			}
		}
		if err := c.cpa_pmd(pud.Phys(), v, next); err != OK {
			return err
		}
		v = next
	}
	return OK
}

func (c *cpa) cpa_pmd(pmdPage PhysAddr, va, end VirtAddr) Error {
	t := table(c.mem, pmdPage)
	for v := va; v != end; {
		next := Pmd_addr_end(v, end)
		pmd := (*PMD)(&t[Pmd_index(v)])
		old := *pmd
		if !old.Present() {
			return ErrNotMapped
		}
		if old.Large() {
			if c.dry {
				v = next
				continue
			}
			if next-v == PMD_SIZE {
				if want := Pfn_pmd(old.PFN(), c.large); want != old {
					Set_pmd(pmd, want)
					c.stats.Pages2M++
				}
				v = next
				continue
			}
			if old.Flags() == c.large {
				v = next
				continue
			}
			if err := c.split_pmd(pmd); err != OK {
				return err
			}
		}
		if err := c.cpa_pte(pmd.Phys(), v, next); err != OK {
			return err
		}
		if !c.dry && next-v == PMD_SIZE {
			c.collapse_pmd(pmd)
		}
		v = next
	}
	return OK
}

// collapse_pmd turns a page table whose 512 pages now map one aligned
// 2 MiB of frames with the same flags — as a Protect of the whole 2 MiB
// makes a table split earlier — back into a 2 MiB page, and frees the
// table (pte_free_kernel). Only when the page allocator takes tables back
// (PgtableFree). Linux 6.13+: collapse_large_pages, for set_memory_rox.
func (c *cpa) collapse_pmd(pmd *PMD) {
	if PgtableFree == nil {
		return
	}
	pt := pmd.Phys()
	t := table(c.mem, pt)
	first := PTE(t[0])
	if !first.Present() || first.PFN()%PTRS_PER_PTE != 0 {
		return
	}
	for i := 1; i < PTRS_PER_PTE; i++ {
		e := PTE(t[i])
		if !e.Present() || e.PFN() != first.PFN()+PFN(i) || e.Flags() != first.Flags() {
			return
		}
	}
	Set_pmd(pmd, Pfn_pmd(first.PFN(), (Protval_4k_2_large(first.Flags())|PAGE_PSE)&Supported_pte_mask))
	clear(t[:])
	Pte_free_kernel(pt)
	c.stats.Pages2M++
	c.stats.TablesFreed++
}

func (c *cpa) cpa_pte(ptePage PhysAddr, va, end VirtAddr) Error {
	t := table(c.mem, ptePage)
	for v := va; v != end; v += PAGE_SIZE {
		pte := (*PTE)(&t[Pte_index(v)])
		old := *pte
		if !old.Present() {
			return ErrNotMapped
		}
		if c.dry {
			continue
		}
		if want := Pfn_pte(old.PFN(), c.prot); want != old {
			Set_pte(pte, want)
			c.stats.Pages4K++
		}
	}
	return OK
}

// split_pud replaces a 1 GiB page by a PMD table of 512 2 MiB pages with
// the same frames and flags. The new table is filled with plain stores
// (the MMU cannot see it yet) and linked with one atomic store.
// Linux: split_large_page / __split_large_page.
func (c *cpa) split_pud(pud *PUD) Error {
	old := *pud
	t, err := allocTable(c.mem, c.alloc, &c.stats)
	if err != OK {
		return err
	}
	tbl := table(c.mem, t)
	flags := old.Flags() // large form already: PSE set, PAT in bit 12
	for i := range tbl {
		tbl[i] = uint64(Pfn_pmd(old.PFN()+PFN(i)<<(PMD_SHIFT-PAGE_SHIFT), flags))
	}
	Set_pud(pud, Mk_pud_table(t, PAGE_TABLE))
	return OK
}

// split_pmd replaces a 2 MiB page by a page table of 512 4 KiB pages with
// the same frames and flags (converted to the 4 KiB form: PSE dropped, PAT
// moved back to bit 7). Linux: split_large_page.
func (c *cpa) split_pmd(pmd *PMD) Error {
	old := *pmd
	t, err := allocTable(c.mem, c.alloc, &c.stats)
	if err != OK {
		return err
	}
	tbl := table(c.mem, t)
	flags := Protval_large_2_4k(old.Flags())
	for i := range tbl {
		tbl[i] = uint64(Pfn_pte(old.PFN()+PFN(i), flags))
	}
	Set_pmd(pmd, Mk_pmd_table(t, PAGE_TABLE))
	return OK
}

// Unmap removes the 4 KiB page at va and returns the entry it had, so the
// caller can free the frame. ErrNotMapped if nothing is mapped there,
// ErrLargePage if a 2 MiB or 1 GiB page covers va (split it first with
// Protect). A page table it leaves empty is unlinked and freed
// (pte_free_kernel), and so, going up, an emptied PMD and PUD table
// (pmd_free, pud_free), once the page allocator takes them back
// (PgtableFree); the top-level table stays. The caller must flush the TLB
// entry (INVLPG), before anything allocates a page table: INVLPG also
// drops the paging-structure caches that may still point at a freed table
// (SDM Vol. 3A §4.10.4.1). Linux: pte_clear, as in vunmap_pte_range, and
// free_pte_range/free_pmd_range/free_pud_range for the tables.
//
// Unmap frees the tables at once: for a page table only this CPU can
// have walked (early boot, the fixmap, a selftest's scratch page). Where
// other CPUs run the address space, Unmap_gather keeps them for after
// the shootdown.
func Unmap(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr) (PTE, Error) {
	return Unmap_gather(mem, pgdPhys, va, nil)
}

// Unmap_gather is Unmap that puts the tables it unlinks in tlb, to be
// freed after the TLB flush that follows (Linux zap_pte_range and
// free_pgtables under an mmu_gather, tlb_remove_table); with tlb nil it
// frees them at once. tlb must have room for three (Mmu_gather.Room).
func Unmap_gather(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr, tlb *Mmu_gather) (PTE, Error) {
	if va&(PAGE_SIZE-1) != 0 {
		return 0, ErrAlign
	}
	if !Canonical(va) {
		return 0, ErrRange
	}
	p4d := P4d_offset(Pgd_offset(mem, pgdPhys, va), va)
	if !p4d.Present() {
		return 0, ErrNotMapped
	}
	pud := Pud_offset(mem, p4d, va)
	if !pud.Present() {
		return 0, ErrNotMapped
	}
	if pud.Large() {
		return 0, ErrLargePage
	}
	pmd := Pmd_offset(mem, pud, va)
	if !pmd.Present() {
		return 0, ErrNotMapped
	}
	if pmd.Large() {
		return 0, ErrLargePage
	}
	pte := Pte_offset_kernel(mem, pmd, va)
	old := *pte
	if !old.Present() {
		return 0, ErrNotMapped
	}
	Set_pte(pte, 0)
	if PgtableFree == nil {
		return old, OK // nowhere to free tables to (early boot, host tests)
	}
	// Free the tables this left empty, bottom up: unlink, then free
	// (after the caller's flush, with a gather).
	if pt := pmd.Phys(); tableEmpty(table(mem, pt)) {
		Set_pmd(pmd, 0)
		tlb.Remove_table(pt)
		if pm := pud.Phys(); tableEmpty(table(mem, pm)) {
			Set_pud(pud, 0)
			tlb.Remove_table(pm)
			if pu := p4d.Phys(); tableEmpty(table(mem, pu)) {
				Set_p4d(p4d, 0)
				tlb.Remove_table(pu)
			}
		}
	}
	return old, OK
}
