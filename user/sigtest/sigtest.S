/*
 * sigtest: signals from user mode, no libc (docs/signals.md). Built by
 * internal/userprog with GNU as and ld like user/init, and booted as
 * /init (rdinit=/sigtest). Every line it prints follows checks of what the
 * kernel wrote (the frame, siginfo, ucontext, the mask, the registers
 * after rt_sigreturn); the first check that fails prints
 * "sigtest: FAIL <n>" and exits with status 1.
 *
 * argv[1]:
 *   (none)   the whole sequence below, then exit_group(0)
 *   frame    a handler breaks its frame's CS: rt_sigreturn finds a bad
 *            frame and the kernel kills the program with SIGSEGV
 *   norestorer a handler installed without SA_RESTORER: the kernel cannot
 *            build a frame that returns, SIGSEGV
 *   children signals between processes (fork, wait4): SIGCHLD with its
 *            siginfo, SIGKILL, SIGTERM and SIGSEGV's default actions as
 *            wait4 sees them, a signal to a child spinning in user mode
 *            (delivered at an interrupt), wait4 interrupted by a signal:
 *            restarted with SA_RESTART, -EINTR without
 *   tty      a session of its own with ttyS0 as its terminal: ^C and ^\
 *            typed on it interrupt a read with SIGINT and SIGQUIT
 *   bench    1000 kill+handler+rt_sigreturn round trips, in TSC cycles
 *   pvm      the whole sequence but 5c, for a host Linux that is a PVM
 *            guest: its kernel returns to user mode through the
 *            hypervisor, not IRETQ, and the SIGSEGV frame after a bad
 *            selector carries the good one (internal/userprog
 *            TestSigtestOnLinux)
 *
 * Offsets (arch/x86/include/uapi/asm/sigcontext.h, asm-generic/ucontext.h,
 * siginfo.h): ucontext: uc_stack 16, uc_mcontext 40 (r8 40 ... r15 96,
 * rdi 104, rsi 112, rbp 120, rbx 128, rdx 136, rax 144, rcx 152, rsp 160,
 * rip 168, eflags 176, cs 184, ss 190, err 192, trapno 200, oldmask 208,
 * cr2 216, fpstate 224), uc_sigmask 296; the frame is pretcode, then the
 * ucontext at +8, then siginfo at +312 (si_signo 0, si_code 8, si_pid and
 * si_addr 16). The FPU state is FXSAVE's: MXCSR at 24, XMM0 at 160.
 */
	.set	NR_read, 0
	.set	NR_write, 1
	.set	NR_open, 2
	.set	NR_rt_sigaction, 13
	.set	NR_rt_sigprocmask, 14
	.set	NR_rt_sigreturn, 15
	.set	NR_pause, 34
	.set	NR_getpid, 39
	.set	NR_fork, 57
	.set	NR_exit, 60
	.set	NR_wait4, 61
	.set	NR_setpgid, 109
	.set	NR_getppid, 110
	.set	NR_setsid, 112
	.set	NR_getpgid, 121
	.set	NR_getsid, 124
	.set	NR_kill, 62
	.set	NR_rt_sigpending, 127
	.set	NR_rt_sigsuspend, 130
	.set	NR_sigaltstack, 131
	.set	NR_tgkill, 234
	.set	NR_exit_group, 231

	.set	SIGINT, 2
	.set	SIGQUIT, 3
	.set	SIGILL, 4
	.set	SIGTRAP, 5
	.set	SIGFPE, 8
	.set	SIGKILL, 9
	.set	SIGUSR1, 10
	.set	SIGSEGV, 11
	.set	SIGUSR2, 12
	.set	SIGTERM, 15
	.set	SIGCHLD, 17
	.set	SIGCONT, 18
	.set	SIGSTOP, 19

	.set	SA_SIGINFO, 0x4
	.set	SA_UNSUPPORTED, 0x400
	.set	SA_RESTORER, 0x04000000
	.set	SA_ONSTACK, 0x08000000
	.set	SA_RESTART, 0x10000000
	.set	SA_NODEFER, 0x40000000
	.set	SA_RESETHAND, 0x80000000

	.set	SIG_BLOCK, 0
	.set	SIG_UNBLOCK, 1
	.set	SIG_SETMASK, 2
	.set	SS_ONSTACK, 1
	.set	ALTSTACK_SIZE, 16384

	/* the sigcontext, from the ucontext */
	.set	UC_STACK, 16
	.set	SC_R8, 40
	.set	SC_R9, 48
	.set	SC_R10, 56
	.set	SC_R12, 72
	.set	SC_R13, 80
	.set	SC_R14, 88
	.set	SC_R15, 96
	.set	SC_RBP, 120
	.set	SC_RBX, 128
	.set	SC_RDX, 136
	.set	SC_RAX, 144
	.set	SC_RIP, 168
	.set	SC_CS, 184
	.set	SC_SS, 190
	.set	SC_ERR, 192
	.set	SC_TRAPNO, 200
	.set	SC_CR2, 216
	.set	SC_FPSTATE, 224
	.set	UC_SIGMASK, 296

	.set	P_RBX, 0x1111111111111111
	.set	P_RBP, 0x2222222222222222
	.set	P_R12, 0x3333333333333333
	.set	P_R13, 0x4444444444444444
	.set	P_R14, 0x5555555555555555
	.set	P_R15, 0x6666666666666666
	.set	P_RDX, 0x7777777777777777
	.set	P_R8, 0x0808080808080808
	.set	P_R9, 0x0909090909090909
	.set	P_R10, 0x0a0a0a0a0a0a0a0a
	.set	P_XMM0, 0x0123456789abcdef
	.set	P_XMM15, 0x7edcba9876543210	/* written into the frame by the handler */

/* EXPECT a, b, n: fail with n unless a == b (b: a register or memory
 * operand; a: an immediate or a register) */
.macro EXPECT a, b, n
	cmpq	\a, \b
	je	.Lok\@
	mov	$\n, %edi
	jmp	die
.Lok\@:
.endm

/* EXPECTQ imm64, operand, n: 64-bit immediates through %r11 */
.macro EXPECTQ imm, b, n
	movabs	$\imm, %r11
	EXPECT	%r11, \b, \n
.endm

/* SIGACTION sig, handler, flags, mask: rt_sigaction(sig, &act, 0, 8) == 0 */
.macro SIGACTION sig, handler, flags, mask, n
	lea	\handler(%rip), %rax
	mov	%rax, act(%rip)
	movabs	$\flags, %rax
	mov	%rax, act+8(%rip)
	lea	restorer(%rip), %rax
	mov	%rax, act+16(%rip)
	movq	$\mask, act+24(%rip)
	mov	$NR_rt_sigaction, %eax
	mov	$\sig, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	EXPECT	$0, %rax, \n
