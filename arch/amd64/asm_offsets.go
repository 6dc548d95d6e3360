package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/drivers/debugexit"
	"gokern/paging"
)

// Constants for the assembly of this package (head_64.s). Go assembly
// sees only its own package's constants, through go_asm.h (const_NAME),
// so each number head_64.s needs is named here by reference to its owner
// and written nowhere else. Linux generates the same kind of file,
// asm-offsets.h, from arch/x86/kernel/asm-offsets.c.
const (
	X__START_KERNEL_map = asm.X__START_KERNEL_map
	LOAD_PHYSICAL_ADDR  = asm.LOAD_PHYSICAL_ADDR
	PAGE_SIZE           = asm.PAGE_SIZE
	PMD_SHIFT           = paging.PMD_SHIFT
	PMD_SIZE            = paging.PMD_SIZE
	PTRS_PER_PMD        = paging.PTRS_PER_PMD

	// Page-table entries startup_64 writes (SDM Vol. 3A §4.5, Tables
	// 4-15..4-20): tables only the kernel reaches, and 2 MiB pages of
	// the kernel image and of the identity and direct maps.
	KERNPG_TABLE           = uint64(paging.KERNPG_TABLE)
	PAGE_KERNEL_LARGE_EXEC = uint64(paging.PAGE_KERNEL_LARGE_EXEC)
	// IDENT_LARGE: PAGE_KERNEL_LARGE_EXEC without GLOBAL, for the identity
	// and early direct maps, which go away with the early tables.
	IDENT_LARGE = uint64(paging.PAGE_KERNEL_LARGE_EXEC &^ paging.PAGE_GLOBAL)

	// PGD_PAGE_OFFSET: pgd_index(PAGE_OFFSET), the PGD slot of the early
	// direct map.
	PGD_PAGE_OFFSET = asm.PAGE_OFFSET >> paging.PGDIR_SHIFT & (paging.PTRS_PER_PGD - 1)

	X86_CR0_MP         = asm.X86_CR0_MP
	X86_CR0_EM         = asm.X86_CR0_EM
	X86_CR0_WP         = asm.X86_CR0_WP
	X86_CR4_PGE        = asm.X86_CR4_PGE
	X86_CR4_OSFXSR     = asm.X86_CR4_OSFXSR
	X86_CR4_OSXMMEXCPT = asm.X86_CR4_OSXMMEXCPT
	MSR_FS_BASE        = asm.MSR_FS_BASE

	// QEMU's isa-debug-exit, for a kernel loaded at the wrong address.
	DEBUG_EXIT_PORT    = debugexit.DEBUG_EXIT_PORT
	DEBUG_EXIT_FAILURE = debugexit.DEBUG_EXIT_FAILURE
)
