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
 * <= ' ', the scan stops at the NUL or after COMMAND_LINE_SIZE - 1 bytes
 * (the kernel's copy of the command line holds no more), and the last
 * occurrence of an option wins. A command line above 4 GiB
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
 * if there is none in reach.
 */
get_cmd_line_ptr:
	movl	boot_params_ptr(%ebp), %ebx
	cmpl	$0, BP_ext_cmd_line_ptr(%ebx)
	jne	1f
	movl	BP_cmd_line_ptr(%ebx), %ebx
	testl	%ebx, %ebx
	jz	1f
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
	pushl	%ebp
	call	get_cmd_line_ptr
	movl	$-1, %eax
	jc	9f
	xorl	%eax, %eax			/* EAX = result */
	xorl	%ecx, %ecx			/* ECX = bytes read */
	movl	$1, %edx			/* EDX = 1 at the start of a word */
1:	cmpl	$(COMMAND_LINE_SIZE - 1), %ecx
	jae	9f
	movzbl	(%ebx, %ecx), %ebp
	addl	$1, %ecx
	testl	%ebp, %ebp
	jz	9f
	cmpl	$' ', %ebp
	jbe	5f				/* a separator: a word starts next */
	testl	%edx, %edx
	jz	1b				/* inside a word that cannot match */
	xorl	%edx, %edx
	/* A word starts at ECX-1: does it read ESI, then a separator? */
	movl	$0, %edi
2:	movb	(%esi, %edi), %dl
	testb	%dl, %dl
	jz	3f				/* the whole option matched */
	leal	-1(%ecx, %edi), %ebp
	cmpl	$(COMMAND_LINE_SIZE - 1), %ebp
	jae	4f
	cmpb	%dl, (%ebx, %ebp)
	jne	4f
	addl	$1, %edi
	jmp	2b
3:	leal	-1(%ecx, %edi), %ebp		/* the byte after the word */
	cmpl	$(COMMAND_LINE_SIZE - 1), %ebp
	jae	31f				/* the scan ends there: a separator */
	cmpb	$' ', (%ebx, %ebp)
	ja	4f
31:	movl	%ecx, %eax			/* its position */
4:	xorl	%edx, %edx
	jmp	1b
5:	movl	$1, %edx
	jmp	1b
9:	popl	%ebp
	popl	%edi
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
	pushl	%edi
	pushl	%ebp
	subl	$8, %esp			/* 0(%esp): buffer size, 4: result */
	movl	%ecx, 0(%esp)
	movl	$-1, 4(%esp)
	call	get_cmd_line_ptr
	jc	9f
	xorl	%ecx, %ecx			/* ECX = bytes read */
	movl	$1, %edx			/* EDX = 1 at the start of a word */
1:	cmpl	$(COMMAND_LINE_SIZE - 1), %ecx
	jae	9f
	movzbl	(%ebx, %ecx), %eax
	addl	$1, %ecx
	testl	%eax, %eax
	jz	9f
	cmpl	$' ', %eax
	jbe	7f
	testl	%edx, %edx
	jz	1b
	xorl	%edx, %edx
	/* A word starts at ECX-1: does it read ESI, then '='? */
	leal	-1(%ecx), %ebp			/* EBP = index in the command line */
	pushl	%esi
2:	movb	(%esi), %al
	testb	%al, %al
	jz	3f
	cmpl	$(COMMAND_LINE_SIZE - 1), %ebp
	jae	6f
	cmpb	%al, (%ebx, %ebp)
	jne	6f
	addl	$1, %esi
	addl	$1, %ebp
	jmp	2b
3:	cmpl	$(COMMAND_LINE_SIZE - 1), %ebp
	jae	6f
	cmpb	$'=', (%ebx, %ebp)
	jne	6f
	/* A match: copy the argument up to the next separator. */
	addl	$1, %ebp
	xorl	%eax, %eax			/* EAX = length */
4:	cmpl	$(COMMAND_LINE_SIZE - 1), %ebp
	jae	5f
	movb	(%ebx, %ebp), %dl
	cmpb	$' ', %dl
	jbe	5f
	leal	1(%eax), %esi
	cmpl	4(%esp), %esi			/* room: length + 1 < size (saved ESI above) */
	jae	41f
	movb	%dl, (%edi, %eax)
41:	addl	$1, %eax
	addl	$1, %ebp
	jmp	4b
5:	movl	%eax, 8(%esp)			/* the result (under the saved ESI) */
	cmpl	$0, 4(%esp)
	je	51f
	movl	4(%esp), %esi			/* NUL at min(length, size - 1) */
	subl	$1, %esi
	cmpl	%eax, %esi
	jbe	52f
	movl	%eax, %esi
52:	movb	$0, (%edi, %esi)
51:	movl	%ebp, %ecx			/* go on after the argument */
6:	popl	%esi
	xorl	%edx, %edx
	jmp	1b
7:	movl	$1, %edx
	jmp	1b
9:	movl	4(%esp), %eax
	addl	$8, %esp
	popl	%ebp
	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
