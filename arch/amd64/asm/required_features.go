package asm

// The CPU features gokern cannot run without, word by word as
// cpufeatures.go numbers them. Linux: arch/x86/include/asm/required-features.h
// (REQUIRED_MASK0 and REQUIRED_MASK1 of x86-64, plus TSC, which gokern's
// clock needs). The real-mode validate_cpu (boot/cpucheck.S) and the boot
// stage's verify_cpu (boot/compressed/verify_cpu.S) both check them, from
// the generated consts.inc.
const (
	// REQUIRED_MASK0: CPUID 1 EDX.
	// MSR and PGE are Linux's too (NEED_MSR, NEED_PGE): the kernel writes
	// EFER and sets CR4.PGE unconditionally, which a CPU without them
	// refuses with #GP (QEMU's TCG lets both pass: -cpu qemu64,-msr and
	// -pge booted before, where real hardware would not).
	REQUIRED_MASK0 = 1<<(X86_FEATURE_FPU%32) | 1<<(X86_FEATURE_TSC%32) | 1<<(X86_FEATURE_MSR%32) |
		1<<(X86_FEATURE_PAE%32) | 1<<(X86_FEATURE_CX8%32) | 1<<(X86_FEATURE_PGE%32) |
		1<<(X86_FEATURE_CMOV%32) | 1<<(X86_FEATURE_FXSR%32) | 1<<(X86_FEATURE_XMM%32) |
		1<<(X86_FEATURE_XMM2%32)
	// REQUIRED_MASK1: CPUID 0x80000001 EDX.
	REQUIRED_MASK1 = 1 << (X86_FEATURE_LM % 32)
)
