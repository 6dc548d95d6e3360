/*
 * proctest: gokern's test program for processes (issue 14: arch_prctl,
 * fork with copy-on-write, execve, exit and wait, the process cap). No
 * libc, only system calls; built by internal/userprog with GNU as and ld
 * (static ET_EXEC) and booted as init: rdinit=/proctest -- <mode>.
 *
 * Every check that fails prints "proctest: FAIL <n>" (n names the check,
 * grep for "FAILIF ... <n>") and exits 1; a run that passes prints its
 * lines and exits 0.
 *
 * Modes (argv[1]):
 *   tls     arch_prctl: SET_FS/GET_FS/SET_GS/GET_GS and their errors;
 *           %fs:0 and %gs:0 read across 1000 system calls, across ticks
 *           taken in user mode (getrusage's ru_utime must grow), and
 *           across context switches between a parent and a child that
 *           set different bases (ru_nivcsw must grow in both)
 *   fork    copy-on-write: parent and child see their own value of a
 *           page after each writes; wait4 statuses (exit 7, a SIGSEGV,
 *           WNOHANG, -ECHILD), waitid's siginfo, an orphan reaped by
 *           init once it is reparented (getppid becomes 1)
 *   exec    execve from a child: argv and envp arrive, O_CLOEXEC closes,
 *           the status comes back; -ENOENT, -ENOEXEC, -EFAULT
 *   child   (exec's target) checks its arguments and descriptors
 *   bomb    every process forks until fork says -EAGAIN, then exits;
 *           init reaps them all and forks once more
 *   oom     a child touches more anonymous memory than the machine has:
 *           the kernel kills it with SIGKILL, init carries on
 *   bench   fork+exit+wait round trips, and pipe ping-pong round trips
 *           between two processes, in TSC cycles
 */
	.set	NR_read, 0
	.set	NR_write, 1
	.set	NR_open, 2
	.set	NR_close, 3
	.set	NR_mmap, 9
	.set	NR_getpid, 39
	.set	NR_clone, 56
	.set	NR_fork, 57
	.set	NR_vfork, 58
	.set	NR_execve, 59
	.set	NR_exit, 60
	.set	NR_wait4, 61
	.set	NR_getrusage, 98
	.set	NR_getppid, 110
	.set	NR_arch_prctl, 158
	.set	NR_exit_group, 231
	.set	NR_waitid, 247
	.set	NR_pipe2, 293
	.set	PINGPONG, 1000

	.set	ARCH_SET_GS, 0x1001
	.set	ARCH_SET_FS, 0x1002
	.set	ARCH_GET_FS, 0x1003
	.set	ARCH_GET_GS, 0x1004
	.set	WNOHANG, 1
	.set	WEXITED, 4
	.set	P_PID, 1
	.set	O_CLOEXEC, 0x80000
	.set	SIGCHLD, 17

	.set	EPERM, 1
	.set	ENOENT, 2
	.set	ENOEXEC, 8
	.set	ECHILD, 10
	.set	EAGAIN, 11
	.set	EFAULT, 14
	.set	EINVAL, 22

	.set	MAGIC_A, 0x1111aaaa2222bbbb
	.set	MAGIC_B, 0x3333cccc4444dddd
	.set	MAGIC_GS, 0x5555eeee6666ffff

/* FAILIF cc, n: if the flags say cc, fail with check number n */
	.macro	FAILIF cc, n
	j\cc	.Lfail\@
	jmp	.Lok\@
.Lfail\@:
	mov	$\n, %edi
	jmp	fail
.Lok\@:
	.endm

/* SYS nr: the system call nr with the arguments already in place */
	.macro	SYS nr
	mov	$\nr, %eax
	syscall
	.endm

/* PRINT label: write the string label (length label_len) */
	.macro	PRINT s
	lea	\s(%rip), %rsi
	mov	$\s\()_len, %edx
	call	write1
	.endm

	.text
	.globl	_start
