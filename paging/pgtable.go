package paging

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
)

// Reading, building and storing entries; finding them in the tree.
//
// Linux: arch/x86/include/asm/pgtable.h (pte_present, pmd_large, pmd_pfn,
// pmd_flags, pfn_pte, pfn_pmd, pfn_pud, pgd_index, pud_offset, pmd_offset,
// pte_offset_kernel, pgd_addr_end, ...), pgtable_64.h (native_set_pte,
// native_set_pmd, ...), include/linux/pgtable.h, and
// include/asm-generic/pgtable-nop4d.h (p4d_offset).

// Index of va's entry at each level: 9 bits of the address each
// (see pgtable_64_types.go). Linux: pgd_index, p4d_index, pud_index,
// pmd_index, pte_index.
func Pgd_index(va VirtAddr) int { return int(va>>PGDIR_SHIFT) & (PTRS_PER_PGD - 1) }

// P4d_index is always 0: the P4D level is folded (one entry, the PGD's).
func P4d_index(va VirtAddr) int { return 0 }

func Pud_index(va VirtAddr) int { return int(va>>PUD_SHIFT) & (PTRS_PER_PUD - 1) }
func Pmd_index(va VirtAddr) int { return int(va>>PMD_SHIFT) & (PTRS_PER_PMD - 1) }
func Pte_index(va VirtAddr) int { return int(va>>PAGE_SHIFT) & (PTRS_PER_PTE - 1) }

// Pgd_addr_end returns the end of the PGD entry's span that contains addr,
// or end if that comes first. The "-1" compares the last bytes, so an end
// of 0 (the top of the address space, 2^64) works. Linux: pgd_addr_end,
// and likewise pud_addr_end, pmd_addr_end.
func Pgd_addr_end(addr, end VirtAddr) VirtAddr {
	boundary := (addr + PGDIR_SIZE) & PGDIR_MASK
	if boundary-1 < end-1 {
		return boundary
	}
	return end
}

func Pud_addr_end(addr, end VirtAddr) VirtAddr {
	boundary := (addr + PUD_SIZE) & PUD_MASK
	if boundary-1 < end-1 {
		return boundary
	}
	return end
}

func Pmd_addr_end(addr, end VirtAddr) VirtAddr {
	boundary := (addr + PMD_SIZE) & PMD_MASK
	if boundary-1 < end-1 {
		return boundary
	}
	return end
}

// --- PGD: Table 4-15 (PML4E). Never maps a page (PS is reserved). ---

// Present: Linux pgd_present.
func (e PGD) Present() bool { return e&PGD(PAGE_PRESENT) != 0 }

// None: the entry is all zero. Linux pgd_none.
func (e PGD) None() bool { return e == 0 }

// PFN of the PUD table the entry points to. Linux pgd_pfn.
func (e PGD) PFN() PFN { return PFN((uint64(e) & PTE_PFN_MASK) >> PAGE_SHIFT) }

// Phys is the physical address of that table.
func (e PGD) Phys() PhysAddr { return PhysAddr(uint64(e) & PTE_PFN_MASK) }

// Flags: Linux pgd_flags.
func (e PGD) Flags() PgProt { return PgProt(uint64(e) & PTE_FLAGS_MASK) }

// --- P4D: folded into the PGD; same format (Table 4-15). ---

func (e P4D) Present() bool  { return e&P4D(PAGE_PRESENT) != 0 }
func (e P4D) None() bool     { return e == 0 }
func (e P4D) PFN() PFN       { return PFN((uint64(e) & PTE_PFN_MASK) >> PAGE_SHIFT) }
func (e P4D) Phys() PhysAddr { return PhysAddr(uint64(e) & PTE_PFN_MASK) }
func (e P4D) Flags() PgProt  { return PgProt(uint64(e) & PTE_FLAGS_MASK) }

// --- PUD: Table 4-16 (1 GiB page, PS=1) or 4-17 (page directory). ---

// Present: Linux pud_present.
func (e PUD) Present() bool { return e&PUD(PAGE_PRESENT) != 0 }

// None: Linux pud_none.
func (e PUD) None() bool { return e == 0 }

// Large: the entry maps a 1 GiB page itself. Linux pud_large.
func (e PUD) Large() bool { return e&PUD(PAGE_PSE) != 0 }

// pfnMask: in a 1 GiB entry bits 29:12 are PAT and reserved bits, not
// address. Linux pud_pfn_mask.
func (e PUD) pfnMask() uint64 {
	if e.Large() {
		return PHYSICAL_PUD_PAGE_MASK
	}
	return PTE_PFN_MASK
}

// PFN of the 1 GiB page or of the PMD table. Linux pud_pfn.
func (e PUD) PFN() PFN { return PFN((uint64(e) & e.pfnMask()) >> PAGE_SHIFT) }

