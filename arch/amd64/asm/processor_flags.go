package asm

// Control-register and RFLAGS bits. Linux:
// arch/x86/include/uapi/asm/processor-flags.h.

// CR0 bits (SDM Vol. 3A §2.5, Figure 2-7 "Control Registers").
const (
	X86_CR0_PE = 1 << 0  // protection enable
	X86_CR0_MP = 1 << 1  // monitor coprocessor: WAIT honours TS
	X86_CR0_EM = 1 << 2  // emulation: x87/SSE instructions trap; must be 0 for SSE
	X86_CR0_TS = 1 << 3  // task switched: lazy FPU state
	X86_CR0_ET = 1 << 4  // extension type (always 1)
	X86_CR0_NE = 1 << 5  // numeric error: native x87 error reporting
	X86_CR0_WP = 1 << 16 // write protect: ring 0 honours read-only pages
	X86_CR0_AM = 1 << 18 // alignment mask
	X86_CR0_NW = 1 << 29 // not write-through
	X86_CR0_CD = 1 << 30 // cache disable
	X86_CR0_PG = 1 << 31 // paging
)

// CR4 bits (SDM Vol. 3A §2.5, Figure 2-7).
const (
	X86_CR4_PSE        = 1 << 4  // page size extensions
	X86_CR4_PAE        = 1 << 5  // physical address extension: needed for long mode
	X86_CR4_PGE        = 1 << 7  // global pages
	X86_CR4_OSFXSR     = 1 << 9  // FXSAVE/FXRSTOR and SSE enabled
	X86_CR4_OSXMMEXCPT = 1 << 10 // unmasked SSE exceptions raise #XM
	X86_CR4_LA57       = 1 << 12 // 5-level paging
	X86_CR4_PCIDE      = 1 << 17 // process-context IDs: settable only in IA-32e mode
)

// RFLAGS bits (SDM Vol. 1 §3.4.3, Figure 3-8 "EFLAGS Register"; Vol. 3A
// §2.3 for the system flags).
const (
	X86_EFLAGS_CF    = 1 << 0  // carry
	X86_EFLAGS_FIXED = 1 << 1  // always 1
	X86_EFLAGS_PF    = 1 << 2  // parity
	X86_EFLAGS_AF    = 1 << 4  // auxiliary carry
	X86_EFLAGS_ZF    = 1 << 6  // zero
	X86_EFLAGS_SF    = 1 << 7  // sign
	X86_EFLAGS_TF    = 1 << 8  // trap: single step
	X86_EFLAGS_IF    = 1 << 9  // interrupts enabled
	X86_EFLAGS_DF    = 1 << 10 // direction
	X86_EFLAGS_OF    = 1 << 11 // overflow
	X86_EFLAGS_IOPL  = 3 << 12 // I/O privilege level
	X86_EFLAGS_NT    = 1 << 14 // nested task
	X86_EFLAGS_RF    = 1 << 16 // resume: no instruction breakpoint on the next instruction
	X86_EFLAGS_VM    = 1 << 17 // virtual-8086 mode
	X86_EFLAGS_AC    = 1 << 18 // alignment check (toggles from the i486 on)
	X86_EFLAGS_VIF   = 1 << 19 // virtual interrupt flag
	X86_EFLAGS_VIP   = 1 << 20 // virtual interrupt pending
	X86_EFLAGS_ID    = 1 << 21 // CPUID present (toggles iff CPUID exists)
)