_start:
	mov	(%rsp), %r12		/* argc */
	lea	8(%rsp), %r13		/* argv */
	lea	16(%rsp,%r12,8), %rax	/* envp */
	mov	%rax, envp(%rip)
	cmp	$2, %r12
	jb	usage
	mov	8(%r13), %rbx		/* argv[1] */
	mov	(%rbx), %eax
	cmp	$0x00736c74, %eax	/* "tls\0" */
	je	tls
	cmp	$0x6b726f66, %eax	/* "fork" */
	je	fork
	cmp	$0x63657865, %eax	/* "exec" */
	je	exec
	cmp	$0x6c696863, %eax	/* "chil" */
	je	child
	cmp	$0x626d6f62, %eax	/* "bomb" */
	je	bomb
	cmp	$0x006d6f6f, %eax	/* "oom\0" */
	je	oom
	cmp	$0x636e6562, %eax	/* "benc" */
	je	bench
usage:
	mov	$99, %edi
	jmp	fail

/* ---------------------------------------------------------------- tls */
tls:
	/* SET_FS to tls_a (whose first word is MAGIC_A), GET_FS back */
	movabs	$MAGIC_A, %rax
	mov	%rax, tls_a(%rip)
	mov	$ARCH_SET_FS, %edi
	lea	tls_a(%rip), %rsi
	SYS	NR_arch_prctl
	test	%rax, %rax
	FAILIF	nz, 1
	mov	$ARCH_GET_FS, %edi
	lea	scratch(%rip), %rsi
	SYS	NR_arch_prctl
	test	%rax, %rax
	FAILIF	nz, 2
	lea	tls_a(%rip), %rax
	cmp	scratch(%rip), %rax
	FAILIF	ne, 3
	/* SET_GS to gs_blk (MAGIC_GS), GET_GS back */
	movabs	$MAGIC_GS, %rax
	mov	%rax, gs_blk(%rip)
	mov	$ARCH_SET_GS, %edi
	lea	gs_blk(%rip), %rsi
	SYS	NR_arch_prctl
	test	%rax, %rax
	FAILIF	nz, 4
	mov	$ARCH_GET_GS, %edi
	lea	scratch(%rip), %rsi
	SYS	NR_arch_prctl
	lea	gs_blk(%rip), %rax
	cmp	scratch(%rip), %rax
	FAILIF	ne, 5
	/* errors: a kernel address (-EPERM), a bad pointer (-EFAULT), a
	 * code arch_prctl does not have (-EINVAL) */
	mov	$ARCH_SET_FS, %edi
	movabs	$0xfffffe0000001000, %rsi
	SYS	NR_arch_prctl
	cmp	$-EPERM, %rax
	FAILIF	ne, 6
	mov	$ARCH_GET_FS, %edi
	mov	$0x10, %esi
	SYS	NR_arch_prctl
	cmp	$-EFAULT, %rax
	FAILIF	ne, 7
	mov	$0x9999, %edi
	xor	%esi, %esi
	SYS	NR_arch_prctl
	cmp	$-EINVAL, %rax
	FAILIF	ne, 8
	call	check_a
	PRINT	m_prctl
	/* 1000 system calls, %fs:0 and %gs:0 checked after each */
	mov	$1000, %ebx
1:	SYS	NR_getpid
	call	check_a
	dec	%ebx
	jnz	1b
	PRINT	m_sys
	/* ticks in user mode: spin, checking, until ru_utime has grown by
	 * at least 40 ms (10 ticks at HZ=250) */
	call	utime_us
	mov	%rax, %r14
2:	mov	$100000, %ebx
3:	call	check_a
	dec	%ebx
	jnz	3b
	call	utime_us
	sub	%r14, %rax
	cmp	$40000, %rax
	jb	2b
	mov	%rax, %r14
	PRINT	m_tick
	mov	%r14, %rax
	call	writenum_ms
	/* context switches: a child sets its own bases; both spin,
	 * checking theirs, until getrusage counts 3 involuntary switches */
	SYS	NR_fork
	test	%rax, %rax
	FAILIF	s, 9
	jz	tls_child
	mov	%rax, %r15		/* the child's pid */
	call	spin_switches
	mov	%rax, %r14		/* switches seen */
	/* keep competing for the CPU until the child is done: it needs
	 * this process runnable to be preempted itself */
