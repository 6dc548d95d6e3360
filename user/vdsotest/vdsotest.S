/*
 * vdsotest: a user program that finds the vDSO the way a C library or the
 * Go runtime does and checks it against the system calls (docs/user.md
 * "The vDSO"). No libc; GNU as, built by internal/userprog as /vdsotest.
 *
 *  1. AT_SYSINFO_EHDR from the auxiliary vector: an ELF image there.
 *  2. Its PT_DYNAMIC: DT_HASH (the symbol count), DT_SYMTAB, DT_STRTAB,
 *     DT_VERSYM, DT_VERDEF; each function looked up by name, and its
 *     version checked to be LINUX_2.6 (Linux
 *     tools/testing/selftests/vDSO/parse_vdso.c does the same).
 *  3. clock_gettime through the vDSO lies between two clock_gettime
 *     system calls, for CLOCK_REALTIME and CLOCK_MONOTONIC; gettimeofday
 *     and time agree with them; 10000 vDSO reads never go backwards;
 *     CLOCK_MONOTONIC_COARSE moves while the program sleeps 100 ms (the
 *     kernel updates the vvar page at each tick); getcpu gives CPU 0.
 *  4. The cost: 10000 calls each of the vDSO's clock_gettime and the
 *     system call, in TSC cycles per call.
 * Any failure: a line naming it and exit_group(1).
 */
	.set	NR_write, 1
	.set	NR_nanosleep, 35
	.set	NR_gettimeofday, 96
	.set	NR_time, 201
	.set	NR_clock_gettime, 228
	.set	NR_exit_group, 231
	.set	AT_NULL, 0
	.set	AT_SYSINFO_EHDR, 33
	.set	PT_DYNAMIC, 2
	.set	DT_NULL, 0
	.set	DT_HASH, 4
	.set	DT_STRTAB, 5
	.set	DT_SYMTAB, 6
	.set	DT_VERSYM, 0x6ffffff0
	.set	DT_VERDEF, 0x6ffffffc
	.set	CLOCK_REALTIME, 0
	.set	CLOCK_MONOTONIC, 1
	.set	CLOCK_MONOTONIC_COARSE, 6

	.text
	.globl	_start
_start:
	/* The auxiliary vector: past argc, argv and NULL, envp and NULL. */
	mov	(%rsp), %rax
	lea	16(%rsp, %rax, 8), %rbx		/* envp */
1:	cmpq	$0, (%rbx)
	lea	8(%rbx), %rbx
	jne	1b
2:	mov	(%rbx), %rax
	cmp	$AT_NULL, %rax
	je	no_ehdr
	cmp	$AT_SYSINFO_EHDR, %rax
	je	3f
	add	$16, %rbx
	jmp	2b
3:	mov	8(%rbx), %r12			/* r12: the vDSO's base */
	cmpl	$0x464c457f, (%r12)
	jne	no_elf
	lea	m_ehdr(%rip), %rsi
	call	puts

	/* The program headers: PT_DYNAMIC (the image is linked at 0, so
	 * its addresses are offsets from the base). */
	mov	0x20(%r12), %rax		/* e_phoff */
	lea	(%r12, %rax), %rbx
	movzwl	0x38(%r12), %ecx		/* e_phnum */
4:	test	%ecx, %ecx
	jz	no_dyn
	cmpl	$PT_DYNAMIC, (%rbx)
	je	5f
	add	$56, %rbx
	dec	%ecx
	jmp	4b
5:	mov	0x10(%rbx), %rax		/* p_vaddr */
	lea	(%r12, %rax), %rbx
	/* The dynamic entries we need. */
6:	mov	(%rbx), %rax
	mov	8(%rbx), %rdx
	add	%r12, %rdx
	cmp	$DT_NULL, %rax
	je	8f
	cmp	$DT_HASH, %rax
	jne	7f
	mov	%rdx, hash(%rip)
7:	cmp	$DT_STRTAB, %rax
	jne	71f
	mov	%rdx, strtab(%rip)
71:	cmp	$DT_SYMTAB, %rax
	jne	72f
	mov	%rdx, symtab(%rip)
72:	cmp	$DT_VERSYM, %rax
	jne	73f
	mov	%rdx, versym(%rip)
73:	cmp	$DT_VERDEF, %rax
	jne	74f
	mov	%rdx, verdef(%rip)
74:	add	$16, %rbx
	jmp	6b
8:	cmpq	$0, hash(%rip)
	je	no_dyn
	cmpq	$0, verdef(%rip)
	je	no_dyn
	/* LINUX_2.6's version index, from the version definitions. */
	mov	verdef(%rip), %rbx
