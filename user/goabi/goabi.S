/*
 * goabi: the system calls a Go program's runtime makes that gokern's
 * issue 15 adds, one at a time from user mode, each result printed as
 * "goabi: what = value" (docs/go-on-gokern.md §3). GNU as, no libc: it
 * runs before the Go runtime can, and checks the calls underneath it.
 * Built by internal/userprog (BuildAsm) as a static ET_EXEC; the boot
 * test TestGoABI boots it as rdinit=/goabi and compares every line.
 */
	.set	NR_read, 0
	.set	NR_write, 1
	.set	NR_open, 2
	.set	NR_mmap, 9
	.set	NR_sched_yield, 24
	.set	NR_madvise, 28
	.set	NR_exit_group, 231
	.set	NR_futex, 202
	.set	NR_sched_getaffinity, 204
	.set	NR_epoll_ctl, 233
	.set	NR_epoll_pwait, 281
	.set	NR_eventfd2, 290
	.set	NR_epoll_create1, 291
	.set	FUTEX_WAIT_PRIVATE, 128
	.set	FUTEX_WAKE_PRIVATE, 129
	.set	EPOLLIN, 1
	.set	EPOLLET, 0x80000000
	.set	MADV_DONTNEED, 4
	.set	MADV_HUGEPAGE, 14
	.set	NR_getpid, 39
	.set	NR_getrlimit, 97
	.set	NR_setrlimit, 160
	.set	NR_prlimit64, 302
	.set	RLIMIT_NOFILE, 7
	.set	NR_clone, 56
	.set	NR_exit, 60
	.set	NR_arch_prctl, 158
	.set	NR_gettid, 186
	.set	NR_tgkill, 234
	.set	ARCH_GET_FS, 0x1003
	.set	FUTEX_WAIT, 0
	.set	PINGPONG, 1000
	/* CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
	 * CLONE_SYSVSEM|CLONE_SETTLS (the Go runtime's), and the C
	 * library's CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID */
	.set	CLONE_FLAGS, 0x13d0f00

/* REPORT name: print the string name and %rax */
.macro	REPORT name
	lea	\name(%rip), %rsi
	call	report
.endm

	.text
	.globl	_start
