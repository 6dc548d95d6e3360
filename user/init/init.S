/*
 * gokern's first user program: no libc, only system calls, in both
 * conventions (docs/user.md). Built by internal/userprog with GNU as and
 * ld, as a static ET_EXEC (linked at 0x400000) and a static PIE.
 *
 * What it does depends on argv[1]:
 *   (none)   write a line with `syscall` (x86-64 numbers: write 1), one
 *            with `int $0x80` (i386 numbers: write 4), its argv and two
 *            getpid results; map its own file privately and read the
 *            ELF magic through the mapping; grow the heap with brk and
 *            write to it; getuid both ways (0); print uname's system,
 *            release and machine; call a number no kernel has (-ENOSYS),
 *            then exit_group(0)
 *   segv     read address 0: the kernel kills it with SIGSEGV
 *   exit7    exit(7) through int $0x80 (i386 exit 1)
 *   efault   write(1, 0x10, 4): must return -EFAULT (-14), else exit 1
 *   bench    getpid 10000 times each way, print the TSC cycles per call
 *
 * Seeds: 002 "Userspace Kernel API: System Calls" (the i386 convention:
 * EAX number, EBX ECX EDX ESI EDI EBP arguments) and "Fast syscall Path"
 * (x86-64: RAX number, RDI RSI RDX R10 R8 R9 arguments; SYSCALL clobbers
 * RCX and R11).
 */
	.set	NR_write, 1
	.set	NR_open, 2
	.set	NR_close, 3
	.set	NR_mmap, 9
	.set	NR_munmap, 11
	.set	NR_brk, 12
	.set	NR_getpid, 39
	.set	NR_uname, 63
	.set	NR_getuid, 102
	.set	NR_exit_group, 231
	.set	NR_unknown, 1000	/* past every table: Linux 6.19 ends at 470, x32 at 547, the syscall lab adds 500 and 501 */
	.set	NR_ia32_exit, 1
	.set	NR_ia32_write, 4
	.set	NR_ia32_getpid, 20
	.set	NR_ia32_getuid32, 199

	.text
	.globl	_start
_start:
	mov	(%rsp), %r12		/* argc */
	lea	8(%rsp), %r13		/* argv */
	cmp	$2, %r12
	jb	normal
	mov	8(%r13), %rbx		/* argv[1] */
	mov	(%rbx), %al
	cmp	$'s', %al
	je	segv
	cmp	$'x', %al
	je	exit7
	cmp	$'f', %al
	je	efault
	cmp	$'b', %al
	je	bench
	/* otherwise: the normal run */
normal:
	/* write(1, msg64, len) with syscall */
	mov	$NR_write, %eax
	mov	$1, %edi
	lea	msg64(%rip), %rsi
	mov	$msg64_len, %edx
	syscall
	cmp	$msg64_len, %rax
	jne	fail
	/* write(1, msg32, len) with int $0x80: 32-bit pointers, so only
	 * where the program lies below 4 GiB (the ET_EXEC build) */
	lea	msg32(%rip), %rcx
	mov	%rcx, %rax
	shr	$32, %rax
	jnz	1f
	mov	$NR_ia32_write, %eax
	mov	$1, %ebx
	mov	$msg32_len, %edx
	int	$0x80
	cmp	$msg32_len, %eax
	jne	fail
1:
	/* argv, one per line: "argv[i] = <string>" */
	xor	%r14d, %r14d
2:	cmp	%r12, %r14
	jae	3f
	lea	argvmsg(%rip), %rsi
	mov	$argvmsg_len, %edx
	call	write1
	mov	(%r13,%r14,8), %rsi
	call	strlen
	call	write1
	lea	nl(%rip), %rsi
	mov	$1, %edx
	call	write1
	inc	%r14
	jmp	2b
