package asm

// CPU feature bits gokern tests. Linux: arch/x86/include/asm/cpufeatures.h,
// where X86_FEATURE_x is word*32 + bit, word 0 being CPUID 1 EDX and word 1
// CPUID 0x80000001 EDX (SDM Vol. 2A, CPUID, Table 3-8 "Information
// Returned by CPUID Instruction").

const (
	// Word 0, CPUID 1 EDX: what every x86-64 CPU has and gokern needs
	// (REQUIRED_MASK0, required_features.go).
	X86_FEATURE_FPU  = 0*32 + 0  // x87 FPU on chip
	X86_FEATURE_TSC  = 0*32 + 4  // time stamp counter: printk's clock
	X86_FEATURE_MSR  = 0*32 + 5  // RDMSR/WRMSR: EFER, the APIC base, FS/GS base
	X86_FEATURE_PAE  = 0*32 + 6  // physical address extension: long mode needs it
	X86_FEATURE_CX8  = 0*32 + 8  // CMPXCHG8B
	X86_FEATURE_APIC = 0*32 + 9  // on-chip local APIC (IA32_APIC_BASE MSR)
	X86_FEATURE_PGE  = 0*32 + 13 // global pages: head_64 sets CR4.PGE
	X86_FEATURE_CMOV = 0*32 + 15 // CMOVcc
	X86_FEATURE_FXSR = 0*32 + 24 // FXSAVE/FXRSTOR
	X86_FEATURE_XMM  = 0*32 + 25 // SSE
	X86_FEATURE_XMM2 = 0*32 + 26 // SSE2: the Go compiler's floating point

	// Word 4, CPUID 1 ECX. X86_FEATURE_X2APIC: the local APIC has an
	// x2APIC mode (bit 21; SDM Vol. 3A §11.12.1 "Detecting and Enabling
	// x2APIC Mode").
	X86_FEATURE_X2APIC = 4*32 + 21

	// X86_FEATURE_NX: execute disable, CPUID 0x80000001 EDX bit 20.
	X86_FEATURE_NX = 1*32 + 20
	// X86_FEATURE_GBPAGES: 1 GiB pages (pdpe1gb), CPUID 0x80000001 EDX
	// bit 26.
	X86_FEATURE_GBPAGES = 1*32 + 26
	// X86_FEATURE_LM: long mode, CPUID 0x80000001 EDX bit 29.
	X86_FEATURE_LM = 1*32 + 29
)

// FeatureMask is the mask of feature f in its CPUID register (gokern;
// Linux keeps whole words in boot_cpu_data.x86_capability).
func FeatureMask(f int) uint32 { return 1 << (f % 32) }