.endm

/* SAY label: write the string at label (label_len bytes) */
.macro SAY msg
	lea	\msg(%rip), %rsi
	mov	$\msg\()_len, %edx
	call	write1
.endm

	.text
	.globl	_start
_start:
	mov	(%rsp), %rcx		/* argc */
	cmp	$2, %rcx
	jb	all
	mov	16(%rsp), %rbx		/* argv[1] */
	mov	(%rbx), %al
	cmp	$'b', %al
	je	bench
	cmp	$'f', %al
	je	badframe
	cmp	$'n', %al
	je	norestorer
	cmp	$'c', %al
	je	children
	cmp	$'t', %al
	je	tty_mode
	cmp	$'p', %al
	jne	all
	movb	$1, no_badsel(%rip)

all:
	/* 1. rt_sigaction keeps the flags it knows: SA_UNSUPPORTED, which
	 * no kernel supports, reads back cleared */
	SIGACTION SIGUSR1, usr1_handler, SA_SIGINFO|SA_RESTORER|SA_UNSUPPORTED, 1<<(SIGUSR2-1), 1
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR1, %edi
	xor	%esi, %esi
	lea	oact(%rip), %rdx
	mov	$8, %r10d
	syscall
	EXPECT	$0, %rax, 2
	EXPECT	$SA_SIGINFO|SA_RESTORER, oact+8(%rip), 3
	lea	usr1_handler(%rip), %rax
	EXPECT	%rax, oact(%rip), 4
	SAY	m_act

	/* 2. kill(getpid(), SIGUSR1) with known values in every register
	 * the frame must give back */
	mov	$NR_getpid, %eax
	syscall
	mov	%rax, mypid(%rip)
	movabs	$P_XMM0, %rax
	movq	%rax, %xmm0
	pshufd	$0x44, %xmm0, %xmm0	/* both halves */
	movabs	$P_RBX, %rbx
	movabs	$P_RBP, %rbp
	movabs	$P_R12, %r12
	movabs	$P_R13, %r13
	movabs	$P_R14, %r14
	movabs	$P_R15, %r15
	movabs	$P_RDX, %rdx
	movabs	$P_R8, %r8
	movabs	$P_R9, %r9
	movabs	$P_R10, %r10
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGUSR1, %esi
	syscall
after_kill1:
	EXPECT	$0, %rax, 6
	EXPECT	mypid(%rip), %rdi, 7
	EXPECT	$SIGUSR1, %rsi, 8
	EXPECTQ	P_RBX, %rbx, 9
	EXPECTQ	P_RBP, %rbp, 10
	EXPECTQ	P_R12, %r12, 11
	EXPECTQ	P_R13, %r13, 12
	EXPECTQ	P_R14, %r14, 13
	EXPECTQ	P_R15, %r15, 14
	EXPECTQ	P_RDX, %rdx, 15
	EXPECTQ	P_R8, %r8, 16
	EXPECTQ	P_R9, %r9, 17
	EXPECTQ	P_R10, %r10, 18
	movq	%xmm0, %rax
	EXPECTQ	P_XMM0, %rax, 19
	pshufd	$0x4e, %xmm0, %xmm1
	movq	%xmm1, %rax
	EXPECTQ	P_XMM0, %rax, 20
	/* XMM15 comes from the frame, where the handler wrote it */
	movq	%xmm15, %rax
	EXPECTQ	P_XMM15, %rax, 21
	EXPECT	$1, usr1_count(%rip), 22
	call	getmask
	EXPECT	$0, %rax, 23
	SAY	m_usr1

	/* 3. tgkill to itself, the handler on the alternate stack, one shot */
	lea	altstack(%rip), %rax
	mov	%rax, ss_new(%rip)
	movl	$0, ss_new+8(%rip)
	movq	$ALTSTACK_SIZE, ss_new+16(%rip)
	mov	$NR_sigaltstack, %eax
	lea	ss_new(%rip), %rdi
	xor	%esi, %esi
	syscall
	EXPECT	$0, %rax, 30
	SIGACTION SIGUSR2, usr2_handler, SA_SIGINFO|SA_RESTORER|SA_ONSTACK|SA_RESETHAND, 0, 31
	mov	$NR_tgkill, %eax
	mov	mypid(%rip), %edi
	mov	%edi, %esi
	mov	$SIGUSR2, %edx
	syscall
	EXPECT	$0, %rax, 32
	EXPECT	$1, usr2_count(%rip), 33
	mov	$NR_rt_sigaction, %eax
	mov	$SIGUSR2, %edi
	xor	%esi, %esi
	lea	oact(%rip), %rdx
	mov	$8, %r10d
	syscall
	EXPECT	$0, oact(%rip), 34	/* SA_RESETHAND: SIG_DFL again */
	SAY	m_usr2

	/* 4. a blocked signal waits, and comes when unblocked; SA_NODEFER */
	SIGACTION SIGINT, int_handler, SA_RESTORER|SA_NODEFER, 0, 40
	movq	$1<<(SIGINT-1), set(%rip)
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGINT, %esi
	syscall
	EXPECT	$0, %rax, 41
	EXPECT	$0, int_count(%rip), 42
	mov	$NR_rt_sigpending, %eax
	lea	pend(%rip), %rdi
	mov	$8, %esi
	syscall
	EXPECT	$0, %rax, 43
	EXPECT	$1<<(SIGINT-1), pend(%rip), 44
	SAY	m_blocked
	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask
	EXPECT	$1, int_count(%rip), 45
	EXPECT	$0, int_mask(%rip), 46	/* SA_NODEFER: not blocked inside */
	mov	$NR_rt_sigpending, %eax
	lea	pend(%rip), %rdi
	mov	$8, %esi
	syscall
	EXPECT	$0, pend(%rip), 47
	SAY	m_unblocked

	/* rt_sigsuspend: block SIGINT, send it, then wait with a mask that
	 * lets it in: the handler runs, rt_sigsuspend returns -EINTR, and
	 * the mask is the blocking one again */
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGINT, %esi
	syscall
	movq	$0, set2(%rip)
	mov	$NR_rt_sigsuspend, %eax
	lea	set2(%rip), %rdi
	mov	$8, %esi
	syscall
	EXPECT	$-4, %rax, 48		/* -EINTR */
	EXPECT	$2, int_count(%rip), 49
	call	getmask
	EXPECT	$1<<(SIGINT-1), %rax, 50
	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask
	SAY	m_suspend

	/* 5. SIGSEGV caught: a read of an unmapped page, then a write to
	 * the program's own text */
	SIGACTION SIGSEGV, segv_handler, SA_SIGINFO|SA_RESTORER, 0, 60
	lea	resume1(%rip), %rax
	mov	%rax, segv_resume(%rip)
	mov	$0xdead0000, %ecx
