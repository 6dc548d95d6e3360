package asm

// The kernel's GDT layout and selectors. Linux:
// arch/x86/include/asm/segment.h (64-bit part).

const (
	GDT_ENTRY_KERNEL32_CS = 1
	GDT_ENTRY_KERNEL_CS   = 2
	GDT_ENTRY_KERNEL_DS   = 3
	GDT_ENTRY_TSS         = 8 // 16 bytes: entries 8 and 9
	GDT_ENTRIES           = 16

	// Selectors: index*8, table indicator 0 (GDT), RPL 0 (SDM Vol. 3A
	// §3.4.2 "Segment Selectors").
	X__KERNEL32_CS = GDT_ENTRY_KERNEL32_CS * 8
	X__KERNEL_CS   = GDT_ENTRY_KERNEL_CS * 8
	X__KERNEL_DS   = GDT_ENTRY_KERNEL_DS * 8
	X__TSS         = GDT_ENTRY_TSS * 8
)

// The boot GDT the real-mode setup builds for the jump to protected mode
// (boot/pm.S setup_gdt; Linux segment.h, "The boot GDT"): flat 4 GiB code
// and data, and a dummy TSS for Intel VT. The boot stage has its own GDT
// with the kernel's selectors (boot/compressed/head_64.S).
const (
	GDT_ENTRY_BOOT_CS  = 2
	GDT_ENTRY_BOOT_DS  = 3
	GDT_ENTRY_BOOT_TSS = 4
	X__BOOT_CS         = GDT_ENTRY_BOOT_CS * 8
	X__BOOT_DS         = GDT_ENTRY_BOOT_DS * 8
	X__BOOT_TSS        = GDT_ENTRY_BOOT_TSS * 8
)