4:	mov	%r15, %rdi
	lea	status(%rip), %rsi
	mov	$WNOHANG, %edx
	xor	%r10d, %r10d
	SYS	NR_wait4
	test	%rax, %rax
	jnz	5f
	mov	$10000, %ebx
6:	call	check_a
	dec	%ebx
	jnz	6b
	jmp	4b
5:	cmp	%r15, %rax
	FAILIF	ne, 10
	cmpl	$0, status(%rip)
	FAILIF	ne, 11		/* the child found a wrong %fs:0 or %gs:0 */
	call	check_a
	PRINT	m_switch
	mov	%r14, %rax
	call	writenum
	jmp	pass
tls_child:
	movabs	$MAGIC_B, %rax
	mov	%rax, tls_b(%rip)
	mov	$ARCH_SET_FS, %edi
	lea	tls_b(%rip), %rsi
	SYS	NR_arch_prctl
	mov	$ARCH_SET_GS, %edi
	lea	tls_b(%rip), %rsi
	SYS	NR_arch_prctl
	movabs	$MAGIC_B, %r8
	mov	%r8, %r9
	call	spin_switches_r8
	jmp	exit0

/* check_a: %fs:0 must be MAGIC_A and %gs:0 MAGIC_GS */
check_a:
	movabs	$MAGIC_A, %r8
	movabs	$MAGIC_GS, %r9
check_r8:
	cmp	%fs:0, %r8
	FAILIF	ne, 20
	cmp	%gs:0, %r9
	FAILIF	ne, 21
	ret

/* spin_switches: check_a until ru_nivcsw >= 3; %rax = ru_nivcsw.
 * spin_switches_r8: the same with %fs:0 == %r8, %gs:0 == %r9. */
spin_switches:
	movabs	$MAGIC_A, %r8
	movabs	$MAGIC_GS, %r9
spin_switches_r8:
	push	%rbx
1:	mov	$10000, %ebx
2:	call	check_r8
	dec	%ebx
	jnz	2b
	xor	%edi, %edi		/* RUSAGE_SELF */
	lea	rusage(%rip), %rsi
	SYS	NR_getrusage
	mov	rusage+136(%rip), %rax	/* ru_nivcsw */
	cmp	$3, %rax
	jb	1b
	pop	%rbx
	ret

/* utime_us: %rax = ru_utime in microseconds */
utime_us:
	xor	%edi, %edi
	lea	rusage(%rip), %rsi
	SYS	NR_getrusage
	test	%rax, %rax
	FAILIF	nz, 22
	imul	$1000000, rusage(%rip), %rax
	add	rusage+8(%rip), %rax
	ret

/* --------------------------------------------------------------- fork */
fork:
	/* copy-on-write: cow_word is 1, present and writable before fork */
	movq	$1, cow_word(%rip)
	SYS	NR_fork
	test	%rax, %rax
	FAILIF	s, 30
	jz	cow_child
	mov	%rax, %r15
	/* the parent writes 3 at once: a COW fault, its own copy */
	movq	$3, cow_word(%rip)
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 31
	cmpl	$0, status(%rip)
	FAILIF	ne, 32		/* the child saw the parent's write, or its own was lost */
	cmpq	$3, cow_word(%rip)
	FAILIF	ne, 33		/* the child's write reached the parent */
	PRINT	m_cow
	/* exit(7): status 0x700 */
	SYS	NR_fork
	test	%rax, %rax
	jnz	1f
	mov	$7, %edi
	SYS	NR_exit
1:	mov	%rax, %r15
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 34
	cmpl	$0x700, status(%rip)
	FAILIF	ne, 35
	PRINT	m_exit7
	/* a NULL dereference: killed by SIGSEGV, status 11 */
	SYS	NR_fork
	test	%rax, %rax
	jnz	1f
	mov	0, %rax
	jmp	exit0
1:	mov	%rax, %r15
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 36
	cmpl	$11, status(%rip)
	FAILIF	ne, 37
	PRINT	m_segv
	/* WNOHANG while the child runs: 0; then waitid(P_PID) for it */
	SYS	NR_fork
	test	%rax, %rax
	jnz	1f
	mov	$20000000, %ecx	/* spin a while, then exit(5) */
2:	dec	%ecx
	jnz	2b
	mov	$5, %edi
	SYS	NR_exit
