package paging

import "gokern/arch/amd64/asm"

// The page-table builder: map a virtual range to a physical range with the
// largest pages that fit. init_mem_mapping uses it for the direct map and
// startup for the kernel-text map.
//
// Linux: arch/x86/mm/init_64.c kernel_physical_mapping_init and its levels
// phys_p4d_init, phys_pud_init, phys_pmd_init, phys_pte_init; the choice of
// page sizes is arch/x86/mm/init.c split_mem_range with page_size_mask.
// Linux's functions only build the direct map (virtual = __va(physical));
// gokern's take any virtual/physical pair, so the same code also builds
// the kernel-text map and vmalloc-style mappings.
//
// As in Linux, every level fills a new lower table completely before the
// entry that links it is stored, so the MMU never sees a half-built table
// (the slides: "the PDE entry is set only after having populated the
// corresponding PTE table").

// Sizes says which large pages the builder may use, one bit per PgLevel as
// Linux's page_size_mask (1 << PG_LEVEL_2M, 1 << PG_LEVEL_1G).
type Sizes uint8

const (
	// Only4K: map with 4 KiB pages only.
	Only4K Sizes = 0
	// Size2M allows 2 MiB pages (PS=1 in a PDE, Table 4-18). Every x86-64
	// CPU has them: long mode requires PAE, and PAE has PSE-sized pages.
	Size2M Sizes = 1 << PG_LEVEL_2M
	// Size1G allows 1 GiB pages (PS=1 in a PDPTE, Table 4-16). Only CPUs
	// with CPUID.80000001H:EDX.Page1GB [bit 26] ("pdpe1gb" in
	// /proc/cpuinfo) have them; QEMU's default CPU model does not.
	Size1G Sizes = 1 << PG_LEVEL_1G
)

// MapStats counts what an operation did.
type MapStats struct {
	// Pages4K, Pages2M, Pages1G count leaf entries written, by size.
	Pages4K, Pages2M, Pages1G uint64
	// Tables counts page-table pages taken from the allocator.
	Tables uint64
	// TablesFreed counts page-table pages given back (Protect's
	// collapses).
	TablesFreed uint64
}

// mapper carries one Map call's parameters down the levels (Linux passes
// them as arguments to each phys_*_init). It lives on Map's stack.
type mapper struct {
	mem   asm.PhysMem
	alloc PageAlloc
	prot  PgProt // leaf protection, 4 KiB form
	large PgProt // the same for 2 MiB / 1 GiB entries: PAT moved, PSE set
	sizes Sizes
	// dry: only look for conflicts, change nothing. Map runs the walk
	// twice, dry first, so a conflict leaves the tables untouched.
	dry   bool
	stats MapStats
}

// Map maps [va, va+size) to [pa, pa+size) with protection prot in the
// tree whose PGD page is at pgdPhys.
//
// prot is a 4 KiB-form protection such as PAGE_KERNEL or PAGE_KERNEL_RX:
// it must be present, and must not have bit 7 (PAT for a PTE, PSE for a
// large entry); Map sets PSE itself where it uses a large page. Page sizes:
// a 1 GiB page where sizes has Size1G and an aligned 1 GiB of the range
// maps to a 1 GiB-aligned physical address, else a 2 MiB page likewise
// (Size2M), else 4 KiB pages: so an unaligned range gets 4 KiB pages at its
// edges and large pages in its middle, as Linux's split_mem_range does.
// Large pages need va and pa congruent modulo the page size.
//
// Existing entries are kept, never replaced: where a lower table already
// exists Map fills it (as Linux does) instead of using a large page; an
// entry that already maps exactly what Map would map (same frame, same
// flags, ACCESSED/DIRTY aside) is left alone and not counted; anything
// else is ErrConflict, reported before any change is made. Only ErrNoMem
// can leave a range partly mapped; the parts mapped are then complete,
// valid entries.
//
// New tables come from alloc and are linked with PAGE_TABLE, as Linux's
// *_populate do: the leaves alone decide user access and writability.
// Map only turns non-present entries present, so no TLB flush is needed.
//
// Linux: kernel_physical_mapping_init (init_64.c), init_memory_mapping.
func Map(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr, pa PhysAddr, size uint64, prot PgProt, sizes Sizes, alloc PageAlloc) (MapStats, Error) {
	if err := checkRange(va, size); err != OK {
		return MapStats{}, err
	}
	if pa&(PAGE_SIZE-1) != 0 {
		return MapStats{}, ErrAlign
	}
	if size > PHYSICAL_MASK+1 || uint64(pa) > PHYSICAL_MASK+1-size {
		return MapStats{}, ErrRange
	}
	if err := checkProt(prot); err != OK {
		return MapStats{}, err
	}
	if size == 0 {
		return MapStats{}, OK
	}
	m := mapper{
		mem:   mem,
		alloc: alloc,
		prot:  prot & Supported_pte_mask,
		large: (Protval_4k_2_large(prot) | PAGE_PSE) & Supported_pte_mask,
		sizes: sizes,
		dry:   true,
	}
	end := va + VirtAddr(size) // 0 if the range ends at the top of memory
	if err := m.kernel_physical_mapping_init(pgdPhys, va, end, pa); err != OK {
		return MapStats{}, err
	}
	m.dry = false
	err := m.kernel_physical_mapping_init(pgdPhys, va, end, pa)
	return m.stats, err
}

