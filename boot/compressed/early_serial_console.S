/*
 * boot/compressed/early_serial_console.S — the boot stage's one console:
 * a 16550 UART, polled, on the port earlyprintk= names.
 *
 * Linux: arch/x86/boot/compressed/early_serial_console.c (which builds
 *        arch/x86/boot/early_serial_console.c again: console_init,
 *        parse_earlyprintk, early_serial_init) and compressed/misc.c
 *        (serial_putchar, __putstr, __puthex, __putdec, error).
 * Hardware: TI "PC16550D" datasheet, Table II "Register Summary";
 *        COM1 at I/O 0x3f8, COM2 at 0x2f8 (the PC/AT port map).
 *
 * console_init runs once, in startup_32, and reads earlyprintk= the way
 * the real-mode setup (boot/tty.S) and the kernel
 * (arch/amd64 early_console_init) do:
 *     earlyprintk=serial[,ttyS0|ttyS1|,0xPORT][,BAUD]   earlyprintk=ttyS0|ttyS1[,BAUD]
 * Without earlyprintk= the stage writes to COM1 as set up by the setup
 * code (or by the boot loader: GRUB's `linux` skips the setup), as Linux's
 * compressed stage, which only touches the UART for earlyprintk=.
 *
 * One console for two CPU modes. startup_32 prints in 32-bit protected
 * mode, startup_64 in 64-bit mode, and both call the same serial_putchar,
 * __putstr, __puthex, __putdec and error. Those functions are assembled as
 * 32-bit code written so that every instruction means the same thing in
 * 64-bit mode (Intel SDM Vol. 2A §2.2.1 "REX Prefixes" and Vol. 1 §3.3.7
 * "Address Calculations in 64-Bit Mode"):
 *   - no INC/DEC r32 (0x40-0x4f are REX prefixes in 64-bit mode): SUB/ADD;
 *   - PUSH/POP of a register: the same opcode pushes 4 bytes in 32-bit
 *     mode and 8 in 64-bit mode, consistently within a call;
 *   - 32-bit register writes zero the upper half in 64-bit mode, so
 *     EAX/ECX/EDX hold the same values in both;
 *   - the one memory operand, early_serial_base, is reached through the
 *     address that `call 1f; 1: pop %edx` leaves (EIP or RIP) plus a
 *     displacement: ModRM base EDX in 32-bit mode is RDX in 64-bit mode;
 *   - strings come in ESI/RSI, which LODSB reads in either mode.
 * A test (internal/boottest TestBootConsoleModeNeutral) disassembles these
 * functions in both modes and fails on the first instruction that decodes
 * differently.
 */

	.include "bootparam.inc"

/* The 16550's registers and bits (datasheet Table II), COM1, COM2 and
 * UART_BASE_BAUD (1.8432 MHz / 16: divisor = UART_BASE_BAUD / baud):
 * consts.inc, from drivers/serial8250 (Linux serial_reg.h). */
	.set DEFAULT_SERIAL_PORT, COM1	/* ttyS0 */
	.set DEFAULT_BAUD,	UART_BASE_BAUD

	.text
	.code32

/* ---------------------------------------------------------------------
 * Output: mode-neutral (see the header). Every register but the flags is
 * preserved.
 * --------------------------------------------------------------------- */

/* serial_putchar: AL = character. Waits (bounded, as Linux) for THRE. */
	.globl	serial_putchar
serial_putchar:
	pushl	%edx
	pushl	%ecx
	pushl	%eax
	call	1f
1:	popl	%edx				/* EIP or RIP of 1b */
	movzwl	(early_serial_base - 1b)(%edx), %edx
	addl	$UART_LSR, %edx
	movl	$0xffff, %ecx
2:	inb	%dx, %al
	testb	$UART_LSR_THRE, %al
	jnz	3f
	pause
	loop	2b				/* give up after 65535 polls */
3:	subl	$(UART_LSR - UART_TX), %edx
	popl	%eax
	outb	%al, %dx
	popl	%ecx
	popl	%edx
	ret

/* __putstr: ESI/RSI = NUL-terminated string; "\n" goes out as "\r\n". */
	.globl	__putstr
__putstr:
	pushl	%esi
	pushl	%eax
1:	lodsb
	testb	%al, %al
	jz	3f
	cmpb	$'\n', %al
	jne	2f
	movb	$'\r', %al
	call	serial_putchar
	movb	$'\n', %al
2:	call	serial_putchar
	jmp	1b
3:	popl	%eax
	popl	%esi
	ret

