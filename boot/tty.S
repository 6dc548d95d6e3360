/*
 * tty.S - the setup code's console: a 16550 UART, polled.
 *
 * Linux: arch/x86/boot/tty.c (putchar, puts, serial_putchar) and
 *        arch/x86/boot/early_serial_console.c (console_init,
 *        parse_earlyprintk, early_serial_init); puthex/putdec stand in
 *        for the few printf formats the setup code uses.
 * Seeds: 003 "Real Mode" (main: console_init, "early console in setup code").
 * Hardware: the 16550 UART, TI "PC16550D Universal Asynchronous
 *        Receiver/Transmitter with FIFOs" datasheet, Table II "Register
 *        Summary" and §8 "Registers"; COM1 at I/O 0x3f8, COM2 at 0x2f8
 *        (the PC/AT port map).
 *
 * gokern has no VGA console: Linux's putchar also writes every character
 * through the BIOS (INT 10h AH=0Eh), gokern only writes to the UART, so
 * the serial console is ALWAYS initialised -- COM1 (0x3f8) at 115200 8N1
 * unless earlyprintk= says otherwise.  (Linux initialises the UART only
 * when earlyprintk= or console=uart8250,io,... is given, and defaults to
 * 9600 baud; console=uart8250 is not parsed here.)
 *
 * Calling convention (boot/boot.inc): 16-bit call/ret; arguments in
 * registers as documented per function; every register except the flags
 * is preserved.  DS = the setup segment.
 *
 *   putchar      %al = character ('\n' is sent as "\r\n")
 *   puts         %ds:%si = NUL-terminated string
 *   puthex16     %ax  as 4 lower-case hex digits
 *   puthex32     %eax as 8 lower-case hex digits
 *   putdec       %eax as an unsigned decimal number
 *   early_serial_init  %dx = I/O base, %eax = baud
 *   console_init       (reads earlyprintk= from the cmdline)
 */
	.include "boot.inc"

	.code16

/* The 16550's registers (UART_TX .. UART_LSR, datasheet Table II) and bits,
 * COM1, COM2 and UART_BASE_BAUD (1.8432 MHz / 16: divisor = UART_BASE_BAUD /
 * baud): consts.inc, from drivers/serial8250 (Linux serial_reg.h). */
.set DEFAULT_SERIAL_PORT, COM1	/* ttyS0 */
.set DEFAULT_BAUD,	UART_BASE_BAUD

/* --------------------------------------------------------------------- *
 * Output.  In .inittext, like Linux, so setup_bad can print even when the
 * loader loaded only the first sectors of setup.
 * --------------------------------------------------------------------- */
	.section ".inittext", "ax"

/* serial_putchar: send %al; wait (bounded, as Linux) for THRE first. */
SYM_FUNC_START serial_putchar
	pushw	%ax
	pushw	%cx
	pushw	%dx
	movw	early_serial_base, %dx
	testw	%dx, %dx
	jz	3f			# no console yet: drop it
	pushw	%ax			# the character
	addw	$UART_LSR, %dx
	movw	$0xffff, %cx
1:	inb	%dx, %al
	testb	$UART_LSR_THRE, %al		# room in the transmitter?
	jnz	2f
	pause
	loop	1b			# give up after 65535 polls
2:	subw	$UART_LSR - UART_TX, %dx
	popw	%ax
	outb	%al, %dx
3:	popw	%dx
	popw	%cx
	popw	%ax
	ret
SYM_FUNC_END serial_putchar

/* putchar: %al = character; "\n" goes out as "\r\n". */
SYM_FUNC_START putchar
	cmpb	$'\n', %al
	jne	1f
	pushw	%ax
	movb	$'\r', %al
	call	serial_putchar
	popw	%ax
1:	jmp	serial_putchar
SYM_FUNC_END putchar

/* puts: %ds:%si = NUL-terminated string. */
SYM_FUNC_START puts
	pushw	%ax
	pushw	%si
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putchar
	jmp	1b
2:	popw	%si
	popw	%ax
	ret
SYM_FUNC_END puts

/* puthex32: %eax as 8 hex digits. */
SYM_FUNC_START puthex32
	pushw	%cx
	movw	$8, %cx
	call	puthex_digits
	popw	%cx
	ret
SYM_FUNC_END puthex32

/* puthex16: %ax as 4 hex digits. */
SYM_FUNC_START puthex16
	pushw	%cx
	movw	$4, %cx
	call	puthex_digits
	popw	%cx
	ret
SYM_FUNC_END puthex16

/* puthex_digits: the low %cx (1..8) nibbles of %eax, most significant first. */
SYM_FUNC_START puthex_digits
	pushal
	movl	%eax, %edx
	movw	%cx, %bx
1:	movb	%dl, %al		# push the digits, least significant first
	andb	$0x0f, %al
	pushw	%ax
	shrl	$4, %edx
	loop	1b
	movw	%bx, %cx
2:	popw	%ax			# pop them most significant first
	addb	$'0', %al
	cmpb	$'9', %al
	jbe	3f
	addb	$'a' - '9' - 1, %al
3:	call	putchar
	loop	2b
	popal
	ret
SYM_FUNC_END puthex_digits

/* putdec: %eax as an unsigned decimal number. */
SYM_FUNC_START putdec
	pushal
	movl	$10, %ebx
	xorw	%cx, %cx
1:	xorl	%edx, %edx
	divl	%ebx			# %eax = quotient, %edx = next digit
	pushw	%dx
	incw	%cx
	testl	%eax, %eax
	jnz	1b
2:	popw	%ax
	addb	$'0', %al
	call	putchar
	loop	2b
	popal
	ret
