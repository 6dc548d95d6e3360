package paging

// Page-table entry types, their bits, and the protections Linux builds from
// them.
//
// Linux: arch/x86/include/asm/pgtable_types.h (_PAGE_BIT_*, _PAGE_*,
// _PAGE_TABLE, _KERNPG_TABLE, __PAGE_KERNEL*, PAGE_KERNEL*, enum pg_level,
// protval_4k_2_large, protval_large_2_4k), pgtable_64_types.h (pteval_t ...).
//
// The hardware formats are in Intel SDM Vol. 3A §4.5 "4-Level Paging and
// 5-Level Paging", Tables 4-15 to 4-20:
//
//	4-15 Format of a PML4 Entry (PML4E) that References a Page-Directory-Pointer Table   -> PGD (P4D)
//	4-16 Format of a Page-Directory-Pointer-Table Entry (PDPTE) that Maps a 1-GByte Page -> PUD, large
//	4-17 Format of a PDPTE that References a Page Directory                               -> PUD
//	4-18 Format of a Page-Directory Entry that Maps a 2-MByte Page                        -> PMD, large
//	4-19 Format of a Page-Directory Entry that References a Page Table                    -> PMD
//	4-20 Format of a Page-Table Entry that Maps a 4-KByte Page                            -> PTE
//
// and in AMD APM Vol. 2 §5.3 "Long-Mode Page Translation" with the field
// definitions of §5.4 "Page-Translation-Table Entry Fields".

// One distinct type per level, so that storing an entry of one level into a
// table of another is a compile error (the slides' "fighting against weak
// typing"). Linux: pgd_t, p4d_t, pud_t, pmd_t, pte_t, each a struct around
// an unsigned long for the same reason.
type (
	// PGD is an entry of the top-level table, the PML4 that CR3 points to.
	// Linux: pgd_t.
	PGD uint64
	// P4D is the folded fourth level: with 4-level paging a P4D is the PGD
	// entry itself (see pgtable_64_types.go). Linux: p4d_t.
	P4D uint64
	// PUD is a page-directory-pointer-table entry: a 1 GiB page or a
	// pointer to a page directory. Linux: pud_t.
	PUD uint64
	// PMD is a page-directory entry: a 2 MiB page or a pointer to a page
	// table. Linux: pmd_t.
	PMD uint64
	// PTE is a page-table entry mapping one 4 KiB page. Linux: pte_t.
	PTE uint64
	// PgProt is the flag part of an entry: everything but the frame
	// address. Linux: pgprot_t.
	PgProt uint64
)

// Bit numbers. Linux: _PAGE_BIT_*.
const (
	PAGE_BIT_PRESENT   = 0  // Linux _PAGE_BIT_PRESENT
	PAGE_BIT_RW        = 1  // Linux _PAGE_BIT_RW
	PAGE_BIT_USER      = 2  // Linux _PAGE_BIT_USER
	PAGE_BIT_PWT       = 3  // Linux _PAGE_BIT_PWT
	PAGE_BIT_PCD       = 4  // Linux _PAGE_BIT_PCD
	PAGE_BIT_ACCESSED  = 5  // Linux _PAGE_BIT_ACCESSED
	PAGE_BIT_DIRTY     = 6  // Linux _PAGE_BIT_DIRTY
	PAGE_BIT_PSE       = 7  // Linux _PAGE_BIT_PSE (PDPTE, PDE)
	PAGE_BIT_PAT       = 7  // Linux _PAGE_BIT_PAT (PTE)
	PAGE_BIT_GLOBAL    = 8  // Linux _PAGE_BIT_GLOBAL
	PAGE_BIT_SOFTW1    = 9  // Linux _PAGE_BIT_SOFTW1
	PAGE_BIT_SOFTW2    = 10 // Linux _PAGE_BIT_SOFTW2
	PAGE_BIT_SOFTW3    = 11 // Linux _PAGE_BIT_SOFTW3
	PAGE_BIT_PAT_LARGE = 12 // Linux _PAGE_BIT_PAT_LARGE (1G/2M leaves)
	PAGE_BIT_NX        = 63 // Linux _PAGE_BIT_NX
)

