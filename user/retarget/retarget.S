/*
 * retarget: a signal sent to a process goes to one of its threads that
 * can take it (Linux complete_signal); if that thread dies before it
 * takes it, the signal must go to another (Linux retarget_shared_pending,
 * from exit_signals). No libc. It runs the same on the host's Linux.
 *
 * The leader sets a SIGUSR1 handler and starts a second thread, then
 * vforks: it sleeps (uninterruptibly: TASK_KILLABLE in Linux) until its
 * child exits. Its child, 0.1 s in, sends SIGUSR1 to the process: the
 * leader can take it (not blocked, nothing pending), so it is the chosen
 * thread, but a signal does not wake a vfork wait. 1 s in the second
 * thread (SIGUSR1 unblocked too, asleep in nanosleep and not woken: the
 * signal was not given to it) execs this program again with "after";
 * the exec kills the leader, which dies without having taken the signal,
 * and the exec resets the handler to SIG_DFL. The signal must then reach
 * the new program, whose first return to user mode takes it: killed by
 * SIGUSR1 (the shell's $? 138). If nobody passed it on when the leader
 * died, it waits in the process's pending set and the new program, which
 * makes no call that looks again, runs: it blocks SIGUSR1, prints
 * whether it is pending (rt_sigpending) and exits 1.
 *
 * With "mask" (retarget_shared_pending from __set_task_blocked): the
 * leader, in vfork as above, is chosen for a SIGUSR2 sent to the process,
 * then gets a SIGUSR1 of its own (tgkill). When the vfork ends it takes
 * SIGUSR1 first (its own pending set comes first), whose handler blocks
 * SIGUSR2 (sa_mask): the SIGUSR2 chosen for it must then go to the
 * second thread, which can take it, while the handler runs. The handler
 * waits up to 2 s for SIGUSR2's handler to have run on another thread,
 * and the program exits 0 if it did; if the SIGUSR2 stayed with the
 * leader, it is taken only after the handler: exit 1.
 */
	.set	NR_write, 1
	.set	NR_rt_sigaction, 13
	.set	NR_rt_sigprocmask, 14
	.set	NR_rt_sigreturn, 15
	.set	NR_rt_sigpending, 127
	.set	NR_nanosleep, 35
	.set	NR_clone, 56
	.set	NR_vfork, 58
	.set	NR_execve, 59
	.set	NR_exit, 60
	.set	NR_kill, 62
	.set	NR_getppid, 110
	.set	NR_exit_group, 231
	.set	SIGUSR1, 10
	.set	SIGUSR2, 12
	.set	NR_gettid, 186
	.set	NR_tgkill, 234
	.set	SA_RESTORER, 0x04000000
	/* CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM */
	.set	CLONE_THREADFLAGS, 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000

	.text
	.globl	_start
_start:
	mov	8(%rsp), %rax		/* argv[0] */
	mov	%rax, argv0(%rip)
	mov	16(%rsp), %rdi		/* argv[1] */
	test	%rdi, %rdi
	jz	1f
	lea	s_after(%rip), %rsi
	call	streq
	je	after
	lea	s_mask(%rip), %rsi
	call	streq
	je	mask
1:
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR1, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail

	/* The second thread, on its own stack. */
	mov	$NR_clone, %eax
	mov	$CLONE_THREADFLAGS, %edi
	lea	stack_top(%rip), %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	syscall
	test	%rax, %rax
	js	fail
	jz	thread

	/* The leader: vfork, and wait for the child. */
	mov	$NR_vfork, %eax
	syscall
	test	%rax, %rax
	js	fail
	jz	vchild
	/* The exec should have killed the leader by now. */
	lea	s_leader(%rip), %rsi
	call	puts
	jmp	fail

/* The vfork child: registers and system calls only (it runs on the
 * leader's stack, which the leader needs unchanged). */
vchild:
	mov	$NR_nanosleep, %eax
	lea	t_100ms(%rip), %rdi
	xor	%esi, %esi
	syscall
	mov	$NR_getppid, %eax
	syscall
	mov	%rax, %rdi
	mov	$NR_kill, %eax
	mov	$SIGUSR1, %esi
	syscall
	mov	$NR_nanosleep, %eax
	lea	t_2s(%rip), %rdi
	xor	%esi, %esi
	syscall
	mov	$NR_exit, %eax
	xor	%edi, %edi
	syscall

/* The second thread: exec this program again after 1 s. */
thread:
	mov	$NR_nanosleep, %eax
	lea	t_1s(%rip), %rdi
	xor	%esi, %esi
	syscall
	lea	s_exec(%rip), %rsi
	call	puts
	mov	argv0(%rip), %rdi
	mov	%rdi, argv(%rip)
	mov	$NR_execve, %eax
	lea	argv(%rip), %rsi
	lea	argv+16(%rip), %rdx	/* envp: empty */
	syscall
	lea	s_execfail(%rip), %rsi
	call	puts
	jmp	fail