9:	mov	12(%rbx), %eax			/* vd_aux */
	mov	(%rbx, %rax), %eax		/* vda_name */
	mov	strtab(%rip), %rsi
	add	%rax, %rsi
	lea	s_linux26(%rip), %rdi
	call	streq
	je	10f
	mov	16(%rbx), %eax			/* vd_next */
	test	%eax, %eax
	jz	no_version
	add	%rax, %rbx
	jmp	9b
10:	movzwl	4(%rbx), %eax			/* vd_ndx */
	mov	%rax, linux26(%rip)

	lea	s_clock_gettime(%rip), %rdi
	call	vdso_sym
	mov	%rax, vclock_gettime(%rip)
	lea	s_gettimeofday(%rip), %rdi
	call	vdso_sym
	mov	%rax, vgettimeofday(%rip)
	lea	s_time(%rip), %rdi
	call	vdso_sym
	mov	%rax, vtime(%rip)
	lea	s_getcpu(%rip), %rdi
	call	vdso_sym
	mov	%rax, vgetcpu(%rip)
	lea	m_found(%rip), %rsi
	call	puts

	/* clock_gettime: syscall <= vDSO <= syscall, both clocks. */
	mov	$CLOCK_REALTIME, %r13d
	call	between
	mov	$CLOCK_MONOTONIC, %r13d
	call	between
	lea	m_agree(%rip), %rsi
	call	puts

	/* gettimeofday and time against CLOCK_REALTIME's seconds. */
	mov	$NR_clock_gettime, %eax
	mov	$CLOCK_REALTIME, %edi
	lea	ts1(%rip), %rsi
	syscall
	lea	tv(%rip), %rdi
	xor	%esi, %esi
	call	*vgettimeofday(%rip)
	test	%rax, %rax
	jnz	bad_gtod
	lea	ttime(%rip), %rdi
	call	*vtime(%rip)
	cmp	ttime(%rip), %rax
	jne	bad_time
	mov	%rax, %r14			/* time(): the last tick's second */
	mov	$NR_clock_gettime, %eax
	mov	$CLOCK_REALTIME, %edi
	lea	ts2(%rip), %rsi
	syscall
	mov	tv(%rip), %rax
	cmp	ts1(%rip), %rax
	jl	bad_gtod
	cmp	ts2(%rip), %rax
	jg	bad_gtod
	cmpq	$1000000, tv+8(%rip)
	jae	bad_gtod
	mov	ts2(%rip), %rax
	cmp	%rax, %r14
	jg	bad_time
	sub	$1, %rax
	cmp	%rax, %r14
	jl	bad_time
	lea	m_gtod(%rip), %rsi
	call	puts
	lea	m_real(%rip), %rsi
	call	puts_nonl
	mov	ts2(%rip), %rax
	call	writenum

	/* 10000 vDSO reads of CLOCK_MONOTONIC never go backwards. */
	mov	$CLOCK_MONOTONIC, %edi
	lea	ts1(%rip), %rsi
	call	*vclock_gettime(%rip)
	mov	$10000, %r15d
11:	mov	$CLOCK_MONOTONIC, %edi
	lea	ts2(%rip), %rsi
	call	*vclock_gettime(%rip)
	lea	ts1(%rip), %rdi
	lea	ts2(%rip), %rsi
	call	tscmp
	jg	backwards
	mov	ts2(%rip), %rax
	mov	%rax, ts1(%rip)
	mov	ts2+8(%rip), %rax
	mov	%rax, ts1+8(%rip)
	dec	%r15d
	jnz	11b
	lea	m_mono(%rip), %rsi
	call	puts

	/* The vvar page moves: CLOCK_MONOTONIC_COARSE (the last tick's
	 * time) advances over a 100 ms nanosleep, which ends on a tick. A
	 * sleep and not a spin: a guest that spins under TCG on a loaded
	 * host can starve QEMU's timer thread, and a 100 ms spin once saw
	 * less than half of its ticks. */
	mov	$CLOCK_MONOTONIC_COARSE, %edi
	lea	ts3(%rip), %rsi
	call	*vclock_gettime(%rip)
	lea	req100ms(%rip), %rdi
	xor	%esi, %esi
	mov	$NR_nanosleep, %eax
	syscall
	test	%rax, %rax
	jnz	bad_syscall
	mov	$CLOCK_MONOTONIC_COARSE, %edi
	lea	ts1(%rip), %rsi
	call	*vclock_gettime(%rip)
	call	ns1
	mov	%rax, %r14
	mov	ts3(%rip), %rax
	mov	%rax, ts1(%rip)
	mov	ts3+8(%rip), %rax
	mov	%rax, ts1+8(%rip)
	call	ns1
	sub	%rax, %r14			/* the coarse clock's progress */
	cmp	$50000000, %r14			/* at least half of it */
	jb	stale
	lea	m_coarse(%rip), %rsi
	call	puts_nonl
	mov	%r14, %rax
	xor	%edx, %edx
	mov	$1000000, %ecx
	div	%rcx
	call	writenum

	/* getcpu: CPU 0, node 0 (one CPU here). */
	movl	$-1, cpu(%rip)
	movl	$-1, node(%rip)
	lea	cpu(%rip), %rdi
	lea	node(%rip), %rsi
	xor	%edx, %edx
	call	*vgetcpu(%rip)
	test	%rax, %rax
	jnz	bad_cpu
	cmpl	$0, cpu(%rip)
	jne	bad_cpu
	cmpl	$0, node(%rip)
	jne	bad_cpu
	lea	m_cpu(%rip), %rsi
	call	puts

	/* The cost, in TSC cycles per call. */
	lea	m_cost_vdso(%rip), %rsi
	call	puts_nonl
	call	rdtsc64
	mov	%rax, %r14
	mov	$10000, %r15d