1:	mov	%rax, %r15
	mov	$-1, %rdi
	lea	status(%rip), %rsi
	mov	$WNOHANG, %edx
	xor	%r10d, %r10d
	SYS	NR_wait4
	test	%rax, %rax
	FAILIF	nz, 38
	mov	$P_PID, %edi
	mov	%r15, %rsi
	lea	siginfo(%rip), %rdx
	mov	$WEXITED, %r10d
	xor	%r8d, %r8d
	SYS	NR_waitid
	test	%rax, %rax
	FAILIF	nz, 39
	cmpl	$SIGCHLD, siginfo(%rip)		/* si_signo */
	FAILIF	ne, 40
	cmpl	$1, siginfo+8(%rip)		/* si_code: CLD_EXITED */
	FAILIF	ne, 41
	cmp	siginfo+16(%rip), %r15d		/* si_pid */
	FAILIF	ne, 42
	cmpl	$5, siginfo+24(%rip)		/* si_status */
	FAILIF	ne, 43
	PRINT	m_waitid
	/* no children left: -ECHILD, with and without WNOHANG */
	mov	$-1, %rdi
	xor	%esi, %esi
	mov	$WNOHANG, %edx
	xor	%r10d, %r10d
	SYS	NR_wait4
	cmp	$-ECHILD, %rax
	FAILIF	ne, 44
	mov	$-1, %rdi
	xor	%esi, %esi
	xor	%edx, %edx
	SYS	NR_wait4
	cmp	$-ECHILD, %rax
	FAILIF	ne, 45
	PRINT	m_echild
	/* an orphan: the child forks a grandchild and exits; the
	 * grandchild waits until its parent is init (pid 1), exits 9;
	 * init reaps the child, then the grandchild */
	SYS	NR_fork
	test	%rax, %rax
	jnz	1f
	SYS	NR_fork
	test	%rax, %rax
	jz	3f
	xor	%edi, %edi
	SYS	NR_exit			/* the child */
3:	SYS	NR_getppid		/* the grandchild */
	cmp	$1, %rax
	jne	3b
	mov	$9, %edi
	SYS	NR_exit
1:	mov	%rax, %r15
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 46
	call	wait_status		/* the grandchild, adopted */
	test	%rax, %rax
	FAILIF	le, 47
	cmp	%r15, %rax
	FAILIF	e, 48
	cmpl	$0x900, status(%rip)
	FAILIF	ne, 49
	PRINT	m_orphan
	jmp	pass

cow_child:
	/* the parent's write must not show; the child's own write must
	 * stay its own */
	cmpq	$1, cow_word(%rip)
	jne	1f
	movq	$2, cow_word(%rip)
	cmpq	$2, cow_word(%rip)
	jne	1f
	jmp	exit0
1:	mov	$1, %edi
	SYS	NR_exit

/* wait_status: wait4(-1, &status, 0, NULL); %rax = the pid or error */
wait_status:
	mov	$-1, %rdi
	lea	status(%rip), %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	SYS	NR_wait4
	ret

/* --------------------------------------------------------------- exec */
exec:
	/* two descriptors on our own file: one O_CLOEXEC (fd 3), one not
	 * (fd 4) */
	mov	(%r13), %rdi
	mov	$O_CLOEXEC, %esi
	SYS	NR_open
	cmp	$3, %rax
	FAILIF	ne, 60
	mov	(%r13), %rdi
	xor	%esi, %esi
	SYS	NR_open
	cmp	$4, %rax
	FAILIF	ne, 61
	/* failures first, in this process: nothing changes */
	lea	s_missing(%rip), %rdi
	lea	argv_child(%rip), %rsi
	xor	%edx, %edx
	SYS	NR_execve
	cmp	$-ENOENT, %rax
	FAILIF	ne, 62
	lea	s_badmagic(%rip), %rdi
	lea	argv_child(%rip), %rsi
	xor	%edx, %edx
	SYS	NR_execve
	cmp	$-ENOEXEC, %rax
	FAILIF	ne, 63
	mov	$0x10, %edi		/* a bad file name pointer */
	lea	argv_child(%rip), %rsi
	xor	%edx, %edx
	SYS	NR_execve
	cmp	$-EFAULT, %rax
	FAILIF	ne, 64
	mov	(%r13), %rdi
	lea	argv_bad(%rip), %rsi	/* argv[1] a bad pointer */
	xor	%edx, %edx
	SYS	NR_execve
	cmp	$-EFAULT, %rax
	FAILIF	ne, 65
	mov	(%r13), %rdi
	mov	$0x10, %esi		/* argv itself a bad pointer */
	xor	%edx, %edx
	SYS	NR_execve
	cmp	$-EFAULT, %rax
	FAILIF	ne, 66
	PRINT	m_execerr
	/* vfork + execve of ourselves as "child", with an environment */
	SYS	NR_vfork
	test	%rax, %rax
	FAILIF	s, 67
	jnz	1f
	mov	(%r13), %rdi
	lea	argv_child(%rip), %rsi
	lea	envp_child(%rip), %rdx
	SYS	NR_execve
	mov	$1, %edi		/* execve failed */
	SYS	NR_exit