segv_load:
	mov	(%rcx), %rax
	jmp	die_60
resume1:
	EXPECT	$1, segv_count(%rip), 61
	EXPECTQ	0xdead0000, segv_addr(%rip), 62
	EXPECT	$1, segv_code(%rip), 63		/* SEGV_MAPERR */
	EXPECT	$14, segv_trapno(%rip), 64
	EXPECT	$4, segv_err(%rip), 65		/* user read, not present */
	EXPECTQ	0xdead0000, segv_cr2(%rip), 66
	lea	segv_load(%rip), %rax
	EXPECT	%rax, segv_rip(%rip), 67
	SAY	m_segv1
	lea	resume2(%rip), %rax
	mov	%rax, segv_resume(%rip)
	lea	segv_load(%rip), %rcx
	movb	$0x90, (%rcx)
	jmp	die_60
resume2:
	EXPECT	$2, segv_count(%rip), 68
	lea	segv_load(%rip), %rax
	EXPECT	%rax, segv_addr(%rip), 69
	EXPECT	$2, segv_code(%rip), 70		/* SEGV_ACCERR */
	EXPECT	$7, segv_err(%rip), 71		/* user write, present */
	SAY	m_segv2

	/* 5b. the other exceptions a program can raise: #UD, int3, #DE, #GP */
	SIGACTION SIGILL, segv_handler, SA_SIGINFO|SA_RESTORER, 0, 300
	SIGACTION SIGTRAP, segv_handler, SA_SIGINFO|SA_RESTORER, 0, 301
	SIGACTION SIGFPE, segv_handler, SA_SIGINFO|SA_RESTORER, 0, 302
	lea	resume3(%rip), %rax
	mov	%rax, segv_resume(%rip)
ud_insn:
	ud2
resume3:
	EXPECT	$SIGILL, segv_signo(%rip), 303
	EXPECT	$2, segv_code(%rip), 304	/* ILL_ILLOPN */
	lea	ud_insn(%rip), %rax
	EXPECT	%rax, segv_addr(%rip), 305
	EXPECT	%rax, segv_rip(%rip), 306
	EXPECT	$6, segv_trapno(%rip), 307
	lea	int3_after(%rip), %rax
	mov	%rax, segv_resume(%rip)
	int3
int3_after:
	EXPECT	$SIGTRAP, segv_signo(%rip), 308
	EXPECT	$0x80, segv_code(%rip), 309	/* SI_KERNEL */
	lea	int3_after(%rip), %rax
	EXPECT	%rax, segv_rip(%rip), 310	/* a trap: after the int3 */
	EXPECT	$3, segv_trapno(%rip), 311
	lea	resume5(%rip), %rax
	mov	%rax, segv_resume(%rip)
	xor	%ecx, %ecx
	mov	$1, %eax
	xor	%edx, %edx
div_insn:
	div	%ecx
resume5:
	EXPECT	$SIGFPE, segv_signo(%rip), 312
	EXPECT	$1, segv_code(%rip), 313	/* FPE_INTDIV */
	lea	div_insn(%rip), %rax
	EXPECT	%rax, segv_addr(%rip), 314
	EXPECT	$0, segv_trapno(%rip), 315
	lea	resume6(%rip), %rax
	mov	%rax, segv_resume(%rip)
gp_insn:
	hlt
resume6:
	EXPECT	$SIGSEGV, segv_signo(%rip), 316
	EXPECT	$0x80, segv_code(%rip), 317	/* SI_KERNEL */
	EXPECT	$0, segv_addr(%rip), 318
	EXPECT	$13, segv_trapno(%rip), 319
	lea	gp_insn(%rip), %rax
	EXPECT	%rax, segv_rip(%rip), 320
	SAY	m_traps

	/* 5c. rt_sigreturn into a frame with a CS or SS the CPU refuses
	 * (Linux tools/testing/selftests/x86/sigreturn.c, test_bad_iret):
	 * the kernel takes them with RPL 3 forced, as Linux does, so the
	 * IRETQ back to user mode faults in the kernel, which treats that as
	 * a fault at the frame's RIP: SIGSEGV SI_KERNEL, trapno 13 (#GP),
	 * err the selector with its RPL bits clear (0 for a null one), and
	 * the bad selector in the new frame. The SIGSEGV handler puts back
	 * the user's CS and SS, and the program goes on. Each row: the
	 * offset in the sigcontext (SC_CS or SC_SS), the selector. */
	cmpb	$0, no_badsel(%rip)
	jne	badsel_done
	SIGACTION SIGUSR1, badsel_handler, SA_SIGINFO|SA_RESTORER, 0, 330
	lea	badsel_cases(%rip), %rbx
1:	movzwl	(%rbx), %eax
	mov	%rax, badsel_off(%rip)
	movzwl	2(%rbx), %eax
	mov	%rax, badsel_sel(%rip)
	lea	2f(%rip), %rax
	mov	%rax, segv_resume(%rip)
	movq	$0, segv_signo(%rip)
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGUSR1, %esi
	syscall
badsel_ret:				/* the frame's RIP: never reached */
	mov	$331, %edi
	jmp	die
2:	EXPECT	$SIGSEGV, segv_signo(%rip), 332
	EXPECT	$0x80, segv_code(%rip), 333	/* SI_KERNEL */
	EXPECT	$0, segv_addr(%rip), 334
	EXPECT	$13, segv_trapno(%rip), 335
	mov	badsel_sel(%rip), %rax
	and	$~7, %rax
	EXPECT	%rax, segv_err(%rip), 336
	lea	badsel_ret(%rip), %rax
	EXPECT	%rax, segv_rip(%rip), 337
	mov	badsel_sel(%rip), %rax
	or	$3, %rax			/* RPL 3, forced */
	cmpq	$SC_CS, badsel_off(%rip)
	jne	3f
	EXPECT	%rax, segv_cs(%rip), 338
	EXPECT	$0x2b, segv_ss(%rip), 339
	jmp	4f
3:	EXPECT	%rax, segv_ss(%rip), 340
	EXPECT	$0x33, segv_cs(%rip), 341
4:	add	$4, %rbx
	lea	badsel_end(%rip), %rax
	cmp	%rax, %rbx
	jb	1b
	SAY	m_badsel