_start:
	/* sched_getaffinity(0, 8, &mask): 8 bytes, the online CPUs */
	mov	$NR_sched_getaffinity, %eax
	xor	%edi, %edi
	mov	$8, %esi
	lea	mask(%rip), %rdx
	syscall
	REPORT	s_aff
	mov	mask(%rip), %rax
	REPORT	s_mask
	/* too short for nr_cpu_ids bits: -EINVAL */
	mov	$NR_sched_getaffinity, %eax
	xor	%edi, %edi
	mov	$4, %esi
	lea	mask(%rip), %rdx
	syscall
	REPORT	s_aff4
	mov	$NR_sched_yield, %eax
	syscall
	REPORT	s_yield

	/* futex: the word holds 0 */
	mov	$NR_futex, %eax
	lea	word(%rip), %rdi
	mov	$FUTEX_WAIT_PRIVATE, %esi
	mov	$1, %edx
	xor	%r10d, %r10d
	syscall
	REPORT	s_fwait1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r15
	mov	$NR_futex, %eax
	lea	word(%rip), %rdi
	mov	$FUTEX_WAIT_PRIVATE, %esi
	xor	%edx, %edx
	lea	ts20ms(%rip), %r10
	syscall
	mov	%rax, %r14
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r15, %rax
	REPORT	s_fcycles
	mov	%r14, %rax
	REPORT	s_fwait0
	mov	$NR_futex, %eax
	lea	word(%rip), %rdi
	mov	$FUTEX_WAKE_PRIVATE, %esi
	mov	$1, %edx
	syscall
	REPORT	s_fwake
	mov	$NR_futex, %eax
	lea	word+1(%rip), %rdi
	mov	$FUTEX_WAIT_PRIVATE, %esi
	xor	%edx, %edx
	xor	%r10d, %r10d
	syscall
	REPORT	s_funal
	mov	$NR_futex, %eax
	lea	word(%rip), %rdi
	mov	$5, %esi		/* FUTEX_WAKE_OP */
	xor	%edx, %edx
	syscall
	REPORT	s_fop

	/* the netpoller: epoll_create1, eventfd2, EPOLL_CTL_ADD */
	mov	$NR_epoll_create1, %eax
	mov	$0x80000, %edi		/* EPOLL_CLOEXEC */
	syscall
	mov	%rax, %r12
	REPORT	s_epc
	mov	$NR_eventfd2, %eax
	xor	%edi, %edi
	mov	$0x80800, %esi		/* EFD_CLOEXEC|EFD_NONBLOCK */
	syscall
	mov	%rax, %r13
	REPORT	s_efd
	movl	$(EPOLLIN|EPOLLET), ev(%rip)
	movq	$0x1234, ev+4(%rip)
	mov	$NR_epoll_ctl, %eax
	mov	%r12, %rdi
	mov	$1, %esi		/* EPOLL_CTL_ADD */
	mov	%r13, %rdx
	lea	ev(%rip), %r10
	syscall
	REPORT	s_ctl
	call	pwait0
	REPORT	s_pw0
	mov	$NR_write, %eax
	mov	%r13, %rdi
	lea	one(%rip), %rsi
	mov	$8, %edx
	syscall
	REPORT	s_efdw
	mov	$NR_epoll_pwait, %eax
	mov	%r12, %rdi
	lea	evs(%rip), %rsi
	mov	$128, %edx
	mov	$-1, %r10
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	syscall
	REPORT	s_pw1
	mov	evs(%rip), %eax
	REPORT	s_pwev
	mov	evs+4(%rip), %rax
	REPORT	s_pwdata
	call	pwait0			/* edge-triggered: nothing new */
	REPORT	s_pw2
	/* a regular file cannot be watched: -EPERM */
	mov	$NR_open, %eax
	lea	initpath(%rip), %rdi
	xor	%esi, %esi
	syscall
	mov	%rax, %rdx
	mov	%r12, %rdi
	mov	$1, %esi
	lea	ev(%rip), %r10
	mov	$NR_epoll_ctl, %eax
	syscall
	REPORT	s_ctlreg
	/* the runtime's huge page size: absent, as on a kernel without THP */
	mov	$NR_open, %eax
	lea	thp(%rip), %rdi
	xor	%esi, %esi
	syscall
	REPORT	s_thp

	/* madvise: two touched pages dropped, read back as zeros */
	mov	$NR_mmap, %eax
	xor	%edi, %edi
	mov	$8192, %esi
	mov	$3, %edx		/* PROT_READ|PROT_WRITE */
	mov	$0x22, %r10d		/* MAP_PRIVATE|MAP_ANONYMOUS */
	mov	$-1, %r8
	xor	%r9d, %r9d
	syscall
	mov	%rax, %rbx
	movb	$0x5a, (%rbx)
	movb	$0x5a, 4096(%rbx)
	mov	$NR_madvise, %eax
	mov	%rbx, %rdi
	mov	$8192, %esi
	mov	$MADV_DONTNEED, %edx
	syscall
	REPORT	s_madv
	movzbl	(%rbx), %eax
	movzbl	4096(%rbx), %ecx
	add	%ecx, %eax
	REPORT	s_madvrd
	mov	$NR_madvise, %eax
	lea	1(%rbx), %rdi
	mov	$4096, %esi
	mov	$MADV_DONTNEED, %edx
	syscall
	REPORT	s_madvun
	mov	$NR_madvise, %eax
	mov	%rbx, %rdi
	mov	$4096, %esi
	mov	$MADV_HUGEPAGE, %edx
	syscall
	REPORT	s_madvhp

	/* The os package's RLIMIT_NOFILE: Linux's 1024 soft, 4096 hard
	 * (INR_OPEN_CUR, INR_OPEN_MAX); the hard limit cannot go past
	 * nr_open (gokern's 4096); lowered, it reads back lowered. */
	mov	$NR_prlimit64, %eax
	xor	%edi, %edi
	mov	$RLIMIT_NOFILE, %esi
	xor	%edx, %edx
	lea	rl(%rip), %r10
	syscall
	REPORT	s_prl
	mov	rl(%rip), %rax
	REPORT	s_prlcur
	mov	rl+8(%rip), %rax
	REPORT	s_prlmax
	mov	$NR_prlimit64, %eax
	xor	%edi, %edi
	mov	$RLIMIT_NOFILE, %esi
	lea	rlbig(%rip), %rdx
	xor	%r10d, %r10d
	syscall
	REPORT	s_prlbig
	mov	$NR_prlimit64, %eax
	xor	%edi, %edi
	mov	$16, %esi
	xor	%edx, %edx
	lea	rl(%rip), %r10
	syscall
	REPORT	s_prl16
	mov	$NR_setrlimit, %eax
	mov	$RLIMIT_NOFILE, %edi
	lea	rlsmall(%rip), %rsi
	syscall
	REPORT	s_setrl
	mov	$NR_getrlimit, %eax
	mov	$RLIMIT_NOFILE, %edi
	lea	rl(%rip), %rsi
	syscall
	mov	rl(%rip), %rax
	REPORT	s_getrl

	/* A thread as the Go runtime makes one (newosproc), plus the
	 * C library's tid words: it checks its ids and FS base, then
	 * ping-pongs PINGPONG rounds with this thread over two futex
	 * words, then exits; CLONE_CHILD_CLEARTID wakes the wait below. */
	mov	$NR_arch_prctl, %eax
	mov	$ARCH_GET_FS, %edi
	lea	mainfs(%rip), %rsi
	syscall
	mov	$NR_clone, %eax
	mov	$CLONE_FLAGS, %edi
	lea	tstack_top(%rip), %rsi
	lea	ptid(%rip), %rdx
	lea	ctid(%rip), %r10
	lea	tls(%rip), %r8
	syscall
	test	%rax, %rax
	jz	thread
	mov	%rax, %rbx
	REPORT	s_clone
	/* CLONE_PARENT_SETTID stored the same tid */
	mov	ptid(%rip), %eax
	sub	%ebx, %eax
	REPORT	s_ptid
	/* the thread is in this process: tgkill(getpid(), tid, 0) finds it
	 * (the Go runtime's SIGURG preemption goes this way) */
	mov	$NR_getpid, %eax
	syscall
	mov	%rax, %rdi
	mov	%rbx, %rsi
	xor	%edx, %edx
	mov	$NR_tgkill, %eax
	syscall
	REPORT	s_tgkill
	/* ping-pong: this side waits on pong, wakes ping */
	xor	%r15d, %r15d
