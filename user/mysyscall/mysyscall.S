/*
 * mysyscall: the syscall lab's user program (labs/syscall/README.md), the
 * seeds' main() that calls my_first_sys_call() and my_second_sys_call(x)
 * (002 "Defining a new syscall"), through both doors: syscall with the
 * x86-64 numbers and registers, int $0x80 with the i386 ones. No libc
 * (user/lib/ulib.S's write1, puts_nonl and writesdec print); built by
 * internal/userprog with GNU as and ld (static ET_EXEC, so its
 * data lies below 4 GiB, where an i386 pointer reaches) and booted as
 * init: rdinit=/mysyscall. The lab's calls:
 *
 *   500  my_first_sys_call(void): how many calls there have been
 *   501  my_second_sys_call(int arg, int *value): *value += arg, returns
 *        the sum; -EFAULT (14) and nothing changed for a bad value
 *
 * A table of steps, each a system call with up to three arguments and the
 * result it must give, or a check of the int the calls work on. Every
 * step runs and prints "mysyscall: ok NAME = RESULT" or "mysyscall: FAIL
 * NAME: got X, want Y"; then "mysyscall: N of M steps passed", and the
 * exit status is 0 only when all passed. A step's name starts with its
 * group (first, second, efault, enosys), which internal/boottest's
 * TestLabSyscall* tests grade apart.
 *
 * With argv[1] "host" it runs on the host's Linux instead: there the
 * lab's numbers must be free (-ENOSYS from both doors: steps marked LAB
 * expect -38 there, checks of the int are skipped) and the other unknown
 * numbers give -ENOSYS too; steps marked GOKERN (numbers a newer Linux
 * uses) are skipped. TestLabSyscallOnLinux runs that.
 *
 * A step is 7 quads: nr, a1, a2, a3, want, flags, name.
 *   INT80    issue it with int $0x80 (i386 registers EBX ECX EDX; the
 *            result is EAX, sign-extended)
 *   CHECK    no system call: the int at a1 must be want
 *   LAB      the lab's call: -ENOSYS on the host
 *   GOKERN   skip on the host
 */
	.set	NR_write, 1
	.set	NR_exit_group, 231
	.set	NR_my_first_sys_call, 500
	.set	NR_my_second_sys_call, 501

	.set	EFAULT, 14
	.set	ENOSYS, 38
	.set	INT80, 1
	.set	CHECK, 2
	.set	LAB, 4
	.set	GOKERN, 8

	.set	KTEXT, 0xffffffff81001000	/* a page into the kernel's text */
	.set	NONCANON, 0x8000000000000000
	.set	TOP, 0x00007ffffffffffe		/* 2 bytes below TASK_SIZE_MAX: an int straddles it */
	.set	HIGH32, 0xfffffffc		/* an i386 pointer nothing maps */

/* S "name", nr, want, flags, a1, a2, a3 */
	.macro	S name, nr, want, flags, a1=0, a2=0, a3=0
	.pushsection .rodata.names, "a"
9:	.asciz	"\name"
	.popsection
	.quad	\nr, \a1, \a2, \a3, \want, \flags, 9b
	.endm
/* C "name", addr, want: the int at addr is want */
	.macro	C name, addr, want, flags=0
	S	"\name", 0, \want, CHECK|GOKERN|\flags, \addr
	.endm

	.data
	.balign	8
steps:
	S "first: my_first_sys_call()", NR_my_first_sys_call, 1, LAB
	S "first: my_first_sys_call() again", NR_my_first_sys_call, 2, LAB
	S "first: i386 my_first_sys_call()", NR_my_first_sys_call, 3, LAB|INT80
	S "first: i386 my_first_sys_call() again", NR_my_first_sys_call, 4, LAB|INT80
	C "second: value is 100", value, 100
	S "second: my_second_sys_call(5, &value)", NR_my_second_sys_call, 105, LAB, 5, value
	C "second: value is 105", value, 105
	/* an int argument: only the low 32 bits of RDI count */
	S "second: my_second_sys_call(-5, &value), RDI's upper half 0x12345678", NR_my_second_sys_call, 100, LAB, 0x12345678fffffffb, value
	C "second: value is 100 again", value, 100
	S "second: my_second_sys_call(-300, &value)", NR_my_second_sys_call, -200, LAB, -300, value
	C "second: value is -200", value, -200
	S "second: i386 my_second_sys_call(300, &value)", NR_my_second_sys_call, 100, LAB|INT80, 300, value
	S "second: i386 my_second_sys_call(-1, &value)", NR_my_second_sys_call, 99, LAB|INT80, 0xffffffff, value
	C "second: value is 99", value, 99
	/* bad pointers: -EFAULT, and nothing changed */
	S "efault: my_second_sys_call(1, NULL)", NR_my_second_sys_call, -EFAULT, LAB, 1, 0
	S "efault: my_second_sys_call(1, 0x10), unmapped", NR_my_second_sys_call, -EFAULT, LAB, 1, 0x10
	S "efault: my_second_sys_call(1, kernel text)", NR_my_second_sys_call, -EFAULT, LAB, 1, KTEXT
	S "efault: my_second_sys_call(1, non-canonical)", NR_my_second_sys_call, -EFAULT, LAB, 1, NONCANON
	S "efault: my_second_sys_call(1, across the end of user space)", NR_my_second_sys_call, -EFAULT, LAB, 1, TOP
	S "efault: my_second_sys_call(1, read-only)", NR_my_second_sys_call, -EFAULT, LAB, 1, rodata
	C "efault: the read-only int is still 7", rodata, 7
	S "efault: i386 my_second_sys_call(1, NULL)", NR_my_second_sys_call, -EFAULT, LAB|INT80, 1, 0
	S "efault: i386 my_second_sys_call(1, 0xfffffffc), unmapped", NR_my_second_sys_call, -EFAULT, LAB|INT80, 1, HIGH32
	S "efault: i386 my_second_sys_call(1, read-only)", NR_my_second_sys_call, -EFAULT, LAB|INT80, 1, rodata
	C "efault: value is still 99", value, 99
	/* numbers nobody serves: -ENOSYS, on both kernels */
	S "enosys: system call 499", 499, -ENOSYS, 0
	S "enosys: system call 502", 502, -ENOSYS, 0
	S "enosys: system call 511", 511, -ENOSYS, 0
	S "enosys: system call 1000", 1000, -ENOSYS, 0
	S "enosys: system call 0xffffffff", 0xffffffff, -ENOSYS, 0
	S "enosys: i386 system call 499", 499, -ENOSYS, INT80
	S "enosys: i386 system call 502", 502, -ENOSYS, INT80
	S "enosys: i386 system call 1000", 1000, -ENOSYS, INT80
	/* gokern only: 335, in the hole of x86-64's table after 334 rseq
	   (the seeds' 2.6 numbers 333 and 334 are io_pgetevents and rseq
	   now; the sandboxed host here kills a program that calls 335 with
	   SIGILL), and 463, setxattrat since Linux 6.13, which gokern does
	   not have */
	S "enosys: system call 335", 335, -ENOSYS, GOKERN
	S "enosys: system call 463", 463, -ENOSYS, GOKERN
	S "enosys: i386 system call 463", 463, -ENOSYS, GOKERN|INT80