// The entry bits. The tables cited are SDM Vol. 3A §4.5; the AMD names are
// from APM Vol. 2 §5.4.1.
const (
	// PAGE_PRESENT (Linux _PAGE_PRESENT), bit 0 "P" in Tables 4-15..4-20:
	// the entry is valid. When 0 the CPU ignores every other bit and
	// raises #PF on access.
	PAGE_PRESENT PgProt = 1 << PAGE_BIT_PRESENT
	// PAGE_RW (Linux _PAGE_RW), bit 1 "R/W": writes allowed. At a non-leaf
	// level it gates the whole subtree (the MMU ANDs R/W over all levels).
	PAGE_RW PgProt = 1 << PAGE_BIT_RW
	// PAGE_USER (Linux _PAGE_USER), bit 2 "U/S": user-mode (CPL 3) access
	// allowed. Also ANDed over all levels.
	PAGE_USER PgProt = 1 << PAGE_BIT_USER
	// PAGE_PWT (Linux _PAGE_PWT), bit 3 "PWT": page-level write-through;
	// with PCD and PAT selects the PAT entry, i.e. the memory type.
	PAGE_PWT PgProt = 1 << PAGE_BIT_PWT
	// PAGE_PCD (Linux _PAGE_PCD), bit 4 "PCD": page-level cache disable.
	PAGE_PCD PgProt = 1 << PAGE_BIT_PCD
	// PAGE_ACCESSED (Linux _PAGE_ACCESSED), bit 5 "A": set by the CPU when
	// the entry is used for a translation.
	PAGE_ACCESSED PgProt = 1 << PAGE_BIT_ACCESSED
	// PAGE_DIRTY (Linux _PAGE_DIRTY), bit 6 "D": set by the CPU on a write
	// through a leaf entry (Tables 4-16, 4-18, 4-20; ignored in non-leaf
	// entries).
	PAGE_DIRTY PgProt = 1 << PAGE_BIT_DIRTY
	// PAGE_PSE (Linux _PAGE_PSE), bit 7 "PS" in a PDPTE or PDE: 1 means
	// this entry maps a 1 GiB (Table 4-16) or 2 MiB (Table 4-18) page
	// instead of pointing to a table. Reserved (must be 0) in a PML4E
	// (Table 4-15). AMD: PS, "page size".
	PAGE_PSE PgProt = 1 << PAGE_BIT_PSE
	// PAGE_PAT (Linux _PAGE_PAT), bit 7 "PAT" in a PTE (Table 4-20): the
	// third bit of the PAT index. Same bit as PSE: that is why a 4 KiB
	// protection and a large one are not interchangeable (see
	// Protval_4k_2_large).
	PAGE_PAT PgProt = 1 << PAGE_BIT_PAT
	// PAGE_GLOBAL (Linux _PAGE_GLOBAL), bit 8 "G" in leaf entries: the TLB
	// keeps the translation across CR3 loads when CR4.PGE=1 (SDM Vol. 3A
	// §4.10.2.4 "Global Pages").
	PAGE_GLOBAL PgProt = 1 << PAGE_BIT_GLOBAL
	// PAGE_SOFTW1..3 (Linux _PAGE_SOFTW1..3), bits 9-11: ignored by the CPU,
	// free for the OS.
	PAGE_SOFTW1 PgProt = 1 << PAGE_BIT_SOFTW1
	PAGE_SOFTW2 PgProt = 1 << PAGE_BIT_SOFTW2
	PAGE_SOFTW3 PgProt = 1 << PAGE_BIT_SOFTW3
	// PAGE_PAT_LARGE (Linux _PAGE_PAT_LARGE), bit 12 "PAT" in an entry that
	// maps a 1 GiB or 2 MiB page (Tables 4-16, 4-18): bit 7 is taken by PS
	// there, so PAT moves up into the (otherwise unused) low address bits.
	PAGE_PAT_LARGE PgProt = 1 << PAGE_BIT_PAT_LARGE
	// PAGE_NX (Linux _PAGE_NX), bit 63 "XD" (AMD: NX): instruction fetches
	// are not allowed from the page. ORed over all levels. Reserved unless
	// IA32_EFER.NXE=1: the kernel must set EFER.NXE before loading tables
	// that use it, or clear it from Supported_pte_mask.
	PAGE_NX PgProt = 1 << PAGE_BIT_NX
)

