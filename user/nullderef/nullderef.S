# nullderef: a user program that reads address 0, for the boot test of a
# NULL dereference under busybox's shell (issue 14). No libc: the first
# instruction loads from NULL, the page fault's error code is 4 (user
# read of a page not present), and the kernel kills the process with
# SIGSEGV after printing Linux's line
#	nullderef[PID]: segfault at 0 ip 0000000000401000 sp ... error 4 in nullderef[401000+1000]
# The shell that ran it reports status 139 (128 + SIGSEGV) and goes on.
	.globl	_start
	.text
_start:
	movq	0, %rax		# the fault: RIP stays here
	# Not reached. Were the load to succeed, exit(1) says so.
	movl	$60, %eax	# __NR_exit
	movl	$1, %edi
	syscall
