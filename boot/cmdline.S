/*
 * cmdline.S - find options on the kernel command line, in real mode.
 *
 * Linux: arch/x86/boot/cmdline.c (__cmdline_find_option,
 *        __cmdline_find_option_bool) and the boot.h wrappers
 *        cmdline_find_option / cmdline_find_option_bool (a cmdline at or
 *        above 1 MiB is out of reach of real mode: treated as none).
 * Seeds: 003 "Real Mode" (main: cmdline_find_option_bool("debug")).
 * Boot protocol: boot.rst "Details of Header Fields", cmd_line_ptr: the
 *        linear address of a NUL-terminated string, below 0xA0000.
 *
 * The cmdline lies outside the setup segment (QEMU: 0x20000), so it is
 * read through FS: FS = ptr >> 4, offset = ptr & 0xf, as Linux's
 * set_fs/rdfs8.
 *
 * The setup sees what the kernel will see (gokern; Linux reads up to
 * 64 KiB here): at most COMMAND_LINE_SIZE - 1 bytes, the kernel's copy,
 * and when that cuts a word in two (the byte after the limit is neither
 * NUL nor a space), not that word either: the kernel drops it and says so.
 *
 * Words are separated by any character <= ' ' (Linux's myisspace).
 * When an option is repeated, the last one wins, for both functions
 * (Linux's cmdline_find_option_bool returns the first: gokern's callers
 * compare two options' positions, as in "quiet debug").
 *
 * Calling convention: boot/boot.inc.  Both functions are small state
 * machines; each state of Linux's enum is a code label here.
 */
	.include "boot.inc"

	.code16
	.text

/* GETC end: %al = next cmdline byte, or jump to \end at cmdline_end
 * (which reads as a NUL: the end of the kernel's copy). */
.macro GETC end
	cmpl	cmdline_end, %ebx
	jae	\end
	movb	%fs:(%bx), %al
	incl	%ebx
.endm

/*
 * cmdline_fs (internal): point %fs:%bx at the cmdline, and set
 * cmdline_end to where the kernel's copy of it ends (see the top).
 * Out: CF = 1 if there is no cmdline in reach (cmd_line_ptr 0, or >= 1 MiB,
 *      or ext_cmd_line_ptr set); else %fs and %ebx = ptr & 0xf.
 * Clobbers %eax and %ebx (callers save them).
 */
SYM_FUNC_START cmdline_fs
	cmpl	$0, boot_params + BP_ext_cmd_line_ptr
	jne	1f			# above 4 GiB
	movl	boot_params + BP_cmd_line_ptr, %eax
	testl	%eax, %eax
	jz	1f			# no cmdline
	cmpl	$0x100000, %eax
	jae	1f			# inaccessible from real mode
	movl	%eax, %ebx
	andl	$0x0f, %ebx
	shrl	$4, %eax
	movw	%ax, %fs
	pushl	%ebx
	pushl	%ecx
	leal	(COMMAND_LINE_SIZE - 1)(%ebx), %ecx	# the limit
2:	cmpl	%ecx, %ebx
	jae	3f
	cmpb	$0, %fs:(%bx)
	je	5f			# the NUL comes first: all of it
	incl	%ebx
	jmp	2b
3:	cmpb	$' ', %fs:(%bx)		# at the limit: does a word go on?
	jbe	5f			# no (NUL or a space): all of it
4:	cmpl	4(%esp), %ebx		# yes: back to the start of that word
	jbe	5f
	cmpb	$' ', %fs:-1(%bx)
	jbe	5f
	decl	%ebx
	jmp	4b
5:	movl	%ebx, cmdline_end
	popl	%ecx
	popl	%ebx
	clc
	ret
1:	stc
	ret
SYM_FUNC_END cmdline_fs

/*
 * cmdline_find_option_bool: is the word %ds:%si (NUL-terminated) on the
 * cmdline, alone (not "word=..." nor a longer word)?
 * Out: %eax = the position (counting from 1) of its last occurrence, 0 if
 *      absent, -1 if there is no cmdline.  (Linux's callers treat -1 as
 *      true; gokern's test > 0.)
 */
SYM_FUNC_START cmdline_find_option_bool
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushw	%di
	pushw	%fs
	call	cmdline_fs
	jc	.Lb_none
	xorl	%edx, %edx		# %edx = pos of the last byte read
	xorl	%ecx, %ecx		# %ecx = wstart
	movl	$0, cmdline_found	# the last occurrence so far