1:	mov	%rax, %r15
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 68
	cmpl	$0x2a00, status(%rip)	/* the child's exit(42) */
	FAILIF	ne, 69
	PRINT	m_exec
	jmp	pass

/* child: argv must be "child", "one"; envp "GOKERN=proc"; fd 3 closed by
 * O_CLOEXEC, fd 4 open; then exit(42) */
child:
	cmp	$3, %r12
	FAILIF	ne, 70
	mov	16(%r13), %rsi
	lea	s_one(%rip), %rdi
	call	streq
	FAILIF	ne, 71
	mov	envp(%rip), %rax
	mov	(%rax), %rsi
	test	%rsi, %rsi
	FAILIF	z, 72
	lea	s_env(%rip), %rdi
	call	streq
	FAILIF	ne, 73
	mov	$3, %edi
	SYS	NR_close
	cmp	$-9, %rax		/* -EBADF: closed at exec */
	FAILIF	ne, 74
	mov	$4, %edi
	SYS	NR_close
	test	%rax, %rax
	FAILIF	nz, 75
	PRINT	m_child
	mov	$42, %edi
	SYS	NR_exit_group

/* --------------------------------------------------------------- bomb */
bomb:
	/* every process forks until -EAGAIN; a child goes on forking, a
	 * parent that got -EAGAIN exits(0) (init stops instead) */
	xor	%r14d, %r14d		/* forks this process made */
1:	SYS	NR_fork
	test	%rax, %rax
	jz	2f
	js	3f
	inc	%r14
	jmp	1b
2:	movb	$1, is_child(%rip)	/* a child: its own count from 0 */
	xor	%r14d, %r14d
	jmp	1b
3:	cmp	$-EAGAIN, %rax
	FAILIF	ne, 80
	cmpb	$0, is_child(%rip)
	jz	4f
	xor	%edi, %edi
	SYS	NR_exit
4:	/* init: reap everyone (children and adopted grandchildren) */
	xor	%ebx, %ebx
5:	call	wait_status
	cmp	$-ECHILD, %rax
	je	6f
	test	%rax, %rax
	FAILIF	s, 81
	cmpl	$0, status(%rip)
	FAILIF	ne, 82
	inc	%rbx
	jmp	5b
6:	test	%rbx, %rbx
	FAILIF	z, 83
	PRINT	m_bomb
	mov	%rbx, %rax
	call	writenum
	/* the kernel survived: a fork works again */
	SYS	NR_fork
	test	%rax, %rax
	FAILIF	s, 84
	jnz	7f
	xor	%edi, %edi
	SYS	NR_exit
7:	call	wait_status
	test	%rax, %rax
	FAILIF	le, 85
	PRINT	m_bomb2
	jmp	pass

/* ---------------------------------------------------------------- oom */
oom:
	SYS	NR_fork
	test	%rax, %rax
	FAILIF	s, 90
	jnz	2f
	/* the child: 1 GiB of anonymous memory, one write a page */
	xor	%edi, %edi
	mov	$0x40000000, %esi
	mov	$3, %edx		/* PROT_READ|PROT_WRITE */
	mov	$0x22, %r10d		/* MAP_PRIVATE|MAP_ANONYMOUS */
	mov	$-1, %r8
	xor	%r9d, %r9d
	SYS	NR_mmap
	cmp	$-4096, %rax
	ja	3f
