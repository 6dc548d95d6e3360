/*
 * sigbus: SIGBUS for a file mapping's page past the end of its file
 * (issue 14). No libc. argv[1] names a file shorter than a page; the
 * program maps two pages of it, reads the first byte (the file's), then
 * the second page, which has no file behind it: SIGBUS, si_code
 * BUS_ADRERR, si_addr the address read (mmap(2): "SIGBUS: attempted
 * access to a page of the buffer that lies beyond the end of the
 * mapped file"). The SA_SIGINFO handler checks both and exits 0; any
 * other outcome exits 1. It runs the same on the host's Linux.
 */
	.set	NR_open, 2
	.set	NR_mmap, 9
	.set	NR_rt_sigaction, 13
	.set	NR_rt_sigreturn, 15
	.set	NR_exit_group, 231
	.set	SIGBUS, 7
	.set	SA_SIGINFO, 4
	.set	SA_RESTORER, 0x04000000
	.set	BUS_ADRERR, 2
	.set	PROT_READ, 1
	.set	MAP_PRIVATE, 2

	.text
	.globl	_start
_start:
	mov	16(%rsp), %rdi		/* argv[1] */
	test	%rdi, %rdi
	jz	fail
	mov	$NR_open, %eax
	xor	%esi, %esi		/* O_RDONLY */
	syscall
	test	%rax, %rax
	js	fail
	mov	%rax, %r8		/* fd */
	mov	$NR_mmap, %eax
	xor	%edi, %edi
	mov	$8192, %esi
	mov	$PROT_READ, %edx
	mov	$MAP_PRIVATE, %r10d
	xor	%r9d, %r9d
	syscall
	cmp	$-4096, %rax
	ja	fail
	mov	%rax, base(%rip)
	mov	$NR_rt_sigaction, %eax
	mov	$SIGBUS, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	base(%rip), %rbx
	movzbl	(%rbx), %eax		/* the file's first byte */
	cmp	$'h', %eax
	jne	fail
	lea	s_first(%rip), %rsi
	call	puts
	movzbl	4096(%rbx), %eax	/* past the end: SIGBUS */
	lea	s_nosig(%rip), %rsi
	call	puts
fail:
	lea	s_fail(%rip), %rsi
	call	puts
	mov	$1, %edi
	mov	$NR_exit_group, %eax
	syscall

/* handler(sig, info, uc) */
handler:
	cmp	$SIGBUS, %edi
	jne	fail
	cmpl	$BUS_ADRERR, 8(%rsi)	/* si_code */
	jne	fail
	mov	base(%rip), %rax
	add	$4096, %rax
	cmp	16(%rsi), %rax		/* si_addr */
	jne	fail
	lea	s_ok(%rip), %rsi
	call	puts
	xor	%edi, %edi
	mov	$NR_exit_group, %eax
	syscall

restorer:
	mov	$NR_rt_sigreturn, %eax
	syscall

	.section .rodata
s_first: .asciz	"sigbus: the mapped file's first byte read"
s_ok:	.asciz	"sigbus: SIGBUS BUS_ADRERR at the page past the end of the file"
s_nosig: .asciz	"sigbus: no SIGBUS past the end of the file"
s_fail:	.asciz	"sigbus: FAILED"

	.data
	.balign	8
act:	.quad	handler, SA_SIGINFO | SA_RESTORER, restorer, 0
base:	.quad	0
