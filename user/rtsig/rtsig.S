/*
 * rtsig: real-time signal queueing from user mode (issue 14). No libc.
 * With SIGUSR1 and SIGRTMIN+2 (34) blocked, it sends SIGUSR1 twice with
 * kill and queues 34 three times with rt_sigqueueinfo, si_value 1, 2 and
 * 3 (sigqueue(3)'s SI_QUEUE), then unblocks both. A standard signal is
 * pending once however often it is sent; a real-time one once per
 * sending, each with its own siginfo, in sending order (signal(7)). The
 * SA_SIGINFO handler records (signal, si_code, si_value) of each
 * delivery; the program prints them and checks they are exactly
 *	34 -1 1, 34 -1 2, 34 -1 3, 10 0 0
 * Linux's order: at the unblock it sets up SIGUSR1's frame first (the
 * lowest number), then, before returning, the first 34's on top of it
 * (SIGUSR1 is now blocked by its handler, 34 not yet); the top frame's
 * handler runs first, and each 34 after it as its sigreturn unblocks
 * 34, SIGUSR1's handler last.
 * Then, with RLIMIT_SIGPENDING 0, rt_sigqueueinfo is refused with
 * -EAGAIN (Linux counts every queued signal against it, the first too). It runs the same on the host's Linux (TestRtsig), so
 * every expectation is Linux's own. Exit 0 when all holds, 1 otherwise.
 */
	.set	NR_rt_sigaction, 13
	.set	NR_rt_sigprocmask, 14
	.set	NR_rt_sigreturn, 15
	.set	NR_getpid, 39
	.set	NR_kill, 62
	.set	NR_rt_sigqueueinfo, 129
	.set	NR_prlimit64, 302
	.set	NR_exit_group, 231
	.set	SIGUSR1, 10
	.set	SIGRT, 34
	.set	SIG_BLOCK, 0
	.set	SIG_UNBLOCK, 1
	.set	SA_SIGINFO, 4
	.set	SA_RESTORER, 0x04000000
	.set	SI_QUEUE, -1
	.set	RLIMIT_SIGPENDING, 11
	.set	EAGAIN, 11

	.text
	.globl	_start
_start:
	/* the handler for both */
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR1, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_rt_sigaction, %eax
	mov	$SIGRT, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	/* block them */
	mov	$NR_rt_sigprocmask, %eax
	mov	$SIG_BLOCK, %edi
	lea	set(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_getpid, %eax
	syscall
	mov	%rax, %r12		/* our pid */
	/* SIGUSR1 twice */
	mov	$2, %ebx
1:	mov	$NR_kill, %eax
	mov	%r12, %rdi
	mov	$SIGUSR1, %esi
	syscall
	test	%rax, %rax
	jnz	fail
	dec	%ebx
	jnz	1b
	/* 34 three times, si_value 1, 2, 3 */
	mov	$1, %ebx
2:	mov	%r12d, info_pid(%rip)
	mov	%ebx, info_value(%rip)
	mov	$NR_rt_sigqueueinfo, %eax
	mov	%r12, %rdi
	mov	$SIGRT, %esi
	lea	info(%rip), %rdx
	syscall
	test	%rax, %rax
	jnz	fail
	inc	%ebx
	cmp	$4, %ebx
	jne	2b
	/* unblock: the handler runs four times */
	mov	$NR_rt_sigprocmask, %eax
	mov	$SIG_UNBLOCK, %edi
	lea	set(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	/* print and compare the record */
	lea	s_got(%rip), %rsi
	call	puts_nonl
	xor	%ebx, %ebx
3:	cmp	nrec(%rip), %ebx
	jae	4f
	lea	rec(%rip), %r13
	imul	$12, %ebx, %eax
	add	%rax, %r13
	mov	(%r13), %eax
	call	writedec_sp
	movslq	4(%r13), %rax
	call	writesdec_sp
	movslq	8(%r13), %rax
	call	writesdec_sp
	lea	s_semi(%rip), %rsi
	call	puts_nonl
	inc	%ebx
	jmp	3b
4:	lea	s_nl(%rip), %rsi
	call	puts
	cmpl	$4, nrec(%rip)
	jne	fail
	lea	rec(%rip), %rdi
	lea	want(%rip), %rsi
	mov	$48, %ecx
	repe cmpsb
	jne	fail
	lea	s_order(%rip), %rsi
	call	puts
	/* RLIMIT_SIGPENDING 0: a queued signal is refused with -EAGAIN */
	mov	$NR_prlimit64, %eax
	xor	%edi, %edi
	mov	$RLIMIT_SIGPENDING, %esi
	lea	lim0(%rip), %rdx
	xor	%r10d, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_rt_sigqueueinfo, %eax
	mov	%r12, %rdi
	mov	$SIGRT, %esi
	lea	info(%rip), %rdx
	syscall
	cmp	$-EAGAIN, %rax
	jne	fail
	lea	s_limit(%rip), %rsi
	call	puts
	xor	%edi, %edi
	jmp	exit
fail:
	lea	s_fail(%rip), %rsi
	call	puts
	mov	$1, %edi
exit:	mov	$NR_exit_group, %eax
	syscall

/* writedec_sp / writesdec_sp: a space, then %rax unsigned / signed */
writedec_sp:
	push	%rax
	lea	s_sp(%rip), %rsi
	call	puts_nonl
	pop	%rax
	jmp	writedec
writesdec_sp:
	push	%rax
	lea	s_sp(%rip), %rsi
	call	puts_nonl
	pop	%rax
	jmp	writesdec

/* handler(sig, info, uc): record sig, si_code, si_value (0 unless SI_QUEUE) */
handler:
	mov	nrec(%rip), %eax
	cmp	$8, %eax
	jae	1f
	imul	$12, %eax, %eax
	lea	rec(%rip), %rcx
	add	%rax, %rcx
	mov	%edi, (%rcx)
	mov	8(%rsi), %eax		/* si_code */
	mov	%eax, 4(%rcx)
	xor	%edx, %edx
	cmp	$SI_QUEUE, %eax
	jne	2f
	mov	24(%rsi), %edx		/* si_value.sival_int */
2:	mov	%edx, 8(%rcx)
	incl	nrec(%rip)
1:	ret

restorer:
	mov	$NR_rt_sigreturn, %eax
	syscall

	.section .rodata
s_got:	.asciz	"rtsig: delivered (signal si_code si_value):"
s_sp:	.asciz	" "
s_semi:	.asciz	";"
s_nl:	.asciz	""
s_order: .asciz	"rtsig: 34 three times in order with its si_values, SIGUSR1 once"
s_limit: .asciz	"rtsig: RLIMIT_SIGPENDING 0: rt_sigqueueinfo -EAGAIN"
s_fail:	.asciz	"rtsig: FAILED"
want:	.long	34, -1, 1,  34, -1, 2,  34, -1, 3,  10, 0, 0
lim0:	.quad	0, 0

	.data
	.balign	8
act:	.quad	handler, SA_SIGINFO | SA_RESTORER, restorer, 0
set:	.quad	(1 << (SIGUSR1 - 1)) | (1 << (SIGRT - 1))
info:	.long	SIGRT, 0, SI_QUEUE	/* si_signo, si_errno, si_code */
	.long	0
info_pid: .long	0			/* si_pid, offset 16 */
	.long	0			/* si_uid */
info_value: .quad 0			/* si_value, offset 24 */
	.space	128 - 32

	.bss
	.balign	8
nrec:	.long	0
rec:	.space	12 * 8