/* __puthex: EAX as 8 lower-case hex digits (no "0x": callers print it,
 * and a 64-bit value is its high half, then its low half). */
	.globl	__puthex
__puthex:
	pushl	%edx
	pushl	%ecx
	pushl	%eax
	movl	%eax, %edx
	movl	$8, %ecx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	addl	$'0', %eax
	cmpl	$'9', %eax
	jbe	2f
	addl	$('a' - '9' - 1), %eax
2:	call	serial_putchar
	subl	$1, %ecx
	jnz	1b
	popl	%eax
	popl	%ecx
	popl	%edx
	ret

/* __putdec: EAX as an unsigned decimal number. */
	.globl	__putdec
__putdec:
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
	pushl	%eax
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divl	%ebx				/* EAX = quotient, EDX = next digit */
	pushl	%edx
	addl	$1, %ecx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addl	$'0', %eax
	call	serial_putchar
	subl	$1, %ecx
	jnz	2b
	popl	%eax
	popl	%ebx
	popl	%ecx
	popl	%edx
	ret

/*
 * error: ESI/RSI = message; print it and stop (Linux misc.c error(),
 * without its "-- System halted" line: gokern's fatal messages end as the
 * setup code's do). Never returns.
 */
	.globl	error
error:
	call	__putstr
	/* fall through */

/*
 * die: the fatal-error protocol of every gokern stage: if QEMU's
 * isa-debug-exit device answers at port 0xf4 (it reads as 0, a missing
 * port as 0xff), write 0x11 so QEMU exits with status 35; else halt.
 */
	.globl	die
die:
	movl	$DEBUG_EXIT_PORT, %edx
	inb	%dx, %al
	testb	%al, %al
	jnz	1f
	movb	$DEBUG_EXIT_FAILURE, %al
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b
	.globl	early_serial_console_end	/* the end of the mode-neutral code */
early_serial_console_end:

/* ---------------------------------------------------------------------
 * Setup: 32-bit only, from startup_32. EBP = load address.
 * --------------------------------------------------------------------- */

/*
 * console_init: earlyprintk= → early_serial_init(port, baud), as Linux's
 * parse_earlyprintk. Without the option, keep COM1 as the setup code or
 * the loader left it.
 */
	.globl	console_init
console_init:
	pushal
	leal	opt_earlyprintk(%ebp), %esi
	leal	earlyprintk_arg(%ebp), %edi
	movl	$EARLYPRINTK_ARG_SIZE, %ecx
	call	cmdline_find_option		/* EAX = length, or -1 */
	cmpl	$0, %eax
	jle	9f

	movl	$DEFAULT_BAUD, %ebx		/* EBX = baud */
	xorl	%edx, %edx			/* EDX = port, 0: none named yet */
	movl	%edi, %esi			/* ESI = position in the argument */
	cmpl	$0x69726573, (%esi)		/* "seri" */
	jne	1f
	cmpw	$0x6c61, 4(%esi)		/* "al" */
	jne	1f
	movl	$DEFAULT_SERIAL_PORT, %edx
	addl	$6, %esi
1:	cmpb	$',', (%esi)
	jne	2f
	addl	$1, %esi
2:	/* "serial,0x3f8": a port number only right after "serial," */
	leal	7(%edi), %eax
	cmpl	%eax, %esi
	jne	3f
	cmpw	$0x7830, (%esi)			/* "0x" */
	jne	3f
	pushl	%edx
	movl	$16, %ecx
	call	simple_strtoul			/* EAX = number, ECX = end */
	popl	%edx
	cmpl	%esi, %ecx
	je	5f				/* no digits: keep the default port */
	testl	%eax, %eax
	jz	5f				/* port 0: the default */
	cmpl	$0xffff, %eax
	ja	5f				/* not an I/O port: the default */
	movl	%eax, %edx
	movl	%ecx, %esi
	jmp	5f
3:	cmpl	$0x53797474, (%esi)		/* "ttyS" */
	jne	5f
	addl	$4, %esi
	movl	$DEFAULT_SERIAL_PORT, %edx	/* ttyS0, and anything but ttyS1 */
	cmpb	$'1', (%esi)
	jne	4f
	movl	$COM2, %edx			/* ttyS1 */
4:	addl	$1, %esi
5:	cmpb	$',', (%esi)
	jne	6f
	addl	$1, %esi
6:	pushl	%edx
	xorl	%ecx, %ecx			/* base 0: decimal, or hex after "0x" */
	call	simple_strtoul
	popl	%edx
	cmpl	%esi, %ecx
	je	7f				/* no number: the default baud */
	testl	%eax, %eax
	jz	7f
	movl	%eax, %ebx
