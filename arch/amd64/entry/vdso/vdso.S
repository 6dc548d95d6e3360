/*
 * gokern's vDSO: the clock and CPU-number calls a program makes without
 * entering the kernel. Linux: arch/x86/entry/vdso/vclock_gettime.c,
 * vgetcpu.c, lib/vdso/gettimeofday.c (do_hres, do_coarse),
 * arch/x86/include/asm/vdso/gettimeofday.h (the fallbacks, the TSC read),
 * arch/x86/include/asm/segment.h (vdso_read_cpunode). Seeds/002 "Virtual
 * Dynamic Shared Object".
 *
 * Written in GNU as (DESIGN.md section 2: no C), built into a shared
 * object by vdso.lds and vdso.lds's version script, and embedded in the
 * kernel by cmd/vdso2c as vdso_image_64.go. The vvar page the kernel
 * keeps (kernel/time/vsyscall.go, struct vdso_data) sits one page below
 * the vDSO's first byte: vvar_page, reached RIP-relative.
 *
 * Each function follows the System V ABI: arguments in rdi, rsi, rdx,
 * result in rax; it may clobber rax, rcx, rdx, rsi, rdi, r8-r11.
 */

/* struct vdso_data (kernel/time/vsyscall.go Vdso_data; a host test checks
   these against the Go layout). */
.set VD_SEQ,		0
.set VD_CLOCK_MODE,	4
.set VD_CYCLE_LAST,	8
.set VD_MULT,		24
.set VD_SHIFT,		28
.set VD_BASETIME,	32	/* [12] {sec, nsec}, 16 bytes each */
.set VD_TZ_MINUTESWEST,	224
.set VD_TZ_DSTTIME,	228
.set VD_HRTIMER_RES,	232

.set VDSO_CLOCKMODE_NONE, 0
.set NSEC_PER_SEC,	1000000000
.set CLOCK_REALTIME,	0
/* The clocks read with the counter (VDSO_HRES: REALTIME, MONOTONIC,
   MONOTONIC_RAW, BOOTTIME, TAI) and at the last tick (VDSO_COARSE:
   REALTIME_COARSE, MONOTONIC_COARSE). */
.set VDSO_HRES,		(1 << 0) | (1 << 1) | (1 << 4) | (1 << 7) | (1 << 11)
.set VDSO_COARSE,	(1 << 5) | (1 << 6)
/* The GDT's CPUNODE segment, RPL 3 (arch/amd64/asm GDT_ENTRY_CPUNODE). */
.set CPUNODE_SEG,	15 * 8 + 3
.set VDSO_CPUNODE_BITS,	12
.set VDSO_CPUNODE_MASK,	0xfff
/* The system calls the fallbacks make (x86-64 numbers). */
.set NR_gettimeofday,	96
.set NR_time,		201
.set NR_clock_gettime,	228
.set NR_clock_getres,	229
.set NR_getcpu,		309

.hidden vvar_page

.text

/*
 * vread_hres: clock ecx's time from the counter. Out: rax = seconds,
 * rdx = nanoseconds, CF clear; CF set when the counter is not one user
 * mode may read (VDSO_CLOCKMODE_NONE): the caller makes the system call.
 * Linux do_hres: under the seqcount, ns = (base.nsec + (tsc -
 * cycle_last) * mult) >> shift, the very expression the kernel's
 * timekeeping uses, then ns split into seconds.
 * Clobbers rcx, r8-r11.
 */
	.type vread_hres, @function
vread_hres:
	.cfi_startproc
	lea	vvar_page(%rip), %r8
	shl	$4, %ecx
	lea	VD_BASETIME(%r8, %rcx), %r9
1:	mov	VD_SEQ(%r8), %r10d
	test	$1, %r10d		/* an update is under way */
	jnz	4f
	cmpl	$VDSO_CLOCKMODE_NONE, VD_CLOCK_MODE(%r8)
	je	5f
	lfence				/* rdtsc_ordered: not before the seq load */
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	VD_CYCLE_LAST(%r8), %rax
	jae	2f
	xor	%eax, %eax		/* a TSC behind cycle_last counts 0 (x86 vdso_calc_delta) */
2:	mov	VD_MULT(%r8), %edx
	imul	%rdx, %rax
	add	8(%r9), %rax
	mov	VD_SHIFT(%r8), %ecx
	shr	%cl, %rax
	mov	(%r9), %r11
	cmp	VD_SEQ(%r8), %r10d	/* read_seqcount_retry */
	jne	1b
	xor	%edx, %edx
	mov	$NSEC_PER_SEC, %ecx
	div	%rcx
	add	%r11, %rax
	clc
	ret
4:	pause
	jmp	1b
5:	stc
	ret
	.cfi_endproc
	.size vread_hres, . - vread_hres

/* int __vdso_clock_gettime(clockid_t clock, struct __kernel_timespec *ts) */
	.globl __vdso_clock_gettime
	.type __vdso_clock_gettime, @function
__vdso_clock_gettime:
	.cfi_startproc
	cmp	$31, %edi		/* negative ids (CPU-time clocks) and beyond */
	ja	3f
	mov	%edi, %ecx
	mov	$1, %eax
	shl	%cl, %eax
	test	$VDSO_HRES, %eax
	jnz	1f
	test	$VDSO_COARSE, %eax
	jnz	2f
3:	mov	$NR_clock_gettime, %eax	/* clock_gettime_fallback */
	syscall
	ret
1:	mov	%edi, %ecx
	call	vread_hres
	jc	3b
	mov	%rax, (%rsi)
	mov	%rdx, 8(%rsi)
	xor	%eax, %eax
	ret
	/* do_coarse: the base at the last tick, under the seqcount. */