// checkRange validates a virtual range: page aligned, canonical, not
// wrapping, not crossing the non-canonical hole.
func checkRange(va VirtAddr, size uint64) Error {
	if va&(PAGE_SIZE-1) != 0 || size&(PAGE_SIZE-1) != 0 {
		return ErrAlign
	}
	if size == 0 {
		return OK
	}
	last := va + VirtAddr(size-1)
	if last < va || !Canonical(va) || !Canonical(last) || va>>47 != last>>47 {
		return ErrRange
	}
	return OK
}

// checkProt validates a leaf protection in 4 KiB form.
func checkProt(prot PgProt) Error {
	if !prot.Present() || uint64(prot)&PTE_PFN_MASK != 0 || prot&PAGE_PAT != 0 {
		return ErrProt
	}
	return OK
}

// sameEntry compares two entries ignoring ACCESSED and DIRTY, which the
// CPU sets on its own.
func sameEntry(x, y uint64) bool {
	return (x^y)&^uint64(PAGE_ACCESSED|PAGE_DIRTY) == 0
}

// largeCovers reports whether an existing large leaf (a page of size
// bytes at phys, with flags) already maps virtual v to physical p with
// flags want.
func largeCovers(phys PhysAddr, flags PgProt, size uint64, v VirtAddr, p PhysAddr, want PgProt) bool {
	offset := PhysAddr(uint64(v) & (size - 1))
	return phys+offset == p && sameEntry(uint64(flags), uint64(want))
}

// newTable gets a page for a new table and clears it (a table must start
// with every entry not present), as Linux's alloc_low_page does. The
// allocator behind it is the arch's alloc_low_page (arch/amd64/mm), which
// carries the Linux name.
func (m *mapper) newTable() (PhysAddr, Error) {
	return allocTable(m.mem, m.alloc, &m.stats)
}

func allocTable(mem asm.PhysMem, alloc PageAlloc, stats *MapStats) (PhysAddr, Error) {
	if alloc == nil {
		// The page allocator's, once there is one (pgalloc.go).
		alloc = pgtable_alloc
	}
	pa, ok := alloc()
	if !ok {
		return 0, ErrNoMem
	}
	if pa&(PAGE_SIZE-1) != 0 {
		return 0, ErrAlign
	}
	*table(mem, pa) = [PTRS_PER_PTE]uint64{} // clear_page
	stats.Tables++
	return pa, OK
}

// kernel_physical_mapping_init walks the PGD entries the range covers.
// Linux: __kernel_physical_mapping_init.
func (m *mapper) kernel_physical_mapping_init(pgdPhys PhysAddr, va, end VirtAddr, pa PhysAddr) Error {
	for v := va; v != end; {
		next := Pgd_addr_end(v, end)
		pgd := Pgd_offset(m.mem, pgdPhys, v)
		if err := m.phys_p4d_init(P4d_offset(pgd, v), v, next, pa+PhysAddr(v-va)); err != OK {
			return err
		}
		v = next
	}
	return OK
}

// phys_p4d_init makes sure the (folded) P4D entry points to a PUD table
// and fills it. With 4-level paging the P4D entry is the PGD entry.
// Linux: phys_p4d_init with p4d_populate_init.
func (m *mapper) phys_p4d_init(p4d *P4D, va, end VirtAddr, pa PhysAddr) Error {
	old := *p4d
	if old.Present() {
		if old.Flags()&PAGE_PSE != 0 { // reserved in a PML4E: not a table
			return ErrConflict
		}
		return m.phys_pud_init(old.Phys(), va, end, pa)
	}
	if !old.None() { // not present but not empty: not ours to overwrite
		return ErrConflict
	}
	if m.dry { // nothing below an empty entry can conflict
		return OK
	}
	t, err := m.newTable()
	if err != OK {
		return err
	}
	err = m.phys_pud_init(t, va, end, pa)
	Set_p4d(p4d, Mk_p4d_table(t, PAGE_TABLE)) // link after filling
	return err
}

