package asm

// Exception vectors. Linux: arch/x86/include/asm/trapnr.h; the vectors
// and which of them push an error code are the SDM's (Vol. 3A §6.3.1,
// Table 6-1 "Protected-Mode Exceptions and Interrupts").

const (
	X86_TRAP_DE       = 0  // divide error
	X86_TRAP_DB       = 1  // debug
	X86_TRAP_NMI      = 2  // non-maskable interrupt
	X86_TRAP_BP       = 3  // breakpoint
	X86_TRAP_OF       = 4  // overflow
	X86_TRAP_BR       = 5  // bound range exceeded
	X86_TRAP_UD       = 6  // invalid opcode
	X86_TRAP_NM       = 7  // device not available
	X86_TRAP_DF       = 8  // double fault
	X86_TRAP_OLD_MF   = 9  // coprocessor segment overrun
	X86_TRAP_TS       = 10 // invalid TSS
	X86_TRAP_NP       = 11 // segment not present
	X86_TRAP_SS       = 12 // stack-segment fault
	X86_TRAP_GP       = 13 // general protection
	X86_TRAP_PF       = 14 // page fault
	X86_TRAP_SPURIOUS = 15 // reserved
	X86_TRAP_MF       = 16 // x87 floating-point error
	X86_TRAP_AC       = 17 // alignment check
	X86_TRAP_MC       = 18 // machine check
	X86_TRAP_XF       = 19 // SIMD floating-point exception
	X86_TRAP_VE       = 20 // virtualization exception
	X86_TRAP_CP       = 21 // control protection exception
	X86_TRAP_HV       = 28 // hypervisor injection (AMD)
	X86_TRAP_VC       = 29 // VMM communication (AMD SEV-ES)
	X86_TRAP_SX       = 30 // security exception (AMD)

	// NUM_EXCEPTION_VECTORS: vectors 0-31 are the CPU's exceptions.
	NUM_EXCEPTION_VECTORS = 32
	// IDT_ENTRIES: the vectors of x86.
	IDT_ENTRIES = 256
)

// EXCEPTION_ERRCODE_MASK has bit v set when the CPU pushes an error code
// for exception v: #DF, #TS, #NP, #SS, #GP, #PF, #AC (SDM Vol. 3A Table
// 6-1, column "Error Code"), #CP (Table 6-1, SDM since 2020), and AMD's
// #VC and #SX (APM Vol. 2 §8.2 "Vectors", Table 8-1). Linux keeps the same
// mask in asm/segment.h for its early stubs, without #CP and #SX, which a
// booting kernel cannot raise; gokern's early stubs push for all nine so
// that the frame is right whichever fires. The stub generator
// (cmd/vectors) reads it.
const EXCEPTION_ERRCODE_MASK = 1<<X86_TRAP_DF | 1<<X86_TRAP_TS | 1<<X86_TRAP_NP |
	1<<X86_TRAP_SS | 1<<X86_TRAP_GP | 1<<X86_TRAP_PF | 1<<X86_TRAP_AC |
	1<<X86_TRAP_CP | 1<<X86_TRAP_VC | 1<<X86_TRAP_SX
