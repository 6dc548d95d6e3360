/*
 * boot/compressed/verify_cpu.S — can this CPU run the kernel?
 *
 * Linux: arch/x86/kernel/verify_cpu.S (verify_cpu), which the compressed
 *        stage and the kernel's head_64.S both include. The real-mode
 *        setup asked the same in validate_cpu (boot/cpucheck.S), but GRUB's
 *        `linux` command enters startup_32 directly, so the boot stage asks
 *        again.
 * CPUID bits: Intel SDM Vol. 2A, CPUID, Table 3-8 (leaf 01H EDX) and
 *        Table 3-11 (leaf 80000001H EDX); EFLAGS.ID: SDM Vol. 1 §3.4.3.3.
 *
 * verify_cpu: 32-bit call; EAX = 0 if the CPU has CPUID and every feature
 * of REQUIRED_MASK0/1 (FPU, TSC, MSR, PAE, CX8, PGE, CMOV, FXSR, SSE,
 * SSE2; long mode), else 1. Clobbers EBX, ECX, EDX.
 */
	.text
	.code32

	.include "bootparam.inc"
/* X86_EFLAGS_ID, REQUIRED_MASK0 (CPUID 1 EDX) and REQUIRED_MASK1 (CPUID
 * 80000001H EDX): consts.inc, from the asm package (Linux
 * required-features.h), the same masks the real-mode validate_cpu checks. */

	.globl	verify_cpu
verify_cpu:
	/* CPUID exists if EFLAGS.ID can be toggled. */
	pushfl
	popl	%eax
	movl	%eax, %ecx
	xorl	$X86_EFLAGS_ID, %eax
	pushl	%eax
	popfl
	pushfl
	popl	%eax
	xorl	%ecx, %eax
	testl	$X86_EFLAGS_ID, %eax
	jz	.Lverify_cpu_no_longmode

	movl	$0x80000000, %eax		/* highest extended leaf */
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lverify_cpu_no_longmode
	movl	$0x80000001, %eax
	cpuid
	andl	$REQUIRED_MASK1, %edx
	cmpl	$REQUIRED_MASK1, %edx
	jne	.Lverify_cpu_no_longmode

	movl	$1, %eax
	cpuid
	andl	$REQUIRED_MASK0, %edx
	cmpl	$REQUIRED_MASK0, %edx
	jne	.Lverify_cpu_no_longmode
	xorl	%eax, %eax
	ret
.Lverify_cpu_no_longmode:
	movl	$1, %eax
	ret
