/*
 * boot/compressed/cmdline.S — find options on the kernel command line,
 * in 32-bit protected mode (flat segments, paging off).
 *
 * Linux: arch/x86/boot/compressed/cmdline.c (get_cmd_line_ptr,
 *        cmdline_find_option, cmdline_find_option_bool), which builds
 *        arch/x86/boot/cmdline.c (__cmdline_find_option,
 *        __cmdline_find_option_bool) for the compressed stage. The
 *        real-mode setup has its own copy in boot/cmdline.S.
 *
 * As in the kernel (package cmdline), words are separated by any byte
 * <= ' ', and the last occurrence of an option wins. The stage sees what
 * the kernel will see: at most COMMAND_LINE_SIZE - 1 bytes (the kernel's
 * copy holds no more) and, when that cuts a word in two, not that word
 * either: the kernel drops it and says so. A command line above 4 GiB
 * (ext_cmd_line_ptr) is out of reach of 32-bit code: treated as none.
 *
 * Calling convention: 32-bit call/ret, EBP = load address; arguments and
 * results in registers as each function says; every other register is
 * preserved.
 */

	.include "bootparam.inc"

	.text
	.code32

/*
 * get_cmd_line_ptr (internal): EBX = the command line's address, or CF=1
 * if there is none in reach; cmdline_limit = how many of its bytes the
 * kernel keeps (see the top).
 */
get_cmd_line_ptr:
	movl	boot_params_ptr(%ebp), %ebx
	cmpl	$0, BP_ext_cmd_line_ptr(%ebx)
	jne	1f
	movl	BP_cmd_line_ptr(%ebx), %ebx
	testl	%ebx, %ebx
	jz	1f
	pushl	%ecx
	xorl	%ecx, %ecx
2:	cmpl	$(COMMAND_LINE_SIZE - 1), %ecx
	jae	3f
	cmpb	$0, (%ebx, %ecx)
	je	4f			/* the NUL comes first: all of it */
	addl	$1, %ecx
	jmp	2b
3:	cmpb	$' ', (%ebx, %ecx)	/* at the limit: does a word go on? */
	jbe	4f
5:	testl	%ecx, %ecx		/* yes: back to the start of that word */
	jz	4f
	cmpb	$' ', -1(%ebx, %ecx)
	jbe	4f
	subl	$1, %ecx
	jmp	5b
4:	movl	%ecx, cmdline_limit(%ebp)
	popl	%ecx
	clc
	ret
1:	stc
	ret

/*
 * cmdline_find_option_bool: is the word ESI (NUL-terminated) on the
 * command line, alone (not "word=..." nor a longer word)?
 * Out: EAX = the position (counting from 1) of its last occurrence,
 *      0 if absent, -1 if there is no command line. (Linux returns the
 *      first; the last lets a caller compare two options' positions:
 *      in "quiet debug" the later one wins.)
 */
	.globl	cmdline_find_option_bool
cmdline_find_option_bool:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%edi
	call	get_cmd_line_ptr		/* EBX = the command line */
	movl	$-1, %eax
	jc	9f
	movl	$0, cmdline_found(%ebp)
	xorl	%ecx, %ecx			/* ECX = the byte looked at */
1:	cmpl	cmdline_limit(%ebp), %ecx
	jae	8f
	cmpb	$' ', (%ebx, %ecx)
	jbe	6f				/* a separator */
	testl	%ecx, %ecx
	jz	2f
	cmpb	$' ', -1(%ebx, %ecx)
	ja	6f				/* inside a word */
2:	xorl	%edi, %edi			/* a word starts: does it read ESI? */
3:	leal	(%ecx, %edi), %edx		/* EDX = where in the command line */
	movb	(%esi, %edi), %al
	testb	%al, %al
	jz	4f				/* the whole option matched */
	cmpl	cmdline_limit(%ebp), %edx
	jae	6f
	cmpb	%al, (%ebx, %edx)
	jne	6f
	addl	$1, %edi
	jmp	3b
4:	cmpl	cmdline_limit(%ebp), %edx	/* and the word ends there */
	jae	5f
	cmpb	$' ', (%ebx, %edx)
	ja	6f
5:	leal	1(%ecx), %eax
	movl	%eax, cmdline_found(%ebp)
6:	addl	$1, %ecx
	jmp	1b
8:	movl	cmdline_found(%ebp), %eax
9:	popl	%edi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * cmdline_find_option: find "option=argument" and copy the argument.
 * In:  ESI = option name (NUL-terminated), EDI = buffer, ECX = its size.
 * Out: EAX = the length of the last occurrence's argument (even if it was
 *      cut to fit the buffer, which is NUL-terminated when ECX > 0), or
 *      -1 if the option is absent or there is no command line.
 */
	.globl	cmdline_find_option
cmdline_find_option:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	movl	%ecx, cmdline_bufsize(%ebp)
	movl	$-1, cmdline_found(%ebp)
	call	get_cmd_line_ptr		/* EBX = the command line */
	jc	8f
	xorl	%ecx, %ecx			/* ECX = the byte looked at */
1:	cmpl	cmdline_limit(%ebp), %ecx
	jae	8f
	cmpb	$' ', (%ebx, %ecx)
	jbe	7f				/* a separator */
	testl	%ecx, %ecx
	jz	2f
	cmpb	$' ', -1(%ebx, %ecx)
	ja	7f				/* inside a word */
2:	movl	%ecx, %edx			/* a word starts: "option=" ? */
	pushl	%esi
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	cmpl	cmdline_limit(%ebp), %edx
	jae	6f
	cmpb	%al, (%ebx, %edx)
	jne	6f
	addl	$1, %esi
	addl	$1, %edx
	jmp	3b
4:	cmpl	cmdline_limit(%ebp), %edx
	jae	6f
	cmpb	$'=', (%ebx, %edx)
	jne	6f
	addl	$1, %edx			/* yes: copy up to the next separator */
	xorl	%eax, %eax			/* EAX = its length */
41:	cmpl	cmdline_limit(%ebp), %edx
	jae	5f
	movb	(%ebx, %edx), %cl
	cmpb	$' ', %cl
	jbe	5f
	leal	1(%eax), %esi			/* room while length + 1 < size */
	cmpl	cmdline_bufsize(%ebp), %esi
	jae	42f
	movb	%cl, (%edi, %eax)
42:	addl	$1, %eax
	addl	$1, %edx
	jmp	41b
5:	movl	%eax, cmdline_found(%ebp)
	movl	cmdline_bufsize(%ebp), %esi	/* NUL at min(length, size - 1) */
	testl	%esi, %esi
	jz	51f
	subl	$1, %esi
	cmpl	%eax, %esi
	jbe	52f
	movl	%eax, %esi
52:	movb	$0, (%edi, %esi)
51:	movl	%edx, %ecx			/* go on after the argument */
	popl	%esi
	jmp	1b
6:	popl	%esi				/* not this option */
7:	addl	$1, %ecx
	jmp	1b
8:	movl	cmdline_found(%ebp), %eax
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

	.bss
	.balign	4
cmdline_limit:		.skip	4	/* the bytes of the command line the kernel keeps */
cmdline_found:		.skip	4	/* the result so far */
cmdline_bufsize:	.skip	4	/* cmdline_find_option's buffer size */