badsel_done:

	/* 6. SIGKILL and SIGSTOP take no handler and are never blocked */
	lea	usr1_handler(%rip), %rax
	mov	%rax, act(%rip)
	mov	$NR_rt_sigaction, %eax
	mov	$SIGKILL, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	EXPECT	$-22, %rax, 80
	mov	$NR_rt_sigaction, %eax
	mov	$SIGSTOP, %edi
	lea	act(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	EXPECT	$-22, %rax, 81
	movq	$-1, set(%rip)
	mov	$SIG_SETMASK, %edi
	call	sigprocmask
	call	getmask
	mov	$~((1<<(SIGKILL-1))|(1<<(SIGSTOP-1))), %rcx
	EXPECT	%rcx, %rax, 82
	movq	$0, set(%rip)
	mov	$SIG_SETMASK, %edi
	call	sigprocmask
	SAY	m_kill

	/* 7. kill's errors; then, as init, signals whose default would
	 * kill it are dropped, even SIGKILL from user space (Linux
	 * SIGNAL_UNKILLABLE) */
	mov	$NR_kill, %eax
	mov	$0x3fffffff, %edi	/* above any pid_max */
	mov	$SIGTERM, %esi
	syscall
	EXPECT	$-3, %rax, 92		/* -ESRCH */
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$65, %esi
	syscall
	EXPECT	$-22, %rax, 93		/* -EINVAL */
	SAY	m_killerr

	/* 8. a session of its own: setsid names the session and the process
	 * group after the caller, which then may not move or do it again */
	mov	$NR_setsid, %eax
	syscall
	EXPECT	mypid(%rip), %rax, 94
	mov	$NR_getsid, %eax
	xor	%edi, %edi
	syscall
	EXPECT	mypid(%rip), %rax, 95
	mov	$NR_getpgid, %eax
	xor	%edi, %edi
	syscall
	EXPECT	mypid(%rip), %rax, 96
	mov	$NR_setsid, %eax
	syscall
	EXPECT	$-1, %rax, 97		/* -EPERM: it leads a group */
	mov	$NR_setpgid, %eax
	xor	%edi, %edi
	xor	%esi, %esi
	syscall
	EXPECT	$-1, %rax, 98		/* -EPERM: a session leader */
	mov	$NR_getsid, %eax
	mov	$0x3fffffff, %edi
	syscall
	EXPECT	$-3, %rax, 99		/* -ESRCH */
	SAY	m_setsid
	cmpq	$1, mypid(%rip)
	jne	done
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGTERM, %esi
	syscall
	EXPECT	$0, %rax, 90
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGKILL, %esi
	syscall
	EXPECT	$0, %rax, 91
	SAY	m_init
done:
	SAY	m_done
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

die_60:
	mov	$60, %edi
	jmp	die

/* usr1_handler(sig, info, uc): checks what the kernel handed it, then
 * clobbers every register the frame must restore and changes XMM15 in
 * the frame's FPU state */
usr1_handler:
	incq	usr1_count(%rip)
	mov	%rdx, %rbx		/* uc */
	mov	%rsi, %r12		/* info */
	EXPECT	$SIGUSR1, %rdi, 100
	EXPECT	$SIGUSR1, (%r12), 101	/* si_signo (32 bits: the code is 0) */
	EXPECT	$0, 8(%r12), 102	/* si_code SI_USER; si_code's upper half pad */
	mov	mypid(%rip), %eax
	cmpl	%eax, 16(%r12)		/* si_pid */
	je	1f
	mov	$103, %edi
	jmp	die
1:
	lea	8(%rsp), %rax
	EXPECT	%rax, %rbx, 104		/* uc at frame+8 */
	lea	312(%rsp), %rax
	EXPECT	%rax, %r12, 105		/* info at frame+312 */
	lea	8(%rsp), %rax
	test	$15, %rax
	jz	1f
	mov	$106, %edi
	jmp	die
1:	lea	after_kill1(%rip), %rax
	EXPECT	%rax, SC_RIP(%rbx), 107
	EXPECTQ	P_RBX, SC_RBX(%rbx), 108
	EXPECTQ	P_RBP, SC_RBP(%rbx), 109
	EXPECTQ	P_R12, SC_R12(%rbx), 110
	EXPECTQ	P_R13, SC_R13(%rbx), 111
	EXPECTQ	P_R14, SC_R14(%rbx), 112
	EXPECTQ	P_R15, SC_R15(%rbx), 113
	EXPECTQ	P_RDX, SC_RDX(%rbx), 114
	EXPECTQ	P_R8, SC_R8(%rbx), 115
	EXPECT	$0, SC_RAX(%rbx), 116	/* kill's result */
	cmpw	$0x33, SC_CS(%rbx)	/* __USER_CS */
	je	1f
	mov	$117, %edi
	jmp	die
1:	cmpw	$0x2b, SC_SS(%rbx)	/* __USER_DS */
	je	1f
	mov	$118, %edi
	jmp	die
1:	EXPECT	$0, UC_SIGMASK(%rbx), 119
	mov	SC_FPSTATE(%rbx), %r13
	test	$63, %r13
	jz	1f
	mov	$120, %edi
	jmp	die
1:	test	%r13, %r13		/* not NULL */
	jnz	1f
	mov	$121, %edi
	jmp	die
1:
	EXPECTQ	P_XMM0, 160(%r13), 122
	EXPECTQ	P_XMM0, 168(%r13), 123
	cmpl	$0x1f80, 24(%r13)	/* MXCSR */
	je	1f
	mov	$124, %edi
	jmp	die
1:
	/* the handler starts with a clean FPU */
	movq	%xmm0, %rax
	EXPECT	$0, %rax, 125
	/* the mask inside: SIGUSR1 itself and sa_mask's SIGUSR2 */
	call	getmask
	EXPECT	$(1<<(SIGUSR1-1))|(1<<(SIGUSR2-1)), %rax, 126
	/* the frame's XMM15, which rt_sigreturn must load */
	movabs	$P_XMM15, %rax
	mov	%rax, 400(%r13)
	mov	%rax, 408(%r13)
	/* clobber */
	mov	$-1, %rbx
	mov	$-1, %rbp
	mov	$-1, %r12
	mov	$-1, %r13
	mov	$-1, %r14
	mov	$-1, %r15
	mov	$-1, %rdx
	mov	$-1, %r8
	mov	$-1, %r9
	mov	$-1, %r10
	pcmpeqd	%xmm0, %xmm0
	pcmpeqd	%xmm15, %xmm15
	ret

/* usr2_handler: on the alternate stack, from tgkill */
usr2_handler:
	incq	usr2_count(%rip)
	lea	altstack(%rip), %rax
	cmp	%rax, %rsp
	ja	1f
	mov	$130, %edi
	jmp	die
1:	add	$ALTSTACK_SIZE, %rax
	cmp	%rax, %rsp
	jb	1f
	mov	$131, %edi
	jmp	die
1:	cmpl	$-6, 8(%rsi)		/* SI_TKILL */
	je	1f
	mov	$132, %edi
	jmp	die
1:	mov	mypid(%rip), %eax
	cmpl	%eax, 16(%rsi)		/* si_pid */
	je	1f
	mov	$133, %edi
	jmp	die
1:
	lea	altstack(%rip), %rax
	EXPECT	%rax, UC_STACK(%rdx), 134	/* uc_stack.ss_sp */
	EXPECT	$ALTSTACK_SIZE, UC_STACK+16(%rdx), 135
	mov	$NR_sigaltstack, %eax
	xor	%edi, %edi
	lea	ss_old(%rip), %rsi
	syscall
	EXPECT	$0, %rax, 136
	cmpl	$SS_ONSTACK, ss_old+8(%rip)
	je	1f
	mov	$137, %edi
	jmp	die
1:	ret

/* int_handler(sig): no SA_SIGINFO; counts, and records its mask */
int_handler:
	incq	int_count(%rip)
	call	getmask
	mov	%rax, int_mask(%rip)
	ret

/* segv_handler: records the fault and resumes at segv_resume */
segv_handler:
	incq	segv_count(%rip)
	movl	(%rsi), %eax
	mov	%rax, segv_signo(%rip)
	mov	16(%rsi), %rax
	mov	%rax, segv_addr(%rip)
	movslq	8(%rsi), %rax
	mov	%rax, segv_code(%rip)
	mov	SC_TRAPNO(%rdx), %rax
	mov	%rax, segv_trapno(%rip)
	mov	SC_ERR(%rdx), %rax
	mov	%rax, segv_err(%rip)
	mov	SC_CR2(%rdx), %rax
	mov	%rax, segv_cr2(%rip)
	mov	SC_RIP(%rdx), %rax
	mov	%rax, segv_rip(%rip)
	movzwl	SC_CS(%rdx), %eax
	mov	%rax, segv_cs(%rip)
	movzwl	SC_SS(%rdx), %eax
	mov	%rax, segv_ss(%rip)
	movw	$0x33, SC_CS(%rdx)	/* __USER_CS, __USER_DS: after a bad */
	movw	$0x2b, SC_SS(%rdx)	/* IRET, the frame holds the bad ones */
	mov	segv_resume(%rip), %rax
	mov	%rax, SC_RIP(%rdx)
	ret

/* badsel_handler: the frame's CS or SS (badsel_off) becomes badsel_sel */
badsel_handler:
	mov	badsel_off(%rip), %rax
	mov	badsel_sel(%rip), %rcx
	movw	%cx, (%rdx,%rax)
	ret

/* the restorer: libc's __restore_rt */
restorer:
	mov	$NR_rt_sigreturn, %eax
	syscall
	hlt

/* badframe: a handler that makes its frame's CS the kernel's */
badframe:
	call	setpid
	SIGACTION SIGUSR1, bad_handler, SA_SIGINFO|SA_RESTORER, 0, 140
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGUSR1, %esi
	syscall
	mov	$141, %edi
	jmp	die
bad_handler:
	movw	$0x10, SC_CS(%rdx)
	ret

/* norestorer: a handler without SA_RESTORER has no way back */
norestorer:
	call	setpid
	SIGACTION SIGUSR1, bad_handler, SA_SIGINFO, 0, 150
	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGUSR1, %esi
	syscall
	mov	$151, %edi
	jmp	die

/* children: signals between processes */
children:
	call	setpid
	SIGACTION SIGCHLD, chld_handler, SA_SIGINFO|SA_RESTORER|SA_RESTART, 0, 400
	/* C1: a child's exit: SIGCHLD with CLD_EXITED, its pid and status */
	call	fork
	jnz	1f
	mov	$NR_exit, %eax
	mov	$3, %edi
	syscall
1:	call	wait_child
	EXPECT	$0x300, status(%rip), 402
	EXPECT	$1, chld_count(%rip), 403
	EXPECT	$1, chld_code(%rip), 404	/* CLD_EXITED */
	mov	child(%rip), %rax
	EXPECT	%rax, chld_pid(%rip), 405
	EXPECT	$3, chld_status(%rip), 406
	SAY	m_c1

	/* C2: SIGKILL kills a child that blocks every signal */
	call	fork
	jnz	1f
	movq	$-1, set(%rip)
	mov	$SIG_SETMASK, %edi
	call	sigprocmask
2:	mov	$NR_pause, %eax
	syscall
	jmp	2b
1:	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGKILL, %esi
	syscall
	EXPECT	$0, %rax, 410
	call	wait_child
	EXPECT	$SIGKILL, status(%rip), 411	/* WIFSIGNALED, WTERMSIG 9 */
	EXPECT	$2, chld_code(%rip), 412	/* CLD_KILLED */
	EXPECT	$SIGKILL, chld_status(%rip), 413
	SAY	m_c2

	/* C3: default actions where the process is not init: SIGTERM
	 * terminates, a NULL read's SIGSEGV kills ("core") */
	call	fork
	jnz	1f
2:	mov	$NR_pause, %eax
	syscall
	jmp	2b
1:	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGTERM, %esi
	syscall
	call	wait_child
	EXPECT	$SIGTERM, status(%rip), 420
	call	fork
	jnz	1f
	mov	0, %rax
	mov	$NR_exit, %eax
	xor	%edi, %edi
	syscall
1:	call	wait_child
	mov	status(%rip), %rax
	and	$0x7f, %eax		/* 0x80: a core was written (Linux, if allowed) */
	EXPECT	$SIGSEGV, %rax, 421
	SAY	m_c3

	/* C4: a signal to a child spinning in user mode arrives at an
	 * interrupt: the child tells its parent it is about to spin
	 * (SIGUSR2, blocked in the parent until rt_sigsuspend) */
	SIGACTION SIGUSR2, int_handler, SA_RESTORER, 0, 430
	movq	$1<<(SIGUSR2-1), set(%rip)
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	call	fork
	jnz	1f
	SIGACTION SIGUSR1, spin_handler, SA_SIGINFO|SA_RESTORER, 0, 431
	mov	$NR_getppid, %eax
	syscall
	mov	%rax, %rdi
	mov	$NR_kill, %eax
	mov	$SIGUSR2, %esi
	syscall
spin_kill_ret:
	nop
spin_loop:
	cmpq	$0, spin_flag(%rip)
	je	spin_loop
spin_end:
	/* exit 0: interrupted in the loop; 7: at the kill's return (a
	 * kernel that switches to the woken parent at once, as Linux's CFS
	 * may); 9: anywhere else */
	mov	spin_rip(%rip), %rax
	mov	$7, %edi
	lea	spin_kill_ret(%rip), %rcx
	cmp	%rcx, %rax
	je	2f
	mov	$9, %edi
	lea	spin_loop(%rip), %rcx
	cmp	%rcx, %rax
	jb	2f
	lea	spin_end(%rip), %rcx
	cmp	%rcx, %rax
	jae	2f
	xor	%edi, %edi
2:	mov	$NR_exit, %eax
	syscall
1:	movq	$0, set2(%rip)
	mov	$NR_rt_sigsuspend, %eax
	lea	set2(%rip), %rdi
	mov	$8, %esi
	syscall
	EXPECT	$-4, %rax, 432
	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGUSR1, %esi
	syscall
	call	wait_child
	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask
	cmpq	$0x700, status(%rip)
	je	1f
	EXPECT	$0, status(%rip), 433
	SAY	m_c4
	jmp	2f
1:	SAY	m_c4b
2:

	/* C5, C6: wait4 interrupted by a signal: the parent's SIGUSR2
	 * handler records where it interrupted and sends the child SIGUSR1,
	 * which ends the child's rt_sigsuspend; with SA_RESTART wait4 goes on
	 * and reaps it, without it returns -EINTR */
	movq	$1<<(SIGUSR1-1), set(%rip)
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	SIGACTION SIGUSR1, int_handler, SA_RESTORER, 0, 440
	SIGACTION SIGUSR2, wake_handler, SA_SIGINFO|SA_RESTORER|SA_RESTART, 0, 441
	call	restart_child
	EXPECT	mypid(%rip), %rax, 442	/* not -EINTR: restarted */
	EXPECT	$0x500, status(%rip), 443
	EXPECT	$1, wake_count(%rip), 444
	cmpq	$NR_wait4, wake_rax(%rip)
	jne	1f
	lea	wait4_insn(%rip), %rax
	cmp	%rax, wake_rip(%rip)
	jne	1f
	SAY	m_c5
1:	SIGACTION SIGUSR2, wake_handler, SA_SIGINFO|SA_RESTORER, 0, 445
	movq	$0, wake_count(%rip)
	call	restart_child
	cmp	$-4, %rax
	jne	1f
	SAY	m_c6
	call	wait_child		/* reap it now */
1:	EXPECT	$0x500, status(%rip), 446
	movq	$1<<(SIGUSR1-1), set(%rip)
	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask

	/* C7: process groups and sessions: two children in one group,
	 * killed together by kill(-pgrp); setsid in a child */
	call	fork
	jnz	1f
2:	mov	$NR_pause, %eax
	syscall
	jmp	2b
1:	mov	child(%rip), %rax
	mov	%rax, child_a(%rip)
	mov	$NR_setpgid, %eax
	mov	child_a(%rip), %rdi
	mov	%rdi, %rsi
	syscall
	EXPECT	$0, %rax, 460
	mov	$NR_getpgid, %eax
	mov	child_a(%rip), %rdi
	syscall
	EXPECT	child_a(%rip), %rax, 461
	call	fork
	jnz	1f
2:	mov	$NR_pause, %eax
	syscall
	jmp	2b
1:	mov	$NR_setpgid, %eax
	mov	child(%rip), %rdi
	mov	child_a(%rip), %rsi
	syscall
	EXPECT	$0, %rax, 462
	mov	$NR_getpgid, %eax
	mov	child(%rip), %rdi
	syscall
	EXPECT	child_a(%rip), %rax, 463
	mov	$NR_kill, %eax
	mov	child_a(%rip), %rdi
	neg	%rdi
	mov	$SIGTERM, %esi
	syscall
	EXPECT	$0, %rax, 464
	call	wait_child		/* the second child */
	EXPECT	$SIGTERM, status(%rip), 465
	mov	child_a(%rip), %rax
	mov	%rax, child(%rip)
	call	wait_child		/* the first */
	EXPECT	$SIGTERM, status(%rip), 466
	mov	$NR_kill, %eax
	mov	child_a(%rip), %rdi
	neg	%rdi
	xor	%esi, %esi
	syscall
	EXPECT	$-3, %rax, 467		/* the group is gone: -ESRCH */
	call	fork
	jnz	1f
	mov	$NR_setsid, %eax	/* the child: a session of its own */
	syscall
	mov	%rax, %rbx
	mov	$NR_getpid, %eax
	syscall
	mov	$1, %edi
	cmp	%rax, %rbx
	jne	2f
	mov	%rax, %rbx
	mov	$NR_getsid, %eax
	xor	%edi, %edi
	syscall
	mov	$2, %edi
	cmp	%rax, %rbx
	jne	2f
	mov	$NR_setsid, %eax	/* already leads a group: -EPERM */
	syscall
	mov	$3, %edi
	cmp	$-1, %rax
	jne	2f
	mov	$NR_setpgid, %eax	/* a session leader cannot move: -EPERM */
	xor	%edi, %edi
	xor	%esi, %esi
	syscall
	mov	$4, %edi
	cmp	$-1, %rax
	jne	2f
	xor	%edi, %edi
2:	mov	$NR_exit, %eax
	syscall
1:	call	wait_child
	EXPECT	$0, status(%rip), 468
	SAY	m_c7

	/* C8: SIGSTOP stops a child, SIGCONT resumes it; its parent hears
	 * of both (SIGCHLD CLD_STOPPED, CLD_CONTINUED) */
	movq	$1<<(SIGCHLD-1), set(%rip)
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	call	fork
	jnz	1f
2:	mov	$NR_pause, %eax
	syscall
	jmp	2b
1:	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGSTOP, %esi
	syscall
	EXPECT	$0, %rax, 470
	mov	$5, %edi		/* CLD_STOPPED */
	call	await_chld
	EXPECT	$SIGSTOP, chld_status(%rip), 471
	mov	child(%rip), %rax
	EXPECT	%rax, chld_pid(%rip), 472
	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGCONT, %esi
	syscall
	EXPECT	$0, %rax, 473
	mov	$6, %edi		/* CLD_CONTINUED */
	call	await_chld
	EXPECT	$SIGCONT, chld_status(%rip), 474
	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGKILL, %esi
	syscall
	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask
	call	wait_child
	EXPECT	$SIGKILL, status(%rip), 475
	SAY	m_c8

	SAY	m_cdone
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

/* fork: child in child(%rip) in the parent, ZF set in the child */
fork:
	movq	$0, chld_count(%rip)	/* before: the child may be gone by fork's return */
	mov	$NR_fork, %eax
	syscall
	test	%rax, %rax
	jns	1f
	mov	$401, %edi
	jmp	die
1:	jz	2f
	mov	%rax, child(%rip)
2:	ret

/* wait_child: wait4(child, &status, 0, NULL) == child */
wait_child:
	movq	$0, status(%rip)
	mov	$NR_wait4, %eax
	mov	child(%rip), %rdi
	lea	status(%rip), %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	syscall
	EXPECT	child(%rip), %rax, 450
	ret

/* restart_child: fork a child that sends SIGUSR2 to its parent, waits in
 * rt_sigsuspend for SIGUSR1 and exits with 5; the parent waits for it:
 * %rax is wait4's result, mypid(%rip) when it reaped the child */
restart_child:
	/* SIGUSR2 blocked until child(%rip) is set: its handler uses it */
	movq	$1<<(SIGUSR2-1), set(%rip)
	mov	$SIG_BLOCK, %edi
	call	sigprocmask
	call	fork
	jnz	3f
	mov	$NR_getppid, %eax
	syscall
	mov	%rax, %rdi
	mov	$NR_kill, %eax
	mov	$SIGUSR2, %esi
	syscall
	movq	$0, set2(%rip)
	mov	$NR_rt_sigsuspend, %eax
	lea	set2(%rip), %rdi
	mov	$8, %esi
	syscall
	mov	$NR_exit, %eax
	mov	$5, %edi
	syscall
3:	mov	$SIG_UNBLOCK, %edi
	call	sigprocmask
	movq	$0, status(%rip)
	mov	$NR_wait4, %eax
	mov	child(%rip), %rdi
	lea	status(%rip), %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
wait4_insn:
	syscall
	cmp	child(%rip), %rax
	jne	1f
	mov	mypid(%rip), %rax	/* reaped */
1:	ret

/* await_chld: with SIGCHLD blocked, wait in rt_sigsuspend until its
 * handler has seen si_code %edi */
await_chld:
	mov	%rdi, %rbx
1:	cmp	chld_code(%rip), %rbx
	je	2f
	movq	$0, set2(%rip)
	mov	$NR_rt_sigsuspend, %eax
	lea	set2(%rip), %rdi
	mov	$8, %esi
	syscall
	jmp	1b
2:	movq	$0, chld_code(%rip)
	ret

/* chld_handler: SIGCHLD's siginfo: si_code, si_pid, si_status */
chld_handler:
	incq	chld_count(%rip)
	movslq	8(%rsi), %rax
	mov	%rax, chld_code(%rip)
	movslq	16(%rsi), %rax
	mov	%rax, chld_pid(%rip)
	movslq	24(%rsi), %rax
	mov	%rax, chld_status(%rip)
	ret

/* spin_handler: where the spinning child was interrupted */
spin_handler:
	mov	SC_RIP(%rdx), %rax
	mov	%rax, spin_rip(%rip)
	movq	$1, spin_flag(%rip)
	ret

/* wake_handler: where wait4 was interrupted; SIGUSR1 to the child */
wake_handler:
	incq	wake_count(%rip)
	mov	SC_RIP(%rdx), %rax
	mov	%rax, wake_rip(%rip)
	mov	SC_RAX(%rdx), %rax
	mov	%rax, wake_rax(%rip)
	mov	$NR_kill, %eax
	mov	child(%rip), %rdi
	mov	$SIGUSR1, %esi
	syscall
	ret

/* tty: setsid, ttyS0 as the controlling terminal, ^C and ^\ */
tty_mode:
	call	setpid
	mov	$NR_setsid, %eax
	syscall
	EXPECT	mypid(%rip), %rax, 500
	mov	$NR_open, %eax
	lea	ttys0(%rip), %rdi
	mov	$2, %esi		/* O_RDWR: the session's terminal now */
	syscall
	test	%rax, %rax
	jns	1f
	mov	$501, %edi
	jmp	die
1:	mov	%rax, ttyfd(%rip)
	SIGACTION SIGINT, int_handler, SA_RESTORER, 0, 502
	SIGACTION SIGQUIT, int_handler, SA_RESTORER, 0, 503
	SAY	m_t1
	call	ttyread
	EXPECT	$-4, %rax, 504		/* -EINTR */
	EXPECT	$1, int_count(%rip), 505
	SAY	m_t2
	call	ttyread
	EXPECT	$-4, %rax, 506
	EXPECT	$2, int_count(%rip), 507
	SAY	m_t3
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt
ttyread:
	mov	$NR_read, %eax
	mov	ttyfd(%rip), %rdi
	lea	numbuf(%rip), %rsi
	mov	$16, %edx
	syscall
	ret

/* bench: 1000 round trips of kill + handler + rt_sigreturn */
bench:
	call	setpid
	SIGACTION SIGUSR1, bench_handler, SA_RESTORER, 0, 160
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r14
	mov	$1000, %ebx
2:	mov	$NR_kill, %eax
	mov	mypid(%rip), %edi
	mov	$SIGUSR1, %esi
	syscall
	dec	%ebx
	jnz	2b
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$1000, %ecx
	div	%rcx
	mov	%rax, %r14
	EXPECT	$1000, usr1_count(%rip), 161
	SAY	m_bench
	mov	%r14, %rax
	call	writenum
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt
bench_handler:
	incq	usr1_count(%rip)
	ret

/* sigprocmask(how in %edi, set) */
sigprocmask:
	mov	$NR_rt_sigprocmask, %eax
	lea	set(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	EXPECT	$0, %rax, 200
	ret

/* setpid: mypid = getpid() */
setpid:
	mov	$NR_getpid, %eax
	syscall
	mov	%rax, mypid(%rip)
	ret

/* getmask: %rax = the current mask */
getmask:
	mov	$NR_rt_sigprocmask, %eax
	mov	$SIG_BLOCK, %edi
	xor	%esi, %esi
	lea	cur(%rip), %rdx
	mov	$8, %r10d
	syscall
	EXPECT	$0, %rax, 201
	mov	cur(%rip), %rax
	ret

/* die: "sigtest: FAIL n" (n in %edi), exit_group(1) */
die:
	mov	%rdi, %rbx
	SAY	m_fail
	mov	%rbx, %rax
	call	writenum
	mov	$NR_exit_group, %eax
	mov	$1, %edi
	syscall
	hlt

	.section .rodata
m_act:	.ascii	"sigtest: rt_sigaction(SIGUSR1) reads back its handler and SA_SIGINFO|SA_RESTORER, SA_UNSUPPORTED cleared\n"
	.set	m_act_len, . - m_act
m_usr1:	.ascii	"sigtest: SIGUSR1 from kill: siginfo, ucontext and FPU state checked in the handler; rbx rbp rdx r8-r10 r12-r15 xmm0 and the mask back after rt_sigreturn, xmm15 from the frame\n"
	.set	m_usr1_len, . - m_usr1
m_usr2:	.ascii	"sigtest: SIGUSR2 from tgkill ran on the alternate stack with SI_TKILL; SA_RESETHAND left SIG_DFL\n"
	.set	m_usr2_len, . - m_usr2
m_blocked: .ascii "sigtest: SIGINT blocked: pending, not delivered\n"
	.set	m_blocked_len, . - m_blocked
m_unblocked: .ascii "sigtest: SIGINT unblocked: delivered once (SA_NODEFER: not blocked inside), nothing pending\n"
	.set	m_unblocked_len, . - m_unblocked
m_suspend: .ascii "sigtest: rt_sigsuspend let the blocked SIGINT in: -EINTR, mask restored\n"
	.set	m_suspend_len, . - m_suspend
m_segv1: .ascii	"sigtest: SIGSEGV caught: si_addr 0xdead0000 SEGV_MAPERR, trapno 14, err 4, cr2, resumed where the handler said\n"
	.set	m_segv1_len, . - m_segv1
m_segv2: .ascii	"sigtest: SIGSEGV caught: a write to its own text, SEGV_ACCERR, err 7\n"
	.set	m_segv2_len, . - m_segv2
m_traps: .ascii	"sigtest: #UD, int3, #DE and #GP caught: SIGILL ILL_ILLOPN, SIGTRAP and SIGSEGV SI_KERNEL, SIGFPE FPE_INTDIV, with their trapno and addresses\n"
	.set	m_traps_len, . - m_traps
m_kill:	.ascii	"sigtest: SIGKILL and SIGSTOP: no handler (-EINVAL), never blocked\n"
	.set	m_kill_len, . - m_kill
m_killerr: .ascii "sigtest: kill of no such process: -ESRCH; of signal 65: -EINVAL\n"
	.set	m_killerr_len, . - m_killerr
m_setsid: .ascii "sigtest: setsid: a session and process group of its own; again, or setpgid, -EPERM\n"
	.set	m_setsid_len, . - m_setsid
m_init:	.ascii	"sigtest: init survives kill(1, SIGTERM) and kill(1, SIGKILL)\n"
	.set	m_init_len, . - m_init
m_badsel: .ascii	"sigtest: rt_sigreturn to a bad SS (past the GDT, kernel data, a code segment, the TSS, null) or a kernel CS: the IRET's #GP became SIGSEGV SI_KERNEL at the frame's RIP, trapno 13, err the selector\n"
	.set	m_badsel_len, . - m_badsel
m_done:	.ascii	"sigtest: all passed\n"
	.set	m_done_len, . - m_done
m_bench: .ascii	"sigtest: kill + handler + rt_sigreturn round trip, TSC cycles: "
	.set	m_bench_len, . - m_bench
m_c1:	.ascii	"sigtest: a child's exit(3): wait4 status 0x300, SIGCHLD CLD_EXITED with its pid and status 3\n"
	.set	m_c1_len, . - m_c1
m_c2:	.ascii	"sigtest: SIGKILL killed a child that blocks every signal: status 9, SIGCHLD CLD_KILLED\n"
	.set	m_c2_len, . - m_c2
m_c3:	.ascii	"sigtest: in a child, SIGTERM terminates (status 15) and an unhandled SIGSEGV kills (status 11)\n"
	.set	m_c3_len, . - m_c3
m_c4:	.ascii	"sigtest: a child spinning in user mode got SIGUSR1 at an interrupt, its frame's RIP in the loop\n"
	.set	m_c4_len, . - m_c4
m_c4b:	.ascii	"sigtest: a child got SIGUSR1 on its way back from kill\n"
	.set	m_c4b_len, . - m_c4b
m_c5:	.ascii	"sigtest: wait4 interrupted by SIGUSR2 with SA_RESTART: the frame's RIP at the syscall, RAX its number; restarted, it reaped the child\n"
	.set	m_c5_len, . - m_c5
m_c6:	.ascii	"sigtest: wait4 interrupted by SIGUSR2 without SA_RESTART: -EINTR\n"
	.set	m_c6_len, . - m_c6
m_c7:	.ascii	"sigtest: setpgid put two children in one group, kill(-pgrp) ended both; setsid made a child a session leader\n"
	.set	m_c7_len, . - m_c7
m_t1:	.ascii	"sigtest: ttyS0 is its terminal; read, waiting for ^C\n"
	.set	m_t1_len, . - m_t1
m_t2:	.ascii	"sigtest: ^C: SIGINT to the foreground group, read -EINTR; waiting for ^\\\n"
	.set	m_t2_len, . - m_t2
m_t3:	.ascii	"sigtest: ^\\: SIGQUIT, read -EINTR\n"
	.set	m_t3_len, . - m_t3
ttys0:	.asciz	"/dev/ttyS0"
m_c8:	.ascii	"sigtest: SIGSTOP stopped a child and SIGCONT resumed it: SIGCHLD CLD_STOPPED then CLD_CONTINUED\n"
	.set	m_c8_len, . - m_c8
m_cdone: .ascii	"sigtest: children passed\n"
	.set	m_cdone_len, . - m_cdone
m_fail:	.ascii	"sigtest: FAIL "
	.set	m_fail_len, . - m_fail

	.data
mypid:	.quad	0
no_badsel: .byte 0			/* argv[1] "pvm": 5c left out */
	.balign	8
act:	.quad	0, 0, 0, 0
oact:	.quad	0, 0, 0, 0
ss_new:	.quad	0, 0, 0
ss_old:	.quad	0, 0, 0
set:	.quad	0
set2:	.quad	0
cur:	.quad	0
pend:	.quad	0
usr1_count: .quad 0
usr2_count: .quad 0
int_count: .quad 0
int_mask: .quad	0
segv_count: .quad 0
segv_signo: .quad 0
segv_addr: .quad 0
segv_code: .quad 0
segv_trapno: .quad 0
segv_err: .quad	0
segv_cr2: .quad	0
segv_rip: .quad	0
segv_resume: .quad 0
segv_cs: .quad	0
segv_ss: .quad	0
badsel_off: .quad 0
badsel_sel: .quad 0
/* badsel_cases: (sigcontext offset, selector) for 5c: SS past the GDT's
 * 16 entries (index 1000), SS the kernel's data segment, SS a code
 * segment (__USER32_CS), SS the TSS (a system descriptor), SS null, CS
 * the kernel's code segment */
badsel_cases:
	.short	SC_SS, 1000 << 3 | 3
	.short	SC_SS, 0x18
	.short	SC_SS, 0x23
	.short	SC_SS, 0x40
	.short	SC_SS, 0
	.short	SC_CS, 0x10
badsel_end:
child:	.quad	0
ttyfd:	.quad	0
child_a: .quad	0
status:	.quad	0
chld_count: .quad 0
chld_code: .quad 0
chld_pid: .quad	0
chld_status: .quad 0
spin_flag: .quad 0
spin_rip: .quad	0
wake_count: .quad 0
wake_rip: .quad	0
wake_rax: .quad	0

	.bss
	.balign	16
altstack: .space ALTSTACK_SIZE
numbuf:	.space	24