2:	lea	vvar_page(%rip), %r8
	mov	%edi, %ecx
	shl	$4, %ecx
	lea	VD_BASETIME(%r8, %rcx), %r9
4:	mov	VD_SEQ(%r8), %r10d
	test	$1, %r10d
	jnz	5f
	mov	(%r9), %rax
	mov	8(%r9), %rdx
	cmp	VD_SEQ(%r8), %r10d
	jne	4b
	mov	%rax, (%rsi)
	mov	%rdx, 8(%rsi)
	xor	%eax, %eax
	ret
5:	pause
	jmp	4b
	.cfi_endproc
	.size __vdso_clock_gettime, . - __vdso_clock_gettime

/* int __vdso_gettimeofday(struct __kernel_old_timeval *tv, struct timezone *tz) */
	.globl __vdso_gettimeofday
	.type __vdso_gettimeofday, @function
__vdso_gettimeofday:
	.cfi_startproc
	test	%rdi, %rdi
	jz	1f
	mov	$CLOCK_REALTIME, %ecx
	call	vread_hres
	jc	2f
	mov	%rax, (%rdi)
	mov	%rdx, %rax		/* tv_usec = nsec / 1000 */
	xor	%edx, %edx
	mov	$1000, %ecx
	div	%rcx
	mov	%rax, 8(%rdi)
1:	test	%rsi, %rsi
	jz	3f
	lea	vvar_page(%rip), %r8
	mov	VD_TZ_MINUTESWEST(%r8), %eax
	mov	%eax, (%rsi)
	mov	VD_TZ_DSTTIME(%r8), %eax
	mov	%eax, 4(%rsi)
3:	xor	%eax, %eax
	ret
2:	mov	$NR_gettimeofday, %eax	/* gettimeofday_fallback */
	syscall
	ret
	.cfi_endproc
	.size __vdso_gettimeofday, . - __vdso_gettimeofday

/* __kernel_old_time_t __vdso_time(__kernel_old_time_t *t): the realtime
   seconds of the last tick, one load, no seqcount (Linux
   __cvdso_time_data's READ_ONCE). */
	.globl __vdso_time
	.type __vdso_time, @function
__vdso_time:
	.cfi_startproc
	lea	vvar_page(%rip), %r8
	mov	VD_BASETIME + 16 * CLOCK_REALTIME(%r8), %rax
	test	%rdi, %rdi
	jz	1f
	mov	%rax, (%rdi)
1:	ret
	.cfi_endproc
	.size __vdso_time, . - __vdso_time

/* long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused): the
   CPUNODE segment's limit through LSL (Linux vdso_read_cpunode without
   RDPID), node << 12 | cpu. */
	.globl __vdso_getcpu
	.type __vdso_getcpu, @function
__vdso_getcpu:
	.cfi_startproc
	mov	$CPUNODE_SEG, %ecx
	lsl	%ecx, %eax
	test	%rdi, %rdi
	jz	1f
	mov	%eax, %ecx
	and	$VDSO_CPUNODE_MASK, %ecx
	mov	%ecx, (%rdi)
1:	test	%rsi, %rsi
	jz	2f
	shr	$VDSO_CPUNODE_BITS, %eax
	mov	%eax, (%rsi)
2:	xor	%eax, %eax
	ret
	.cfi_endproc
	.size __vdso_getcpu, . - __vdso_getcpu

/* int __vdso_clock_getres(clockid_t clock, struct __kernel_timespec *res):
   a tick for every clock gokern keeps (no high-resolution timers: Linux's
   hrtimer_res is LOW_RES_NSEC then, as for the coarse clocks). */
	.globl __vdso_clock_getres
	.type __vdso_clock_getres, @function
__vdso_clock_getres:
	.cfi_startproc
	cmp	$31, %edi
	ja	2f
	mov	%edi, %ecx
	mov	$1, %eax
	shl	%cl, %eax
	test	$(VDSO_HRES | VDSO_COARSE), %eax
	jz	2f
	test	%rsi, %rsi
	jz	1f
	lea	vvar_page(%rip), %r8
	movq	$0, (%rsi)
	mov	VD_HRTIMER_RES(%r8), %eax
	mov	%rax, 8(%rsi)
1:	xor	%eax, %eax
	ret
2:	mov	$NR_clock_getres, %eax	/* clock_getres_fallback */
	syscall
	ret
	.cfi_endproc
	.size __vdso_clock_getres, . - __vdso_clock_getres

/* The names without __vdso_, weak, as Linux exports both. */
	.weak clock_gettime
	.set clock_gettime, __vdso_clock_gettime
	.weak gettimeofday
	.set gettimeofday, __vdso_gettimeofday
	.weak time
	.set time, __vdso_time
	.weak getcpu
	.set getcpu, __vdso_getcpu
	.weak clock_getres
	.set clock_getres, __vdso_clock_getres

/* The kernel version a C library may read instead of calling uname
   (Linux vdso's note.S: ELFNOTE("Linux", 0, LINUX_VERSION_CODE)); 6.1.0,
   what uname reports. */
	.pushsection .note.Linux, "a", @note
	.long	6			/* namesz: "Linux\0" */
	.long	4			/* descsz */
	.long	0			/* type */
	.asciz	"Linux"
	.balign	4
	.long	0x060100		/* LINUX_VERSION_CODE: KERNEL_VERSION(6, 1, 0) */
	.popsection

	.section .note.GNU-stack, "", @progbits
