package asm

// The kernel's GDT layout and selectors. Linux:
// arch/x86/include/asm/segment.h (64-bit part). Seeds: 000 and 002 "Final
// GDT" show the 32-bit layout (kernel code 0x60, user code 0x73, a double
// fault TSS at 0xf8); the 64-bit kernel's is smaller and fixed by SYSCALL
// and SYSRET, which take their selectors from MSR_STAR (SDM Vol. 2B,
// SYSRET: CS = STAR[63:48]+16, SS = STAR[63:48]+8 for a 64-bit return,
// CS = STAR[63:48] for a 32-bit one; SYSCALL: CS = STAR[47:32], SS =
// STAR[47:32]+8). Hence __KERNEL_CS then __KERNEL_DS, and __USER32_CS,
// __USER_DS, __USER_CS in that order.

const (
	GDT_ENTRY_KERNEL32_CS       = 1
	GDT_ENTRY_KERNEL_CS         = 2
	GDT_ENTRY_KERNEL_DS         = 3
	GDT_ENTRY_DEFAULT_USER32_CS = 4
	GDT_ENTRY_DEFAULT_USER_DS   = 5
	GDT_ENTRY_DEFAULT_USER_CS   = 6
	// 7 is unused.
	GDT_ENTRY_TSS = 8  // 16 bytes in 64-bit mode: entries 8 and 9
	GDT_ENTRY_LDT = 10 // 16 bytes: entries 10 and 11 (no LDT yet)
	// Three thread-local-storage slots for 32-bit user code (set_thread_area).
	GDT_ENTRY_TLS_MIN = 12
	GDT_ENTRY_TLS_MAX = 14
	// GDT_ENTRY_CPUNODE: a data segment whose limit holds the CPU number,
	// read with LSL by code that has no per-CPU base yet (Linux
	// setup_getcpu, for the vDSO's getcpu and paranoid_entry).
	GDT_ENTRY_CPUNODE = 15
	GDT_ENTRIES       = 16

	// Selectors: index*8, table indicator 0 (GDT), the requested privilege
	// level in bits 0-1 (SDM Vol. 3A §3.4.2 "Segment Selectors").
	X__KERNEL32_CS = GDT_ENTRY_KERNEL32_CS * 8
	X__KERNEL_CS   = GDT_ENTRY_KERNEL_CS * 8
	X__KERNEL_DS   = GDT_ENTRY_KERNEL_DS * 8
	X__USER32_CS   = GDT_ENTRY_DEFAULT_USER32_CS*8 + 3
	X__USER_DS     = GDT_ENTRY_DEFAULT_USER_DS*8 + 3
	X__USER32_DS   = X__USER_DS
	X__USER_CS     = GDT_ENTRY_DEFAULT_USER_CS*8 + 3
	X__TSS         = GDT_ENTRY_TSS * 8
	X__CPUNODE_SEG = GDT_ENTRY_CPUNODE*8 + 3
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