13:	mov	$CLOCK_MONOTONIC, %edi
	lea	ts1(%rip), %rsi
	call	*vclock_gettime(%rip)
	dec	%r15d
	jnz	13b
	call	rdtsc64
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$10000, %ecx
	div	%rcx
	call	writenum
	lea	m_cost_sys(%rip), %rsi
	call	puts_nonl
	call	rdtsc64
	mov	%rax, %r14
	mov	$10000, %r15d
14:	mov	$NR_clock_gettime, %eax
	mov	$CLOCK_MONOTONIC, %edi
	lea	ts1(%rip), %rsi
	syscall
	dec	%r15d
	jnz	14b
	call	rdtsc64
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$10000, %ecx
	div	%rcx
	call	writenum

	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

/* between: clock r13 read by the system call, the vDSO, the system call
 * again; the three in order. */
between:
	mov	$NR_clock_gettime, %eax
	mov	%r13d, %edi
	lea	ts1(%rip), %rsi
	syscall
	test	%rax, %rax
	jnz	bad_syscall
	mov	%r13d, %edi
	lea	ts2(%rip), %rsi
	call	*vclock_gettime(%rip)
	test	%rax, %rax
	jnz	bad_vdso
	mov	$NR_clock_gettime, %eax
	mov	%r13d, %edi
	lea	ts3(%rip), %rsi
	syscall
	lea	ts1(%rip), %rdi
	lea	ts2(%rip), %rsi
	call	tscmp
	jg	disagree
	lea	ts2(%rip), %rdi
	lea	ts3(%rip), %rsi
	call	tscmp
	jg	disagree
	cmpq	$1000000000, ts2+8(%rip)
	jae	disagree
	ret

/* tscmp: compare the timespecs at rdi and rsi; flags as for rdi - rsi. */
tscmp:
	mov	(%rdi), %rax
	cmp	(%rsi), %rax
	jne	1f
	mov	8(%rdi), %rax
	cmp	8(%rsi), %rax
1:	ret

/* ns1: ts1 in nanoseconds. */
ns1:
	imul	$1000000000, ts1(%rip), %rax
	add	ts1+8(%rip), %rax
	ret

rdtsc64:
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	ret

/* vdso_sym: the address of the symbol named at rdi, defined, of version
 * LINUX_2.6; not found: the failure. Symbols 1 .. nchain-1 (DT_HASH's
 * second word is the symbol count). */
vdso_sym:
	mov	%rdi, %r8
	mov	hash(%rip), %rax
	mov	4(%rax), %r9d			/* nchain */
	mov	$1, %r10d
1:	cmp	%r9d, %r10d
	jae	no_sym
	imul	$24, %r10, %r11
	add	symtab(%rip), %r11
	cmpw	$0, 6(%r11)			/* st_shndx: SHN_UNDEF */
	je	2f
	mov	(%r11), %esi			/* st_name */
	add	strtab(%rip), %rsi
	mov	%r8, %rdi
	call	streq
	jne	2f
	mov	versym(%rip), %rax
	movzwl	(%rax, %r10, 2), %eax
	and	$0x7fff, %eax
	cmp	linux26(%rip), %rax
	jne	2f
	mov	8(%r11), %rax			/* st_value */
	add	%r12, %rax
	ret