// phys_pud_init fills the PUD table at pudPage for [va, end): 1 GiB pages
// where allowed and aligned, PMD tables elsewhere. Linux: phys_pud_init.
func (m *mapper) phys_pud_init(pudPage PhysAddr, va, end VirtAddr, pa PhysAddr) Error {
	// LAB paging BEGIN
	t := table(m.mem, pudPage)
	for v := va; v != end; {
		next := Pud_addr_end(v, end)
		p := pa + PhysAddr(v-va)
		pud := (*PUD)(&t[Pud_index(v)])
		old := *pud
		switch {
		case !old.None() && !old.Present():
			return ErrConflict
		case old.Present() && !old.Large():
			// A PMD table is already there: fill it rather than
			// replace it with a 1 GiB page (Linux does the same).
			if err := m.phys_pmd_init(old.Phys(), v, next, p); err != OK {
				return err
			}
		case m.sizes&Size1G != 0 && next-v == PUD_SIZE && p&(PUD_SIZE-1) == 0:
			want := Pfn_pud(PHYS_PFN(p), m.large)
			if old.Present() {
				if !sameEntry(uint64(old), uint64(want)) {
					return ErrConflict
				}
			} else if !m.dry {
				Set_pud(pud, want)
				m.stats.Pages1G++
			}
		case old.Present():
			// A 1 GiB page covers the part we would map with smaller
			// pages: fine only if it already maps exactly that.
			if !largeCovers(old.Phys(), old.Flags(), PUD_SIZE, v, p, m.large) {
				return ErrConflict
			}
		case !m.dry:
			pmdPage, err := m.newTable()
			if err != OK {
				return err
			}
			err = m.phys_pmd_init(pmdPage, v, next, p)
			Set_pud(pud, Mk_pud_table(pmdPage, PAGE_TABLE)) // Linux: pud_populate
			if err != OK {
				return err
			}
		}
		v = next
	}
	return OK
	// LAB paging SKELETON
	// // For each PUD entry of [va, end) (Pud_addr_end, Pud_index): a 1 GiB
	// // page (Pfn_pud) where m.sizes has Size1G and the piece is whole and
	// // aligned, else a PMD table (m.newTable, phys_pmd_init, Mk_pud_table),
	// // filling an existing table rather than replacing it; ErrConflict for
	// // an entry that maps something else.
	// panic("LAB paging: phys_pud_init not implemented yet")
	// LAB paging END
}

// phys_pmd_init fills the PMD table at pmdPage for [va, end): 2 MiB pages
// where allowed and aligned, page tables elsewhere. Linux: phys_pmd_init.
func (m *mapper) phys_pmd_init(pmdPage PhysAddr, va, end VirtAddr, pa PhysAddr) Error {
	// LAB paging BEGIN
	t := table(m.mem, pmdPage)
	for v := va; v != end; {
		next := Pmd_addr_end(v, end)
		p := pa + PhysAddr(v-va)
		pmd := (*PMD)(&t[Pmd_index(v)])
		old := *pmd
		switch {
		case !old.None() && !old.Present():
			return ErrConflict
		case old.Present() && !old.Large():
			if err := m.phys_pte_init(old.Phys(), v, next, p); err != OK {
				return err
			}
		case m.sizes&Size2M != 0 && next-v == PMD_SIZE && p&(PMD_SIZE-1) == 0:
			want := Pfn_pmd(PHYS_PFN(p), m.large)
			if old.Present() {
				if !sameEntry(uint64(old), uint64(want)) {
					return ErrConflict
				}
			} else if !m.dry {
				Set_pmd(pmd, want)
				m.stats.Pages2M++
			}
		case old.Present():
			if !largeCovers(old.Phys(), old.Flags(), PMD_SIZE, v, p, m.large) {
				return ErrConflict
			}
		case !m.dry:
			ptePage, err := m.newTable()
			if err != OK {
				return err
			}
			err = m.phys_pte_init(ptePage, v, next, p)
			Set_pmd(pmd, Mk_pmd_table(ptePage, PAGE_TABLE)) // Linux: pmd_populate_kernel
			if err != OK {
				return err
			}
		}
		v = next
	}
	return OK
	// LAB paging SKELETON
	// // As phys_pud_init one level down: 2 MiB pages (Pfn_pmd) or page
	// // tables (phys_pte_init, Mk_pmd_table).
	// panic("LAB paging: phys_pmd_init not implemented yet")
	// LAB paging END
}

// phys_pte_init fills the page table at ptePage for [va, end) with 4 KiB
// pages. Linux: phys_pte_init.
func (m *mapper) phys_pte_init(ptePage PhysAddr, va, end VirtAddr, pa PhysAddr) Error {
	// LAB paging BEGIN
	t := table(m.mem, ptePage)
	for v := va; v != end; v += PAGE_SIZE {
		pte := (*PTE)(&t[Pte_index(v)])
		want := Pfn_pte(PHYS_PFN(pa+PhysAddr(v-va)), m.prot)
		if old := *pte; !old.None() {
			if !sameEntry(uint64(old), uint64(want)) {
				return ErrConflict
			}
			continue
		}
		if !m.dry {
			Set_pte(pte, want)
			m.stats.Pages4K++
		}
	}
	return OK
	// LAB paging SKELETON
	// // One PTE per 4 KiB page with m.prot (Pfn_pte, Set_pte), counted in
	// // m.stats.Pages4K; an entry already there must map the same thing.
	// panic("LAB paging: phys_pte_init not implemented yet")
	// LAB paging END
}
