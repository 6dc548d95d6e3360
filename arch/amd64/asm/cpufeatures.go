package asm

// CPU feature bits gokern tests. Linux: arch/x86/include/asm/cpufeatures.h,
// where X86_FEATURE_x is word*32 + bit, word 0 being CPUID 1 EDX and word 1
// CPUID 0x80000001 EDX (SDM Vol. 2A, CPUID, Table 3-8 "Information
// Returned by CPUID Instruction").

const (
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