5:	cmp	$PINGPONG, %r15d
	je	7f
6:	mov	pong(%rip), %eax
	test	%eax, %eax
	jnz	8f
	mov	$NR_futex, %eax
	lea	pong(%rip), %rdi
	mov	$FUTEX_WAIT_PRIVATE, %esi
	xor	%edx, %edx
	xor	%r10d, %r10d
	syscall
	jmp	6b
8:	movl	$0, pong(%rip)
	lock incl	count(%rip)
	movl	$1, ping(%rip)
	mov	$NR_futex, %eax
	lea	ping(%rip), %rdi
	mov	$FUTEX_WAKE_PRIVATE, %esi
	mov	$1, %edx
	syscall
	inc	%r15d
	jmp	5b
7:	/* wait for the thread's exit: ctid goes to 0, with a wake-up */
	mov	ctid(%rip), %edx
	test	%edx, %edx
	jz	9f
	mov	$NR_futex, %eax
	lea	ctid(%rip), %rdi
	mov	$FUTEX_WAIT, %esi	/* shared: the C library's pthread_join */
	xor	%r10d, %r10d
	syscall
	jmp	7b
9:	mov	count(%rip), %eax
	REPORT	s_rounds
	mov	tid_seen(%rip), %eax
	sub	%ebx, %eax
	REPORT	s_tidseen
	mov	pid_seen(%rip), %eax
	REPORT	s_pidseen
	mov	fs_seen(%rip), %rax
	lea	tls(%rip), %rcx
	sub	%rcx, %rax
	REPORT	s_fsseen
	/* the caller's FS base is its own still */
	mov	$NR_arch_prctl, %eax
	mov	$ARCH_GET_FS, %edi
	lea	fs_now(%rip), %rsi
	syscall
	mov	fs_now(%rip), %rax
	sub	mainfs(%rip), %rax
	REPORT	s_mainfs
	/* CLONE_NEWNS|CLONE_FS: -EINVAL (Linux refuses the pair; gokern
	 * has no mount namespaces and logs the flag once) */
	mov	$NR_clone, %eax
	mov	$0x20200, %edi
	xor	%esi, %esi
	syscall
	REPORT	s_badclone
	jmp	done_thread

thread:
	mov	$NR_gettid, %eax
	syscall
	mov	%eax, tid_seen(%rip)
	mov	$NR_getpid, %eax
	syscall
	mov	%eax, pid_seen(%rip)
	mov	$NR_arch_prctl, %eax
	mov	$ARCH_GET_FS, %edi
	lea	fs_seen(%rip), %rsi
	syscall
	/* ping side: start with the turn, wait on ping */
	xor	%r15d, %r15d
1:	cmp	$PINGPONG, %r15d
	je	3f
	movl	$1, pong(%rip)
	mov	$NR_futex, %eax
	lea	pong(%rip), %rdi
	mov	$FUTEX_WAKE_PRIVATE, %esi
	mov	$1, %edx
	syscall
2:	mov	ping(%rip), %eax
	test	%eax, %eax
	jnz	4f
	mov	$NR_futex, %eax
	lea	ping(%rip), %rdi
	mov	$FUTEX_WAIT_PRIVATE, %esi
	xor	%edx, %edx
	xor	%r10d, %r10d
	syscall
	jmp	2b
4:	movl	$0, ping(%rip)
	inc	%r15d
	jmp	1b
3:	mov	$NR_exit, %eax
	xor	%edi, %edi
	syscall
	hlt
done_thread:

	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

