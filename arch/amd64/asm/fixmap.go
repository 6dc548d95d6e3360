package asm

// The fixmap: a few pages at the top of the address space whose virtual
// addresses are compile-time constants, each mapped to whatever physical
// page the kernel chooses at run time. Linux: arch/x86/include/asm/fixmap.h
// (enum fixed_addresses, FIXADDR_TOP, __fix_to_virt) and
// include/asm-generic/early_ioremap.h (FIX_BTMAP_*). The kernel uses it
// for device registers the direct map does not cover (the local APIC, the
// I/O APICs, the HPET: they live in the MMIO hole below 4 GiB, and the
// direct map maps RAM only) and, through early_memremap, for firmware
// tables outside RAM (ACPI).

const (
	// FIXADDR_TOP: the page below the 2 MiB block of the vsyscall page
	// (Linux: round_up(VSYSCALL_ADDR + PAGE_SIZE, 1 << PMD_SHIFT) -
	// PAGE_SIZE, VSYSCALL_ADDR being -10 MiB). Index 0 is this page, the
	// others go down from it, all inside one 2 MiB block, so one page of
	// PTEs maps them all.
	FIXADDR_TOP = 0xffffffffff7ff000

	// MAX_IO_APICS: I/O APICs gokern can map (Linux: 128; a PC has one).
	MAX_IO_APICS = 8

	// NR_FIX_BTMAPS pages per early_memremap slot, FIX_BTMAPS_SLOTS slots
	// (Linux: 64 and 8; 4 slots keep the fixmap in one page of PTEs).
	NR_FIX_BTMAPS    = 64
	FIX_BTMAPS_SLOTS = 4
)

// The fixed addresses, Linux enum fixed_addresses (64-bit, the entries
// gokern uses, in Linux's order).
const (
	FIX_HOLE             = iota // the top page stays unmapped
	FIX_APIC_BASE               // the local APIC's registers
	FIX_IO_APIC_BASE_0          // the first I/O APIC ...
	FIX_IO_APIC_BASE_END = FIX_IO_APIC_BASE_0 + MAX_IO_APICS - 1
	FIX_HPET_BASE        = FIX_IO_APIC_BASE_END + 1
	// X__end_of_permanent_fixed_addresses: the entries above are mapped
	// once for good; the boot-time slots below come and go.
	X__end_of_permanent_fixed_addresses = FIX_HPET_BASE + 1
	FIX_BTMAP_END                       = X__end_of_permanent_fixed_addresses
	FIX_BTMAP_BEGIN                     = FIX_BTMAP_END + NR_FIX_BTMAPS*FIX_BTMAPS_SLOTS - 1
	X__end_of_fixed_addresses           = FIX_BTMAP_BEGIN + 1
)

// X__fix_to_virt is the virtual address of fixed address idx (Linux
// __fix_to_virt).
func X__fix_to_virt(idx int) uintptr { return FIXADDR_TOP - uintptr(idx)<<PAGE_SHIFT }