// Phys of the 1 GiB page or of the PMD table.
func (e PUD) Phys() PhysAddr { return PhysAddr(uint64(e) & e.pfnMask()) }

// Flags: everything but the frame address (large form if Large).
// Linux pud_flags.
func (e PUD) Flags() PgProt { return PgProt(uint64(e) &^ e.pfnMask()) }

// --- PMD: Table 4-18 (2 MiB page, PS=1) or 4-19 (page table). ---

// Present: Linux pmd_present (which also accepts PROTNONE and PSE for
// transparent huge pages being split; gokern has neither).
func (e PMD) Present() bool { return e&PMD(PAGE_PRESENT) != 0 }

// None: Linux pmd_none.
func (e PMD) None() bool { return e == 0 }

// Large: the entry maps a 2 MiB page itself. Linux pmd_large.
func (e PMD) Large() bool { return e&PMD(PAGE_PSE) != 0 }

// pfnMask: Linux pmd_pfn_mask.
func (e PMD) pfnMask() uint64 {
	if e.Large() {
		return PHYSICAL_PMD_PAGE_MASK
	}
	return PTE_PFN_MASK
}

// PFN of the 2 MiB page or of the page table. Linux pmd_pfn.
func (e PMD) PFN() PFN { return PFN((uint64(e) & e.pfnMask()) >> PAGE_SHIFT) }

// Phys of the 2 MiB page or of the page table.
func (e PMD) Phys() PhysAddr { return PhysAddr(uint64(e) & e.pfnMask()) }

// Flags: Linux pmd_flags.
func (e PMD) Flags() PgProt { return PgProt(uint64(e) &^ e.pfnMask()) }

// --- PTE: Table 4-20. ---

// Present: Linux pte_present.
func (e PTE) Present() bool { return e&PTE(PAGE_PRESENT) != 0 }

// None: Linux pte_none.
func (e PTE) None() bool { return e == 0 }

// PFN of the 4 KiB page. Linux pte_pfn.
func (e PTE) PFN() PFN { return PFN((uint64(e) & PTE_PFN_MASK) >> PAGE_SHIFT) }

// Phys of the 4 KiB page.
func (e PTE) Phys() PhysAddr { return PhysAddr(uint64(e) & PTE_PFN_MASK) }

// Flags: Linux pte_flags.
func (e PTE) Flags() PgProt { return PgProt(uint64(e) & PTE_FLAGS_MASK) }

// --- Constructors. Every protection is ANDed with Supported_pte_mask, as
// Linux's check_pgprot/massage_pgprot do, and masked so it cannot spill
// into the address bits; the frame is masked so it cannot spill into the
// flags. ---

// Pfn_pte makes a PTE mapping 4 KiB frame pfn with protection prot
// (4 KiB form: bit 7 is PAT). Linux: pfn_pte; the slides' mk_pte_phys.
func Pfn_pte(pfn PFN, prot PgProt) PTE {
	return PTE(uint64(PFN_PHYS(pfn))&PTE_PFN_MASK | uint64(prot&Supported_pte_mask)&PTE_FLAGS_MASK)
}

// Mk_pte is Pfn_pte under the name the slides use (Linux's mk_pte takes a
// struct page; gokern's takes the frame number).
func Mk_pte(pfn PFN, prot PgProt) PTE { return Pfn_pte(pfn, prot) }

// Pfn_pmd makes a PMD mapping the 2 MiB page at frame pfn (which must be
// 2 MiB aligned; low bits are dropped). prot is in large form (PAT in bit
// 12, e.g. PAGE_KERNEL_LARGE); PSE is set whether prot has it or not.
// Linux: pfn_pmd(pfn, prot) with pmd_mkhuge.
func Pfn_pmd(pfn PFN, prot PgProt) PMD {
	return PMD(uint64(PFN_PHYS(pfn))&PHYSICAL_PMD_PAGE_MASK |
		uint64((prot|PAGE_PSE)&Supported_pte_mask)&^PHYSICAL_PMD_PAGE_MASK)
}

// Pfn_pud makes a PUD mapping the 1 GiB page at frame pfn (1 GiB
// aligned), PSE set, prot in large form. Linux: pfn_pud with pud_mkhuge.
func Pfn_pud(pfn PFN, prot PgProt) PUD {
	return PUD(uint64(PFN_PHYS(pfn))&PHYSICAL_PUD_PAGE_MASK |
		uint64((prot|PAGE_PSE)&Supported_pte_mask)&^PHYSICAL_PUD_PAGE_MASK)
}

// tableEntry builds the value of an entry pointing to the table at pa.
// PSE is cleared: in a PDPTE/PDE it would turn the pointer into a large
// page, in a PML4E it is reserved.
func tableEntry(pa PhysAddr, prot PgProt) uint64 {
	return uint64(pa)&PTE_PFN_MASK | uint64(prot&^PAGE_PSE&Supported_pte_mask)&PTE_FLAGS_MASK
}

