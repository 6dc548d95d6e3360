package paging

import "gokern/arch/amd64/asm"

// A software page walk: what the MMU does on a TLB miss.
//
// Linux: arch/x86/mm/pageattr.c lookup_address_in_pgd / lookup_address
// (which return the leaf entry and its pg_level), and
// arch/x86/mm/fault.c dump_pagetable for the same walk printed. The
// hardware walk is SDM Vol. 3A §4.5.4 "Linear-Address Translation with
// 4-Level Paging and 5-Level Paging" and §4.6 "Access Rights".

// Walk translates va through the tree whose PGD page is at pgdPhys, as the
// MMU would. It returns the physical address va maps to, the level of the
// leaf entry (PG_LEVEL_4K, _2M or _1G), and the effective protection, and
// ok=false where the MMU would fault: a non-canonical address (#GP), a
// non-present entry, or a reserved bit set (PS in a PML4E, address bits
// 13 and up below the page size in a large entry).
//
// The protection is in 4 KiB form (PSE dropped, PAT in bit 7, whatever
// the page size), so it compares directly with what was given to Map. It
// is effective the way the MMU computes it (SDM §4.6): the leaf's flags,
// except that RW and USER survive only if every level above has them too,
// and NX is set if any level has it.
func Walk(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr) (pa PhysAddr, level PgLevel, prot PgProt, ok bool) {
	if !Canonical(va) {
		return 0, PG_LEVEL_NONE, 0, false
	}
	pgd := Pgd_offset(mem, pgdPhys, va)
	if !pgd.Present() || pgd.Flags()&PAGE_PSE != 0 {
		return 0, PG_LEVEL_NONE, 0, false
	}
	// Upper levels: RW and USER are ANDed, NX is ORed.
	allow := pgd.Flags() & (PAGE_RW | PAGE_USER)
	deny := pgd.Flags() & PAGE_NX

	pud := Pud_offset(mem, P4d_offset(pgd, va), va)
	if !pud.Present() {
		return 0, PG_LEVEL_NONE, 0, false
	}
	if pud.Large() {
		if reservedLarge(uint64(*pud), PUD_SIZE) {
			return 0, PG_LEVEL_NONE, 0, false
		}
		pa = pud.Phys() + PhysAddr(uint64(va)&(PUD_SIZE-1))
		return pa, PG_LEVEL_1G, effective(Protval_large_2_4k(pud.Flags()), allow, deny), true
	}
	allow &= pud.Flags()
	deny |= pud.Flags() & PAGE_NX

	pmd := Pmd_offset(mem, pud, va)
	if !pmd.Present() {
		return 0, PG_LEVEL_NONE, 0, false
	}
	if pmd.Large() {
		if reservedLarge(uint64(*pmd), PMD_SIZE) {
			return 0, PG_LEVEL_NONE, 0, false
		}
		pa = pmd.Phys() + PhysAddr(uint64(va)&(PMD_SIZE-1))
		return pa, PG_LEVEL_2M, effective(Protval_large_2_4k(pmd.Flags()), allow, deny), true
	}
	allow &= pmd.Flags()
	deny |= pmd.Flags() & PAGE_NX

	pte := Pte_offset_kernel(mem, pmd, va)
	if !pte.Present() {
		return 0, PG_LEVEL_NONE, 0, false
	}
	pa = pte.Phys() + PhysAddr(uint64(va)&(PAGE_SIZE-1))
	return pa, PG_LEVEL_4K, effective(pte.Flags(), allow, deny), true
}

// effective combines a leaf's flags with what the levels above allow.
func effective(leaf, allow, deny PgProt) PgProt {
	return leaf&^(PAGE_RW|PAGE_USER) | leaf&allow | deny
}

// reservedLarge reports reserved bits in a large entry: bits 13 up to the
// page size must be 0 (Tables 4-16 and 4-18); bit 12 is PAT.
func reservedLarge(e uint64, size uint64) bool {
	return e&(size-1)&^(2*PAGE_SIZE-1) != 0
}
