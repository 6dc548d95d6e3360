/*
 * string.S - the two string helpers the setup code needs.
 *
 * Linux: arch/x86/boot/string.c (memcmp, simple_strtoull).
 *
 * Calling convention: boot/boot.inc (16-bit call/ret, arguments in
 * registers, everything not named as a result is preserved).
 */
	.include "boot.inc"

	.code16
	.text

/*
 * memcmp: compare %cx bytes at %ds:%si and %es:%di (ES = DS in setup).
 * Result: ZF = 1 when equal (so `je` / `jne` after the call).
 */
SYM_FUNC_START memcmp
	pushw	%cx
	pushw	%si
	pushw	%di
	testw	%cx, %cx		# (repe with %cx = 0 would leave ZF alone)
	jz	1f
	repe cmpsb			# stops at the first difference
1:	popw	%di
	popw	%si
	popw	%cx
	ret
SYM_FUNC_END memcmp

/*
 * simple_strtoul: parse an unsigned number at %ds:%si.
 * In:  %ax = base: 10, 16 (an optional "0x" prefix is skipped) or
 *      0 (auto: "0x" -> 16, a leading "0" -> 8, else 10), as Linux.
 * Out: %eax = value (32 bits, overflow wraps), %si = first character
 *      not used (unchanged when there was neither prefix nor digit).
 */
SYM_FUNC_START simple_strtoul
	pushl	%ebx
	pushl	%ecx
	movzwl	%ax, %ebx		# %ebx = base
	testw	%bx, %bx
	jnz	2f
	movw	$10, %bx		# base 0: guess, as simple_guess_base
	cmpb	$'0', (%si)
	jne	2f
	movw	$8, %bx
	movb	1(%si), %al
	orb	$0x20, %al		# tolower
	cmpb	$'x', %al
	jne	2f
	movw	$16, %bx
2:	cmpw	$16, %bx		# skip "0x" / "0X" in base 16
	jne	3f
	cmpb	$'0', (%si)
	jne	3f
	movb	1(%si), %al
	orb	$0x20, %al
	cmpb	$'x', %al
	jne	3f
	addw	$2, %si
3:	xorl	%ecx, %ecx		# %ecx = value so far
4:	movb	(%si), %al		# %al = digit value, or stop
	cmpb	$'0', %al
	jb	6f
	cmpb	$'9', %al
	ja	5f
	subb	$'0', %al
	jmp	7f
5:	orb	$0x20, %al		# 'a'..'f', either case
	cmpb	$'a', %al
	jb	6f
	cmpb	$'f', %al
	ja	6f
	subb	$'a' - 10, %al
7:	movzbl	%al, %eax
	cmpl	%ebx, %eax		# a digit, but not in this base
	jae	6f
	imull	%ebx, %ecx
	addl	%eax, %ecx
	incw	%si
	jmp	4b
6:	movl	%ecx, %eax
	popl	%ecx
	popl	%ebx
	ret
SYM_FUNC_END simple_strtoul