1:	movb	$1, (%rax)
	add	$4096, %rax
	jmp	1b
3:	mov	$2, %edi		/* mmap refused: not what we test */
	SYS	NR_exit
2:	mov	%rax, %r15
	call	wait_status
	cmp	%r15, %rax
	FAILIF	ne, 91
	cmpl	$9, status(%rip)	/* killed by SIGKILL */
	FAILIF	ne, 92
	PRINT	m_oom
	/* and init goes on: a fork still works */
	SYS	NR_fork
	test	%rax, %rax
	jnz	4f
	xor	%edi, %edi
	SYS	NR_exit
4:	call	wait_status
	test	%rax, %rax
	FAILIF	le, 93
	jmp	pass

/* -------------------------------------------------------------- bench */
bench:
	/* 200 rounds of fork + exit + wait4: TSC cycles per round */
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r14
	mov	$200, %ebx
1:	SYS	NR_fork
	test	%rax, %rax
	jnz	2f
	xor	%edi, %edi
	SYS	NR_exit
2:	call	wait_status
	test	%rax, %rax
	FAILIF	le, 95
	dec	%ebx
	jnz	1b
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$200, %ecx
	div	%rcx
	push	%rax
	PRINT	m_bench
	pop	%rax
	call	writenum

	/* pipe ping-pong: PINGPONG round trips of one byte between this
	 * process and a child, over two pipes; each round is two pipe
	 * wake-ups and two context switches on one CPU */
	lea	pipe_a(%rip), %rdi
	xor	%esi, %esi
	SYS	NR_pipe2
	test	%rax, %rax
	FAILIF	nz, 96
	lea	pipe_b(%rip), %rdi
	xor	%esi, %esi
	SYS	NR_pipe2
	test	%rax, %rax
	FAILIF	nz, 96
	SYS	NR_fork
	test	%rax, %rax
	jnz	6f
	/* child: echo each byte from a to b until EOF (a's write end
	 * closed here, so that the parent's close ends it) */
	movslq	pipe_a+4(%rip), %rdi
	SYS	NR_close
5:	movslq	pipe_a(%rip), %rdi
	lea	scratch(%rip), %rsi
	mov	$1, %edx
	SYS	NR_read
	cmp	$1, %rax
	jne	exit0
	movslq	pipe_b+4(%rip), %rdi
	lea	scratch(%rip), %rsi
	mov	$1, %edx
	SYS	NR_write
	jmp	5b
6:	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r14
	mov	$PINGPONG, %ebx
7:	movslq	pipe_a+4(%rip), %rdi
	lea	scratch(%rip), %rsi
	mov	$1, %edx
	SYS	NR_write
	cmp	$1, %rax
	FAILIF	ne, 97
	movslq	pipe_b(%rip), %rdi
	lea	scratch(%rip), %rsi
	mov	$1, %edx
	SYS	NR_read
	cmp	$1, %rax
	FAILIF	ne, 97
	dec	%ebx
	jnz	7b
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$PINGPONG, %ecx
	div	%rcx
	push	%rax
	/* the child reads EOF and exits */
	movslq	pipe_a+4(%rip), %rdi
	SYS	NR_close
	call	wait_status
	test	%rax, %rax
	FAILIF	le, 98
	PRINT	m_pingpong
	pop	%rax
	call	writenum
	jmp	pass

/* ------------------------------------------------------------- common */
pass:
	PRINT	m_pass
exit0:
	xor	%edi, %edi
	SYS	NR_exit_group

/* fail: check number in %edi */
fail:
	push	%rdi
	PRINT	m_fail
	pop	%rax
	call	writenum
	mov	$1, %edi
	SYS	NR_exit_group

/* writenum_ms: %rax microseconds as "<n> ms\n" */
writenum_ms:
	xor	%edx, %edx
	mov	$1000, %ecx
	div	%rcx
	call	writedec
	lea	m_ms(%rip), %rsi
	mov	$m_ms_len, %edx
	jmp	write1

	.section .rodata
