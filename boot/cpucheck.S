/*
 * cpucheck.S - refuse to go on unless the CPU can run a 64-bit kernel.
 *
 * Linux: arch/x86/boot/cpucheck.c (check_cpu), arch/x86/boot/cpuflags.c
 *        (has_eflag, get_cpuflags), arch/x86/boot/cpu.c (validate_cpu,
 *        cpu_name, show_cap_strs), and the required-feature list of
 *        arch/x86/include/asm/required-features.h / verify_cpu.S.
 * Seeds: 003 "Real Mode" (main: validate_cpu, "Unable to boot - please
 *        use a kernel appropriate for your CPU.").
 * Manual: Intel SDM Vol. 2A, "CPUID - CPU Identification": EFLAGS.ID
 *        (bit 21) can be toggled iff CPUID exists; leaf 0 = max leaf and
 *        vendor (EBX, EDX, ECX); leaf 1 EAX = family/model/stepping,
 *        EDX = feature flags (Table 3-11 "Feature Information Returned in
 *        the EDX Register"); leaf 80000000h = max extended leaf; leaf
 *        80000001h EDX bit 29 = Intel 64 (long mode).  EFLAGS.AC (bit 18)
 *        exists from the i486 on (SDM Vol. 1 §3.4.3 "EFLAGS Register").
 *
 * Required: REQUIRED_MASK0/1 (the asm package's required_features.go,
 * as Linux's x86-64 masks, plus TSC for gokern's clock):
 *   leaf 1 EDX:        FPU (0), TSC (4), MSR (5), PAE (6), CX8 (8),
 *                      PGE (13), CMOV (15), FXSR (24), SSE (25), SSE2 (26)
 *   leaf 80000001 EDX: LM (29)
 * Not done: Linux's vendor quirks (turning SSE on in AMD K7 HWCR, CX8 on
 * VIA C3, Transmeta's masked flags, forcepae on Pentium M): none of those
 * CPUs has long mode anyway.
 */
	.include "boot.inc"

	.code16
	.text

/* X86_EFLAGS_AC, X86_EFLAGS_ID, X86_FEATURE_*, REQUIRED_MASK0/1:
 * consts.inc, from the asm package. */
.set CPU_LEVEL_64,	64		/* "x86-64" in cpu_name */

/*
 * validate_cpu: Out: CF = 0 if the CPU can run gokern.  On failure the
 * reason has been printed (main adds "Unable to boot ..." and dies).
 */
SYM_FUNC_START validate_cpu
	pushal
	movl	$0, cpu_flags
	movl	$0, cpu_flags + 4
	movl	$3, cpu_level		# no EFLAGS.AC: a 386
	movl	$X86_EFLAGS_AC, %eax
	call	has_eflag
	jz	1f
	movl	$4, cpu_level		# EFLAGS.AC toggles: a 486 at least
1:	call	get_cpuflags

	# err_flags = required & ~present, word by word
	movl	cpu_flags, %eax
	notl	%eax
	andl	$REQUIRED_MASK0, %eax
	movl	%eax, err_flags
	movl	cpu_flags + 4, %eax
	notl	%eax
	andl	$REQUIRED_MASK1, %eax
	movl	%eax, err_flags + 4

	btl	$(X86_FEATURE_LM % 32), cpu_flags + 4
	jnc	2f
	movl	$CPU_LEVEL_64, cpu_level
2:
	cmpl	$CPU_LEVEL_64, cpu_level
	jae	3f
	# "This kernel requires an x86-64 CPU, but only detected an i686 CPU."
	PUTS	"This kernel requires an x86-64 CPU, but only detected an i"
	movl	cpu_level, %eax
	cmpl	$15, %eax		# family 15 (Pentium 4) prints as i686,
	jne	21f			# as Linux's cpu_name
	movl	$6, %eax
21:	call	putdec
	PUTS	"86 CPU.\n"
	jmp	.Lfail
3:
	movl	err_flags, %eax
	orl	err_flags + 4, %eax
	jz	4f
	PUTS	"This kernel requires the following features not present on the CPU:\n"
	call	show_cap_strs
	movb	$'\n', %al
	call	putchar
	jmp	.Lfail
4:
	SKIP_UNLESS_DEBUG 5f
	PUTS	"validate_cpu: family "
	movl	cpu_family, %eax
	call	putdec
	PUTS	", long mode, PAE, SSE2 present\n"
5:	popal
	clc
	ret
.Lfail:
	popal
	stc
	ret
SYM_FUNC_END validate_cpu

/*
 * has_eflag: can bit(s) %eax of EFLAGS be changed?  Out: ZF = 0 if yes.
 * Flip the bit with POPFD and read it back with PUSHFD; restore EFLAGS.
 */