// Mk_pgd_table makes a PGD entry pointing to the PUD table at pa, with
// PAGE_TABLE or KERNPG_TABLE. Linux: __pgd(_PAGE_TABLE | __pa(pud)), as in
// pgd_populate / p4d_populate.
func Mk_pgd_table(pa PhysAddr, prot PgProt) PGD { return PGD(tableEntry(pa, prot)) }

// Mk_p4d_table: the folded P4D's equivalent. Linux: p4d_populate.
func Mk_p4d_table(pa PhysAddr, prot PgProt) P4D { return P4D(tableEntry(pa, prot)) }

// Mk_pud_table makes a PUD entry pointing to the PMD table at pa.
// Linux: __pud(_PAGE_TABLE | __pa(pmd)), as in pud_populate.
func Mk_pud_table(pa PhysAddr, prot PgProt) PUD { return PUD(tableEntry(pa, prot)) }

// Mk_pmd_table makes a PMD entry pointing to the page table at pa.
// Linux: __pmd(__pa(pte) | _PAGE_TABLE), as in pmd_populate_kernel; the
// slides' set_pmd(pmd, __pmd(_KERNPG_TABLE + __pa(pte_base))).
func Mk_pmd_table(pa PhysAddr, prot PgProt) PMD { return PMD(tableEntry(pa, prot)) }

// --- Finding entries. They take the entry of the level above (as Linux's
// pud_offset(p4d, addr) does), which must be present and not large. ---

// Pgd_offset returns va's entry in the PGD page at pgdPhys (what CR3
// holds). Linux: pgd_offset(mm, addr), where mm->pgd is that page.
func Pgd_offset(mem asm.PhysMem, pgdPhys PhysAddr, va VirtAddr) *PGD {
	return (*PGD)(&table(mem, pgdPhys)[Pgd_index(va)])
}

// P4d_offset returns the P4D entry for va. The level is folded, so the
// P4D entry is the PGD entry itself: same memory, another type.
// Linux: p4d_offset (pgtable-nop4d.h: return (p4d_t *)pgd).
func P4d_offset(pgd *PGD, va VirtAddr) *P4D { return (*P4D)(pgd) }

// Pud_offset returns va's entry in the PUD table p4d points to.
// Linux: pud_offset.
func Pud_offset(mem asm.PhysMem, p4d *P4D, va VirtAddr) *PUD {
	return (*PUD)(&table(mem, p4d.Phys())[Pud_index(va)])
}

// Pmd_offset returns va's entry in the PMD table pud points to.
// Linux: pmd_offset.
func Pmd_offset(mem asm.PhysMem, pud *PUD, va VirtAddr) *PMD {
	return (*PMD)(&table(mem, pud.Phys())[Pmd_index(va)])
}

// Pte_offset_kernel returns va's entry in the page table pmd points to.
// Linux: pte_offset_kernel.
func Pte_offset_kernel(mem asm.PhysMem, pmd *PMD, va VirtAddr) *PTE {
	return (*PTE)(&table(mem, pmd.Phys())[Pte_index(va)])
}

// --- Storing entries.
//
// The MMU (of this CPU and of others) may read an entry at any moment, so
// an entry must change in one store: never a half-old, half-new value. An
// aligned 8-byte store is atomic on x86-64 (SDM Vol. 3A §9.1.1, §8.1.1 in
// older editions, "Guaranteed Atomic Operations": "reading or writing a
// quadword aligned on a 64-bit boundary"). Tables are page aligned, so
// every entry is. A plain Go assignment compiles to one MOVQ on
// amd64, but the Go memory model does not promise that, nor that the store
// is not delayed or merged; atomic.StoreUint64 does, like Linux's
// WRITE_ONCE in native_set_pte. It is a compiler intrinsic (one XCHGQ),
// with no runtime call, so it is safe in kernel code.
//
// Changing a present entry still needs a TLB flush (INVLPG, or a CR3/CR4
// reload for global pages) by the caller; making a non-present entry
// present does not (SDM Vol. 3A §4.10.4.3 "Optional Invalidation").
// Linux: set_pgd, set_p4d, set_pud, set_pmd, set_pte. ---

func Set_pgd(p *PGD, v PGD) { atomic.StoreUint64((*uint64)(p), uint64(v)) }
func Set_p4d(p *P4D, v P4D) { atomic.StoreUint64((*uint64)(p), uint64(v)) }
func Set_pud(p *PUD, v PUD) { atomic.StoreUint64((*uint64)(p), uint64(v)) }
func Set_pmd(p *PMD, v PMD) { atomic.StoreUint64((*uint64)(p), uint64(v)) }
func Set_pte(p *PTE, v PTE) { atomic.StoreUint64((*uint64)(p), uint64(v)) }