m_ms:	.ascii	" ms\n"
	.set	m_ms_len, . - m_ms
m_prctl: .ascii	"proctest: arch_prctl: SET_FS/GET_FS, SET_GS/GET_GS; a kernel address -EPERM, a bad pointer -EFAULT, a bad code -EINVAL\n"
	.set	m_prctl_len, . - m_prctl
m_sys:	.ascii	"proctest: %fs:0 and %gs:0 survived 1000 system calls\n"
	.set	m_sys_len, . - m_sys
m_tick:	.ascii	"proctest: %fs:0 and %gs:0 survived ticks in user mode, user time "
	.set	m_tick_len, . - m_tick
m_switch: .ascii "proctest: parent and child kept their own %fs:0 and %gs:0 across context switches, involuntary switches "
	.set	m_switch_len, . - m_switch
m_cow:	.ascii	"proctest: fork: parent and child each see their own write (copy-on-write)\n"
	.set	m_cow_len, . - m_cow
m_exit7: .ascii	"proctest: wait4: exit(7) gives status 0x700\n"
	.set	m_exit7_len, . - m_exit7
m_segv:	.ascii	"proctest: wait4: a NULL dereference gives status 11 (SIGSEGV)\n"
	.set	m_segv_len, . - m_segv
m_waitid: .ascii "proctest: wait4 WNOHANG 0 while the child runs; waitid: SIGCHLD, CLD_EXITED, the pid, status 5\n"
	.set	m_waitid_len, . - m_waitid
m_echild: .ascii "proctest: wait4 with no children: -ECHILD\n"
	.set	m_echild_len, . - m_echild
m_orphan: .ascii "proctest: an orphan is reparented to init (getppid 1) and init reaps it: status 0x900\n"
	.set	m_orphan_len, . - m_orphan
m_execerr: .ascii "proctest: execve: -ENOENT, -ENOEXEC, -EFAULT (name, argv[1], argv)\n"
	.set	m_execerr_len, . - m_execerr
m_child: .ascii	"proctest: exec'd child: argv, envp, O_CLOEXEC closed fd 3, fd 4 open\n"
	.set	m_child_len, . - m_child
m_exec:	.ascii	"proctest: vfork + execve: the child's exit(42) came back\n"
	.set	m_exec_len, . - m_exec
m_bomb:	.ascii	"proctest: fork bomb stopped by -EAGAIN; init reaped "
	.set	m_bomb_len, . - m_bomb
m_bomb2: .ascii	"proctest: after the bomb, fork works again\n"
	.set	m_bomb2_len, . - m_bomb2
m_oom:	.ascii	"proctest: the child that ate all memory was killed by SIGKILL\n"
	.set	m_oom_len, . - m_oom
m_bench: .ascii	"proctest: fork+exit+wait round trip, TSC cycles: "
	.set	m_bench_len, . - m_bench
m_pingpong: .ascii "proctest: pipe ping-pong between two processes, round trip, TSC cycles: "
	.set	m_pingpong_len, . - m_pingpong
m_pass:	.ascii	"proctest: PASS\n"
	.set	m_pass_len, . - m_pass
m_fail:	.ascii	"proctest: FAIL "
	.set	m_fail_len, . - m_fail
s_missing: .asciz "/no/such/program"
s_badmagic: .asciz "/bad-magic"
s_child: .asciz	"child"
s_one:	.asciz	"one"
s_env:	.asciz	"GOKERN=proc"

	.data
	.balign	8
argv_child: .quad s_self, s_child, s_one, 0
argv_bad: .quad	s_self, 0x10, 0
envp_child: .quad s_env, 0
s_self:	.asciz	"/proctest"

	.data
	.balign	4096
/* cow_word: a page of its own, written before fork */
cow_word: .quad	0
	.balign	4096
tls_a:	.quad	0
tls_b:	.quad	0
gs_blk:	.quad	0
scratch: .quad	0
envp:	.quad	0
status:	.long	0
pipe_a:	.long	0, 0
pipe_b:	.long	0, 0
is_child: .byte	0
	.balign	8
rusage:	.space	144
siginfo: .space	128

	.bss
