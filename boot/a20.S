/*
 * a20.S - turn on the A20 address line, the 8086 wrap-around's off switch.
 *
 * Linux: arch/x86/boot/a20.c (enable_a20, a20_test, empty_8042,
 *        enable_a20_bios, enable_a20_kbc, enable_a20_fast).
 * Seeds: 000 "main()" ("enables the A20 line") and go_to_protected_mode
 *        ("A20 gate not responding, unable to boot..."); 003 "Real Mode"
 *        (go_to_protected_mode opens the A20 gate).
 * Why: with A20 masked, physical address bit 20 is forced to 0, so
 *        FFFF:0010 (linear 0x100000) reads 0000:0000, as on the 8086 (SDM
 *        Vol. 3A §20.1.1 "Address Translation in Real-Address Mode": the
 *        wrap-around above FFFFFh, emulated by masking A20).  Protected
 *        mode code at 1 MiB needs it on.
 * Interfaces:
 *   BIOS: INT 15h AX=2401h "ENABLE A20 GATE" (Ralf Brown's list; PS/2
 *        and later BIOSes).
 *   8042 keyboard controller: status port 0x64 (bit 0 output buffer full,
 *        bit 1 input buffer full), command 0xD1 "write output port",
 *        data 0xDF = output port with bit 1 (A20 gate) set (IBM PC/AT
 *        Technical Reference, "Keyboard Controller", an Intel 8042);
 *        then 0xFF, a null command some UHCI legacy emulations need
 *        (as Linux).
 *   "Fast A20": System Control Port A, I/O 0x92 (PS/2, Intel ICH/PCH
 *        datasheets "Port 92h"): bit 1 = A20 gate, bit 0 = fast reset,
 *        so bit 0 is always written as 0.
 *
 * Test knob (gokern only): a20_test=off turns A20 OFF through port 0x92
 * before enable_a20 tries anything, so a boot test proves that the
 * detection and the enabling really work (QEMU masks A20 under TCG).
 */
	.include "boot.inc"

	.code16
	.text

.set MAX_8042_LOOPS,	100000
.set A20_TEST_ADDR,	4 * 0x80	/* the INT 80h vector: unused in setup */
.set A20_TEST_SHORT,	32
.set A20_TEST_LONG,	2097152		/* 2^21 */
.set A20_ENABLE_LOOPS,	255

/*
 * empty_8042: wait until the 8042's input buffer is empty, reading and
 * discarding any byte it has for us.  Out: CF = 1 on timeout.
 */
SYM_FUNC_START empty_8042
	pushw	%ax
	pushl	%ecx
	movl	$MAX_8042_LOOPS, %ecx
1:	IO_DELAY
	inb	$0x64, %al		# status register
	testb	$1, %al			# output buffer full?
	jz	2f
	IO_DELAY
	inb	$0x60, %al		# read and discard
	jmp	3f
2:	testb	$2, %al			# input buffer full?
	jz	4f			# no: empty, done (CF = 0 from test)
3:	decl	%ecx
	jnz	1b
	stc				# gave up
4:	popl	%ecx
	popw	%ax
	ret
SYM_FUNC_END empty_8042

/*
 * a20_test: In: %ecx = loops.  Out: ZF = 0 if A20 is on.
 * Writes a changing value at 0000:0200 and compares FFFF:0210, the same
 * physical address when A20 is off (0xFFFF0 + 0x210 = 0x100200 -> 0x200).
 * io_delay makes each loop take a known time and serialises the write.
 */
SYM_FUNC_START a20_test
	pushl	%eax
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushw	%fs
	pushw	%gs
	xorw	%ax, %ax
	movw	%ax, %fs		# FS = 0x0000
	decw	%ax
	movw	%ax, %gs		# GS = 0xffff
	movl	%fs:A20_TEST_ADDR, %ebx	# saved = ctr
	movl	%ebx, %edx
1:	incl	%edx
	movl	%edx, %fs:A20_TEST_ADDR
	IO_DELAY
	movl	%gs:A20_TEST_ADDR + 0x10, %eax
	xorl	%edx, %eax		# differs: two addresses, A20 is on
	jnz	2f
	decl	%ecx
	jnz	1b
2:	movl	%ebx, %fs:A20_TEST_ADDR	# restore (mov keeps ZF)
	popw	%gs
	popw	%fs
	popl	%edx
	popl	%ecx
	popl	%ebx
	popl	%eax
	ret
SYM_FUNC_END a20_test

/* Quick test: is A20 already on? */
SYM_FUNC_START a20_test_short
	pushl	%ecx
	movl	$A20_TEST_SHORT, %ecx
	call	a20_test
	popl	%ecx
	ret
SYM_FUNC_END a20_test_short

/* Long test: wait for slow circuitry (the KBC) to switch A20. */
SYM_FUNC_START a20_test_long
	pushl	%ecx
	movl	$A20_TEST_LONG, %ecx
	call	a20_test
	popl	%ecx
	ret
SYM_FUNC_END a20_test_long

/* enable_a20_bios: INT 15h AX=2401h; EFLAGS preserved around the BIOS. */
SYM_FUNC_START enable_a20_bios
	pushal
	pushfl
	movw	$0x2401, %ax
	int	$0x15
	popfl
	popal
	ret