// Entry masks. Linux: PTE_PFN_MASK, PTE_FLAGS_MASK.
const (
	// PTE_PFN_MASK keeps the frame address of a 4 KiB entry or of an entry
	// pointing to a table: bits 51:12.
	PTE_PFN_MASK = PHYSICAL_PAGE_MASK
	// PTE_FLAGS_MASK is everything else.
	PTE_FLAGS_MASK = 1<<64 - 1 - PTE_PFN_MASK
)

// Supported_pte_mask holds the bits this CPU supports. The constructors
// (Mk_pte, Pfn_pmd, ...) AND every protection with it, as Linux's
// massage_pgprot does, so PAGE_KERNEL can name GLOBAL and NX even on a CPU
// that lacks them: the boot code clears PAGE_GLOBAL here if CPUID lacks PGE
// and PAGE_NX if it lacks NX, before building tables. Statically all ones.
// Linux: __supported_pte_mask.
var Supported_pte_mask = ^PgProt(0)

// Shorthands with Linux's own names (__PP, __RW, ...), so the table below
// reads like pgtable_types.h. Unexported: a Go name starting with _ is.
const (
	__PP = PAGE_PRESENT
	__RW = PAGE_RW
	_USR = PAGE_USER
	___A = PAGE_ACCESSED
	___D = PAGE_DIRTY
	___G = PAGE_GLOBAL
	__NX = PAGE_NX
	_PSE = PAGE_PSE
	// __NC is Linux's __NC, _PAGE_NOCACHE = cachemode2protval(UC): with the
	// power-on PAT (SDM Vol. 3A "Page Attribute Table (PAT)", Table
	// "Memory Type Setting of PAT Entries Following a Power-up or Reset":
	// PAT3 = UC) PCD|PWT selects entry 3, strong uncacheable.
	__NC = PAGE_PCD | PAGE_PWT
)

// Protections for entries that point to a lower-level table. Linux presets
// ACCESSED and DIRTY so the CPU never has to write them back (a locked
// read-modify-write of the entry on first use).
const (
	// PAGE_TABLE is for user-reachable tables: USER is set so that the leaf
	// entries alone decide user access. Linux's pgd/p4d/pud/pmd_populate
	// use it for every table, kernel ones included, and so does Map.
	// Linux: _PAGE_TABLE.
	PAGE_TABLE = __PP | __RW | _USR | ___A | ___D
	// KERNPG_TABLE is for tables that only the kernel may ever reach: no
	// USER, so nothing below can be user-accessible. Linux: _KERNPG_TABLE.
	KERNPG_TABLE = __PP | __RW | ___A | ___D
)

// Kernel protections for leaf entries, with Linux's definitions (the
// __PAGE_KERNEL* values; PAGE_KERNEL* is the same with _PAGE_ENC, which
// gokern does not use, and masked by __default_kernel_pte_mask, for which
// gokern has Supported_pte_mask). All of them keep GLOBAL: kernel mappings
// are the same in every address space, so the TLB need not drop them on a
// CR3 switch. Linux ends up without GLOBAL only when the CPU lacks PGE or
// page-table isolation is on; gokern has no PTI, and clears GLOBAL through
// Supported_pte_mask on a CPU without PGE.
const (
	// PAGE_KERNEL: data. Read-write, not executable. Linux: PAGE_KERNEL.
	PAGE_KERNEL = __PP | __RW | ___A | __NX | ___D | ___G
	// PAGE_KERNEL_RO: read-only data. Linux: PAGE_KERNEL_RO.
	PAGE_KERNEL_RO = __PP | ___A | __NX | ___D | ___G
	// PAGE_KERNEL_EXEC: read-write-execute; early boot only, W^X says no
	// mapping should stay writable and executable. Linux: PAGE_KERNEL_EXEC.
	PAGE_KERNEL_EXEC = __PP | __RW | ___A | ___D | ___G
	// PAGE_KERNEL_RX: kernel text. Linux: PAGE_KERNEL_RX, defined as
	// __PAGE_KERNEL_EXEC & ~_PAGE_RW in 4.x kernels; 5.x calls the same
	// bits PAGE_KERNEL_ROX.
	PAGE_KERNEL_RX = __PP | ___A | ___D | ___G
	// PAGE_KERNEL_ROX is the newer Linux name of PAGE_KERNEL_RX.
	PAGE_KERNEL_ROX = PAGE_KERNEL_RX
	// PAGE_KERNEL_NOCACHE: device memory (MMIO), uncached.
	// Linux: PAGE_KERNEL_NOCACHE.
	PAGE_KERNEL_NOCACHE = __PP | __RW | ___A | __NX | ___D | ___G | __NC
	// PAGE_KERNEL_LARGE: PAGE_KERNEL for a 2 MiB/1 GiB entry (PSE set).
	// Linux: PAGE_KERNEL_LARGE.
	PAGE_KERNEL_LARGE = __PP | __RW | ___A | __NX | ___D | _PSE | ___G
	// PAGE_KERNEL_LARGE_EXEC: executable large page, as in the early
	// identity and kernel-text maps. Linux: PAGE_KERNEL_LARGE_EXEC.
	PAGE_KERNEL_LARGE_EXEC = __PP | __RW | ___A | ___D | _PSE | ___G
)