/* pwait0: epoll_pwait(r12, evs, 128, 0, NULL, 0) */
pwait0:
	mov	$NR_epoll_pwait, %eax
	mov	%r12, %rdi
	lea	evs(%rip), %rsi
	mov	$128, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	syscall
	ret

/* report: "goabi: " + the string at %rsi + " = " + %rax signed + "\n" */
report:
	push	%rax
	push	%rsi
	lea	prefix(%rip), %rsi
	mov	$7, %edx
	call	write1
	pop	%rsi
	call	strlen
	call	write1
	lea	eq(%rip), %rsi
	mov	$3, %edx
	call	write1
	pop	%rax
	test	%rax, %rax
	jns	1f
	push	%rax
	lea	minus(%rip), %rsi
	mov	$1, %edx
	call	write1
	pop	%rax
	neg	%rax
1:	jmp	writenum

	.section .rodata
prefix:	.ascii	"goabi: "
eq:	.ascii	" = "
minus:	.ascii	"-"
s_aff:	.asciz	"sched_getaffinity(0, 8)"
s_mask:	.asciz	"affinity mask"
s_aff4:	.asciz	"sched_getaffinity(0, 4)"
s_yield: .asciz	"sched_yield()"
s_fwait1: .asciz "futex(FUTEX_WAIT_PRIVATE, 1) on 0"
s_fcycles: .asciz "futex timed wait TSC cycles"
s_fwait0: .asciz "futex(FUTEX_WAIT_PRIVATE, 0, 20ms) on 0"
s_fwake: .asciz	"futex(FUTEX_WAKE_PRIVATE, 1)"
s_funal: .asciz	"futex(unaligned)"
s_fop:	.asciz	"futex(FUTEX_WAKE_OP)"
s_epc:	.asciz	"epoll_create1(EPOLL_CLOEXEC)"
s_efd:	.asciz	"eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK)"
s_ctl:	.asciz	"epoll_ctl(ADD eventfd, EPOLLIN|EPOLLET)"
s_pw0:	.asciz	"epoll_pwait(timeout 0)"
s_efdw:	.asciz	"write(eventfd, 1)"
s_pw1:	.asciz	"epoll_pwait(timeout -1)"
s_pwev:	.asciz	"event"
s_pwdata: .asciz "data"
s_pw2:	.asciz	"epoll_pwait(timeout 0) again"
s_ctlreg: .asciz "epoll_ctl(ADD /init)"
s_thp:	.asciz	"open(hpage_pmd_size)"
s_madv:	.asciz	"madvise(MADV_DONTNEED)"
s_madvrd: .asciz "bytes after MADV_DONTNEED"
s_madvun: .asciz "madvise(unaligned)"
s_madvhp: .asciz "madvise(MADV_HUGEPAGE)"
s_clone: .asciz	"clone(thread) returned a tid"
s_ptid:	.asciz	"CLONE_PARENT_SETTID's tid minus clone's"
s_tgkill: .asciz "tgkill(getpid(), thread, 0)"
s_rounds: .asciz "futex ping-pong rounds between the threads"
s_tidseen: .asciz "the thread's gettid minus clone's"
s_pidseen: .asciz "the thread's getpid"
s_fsseen: .asciz "the thread's FS base minus CLONE_SETTLS's"
s_mainfs: .asciz "the caller's FS base after the clone minus before"
s_badclone: .asciz "clone(CLONE_NEWNS|CLONE_FS)"
s_prl:	.asciz	"prlimit64(0, RLIMIT_NOFILE, NULL, old)"
s_prlcur: .asciz "RLIMIT_NOFILE soft"
s_prlmax: .asciz "RLIMIT_NOFILE hard"
s_prlbig: .asciz "prlimit64(RLIMIT_NOFILE, 4097)"
s_prl16: .asciz	"prlimit64(resource 16)"
s_setrl: .asciz	"setrlimit(RLIMIT_NOFILE, 512)"
s_getrl: .asciz	"getrlimit(RLIMIT_NOFILE) soft after"
initpath: .asciz "/init"
thp:	.asciz	"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
	.balign	8
ts20ms:	.quad	0, 20000000
one:	.quad	1
rlbig:	.quad	4097, 4097
rlsmall: .quad	512, 1024

	.data
	.balign	8
word:	.quad	0
mask:	.quad	0
ev:	.space	12
	.balign	8
evs:	.space	12*128
	.balign	8
mainfs:	.quad	0
rl:	.quad	0, 0
fs_now:	.quad	0
fs_seen: .quad	0
ptid:	.long	0
ctid:	.long	0
tid_seen: .long	0
pid_seen: .long	0
count:	.long	0
ping:	.long	0
pong:	.long	0
	.balign	64
tls:	.space	64
	.bss
	.balign	16
tstack:	.space	16384
tstack_top:
	.section .note.GNU-stack,"",@progbits