7:	testl	%edx, %edx
	jz	9f				/* no port named: keep COM1 */
	movl	%ebx, %eax
	call	early_serial_init
9:	popal
	ret

/*
 * early_serial_init: EDX = base port, EAX = baud. 8N1, no interrupts,
 * FIFOs on, DTR+RTS, divisor UART_BASE_BAUD / baud (datasheet §8.10), as the
 * setup code's (boot/tty.S). If this UART is the one already in use, its
 * last line is let out first (LSR.TEMT), so reprogramming cannot cut it.
 */
early_serial_init:
	pushal
	movl	%edx, %ebx			/* EBX = base */
	movl	%eax, %esi			/* ESI = baud */
	cmpw	early_serial_base(%ebp), %bx
	jne	2f
	leal	UART_LSR(%ebx), %edx
	movl	$0xffff, %ecx
1:	inb	%dx, %al
	testb	$UART_LSR_TEMT, %al
	jnz	2f
	pause
	loop	1b
2:	leal	UART_LCR(%ebx), %edx
	movb	$UART_LCR_8N1, %al
	outb	%al, %dx
	leal	UART_IER(%ebx), %edx
	xorb	%al, %al			/* no UART interrupts: we poll */
	outb	%al, %dx
	leal	UART_FCR(%ebx), %edx
	movb	$(UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT), %al
	outb	%al, %dx
	leal	UART_MCR(%ebx), %edx
	movb	$(UART_MCR_DTR | UART_MCR_RTS), %al
	outb	%al, %dx
	movl	$UART_BASE_BAUD, %eax
	xorl	%edx, %edx
	testl	%esi, %esi
	jz	3f
	divl	%esi
3:	testl	%eax, %eax			/* baud > 115200 would give 0 */
	jnz	4f
	movl	$1, %eax
4:	movl	%eax, %ecx			/* ECX = divisor */
	leal	UART_LCR(%ebx), %edx
	inb	%dx, %al
	orb	$UART_LCR_DLAB, %al
	outb	%al, %dx
	leal	UART_DLL(%ebx), %edx
	movb	%cl, %al
	outb	%al, %dx
	leal	UART_DLH(%ebx), %edx
	movb	%ch, %al
	outb	%al, %dx
	leal	UART_LCR(%ebx), %edx
	inb	%dx, %al
	andb	$~UART_LCR_DLAB, %al
	outb	%al, %dx
	movw	%bx, early_serial_base(%ebp)
	popal
	ret

/*
 * simple_strtoul: ESI = digits, ECX = base (0: "0x" means 16, else 10).
 * Out: EAX = value (wrapping, as Linux's), ECX = first byte not a digit.
 * Linux lib/vsprintf.c simple_strtoull.
 */
simple_strtoul:
	pushl	%ebx
	pushl	%edx
	pushl	%edi
	movl	%esi, %edi
	testl	%ecx, %ecx
	jnz	1f
	movl	$10, %ecx
	cmpw	$0x7830, (%edi)			/* "0x" */
	jne	2f
	movl	$16, %ecx
1:	cmpl	$16, %ecx
	jne	2f
	cmpw	$0x7830, (%edi)
	jne	2f
	addl	$2, %edi
2:	xorl	%eax, %eax
3:	movzbl	(%edi), %ebx
	subl	$'0', %ebx
	cmpl	$9, %ebx
	jbe	4f
	movzbl	(%edi), %ebx
	orl	$0x20, %ebx			/* lower case */
	subl	$'a', %ebx
	cmpl	$5, %ebx
	ja	5f
	addl	$10, %ebx
4:	cmpl	%ecx, %ebx
	jae	5f				/* not a digit of this base */
	mull	%ecx
	addl	%ebx, %eax
	addl	$1, %edi
	jmp	3b
5:	movl	%edi, %ecx
	popl	%edi
	popl	%edx
	popl	%ebx
	ret

	.section .rodata
opt_earlyprintk:	.asciz	"earlyprintk"

	.data
	.balign	2
/* I/O base of the console UART: COM1 until console_init names another.
 * In .data, not .bss: it is right before anything has run. */
	.globl	early_serial_base
early_serial_base:	.word	DEFAULT_SERIAL_PORT

	.bss
	.set EARLYPRINTK_ARG_SIZE, 32
earlyprintk_arg:	.skip	EARLYPRINTK_ARG_SIZE