SYM_FUNC_END putdec

/*
 * early_serial_init: %dx = UART base port, %eax = baud rate.
 * 8N1, interrupts off, FIFOs on, DTR+RTS, divisor 115200/baud
 * (datasheet §8.10 "Programmable Baud Generator": divisor =
 * 1.8432 MHz / (16 * baud)).  Sets early_serial_base: output starts here.
 */
SYM_FUNC_START early_serial_init
	pushal
	movw	%dx, %bx		# %bx = base
	movl	%eax, %ecx		# %ecx = baud
	leaw	UART_LCR(%bx), %dx
	movb	$UART_LCR_8N1, %al
	outb	%al, %dx
	leaw	UART_IER(%bx), %dx
	xorb	%al, %al		# no UART interrupts: we poll
	outb	%al, %dx
	leaw	UART_FCR(%bx), %dx
	movb	$(UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT), %al		# FIFOs on (Linux writes 0: FIFOs off)
	outb	%al, %dx
	leaw	UART_MCR(%bx), %dx
	movb	$(UART_MCR_DTR | UART_MCR_RTS), %al
	outb	%al, %dx
	# divisor = 115200 / baud, at least 1 (baud > 115200 would give 0)
	movl	$UART_BASE_BAUD, %eax
	xorl	%edx, %edx
	testl	%ecx, %ecx
	jz	1f
	divl	%ecx
1:	testl	%eax, %eax
	jnz	2f
	incl	%eax
2:	movl	%eax, %ecx		# %cx = divisor
	leaw	UART_LCR(%bx), %dx
	inb	%dx, %al
	orb	$UART_LCR_DLAB, %al		# DLAB=1: ports 0/1 are the divisor latch
	outb	%al, %dx
	leaw	UART_DLL(%bx), %dx
	movb	%cl, %al
	outb	%al, %dx
	leaw	UART_DLH(%bx), %dx
	movb	%ch, %al
	outb	%al, %dx
	leaw	UART_LCR(%bx), %dx
	inb	%dx, %al
	andb	$~UART_LCR_DLAB, %al		# DLAB=0: back to THR/IER
	outb	%al, %dx
	movw	%bx, early_serial_base
	popal
	ret
SYM_FUNC_END early_serial_init

/* --------------------------------------------------------------------- *
 * console_init: parse earlyprintk= and bring up the UART.
 *   earlyprintk=serial[,ttyS0|ttyS1|,0xNNN][,BAUD]
 *   earlyprintk=ttyS0|ttyS1[,BAUD]
 * as Linux's parse_earlyprintk; anything else (or nothing) gives the
 * default, COM1 115200: gokern always has a serial console.
 * --------------------------------------------------------------------- */
	.text
SYM_FUNC_START console_init
	pushal
	movw	$DEFAULT_SERIAL_PORT, %dx
	movl	$DEFAULT_BAUD, %ebp
	movw	$opt_earlyprintk, %si
	movw	$earlyprintk_arg, %di
	movw	$EARLYPRINTK_ARG_SIZE, %cx
	call	cmdline_find_option	# %eax = length or -1
	cmpl	$0, %eax
	jle	.Linit			# absent or empty: the default

	# %bx = pos in the argument
	movw	$earlyprintk_arg, %bx
	movw	%bx, %si
	movw	$str_serial, %di
	movw	$6, %cx
	call	memcmp			# "serial"?
	jne	1f
	addw	$6, %bx
1:	cmpb	$',', (%bx)
	jne	2f
	incw	%bx
2:	# "serial,0x3f8": only right after "serial," (pos 7), as Linux
	cmpw	$earlyprintk_arg + 7, %bx
	jne	.Ltty
	cmpw	$('x' << 8) | '0', (%bx)
	jne	.Ltty
	movw	%bx, %si
	movw	$16, %ax
	call	simple_strtoul		# %eax = port, %si past the digits
	cmpw	%bx, %si
	je	.Lbaud			# no digits: default port
	testl	%eax, %eax
	jz	.Lbaud			# port 0: default port
	cmpl	$0xffff, %eax
	ja	.Lbaud			# not an I/O port: default port
	movw	%ax, %dx
	movw	%si, %bx
	jmp	.Lbaud
.Ltty:	# "ttyS0" / "ttyS1"
	movw	%bx, %si
	movw	$str_ttyS, %di
	movw	$4, %cx
	call	memcmp
	jne	.Lbaud
	addw	$4, %bx
	movw	$COM1, %dx		# ttyS0
	cmpb	$'1', (%bx)
	jne	3f
	movw	$COM2, %dx		# ttyS1
3:	incw	%bx
.Lbaud:	cmpb	$',', (%bx)
	jne	4f
	incw	%bx
4:	movw	%bx, %si
	xorw	%ax, %ax		# base 0: decimal, or hex after "0x"
	call	simple_strtoul
	cmpw	%bx, %si
	je	.Linit			# no number: default baud
	testl	%eax, %eax
	jz	.Linit
	movl	%eax, %ebp
.Linit:	movl	%ebp, %eax
	call	early_serial_init
	popal
	ret
SYM_FUNC_END console_init

	.section .rodata
opt_earlyprintk:	.asciz	"earlyprintk"
str_serial:		.ascii	"serial"
str_ttyS:		.ascii	"ttyS"

	.bss
.set EARLYPRINTK_ARG_SIZE, 32
earlyprintk_arg:	.skip	EARLYPRINTK_ARG_SIZE
	.balign	2
/* I/O base of the console UART; 0 = no console yet (nothing is printed). */
SYM_DATA_START early_serial_base
	.skip	2
SYM_DATA_END early_serial_base
