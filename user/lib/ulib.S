/*
 * ulib: the few helpers every assembly test program of user/ needs, in
 * one object that internal/userprog links into each (a libc of five
 * functions; the programs themselves make their system calls directly).
 * Position independent, so it links into the PIE build of /init too.
 *
 * Calling convention: arguments in registers as each comment says;
 * every function keeps %rbx, %rbp and %r12-%r15 (the SysV callee-saved
 * registers) and %r8-%r10; write1 also keeps %rcx and %r11, which
 * SYSCALL itself clobbers (SDM Vol. 2B, SYSCALL), so a caller may keep a
 * counter there.
 */
	.set	NR_write, 1		/* Linux syscall_64.tbl */
	.set	NUMBUF, 24		/* 20 digits of 2^64-1, a sign, a newline */

	.text

/* write1: write(1, %rsi, %rdx); %rax the result */
	.globl	write1
write1:
	push	%rcx
	push	%r11
	push	%rdi
	mov	$NR_write, %eax
	mov	$1, %edi
	syscall
	pop	%rdi
	pop	%r11
	pop	%rcx
	ret

/* strlen: %rdx = the length of the NUL-terminated string at %rsi */
	.globl	strlen
strlen:
	xor	%edx, %edx
1:	cmpb	$0, (%rsi,%rdx)
	je	2f
	inc	%rdx
	jmp	1b
2:	ret

/* puts: the string at %rsi and a newline; puts_nonl: without */
	.globl	puts, puts_nonl
puts:
	call	puts_nonl
	lea	nl(%rip), %rsi
puts_nonl:
	call	strlen
	jmp	write1

/* streq: ZF set when the strings at %rdi and %rsi are equal; clobbers
 * %rax and %rcx */
	.globl	streq
streq:
	xor	%ecx, %ecx
1:	mov	(%rdi,%rcx), %al
	cmp	(%rsi,%rcx), %al
	jne	2f
	inc	%rcx
	test	%al, %al
	jnz	1b
2:	ret

/*
 * writenum: %rax unsigned, in decimal and a newline; writedec: without
 * the newline; writesdec: %rax signed, without the newline. Each clobbers
 * %rax, %rdx and %rsi.
 */
	.globl	writenum, writedec, writesdec
writenum:
	lea	numbuf+NUMBUF(%rip), %rsi
	dec	%rsi
	movb	$'\n', (%rsi)
	call	utoa
	jmp	3f
writesdec:
	test	%rax, %rax
	jns	writedec
	neg	%rax
	lea	numbuf+NUMBUF(%rip), %rsi
	call	utoa
	dec	%rsi
	movb	$'-', (%rsi)
	jmp	3f
writedec:
	lea	numbuf+NUMBUF(%rip), %rsi
	call	utoa
3:	lea	numbuf+NUMBUF(%rip), %rdx
	sub	%rsi, %rdx
	jmp	write1

/* utoa: the decimal digits of %rax (unsigned) stored down from %rsi;
 * %rsi left at the first digit */
utoa:
	push	%rcx
	mov	$10, %ecx
1:	xor	%edx, %edx
	div	%rcx
	add	$'0', %dl
	dec	%rsi
	mov	%dl, (%rsi)
	test	%rax, %rax
	jnz	1b
	pop	%rcx
	ret

	.section .rodata
nl:	.asciz	"\n"

	.bss
numbuf:	.space	NUMBUF
	.section .note.GNU-stack, "", @progbits
