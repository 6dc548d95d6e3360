package asm

// The x86-64 kernel's fixed virtual layout, 4-level paging, no KASLR
// (Documentation/arch/x86/x86_64/mm.rst; DESIGN.md §3). Linux:
// arch/x86/include/asm/page_64_types.h, and MAX_PHYSMEM_BITS from
// sparsemem.h.

const (
	// PAGE_OFFSET is where the direct map of all physical memory begins:
	// physical address p is visible at PAGE_OFFSET+p (Linux __PAGE_OFFSET,
	// __PAGE_OFFSET_BASE_L4; PAGE_OFFSET in page_types.h).
	PAGE_OFFSET = 0xffff888000000000

	// X__START_KERNEL_map is where the kernel-text mapping begins; it maps
	// physical 0 (+ phys_base), so the kernel linked at X__START_KERNEL
	// runs from physical LOAD_PHYSICAL_ADDR (Linux __START_KERNEL_map).
	X__START_KERNEL_map = 0xffffffff80000000

	// KERNEL_IMAGE_SIZE bounds the kernel-text mapping: 512 MiB, Linux's
	// value without KASLR (1 GiB with CONFIG_RANDOMIZE_BASE).
	KERNEL_IMAGE_SIZE = 512 << 20

	// MODULES_VADDR..MODULES_END is the module area, right after the
	// kernel image (Linux MODULES_VADDR, MODULES_END).
	MODULES_VADDR = X__START_KERNEL_map + KERNEL_IMAGE_SIZE
	MODULES_END   = 0xffffffffff000000

	// X__PHYSICAL_MASK_SHIFT is the architectural maximum MAXPHYADDR:
	// entries hold physical addresses in bits 51:12 (SDM Vol. 3A §4.5,
	// Tables 4-15 to 4-20, "M is an abbreviation for MAXPHYADDR ... at
	// most 52"). Linux: __PHYSICAL_MASK_SHIFT.
	X__PHYSICAL_MASK_SHIFT = 52

	// MAX_PHYSMEM_BITS: with 4-level paging Linux supports 64 TiB of RAM,
	// the size of the direct map (sparsemem.h).
	MAX_PHYSMEM_BITS = 46

	// IST_EXCEPTION is the interrupt-stack-table slot (1..7) of the early
	// exception handlers' stack (gokern; Linux numbers its IST stacks
	// IST_INDEX_DF .. IST_INDEX_VC here, slot = index + 1).
	IST_EXCEPTION = 1
)