SYM_FUNC_START has_eflag
	pushl	%ecx
	pushl	%edx
	pushfl				# saved EFLAGS, restored below
	pushfl
	popl	%edx			# %edx = EFLAGS
	movl	%edx, %ecx
	xorl	%eax, %ecx		# flip the bit(s)
	pushl	%ecx
	popfl
	pushfl
	popl	%ecx			# %ecx = what the CPU kept
	popfl
	xorl	%edx, %ecx
	testl	%eax, %ecx		# changed?
	popl	%edx
	popl	%ecx
	ret
SYM_FUNC_END has_eflag

/*
 * get_cpuflags: fill cpu_vendor, cpu_flags[0] (leaf 1 EDX), cpu_flags[1]
 * (leaf 80000001h EDX), cpu_level (= base family) and cpu_family
 * (base family + extended family when the base is 0Fh, SDM Vol. 2A CPUID
 * "Family ID").  Leaves them alone when there is no CPUID.
 */
SYM_FUNC_START get_cpuflags
	pushal
	movl	$X86_EFLAGS_ID, %eax
	call	has_eflag
	jz	9f			# no CPUID: a 386/486, level stays

	xorl	%eax, %eax		# leaf 0: max leaf, vendor
	cpuid
	movl	%ebx, cpu_vendor
	movl	%edx, cpu_vendor + 4
	movl	%ecx, cpu_vendor + 8
	cmpl	$1, %eax
	jb	1f
	cmpl	$0xffff, %eax		# garbage max leaf: do not trust leaf 1
	ja	1f

	movl	$1, %eax		# leaf 1: signature and features
	cpuid
	movl	%edx, cpu_flags
	movl	%eax, %edx
	shrl	$8, %edx
	andl	$0x0f, %edx		# base family, EAX[11:8]
	movl	%edx, cpu_level
	movl	%edx, cpu_family
	cmpl	$0x0f, %edx
	jne	1f
	shrl	$20, %eax
	andl	$0xff, %eax		# extended family, EAX[27:20]
	addl	%eax, cpu_family
1:
	movl	$0x80000000, %eax	# max extended leaf
	cpuid
	cmpl	$0x80000001, %eax
	jb	9f
	cmpl	$0x8000ffff, %eax
	ja	9f
	movl	$0x80000001, %eax	# extended features
	cpuid
	movl	%edx, cpu_flags + 4
9:	popal
	ret
SYM_FUNC_END get_cpuflags

/*
 * show_cap_strs: print the name of every bit set in err_flags, each
 * followed by a space, as Linux's show_cap_strs (x86_cap_strs names).
 */
SYM_FUNC_START show_cap_strs
	pushal
	movw	$cap_strs, %si
1:	movzbw	(%si), %bx		# word index, 0xff = end
	cmpb	$0xff, %bl
	je	3f
	movzbl	1(%si), %eax		# bit
	addw	$2, %si			# %si = name
	shlw	$2, %bx
	btl	%eax, err_flags(%bx)
	jnc	2f
	call	puts
	movb	$' ', %al
	call	putchar
2:	lodsb				# skip the name
	testb	%al, %al
	jnz	2b
	jmp	1b
3:	popal
	ret
SYM_FUNC_END show_cap_strs

	.section .rodata
/* { word, bit, name } for every required feature, in Linux's order. */
.macro CAP_STR feature, name
	.byte	\feature / 32, \feature % 32
	.asciz	"\name"
.endm
cap_strs:
	CAP_STR	X86_FEATURE_FPU, fpu
	CAP_STR	X86_FEATURE_TSC, tsc
	CAP_STR	X86_FEATURE_MSR, msr
	CAP_STR	X86_FEATURE_PAE, pae
	CAP_STR	X86_FEATURE_CX8, cx8
	CAP_STR	X86_FEATURE_PGE, pge
	CAP_STR	X86_FEATURE_CMOV, cmov
	CAP_STR	X86_FEATURE_FXSR, fxsr
	CAP_STR	X86_FEATURE_XMM, sse
	CAP_STR	X86_FEATURE_XMM2, sse2
	CAP_STR	X86_FEATURE_LM, lm
	.byte	0xff

	.bss
	.balign	4
SYM_DATA_START cpu_vendor		# CPUID leaf 0 EBX, EDX, ECX
	.skip	12
SYM_DATA_END cpu_vendor
SYM_DATA_START cpu_flags		# [0] leaf 1 EDX, [1] leaf 80000001h EDX
	.skip	8
SYM_DATA_END cpu_flags
SYM_DATA_START err_flags		# required but missing, same layout
	.skip	8
SYM_DATA_END err_flags
SYM_DATA_START cpu_level		# 3, 4, base family, or 64 with long mode
	.skip	4
SYM_DATA_END cpu_level
SYM_DATA_START cpu_family		# family as the SDM computes it
	.skip	4
SYM_DATA_END cpu_family