steps_end:

value:	.long	100
	.balign	8
host:	.space	8
passed:	.space	8
total:	.space	8

	.section .rodata
	.balign	4
rodata:	.long	7

	.text
	.globl	_start
_start:
	mov	(%rsp), %rax		/* argc */
	cmp	$2, %rax
	jb	1f
	mov	16(%rsp), %rax		/* argv[1] */
	cmpb	$'h', (%rax)
	jne	1f
	movq	$1, host(%rip)
1:	lea	steps(%rip), %rbx
next:
	lea	steps_end(%rip), %rax
	cmp	%rax, %rbx
	jae	done
	mov	40(%rbx), %r14		/* flags */
	mov	32(%rbx), %r13		/* want */
	cmpq	$0, host(%rip)
	je	1f
	test	$GOKERN, %r14
	jnz	skip
	test	$LAB, %r14
	jz	1f
	mov	$-ENOSYS, %r13
1:	incq	total(%rip)
	test	$CHECK, %r14
	jz	1f
	mov	8(%rbx), %rax
	movslq	(%rax), %r15
	jmp	result
1:	mov	(%rbx), %rax
	mov	8(%rbx), %rdi
	mov	16(%rbx), %rsi
	mov	24(%rbx), %rdx
	test	$INT80, %r14
	jnz	int80
	syscall
	mov	%rax, %r15
	jmp	result
int80:
	/* i386: EBX ECX EDX; the result in EAX, sign-extended */
	push	%rbx
	mov	%rdi, %rbx
	mov	%rsi, %rcx
	int	$0x80
	pop	%rbx
	movslq	%eax, %r15
result:
	cmp	%r13, %r15
	jne	bad
	incq	passed(%rip)
	lea	m_ok(%rip), %rsi
	mov	$m_ok_len, %edx
	call	write1
	mov	48(%rbx), %rsi		/* the step's name */
	call	puts_nonl
	lea	m_eq(%rip), %rsi
	mov	$m_eq_len, %edx
	call	write1
	mov	%r15, %rax
	call	writesdec
	jmp	eol
bad:
	lea	m_fail(%rip), %rsi
	mov	$m_fail_len, %edx
	call	write1
	mov	48(%rbx), %rsi
	call	puts_nonl
	lea	m_got(%rip), %rsi
	mov	$m_got_len, %edx
	call	write1
	mov	%r15, %rax
	call	writesdec
	lea	m_want(%rip), %rsi
	mov	$m_want_len, %edx
	call	write1
	mov	%r13, %rax
	call	writesdec
eol:
	lea	m_nl(%rip), %rsi
	mov	$1, %edx
	call	write1
skip:
	add	$56, %rbx
	jmp	next

done:
	lea	m_sum(%rip), %rsi
	mov	$m_sum_len, %edx
	call	write1
	mov	passed(%rip), %rax
	call	writesdec
	lea	m_of(%rip), %rsi
	mov	$m_of_len, %edx
	call	write1
	mov	total(%rip), %rax
	call	writesdec
	lea	m_steps(%rip), %rsi
	mov	$m_steps_len, %edx
	call	write1
	xor	%edi, %edi
	mov	passed(%rip), %rax
	cmp	total(%rip), %rax
	je	1f
	mov	$1, %edi
1:	mov	$NR_exit_group, %eax
	syscall
	hlt

	.section .rodata
m_ok:	.ascii	"mysyscall: ok "
	.set	m_ok_len, . - m_ok
m_eq:	.ascii	" = "
	.set	m_eq_len, . - m_eq
m_fail:	.ascii	"mysyscall: FAIL "
	.set	m_fail_len, . - m_fail
m_got:	.ascii	": got "
	.set	m_got_len, . - m_got
m_want:	.ascii	", want "
	.set	m_want_len, . - m_want
m_sum:	.ascii	"mysyscall: "
	.set	m_sum_len, . - m_sum
m_of:	.ascii	" of "
	.set	m_of_len, . - m_of
m_steps: .ascii	" steps passed\n"
	.set	m_steps_len, . - m_steps
m_nl:	.ascii	"\n"