SYM_FUNC_END enable_a20_bios

/* enable_a20_kbc: 8042 command 0xD1 "write output port", data 0xDF. */
SYM_FUNC_START enable_a20_kbc
# LAB realmode BEGIN
	pushw	%ax
	call	empty_8042
	movb	$0xd1, %al		# command: write output port
	outb	%al, $0x64
	call	empty_8042
	movb	$0xdf, %al		# output port: A20 on (bit 1), no reset (bit 0 = 1)
	outb	%al, $0x60
	call	empty_8042
	movb	$0xff, %al		# null command, but UHCI legacy emulation wants it
	outb	%al, $0x64
	call	empty_8042
	popw	%ax
	ret
# LAB realmode SKELETON
# 	# The 8042: command 0xD1 to port 0x64, data 0xDF to port 0x60,
# 	# then the null command 0xFF; empty_8042 before each.
# 	PUTS	"LAB realmode: enable_a20_kbc not implemented yet\n"
# 	ret
# LAB realmode END
SYM_FUNC_END enable_a20_kbc

/* enable_a20_fast: port 0x92 bit 1 on, bit 0 (reset) written as 0. */
SYM_FUNC_START enable_a20_fast
# LAB realmode BEGIN
	pushw	%ax
	inb	$0x92, %al
	orb	$0x02, %al		# A20 gate
	andb	$~0x01, %al		# do not reset the machine
	outb	%al, $0x92
	popw	%ax
	ret
# LAB realmode SKELETON
# 	# System control port A (0x92): bit 1 on, bit 0 written as 0.
# 	PUTS	"LAB realmode: enable_a20_fast not implemented yet\n"
# 	ret
# LAB realmode END
SYM_FUNC_END enable_a20_fast

/* disable_a20_fast: port 0x92 bit 1 off, bit 0 (reset) written as 0. */
SYM_FUNC_START disable_a20_fast
	pushw	%ax
	inb	$0x92, %al
	andb	$~0x03, %al		# A20 gate off, do not reset
	outb	%al, $0x92
	popw	%ax
	ret
SYM_FUNC_END disable_a20_fast

/*
 * a20_test_knob: with a20_test=off, turn A20 off for the test.
 * With "debug", say whether the wrap-around then really shows.
 */
SYM_FUNC_START a20_test_knob
	pushal
	movw	$opt_a20_test, %si
	movw	$a20_arg, %di
	movw	$A20_ARG_SIZE, %cx
	call	cmdline_find_option
	cmpl	$0, %eax
	jle	9f
	movw	$a20_arg, %si
	movw	$str_off, %di
	movw	$4, %cx			# "off" and its NUL
	call	memcmp
	je	2f
	PUTS	"a20_test="		# anything else: say so, and ignore it
	movw	$a20_arg, %si
	call	puts
	PUTS	": not off: ignored\n"
	jmp	9f
2:	call	disable_a20_fast
	SKIP_UNLESS_DEBUG 9f
	PUTS	"enable_a20: a20_test=off: A20 turned off through port 0x92, "
	call	a20_test_short
	jnz	1f
	PUTS	"memory wraps at 1 MiB\n"
	jmp	9f
1:	PUTS	"but it is still on\n"
9:	popal
	ret
SYM_FUNC_END a20_test_knob

/*
 * enable_a20: try each way in turn, checking after each, up to 255 times.
 * Out: CF = 1 if A20 would not come on.
 * With "debug": "enable_a20: A20 on (already|bios|kbc|fast)".
 */
SYM_FUNC_START enable_a20
	pushal
	call	a20_test_knob
	movw	$A20_ENABLE_LOOPS, %cx
	movw	$str_already, %si	# %si = the way that worked
1:
	# Already on (legacy-free machines, QEMU)?
	call	a20_test_short
	jnz	.Lon

	# The BIOS
	movw	$str_bios, %si
	call	enable_a20_bios
	call	a20_test_short
	jnz	.Lon

	# The BIOS may have worked, with a delay; the KBC must be idle anyway
	call	empty_8042
	call	a20_test_short
	jnz	.Lon

	# The keyboard controller
	movw	$str_kbc, %si
	call	enable_a20_kbc
	call	a20_test_long
	jnz	.Lon

	# System control port A, "fast A20"
	movw	$str_fast, %si
	call	enable_a20_fast
	call	a20_test_long
	jnz	.Lon

	decw	%cx
	jnz	1b
	popal
	stc
	ret
.Lon:
	SKIP_UNLESS_DEBUG 2f
	PUTS	"enable_a20: A20 on ("
	call	puts
	PUTS	")\n"
2:	movw	%si, a20_method
	popal
	clc
	ret
SYM_FUNC_END enable_a20

	.section .rodata
opt_a20_test:	.asciz	"a20_test"
str_off:	.asciz	"off"
str_already:	.asciz	"already"
str_bios:	.asciz	"bios"
str_kbc:	.asciz	"kbc"
str_fast:	.asciz	"fast"

	.bss
.set A20_ARG_SIZE, 8
a20_arg:	.skip	A20_ARG_SIZE
	.balign	2
/* The name of the way A20 came on ("already", "bios", "kbc", "fast"). */
SYM_DATA_START a20_method
	.skip	2
SYM_DATA_END a20_method