3:
	/* getpid both ways: the same pid */
	mov	$NR_getpid, %eax
	syscall
	mov	%rax, %r15
	mov	$NR_ia32_getpid, %eax
	int	$0x80
	cmp	%rax, %r15
	jne	fail
	lea	pidmsg(%rip), %rsi
	mov	$pidmsg_len, %edx
	call	write1
	mov	%r15, %rax
	call	writenum
	/* a private file mapping: open argv[0], mmap its first page,
	 * read the ELF magic through it, munmap, close */
	mov	$NR_open, %eax
	mov	(%r13), %rdi		/* argv[0]: this program */
	xor	%esi, %esi		/* O_RDONLY */
	syscall
	test	%rax, %rax
	js	fail
	mov	%rax, %rbx		/* fd */
	mov	$NR_mmap, %eax
	xor	%edi, %edi		/* addr: the kernel's choice */
	mov	$4096, %esi
	mov	$1, %edx		/* PROT_READ */
	mov	$2, %r10d		/* MAP_PRIVATE */
	mov	%rbx, %r8		/* fd */
	xor	%r9d, %r9d		/* offset 0 */
	syscall
	cmp	$-4096, %rax
	ja	fail
	mov	%rax, %r14
	cmpl	$0x464c457f, (%r14)	/* "\x7fELF" */
	jne	fail
	lea	mapmsg(%rip), %rsi
	mov	$mapmsg_len, %edx
	call	write1
	mov	$NR_munmap, %eax
	mov	%r14, %rdi
	mov	$4096, %esi
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_close, %eax
	mov	%rbx, %rdi
	syscall
	test	%rax, %rax
	jnz	fail
	/* the heap: brk(0) is the break, brk(+1 page) grows it, and the
	 * new page is there to write */
	mov	$NR_brk, %eax
	xor	%edi, %edi
	syscall
	mov	%rax, %rbx
	lea	4096(%rbx), %rdi
	mov	$NR_brk, %eax
	syscall
	lea	4096(%rbx), %rcx
	cmp	%rcx, %rax
	jne	fail
	movq	$0x1234, 4088(%rbx)
	cmpq	$0x1234, 4088(%rbx)
	jne	fail
	lea	brkmsg(%rip), %rsi
	mov	$brkmsg_len, %edx
	call	write1
	/* credentials: getuid through both gates, root's 0 */
	mov	$NR_getuid, %eax
	syscall
	test	%rax, %rax
	jnz	fail
	mov	$NR_ia32_getuid32, %eax
	int	$0x80
	test	%eax, %eax
	jnz	fail
	/* uname: the system, release and machine */
	mov	$NR_uname, %eax
	lea	utsbuf(%rip), %rdi
	syscall
	test	%rax, %rax
	jnz	fail
	lea	unamemsg(%rip), %rsi
	mov	$unamemsg_len, %edx
	call	write1
	lea	utsbuf(%rip), %rsi		/* sysname */
	call	strlen
	call	write1
	lea	sp1(%rip), %rsi
	mov	$1, %edx
	call	write1
	lea	utsbuf+130(%rip), %rsi		/* release */
	call	strlen
	call	write1
	lea	sp1(%rip), %rsi
	mov	$1, %edx
	call	write1
	lea	utsbuf+260(%rip), %rsi		/* machine */
	call	strlen
	call	write1
	lea	nl(%rip), %rsi
	mov	$1, %edx
	call	write1
	/* a number no kernel has, twice: -ENOSYS both times (the kernel
	 * logs it once) */
	mov	$NR_unknown, %eax
	syscall
	cmp	$-38, %rax
	jne	fail
	mov	$NR_unknown, %eax
	syscall
	cmp	$-38, %rax
	jne	fail
	/* exit_group(0) */
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt				/* not reached: a #GP if it is */

segv:
	mov	0, %rax
	jmp	fail

exit7:
	mov	$NR_ia32_exit, %eax
	mov	$7, %ebx
	int	$0x80
	hlt

efault:
	mov	$NR_write, %eax
	mov	$1, %edi
	mov	$0x10, %esi
	mov	$4, %edx
	syscall
	cmp	$-14, %rax
	jne	fail
	lea	efmsg(%rip), %rsi
	mov	$efmsg_len, %edx
	call	write1
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

bench:
	/* 10000 getpid through syscall, then through int $0x80 */
	lea	benchsys(%rip), %rsi
	mov	$benchsys_len, %edx
	call	write1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r14
	mov	$10000, %ebx
4:	mov	$NR_getpid, %eax
	syscall
	dec	%ebx
	jnz	4b
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$10000, %ecx
	div	%rcx
	call	writenum
	lea	benchint(%rip), %rsi
	mov	$benchint_len, %edx
	call	write1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r14
	mov	$10000, %r15d
5:	mov	$NR_ia32_getpid, %eax
	int	$0x80
	dec	%r15d
	jnz	5b
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r14, %rax
	xor	%edx, %edx
	mov	$10000, %ecx
	div	%rcx
	call	writenum
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

fail:
	mov	$NR_exit_group, %eax
	mov	$1, %edi
	syscall
	hlt

	.section .rodata
msg64:	.ascii	"init: hello from user mode via syscall\n"
	.set	msg64_len, . - msg64
msg32:	.ascii	"init: hello from user mode via int $0x80\n"
	.set	msg32_len, . - msg32
argvmsg: .ascii	"init: argv: "
	.set	argvmsg_len, . - argvmsg
nl:	.ascii	"\n"
sp1:	.ascii	" "
unamemsg: .ascii "init: uname: "
	.set	unamemsg_len, . - unamemsg
pidmsg:	.ascii	"init: getpid via syscall and int $0x80: "
	.set	pidmsg_len, . - pidmsg
mapmsg:	.ascii	"init: mmap of argv[0] reads \\x7fELF\n"
	.set	mapmsg_len, . - mapmsg
brkmsg:	.ascii	"init: brk grew the heap by a page\n"
	.set	brkmsg_len, . - brkmsg
efmsg:	.ascii	"init: write(1, 0x10, 4) = -EFAULT\n"
	.set	efmsg_len, . - efmsg
benchsys: .ascii "init: getpid round trip, TSC cycles: syscall "
	.set	benchsys_len, . - benchsys
benchint: .ascii "init: getpid round trip, TSC cycles: int $0x80 "
	.set	benchint_len, . - benchint

	.bss
utsbuf:	.space	390		/* struct new_utsname: 6 x 65 bytes */
