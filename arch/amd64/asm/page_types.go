package asm

// The page size and where the kernel is loaded. Linux:
// arch/x86/include/asm/page_types.h.

const (
	// PAGE_SHIFT is log2 of the base page size. x86-64 uses 4 KiB base
	// pages (SDM Vol. 3A §4.5 "4-Level Paging and 5-Level Paging").
	PAGE_SHIFT = 12
	// PAGE_SIZE is the base page size, 4 KiB.
	PAGE_SIZE = 1 << PAGE_SHIFT
	// PAGE_MASK clears the offset within a page, Linux (~(PAGE_SIZE-1)).
	// Written as a positive untyped constant so it fits uint64 and the
	// typed addresses of paging alike (Go's ^ on an untyped constant
	// would give a negative number).
	PAGE_MASK = 1<<64 - PAGE_SIZE

	// LOAD_PHYSICAL_ADDR is where the boot stage puts the kernel: 16 MiB
	// (Linux CONFIG_PHYSICAL_START, aligned to CONFIG_PHYSICAL_ALIGN).
	LOAD_PHYSICAL_ADDR = 0x1000000

	// X__START_KERNEL is the kernel's link address, _text:
	// 0xffffffff81000000 (Linux __START_KERNEL).
	X__START_KERNEL = X__START_KERNEL_map + LOAD_PHYSICAL_ADDR
)