// User protections (for mmap'ed memory once gokern runs user code), with
// Linux's definitions. Linux: PAGE_SHARED, PAGE_SHARED_EXEC, PAGE_READONLY,
// PAGE_READONLY_EXEC.
const (
	PAGE_SHARED        = __PP | __RW | _USR | ___A | __NX
	PAGE_SHARED_EXEC   = __PP | __RW | _USR | ___A
	PAGE_READONLY      = __PP | _USR | ___A | __NX
	PAGE_READONLY_EXEC = __PP | _USR | ___A
)

// Present reports whether the protection has the present bit.
// Linux: pgprot_val(p) & _PAGE_PRESENT.
func (p PgProt) Present() bool { return p&PAGE_PRESENT != 0 }

// Protval_4k_2_large converts a 4 KiB protection to the form a 2 MiB or
// 1 GiB entry needs: the PAT bit moves from bit 7 to bit 12, leaving bit 7
// free for PSE, which the caller adds. Linux: protval_4k_2_large.
func Protval_4k_2_large(p PgProt) PgProt {
	return p&^(PAGE_PAT|PAGE_PAT_LARGE) | (p&PAGE_PAT)<<(PAGE_BIT_PAT_LARGE-PAGE_BIT_PAT)
}

// Protval_large_2_4k converts the flags of a 2 MiB or 1 GiB entry back to
// the 4 KiB form: PSE is dropped and PAT moves from bit 12 to bit 7.
// Linux: protval_large_2_4k (after pte_clrhuge has dropped PSE).
func Protval_large_2_4k(p PgProt) PgProt {
	p &^= PAGE_PSE
	return p&^(PAGE_PAT|PAGE_PAT_LARGE) | (p&PAGE_PAT_LARGE)>>(PAGE_BIT_PAT_LARGE-PAGE_BIT_PAT)
}

// PgLevel names a level of the tree by the size one of its entries maps.
// Linux: enum pg_level (PG_LEVEL_NONE ... PG_LEVEL_512G), as returned by
// lookup_address.
type PgLevel int

const (
	PG_LEVEL_NONE PgLevel = iota
	PG_LEVEL_4K           // a PTE
	PG_LEVEL_2M           // a PMD
	PG_LEVEL_1G           // a PUD
	PG_LEVEL_512G         // a PGD (P4D folded)
)

// Size is the number of bytes one entry at this level maps.
func (l PgLevel) Size() uint64 {
	if l < PG_LEVEL_4K || l > PG_LEVEL_512G {
		return 0
	}
	return 1 << (PAGE_SHIFT + 9*(uint(l)-1))
}

// Name is the level's Linux name as ptdump prints it.
func (l PgLevel) Name() string {
	switch l {
	case PG_LEVEL_4K:
		return "pte"
	case PG_LEVEL_2M:
		return "pmd"
	case PG_LEVEL_1G:
		return "pud"
	case PG_LEVEL_512G:
		return "pgd"
	}
	return "none"
}
