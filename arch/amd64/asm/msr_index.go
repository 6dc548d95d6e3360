package asm

// MSR numbers and bits. Linux: arch/x86/include/asm/msr-index.h. The
// numbers are the SDM's (Vol. 4, "Model-Specific Registers", Table 2-2
// "IA-32 Architectural MSRs").

const (
	// MSR_IA32_APICBASE is IA32_APIC_BASE: where the local APIC's registers
	// are, and whether it is on (SDM Vol. 3A §11.4.4 "Local APIC Status and
	// Location", Figure 11-5 "IA32_APIC_BASE MSR").
	MSR_IA32_APICBASE = 0x1b
	// MSR_EFER is IA32_EFER, the extended feature enables (SDM Vol. 3A
	// §2.2.1 "Extended Feature Enable Register").
	MSR_EFER = 0xc0000080
	// MSR_FS_BASE, MSR_GS_BASE: the FS and GS segment bases in 64-bit
	// mode (IA32_FS_BASE, IA32_GS_BASE; SDM Vol. 3A §3.4.4). gokern keeps
	// the current g's TLS slot at FS:-8, as the Go runtime does.
	MSR_FS_BASE = 0xc0000100
	MSR_GS_BASE = 0xc0000101
	// MSR_KERNEL_GS_BASE is IA32_KERNEL_GS_BASE, the value SWAPGS
	// exchanges with GS's base (SDM Vol. 2B, SWAPGS).
	MSR_KERNEL_GS_BASE = 0xc0000102

	// MSR_STAR holds the selectors SYSCALL and SYSRET load (bits 47:32 the
	// kernel's CS, 63:48 the base of the user selectors; SDM Vol. 2B,
	// SYSCALL and SYSRET; segment.go explains the GDT order it imposes).
	// MSR_LSTAR is the 64-bit SYSCALL entry point, MSR_CSTAR the
	// compatibility-mode one, MSR_SYSCALL_MASK the RFLAGS bits SYSCALL
	// clears (IA32_STAR, IA32_LSTAR, IA32_FMASK; SDM Vol. 4 Table 2-2).
	MSR_STAR         = 0xc0000081
	MSR_LSTAR        = 0xc0000082
	MSR_CSTAR        = 0xc0000083
	MSR_SYSCALL_MASK = 0xc0000084
)

// IA32_APIC_BASE bits (SDM Vol. 3A Figure 11-5).
const (
	MSR_IA32_APICBASE_BSP    = 1 << 8        // this CPU is the bootstrap processor
	X2APIC_ENABLE            = 1 << 10       // EXTD: x2APIC mode, registers as MSRs (§11.12.1, Table 11-5)
	MSR_IA32_APICBASE_ENABLE = 1 << 11       // APIC global enable
	MSR_IA32_APICBASE_BASE   = 0xfffff << 12 // the 4 KiB-aligned base of the register page
)

// EFER bits (SDM Vol. 3A §2.2.1, Figure 2-4 "IA32_EFER MSR Layout").
const (
	EFER_SCE = 1 << 0  // SYSCALL/SYSRET enable
	EFER_LME = 1 << 8  // long mode enable
	EFER_LMA = 1 << 10 // long mode active (read-only)
	EFER_NX  = 1 << 11 // execute-disable enable: makes the XD bit of page-table entries valid
)