/* mask: see the top. */
mask:
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR1, %edi
	lea	act1(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR2, %edi
	lea	act2(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_gettid, %eax
	syscall
	mov	%rax, leader(%rip)
	mov	$NR_clone, %eax
	mov	$CLONE_THREADFLAGS, %edi
	lea	stack_top(%rip), %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	syscall
	test	%rax, %rax
	js	fail
	jz	sleeper
	mov	$NR_vfork, %eax
	syscall
	test	%rax, %rax
	js	fail
	jz	mchild
	/* Back from vfork, SIGUSR1's handler run. */
	lea	s_mask_ok(%rip), %rsi
	mov	during(%rip), %rax
	test	%rax, %rax
	jz	1f
	cmp	leader(%rip), %rax
	je	1f
	call	puts
	xor	%edi, %edi
	mov	$NR_exit_group, %eax
	syscall
1:	lea	s_mask_bad(%rip), %rsi
	call	puts
	jmp	fail

/* The vfork child of mask: SIGUSR2 to the process, then SIGUSR1 to the
 * leader. */
mchild:
	mov	$NR_nanosleep, %eax
	lea	t_100ms(%rip), %rdi
	xor	%esi, %esi
	syscall
	mov	$NR_getppid, %eax
	syscall
	mov	%rax, %r12
	mov	$NR_kill, %eax
	mov	%r12, %rdi
	mov	$SIGUSR2, %esi
	syscall
	mov	$NR_tgkill, %eax
	mov	%r12, %rdi
	mov	%r12, %rsi
	mov	$SIGUSR1, %edx
	syscall
	mov	$NR_exit, %eax
	xor	%edi, %edi
	syscall

/* The second thread of mask: asleep, SIGUSR2 not blocked. */
sleeper:
	mov	$NR_nanosleep, %eax
	lea	t_2s(%rip), %rdi
	xor	%esi, %esi
	syscall
	jmp	sleeper

/* SIGUSR1's handler (SIGUSR2 blocked meanwhile): wait up to 2 s for
 * SIGUSR2's handler to run elsewhere. */
handler1:
	push	%rbx
	mov	$200, %ebx
1:	cmpq	$0, usr2tid(%rip)
	jne	2f
	mov	$NR_nanosleep, %eax
	lea	t_10ms(%rip), %rdi
	xor	%esi, %esi
	syscall
	dec	%ebx
	jnz	1b
2:	mov	usr2tid(%rip), %rax
	mov	%rax, during(%rip)
	pop	%rbx
	ret

/* SIGUSR2's handler: which thread took it. */
handler2:
	mov	$NR_gettid, %eax
	syscall
	mov	%rax, usr2tid(%rip)
	ret

/* The new program: it should not get here. Blocked, a pending SIGUSR1
 * shows in rt_sigpending (which reports blocked ones only). */
after:
	mov	$NR_rt_sigprocmask, %eax
	xor	%edi, %edi		/* SIG_BLOCK */
	lea	usr1set(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	mov	$NR_rt_sigpending, %eax
	lea	pending(%rip), %rdi
	mov	$8, %esi
	syscall
	lea	s_lost(%rip), %rsi
	testq	$1 << (SIGUSR1 - 1), pending(%rip)
	jnz	1f
	lea	s_none(%rip), %rsi
1:	call	puts
	jmp	fail

/* handler(sig): only the old program's threads have it. */
handler:
	lea	s_handled(%rip), %rsi
	call	puts
	jmp	fail

restorer:
	mov	$NR_rt_sigreturn, %eax
	syscall

fail:
	mov	$1, %edi
	mov	$NR_exit_group, %eax
	syscall

	.section .rodata
s_after: .asciz	"after"
s_mask:	.asciz	"mask"
s_mask_ok: .asciz "retarget: SIGUSR2, blocked by the leader's SIGUSR1 handler, taken by the second thread meanwhile"
s_mask_bad: .asciz "retarget: SIGUSR2 not taken while the leader's SIGUSR1 handler blocked it"
t_10ms:	.quad	0, 10000000
s_exec:	.asciz	"retarget: the second thread execs, SIGUSR1 pending for the process"
s_execfail: .asciz "retarget: execve failed"
s_leader: .asciz "retarget: the leader outlived the exec"
s_handled: .asciz "retarget: SIGUSR1 handled before the exec"
s_lost:	.asciz	"retarget: after the exec: SIGUSR1 pending, not delivered (lost when the leader died)"
s_none:	.asciz	"retarget: after the exec: no SIGUSR1 pending"
	.balign	8
t_100ms: .quad	0, 100000000
t_1s:	.quad	1, 0
t_2s:	.quad	2, 0

	.data
	.balign	8
act:	.quad	handler, SA_RESTORER, restorer, 0
act1:	.quad	handler1, SA_RESTORER, restorer, 1 << (SIGUSR2 - 1)
act2:	.quad	handler2, SA_RESTORER, restorer, 0
leader:	.quad	0
usr2tid: .quad	0
during:	.quad	0
argv0:	.quad	0
argv:	.quad	0, s_after, 0
pending: .quad	0
usr1set: .quad	1 << (SIGUSR1 - 1)

	.bss
	.balign	16
stack:	.space	8192
stack_top:
