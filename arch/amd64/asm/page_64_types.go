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

	// TASK_SIZE_MAX: the end of user space, the lower canonical half
	// less its last page (Linux TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE:
	// the guard page keeps a user access that runs off the end from
	// reaching the non-canonical hole).
	TASK_SIZE_MAX = 1<<47 - PAGE_SIZE

	// X86_VIRT_BITS: linear-address width of 4-level paging; an address
	// is canonical when bits 63 to 47 are equal (SDM Vol. 1 §3.3.7.1).
	X86_VIRT_BITS = 48

	// MAX_PHYSMEM_BITS: with 4-level paging Linux supports 64 TiB of RAM,
	// the size of the direct map (sparsemem.h).
	MAX_PHYSMEM_BITS = 46
)

// The exception stacks of the interrupt stack table (SDM Vol. 3A §6.14.5
// "Interrupt Stack Table"): the CPU switches to IST stack n (1..7) on
// every exception whose gate names it, whatever the stack was, so that
// the handlers of a double fault (stack overflow), an NMI or a machine
// check (which can hit anywhere) and a debug trap run on a known-good
// stack. Linux: page_64_types.h IST_INDEX_* and cpu_entry_area.h
// enum exception_stack_ordering; the TSS slot is index + 1 (Linux's
// ISTG(vector, addr, ist) puts ist+1 in the gate).
const (
	ESTACK_DF          = 0
	ESTACK_NMI         = 1
	ESTACK_DB          = 2
	ESTACK_MCE         = 3
	N_EXCEPTION_STACKS = 4

	IST_INDEX_DF  = ESTACK_DF
	IST_INDEX_NMI = ESTACK_NMI
	IST_INDEX_DB  = ESTACK_DB
	IST_INDEX_MCE = ESTACK_MCE

	// IST_EXCEPTION is the TSS slot of the early exception handlers (head_64.s):
	// before trap_init every exception runs on the double-fault stack.
	// (Linux's early handlers run on the current stack; gokern's early
	// IDT wants a report even when that stack is broken.)
	IST_EXCEPTION = IST_INDEX_DF + 1

	// EXCEPTION_STKSZ: the size of each exception stack. Linux's is 4 KiB;
	// Go frames are larger, and the oops printed on these stacks reads the
	// pclntab, so gokern gives each 32 KiB.
	EXCEPTION_STKSZ = 32 << 10
	// IRQ_STACK_SIZE: the per-CPU hard-interrupt stack (Linux
	// IRQ_STACK_SIZE, 16 KiB).
	IRQ_STACK_SIZE = 16 << 10
)

// Is_canonical_address reports whether va is canonical for 4-level paging
// (Linux __is_canonical_address(va, 48)): an access to a non-canonical
// address raises #GP, not #PF.
func Is_canonical_address(va uintptr) bool {
	return uintptr(int64(va)<<(64-X86_VIRT_BITS)>>(64-X86_VIRT_BITS)) == va
}