.Lb_wordstart:				# start of a word / after whitespace
	GETC	.Lb_absent
	incl	%edx
	testb	%al, %al
	jz	.Lb_absent
	cmpb	$' ', %al
	jbe	.Lb_wordstart
	movl	%edx, %ecx		# a word starts here
	movw	%si, %di		# %di = opptr
.Lb_wordcmp:				# comparing this word, %al = its next byte
	cmpb	$0, (%di)
	jne	1f
	cmpb	$' ', %al		# whole option matched: the word must end
	ja	.Lb_wordskip		# (NUL or whitespace)
	movl	%ecx, cmdline_found	# an occurrence: look for a later one
	testb	%al, %al
	jz	.Lb_absent
	jmp	.Lb_wordstart
1:	testb	%al, %al
	jz	.Lb_absent
	cmpb	(%di), %al
	jne	.Lb_wordskip
	incw	%di
	GETC	.Lb_end			# the end right after the word's last byte
	incl	%edx
	jmp	.Lb_wordcmp
.Lb_end:
	xorb	%al, %al		# reads as the NUL
	jmp	.Lb_wordcmp

.Lb_wordskip:				# mismatch: skip to the next word
	GETC	.Lb_absent
	incl	%edx
	testb	%al, %al
	jz	.Lb_absent
	cmpb	$' ', %al
	jbe	.Lb_wordstart
	jmp	.Lb_wordskip

.Lb_absent:
	movl	cmdline_found, %eax	# 0 if none
	jmp	.Lb_out
.Lb_none:
	movl	$-1, %eax
.Lb_out:
	popw	%fs
	popw	%di
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
SYM_FUNC_END cmdline_find_option_bool

/*
 * cmdline_find_option: find "option=argument" and copy the argument.
 * In:  %ds:%si = option name (NUL-terminated), %ds:%di = buffer,
 *      %cx = buffer size.
 * Out: %eax = length of the argument (even if it was truncated to fit
 *      the buffer, which is always NUL-terminated when %cx > 0), or -1
 *      if the option is absent or there is no cmdline.
 */
SYM_FUNC_START cmdline_find_option
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushw	%si
	pushw	%di
	pushw	%bp
	pushw	%fs
	movw	%si, cmdline_option
	movw	%cx, cmdline_bufsize
	movw	%di, %bp		# %bp = buffer
	addw	%di, %cx
	decw	%cx			# %cx = last byte for text: buffer + size - 1
	movl	$-1, %edx		# %edx = len
	call	cmdline_fs
	jc	.Lo_none

.Lo_wordstart:
	GETC	.Lo_end
	testb	%al, %al
	jz	.Lo_end
	cmpb	$' ', %al
	jbe	.Lo_wordstart
	movw	cmdline_option, %si	# %si = opptr
.Lo_wordcmp:				# %al = next byte of this word
	cmpb	$'=', %al
	jne	1f
	cmpb	$0, (%si)
	jne	1f
	xorl	%edx, %edx		# "option=": copy what follows
	movw	%bp, %di		# %di = bufptr
	jmp	.Lo_bufcpy
1:	cmpb	$' ', %al
	jbe	.Lo_wordstart
	cmpb	(%si), %al
	jne	.Lo_wordskip
	incw	%si
	GETC	.Lo_end
	testb	%al, %al
	jz	.Lo_end
	jmp	.Lo_wordcmp

.Lo_wordskip:
	GETC	.Lo_end
	testb	%al, %al
	jz	.Lo_end
	cmpb	$' ', %al
	jbe	.Lo_wordstart
	jmp	.Lo_wordskip

.Lo_bufcpy:
	GETC	.Lo_end
	testb	%al, %al
	jz	.Lo_end
	cmpb	$' ', %al
	jbe	.Lo_wordstart
	cmpw	%cx, %di		# room left (len < bufsize - 1)?
	jae	2f
	movb	%al, (%di)
	incw	%di
2:	incl	%edx
	jmp	.Lo_bufcpy

.Lo_end:
	cmpw	$0, cmdline_bufsize
	je	.Lo_none
	movb	$0, (%di)		# bufptr: end of the last copy, or buffer
.Lo_none:
	movl	%edx, %eax
	popw	%fs
	popw	%bp
	popw	%di
	popw	%si
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
SYM_FUNC_END cmdline_find_option

	.bss
	.balign	4
cmdline_end:		.skip	4	# %ebx where the kernel's copy ends
cmdline_found:		.skip	4	# bool: the last occurrence's position
cmdline_option:		.skip	2	# option name being searched
cmdline_bufsize:	.skip	2	# caller's buffer size