2:	inc	%r10d
	jmp	1b

no_ehdr:	lea	f_ehdr(%rip), %rsi
	jmp	fail
no_elf:		lea	f_elf(%rip), %rsi
	jmp	fail
no_dyn:		lea	f_dyn(%rip), %rsi
	jmp	fail
no_version:	lea	f_version(%rip), %rsi
	jmp	fail
no_sym:		lea	f_sym(%rip), %rsi
	call	puts_nonl
	mov	%r8, %rsi
	jmp	fail
bad_syscall:	lea	f_syscall(%rip), %rsi
	jmp	fail
bad_vdso:	lea	f_vdso(%rip), %rsi
	jmp	fail
disagree:	lea	f_disagree(%rip), %rsi
	jmp	fail
bad_gtod:	lea	f_gtod(%rip), %rsi
	jmp	fail
bad_time:	lea	f_time(%rip), %rsi
	jmp	fail
backwards:	lea	f_backwards(%rip), %rsi
	jmp	fail
stale:		lea	f_stale(%rip), %rsi
	jmp	fail
bad_cpu:	lea	f_cpu(%rip), %rsi
	jmp	fail
fail:
	call	puts
	mov	$NR_exit_group, %eax
	mov	$1, %edi
	syscall
	hlt

	.section .rodata
s_linux26:	.asciz	"LINUX_2.6"
s_clock_gettime: .asciz	"__vdso_clock_gettime"
s_gettimeofday:	.asciz	"__vdso_gettimeofday"
s_time:		.asciz	"__vdso_time"
s_getcpu:	.asciz	"__vdso_getcpu"
nl:		.asciz	"\n"
m_ehdr:		.asciz	"vdso: AT_SYSINFO_EHDR points at an ELF image"
m_found:	.asciz	"vdso: __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time, __vdso_getcpu found, version LINUX_2.6"
m_agree:	.asciz	"vdso: clock_gettime REALTIME and MONOTONIC lie between two system calls"
m_gtod:		.asciz	"vdso: gettimeofday and time agree with clock_gettime"
m_real:		.asciz	"vdso: CLOCK_REALTIME seconds: "
m_mono:		.asciz	"vdso: 10000 CLOCK_MONOTONIC reads, none backwards"
m_coarse:	.asciz	"vdso: the vvar page follows the tick: CLOCK_MONOTONIC_COARSE moved over 100 ms, ms: "
m_cpu:		.asciz	"vdso: getcpu: cpu 0 node 0"
m_cost_vdso:	.asciz	"vdso: clock_gettime TSC cycles per call: vdso "
m_cost_sys:	.asciz	"vdso: clock_gettime TSC cycles per call: syscall "
f_ehdr:		.asciz	"vdso: FAIL: no AT_SYSINFO_EHDR"
f_elf:		.asciz	"vdso: FAIL: no ELF image at AT_SYSINFO_EHDR"
f_dyn:		.asciz	"vdso: FAIL: no PT_DYNAMIC with DT_HASH and DT_VERDEF"
f_version:	.asciz	"vdso: FAIL: no LINUX_2.6 version"
f_sym:		.asciz	"vdso: FAIL: not found: "
req100ms:	.quad	0, 100000000	/* struct timespec: 100 ms */
f_syscall:	.asciz	"vdso: FAIL: the clock_gettime or nanosleep system call failed"
f_vdso:		.asciz	"vdso: FAIL: __vdso_clock_gettime failed"
f_disagree:	.asciz	"vdso: FAIL: the vDSO's time is not between two system calls"
f_gtod:		.asciz	"vdso: FAIL: gettimeofday disagrees with clock_gettime"
f_time:		.asciz	"vdso: FAIL: time disagrees with clock_gettime"
f_backwards:	.asciz	"vdso: FAIL: CLOCK_MONOTONIC went backwards"
f_stale:	.asciz	"vdso: FAIL: CLOCK_MONOTONIC_COARSE did not follow: the vvar page is not updated"
f_cpu:		.asciz	"vdso: FAIL: getcpu"

	.bss
	.balign	8
hash:		.quad	0
strtab:		.quad	0
symtab:		.quad	0
versym:		.quad	0
verdef:		.quad	0
linux26:	.quad	0
vclock_gettime:	.quad	0
vgettimeofday:	.quad	0
vtime:		.quad	0
vgetcpu:	.quad	0
ts1:		.quad	0, 0
ts2:		.quad	0, 0
ts3:		.quad	0, 0
tv:		.quad	0, 0
ttime:		.quad	0
cpu:		.long	0
node:		.long	0
