package amd64

import (
	"gokern/cmdline"
	"gokern/printk"
)

// The early serial console, Linux arch/x86/kernel/early_printk.c
// (early_serial_init, early_serial_putc, "earlyprintk=serial"). gokern has
// no VGA console: the 16550 UART is the console from the first line on.

// 16550 registers, offsets from the base port (PC16550D datasheet, Table 2).
const (
	UART_TX  = 0 // transmit holding register (DLAB=0)
	UART_IER = 1 // interrupt enable (DLAB=0)
	UART_DLL = 0 // divisor latch low (DLAB=1)
	UART_DLH = 1 // divisor latch high (DLAB=1)
	UART_FCR = 2 // FIFO control
	UART_LCR = 3 // line control
	UART_MCR = 4 // modem control
	UART_LSR = 5 // line status

	UART_LCR_8N1   = 0x03 // 8 data bits, no parity, 1 stop bit
	UART_LCR_DLAB  = 0x80 // divisor latch access
	UART_MCR_DTR   = 0x01
	UART_MCR_RTS   = 0x02
	UART_LSR_THRE  = 0x20 // transmit holding register empty
	UART_BASE_BAUD = 115200

	COM1 = 0x3f8
	COM2 = 0x2f8
)

var (
	early_serial_base uint16
	early_serial_baud uint32
	// Early_serial_console is the printk console on the UART.
	Early_serial_console = printk.Console{Name: "ttyS0", Write: early_serial_write}
)

// early_console_init sets up the UART once, and again if the command line
// names another port or speed: earlyprintk=serial[,ttyS0|ttyS1|0xNNN][,BAUD]
// (Linux setup_early_serial_console). Default: COM1 at 115200.
func early_console_init(cmd []byte) {
	port, baud := uint16(COM1), uint32(UART_BASE_BAUD)
	if v, ok := cmdline.Find_option(cmd, "earlyprintk"); ok {
		port, baud = parse_earlyprintk(v, port, baud)
	}
	if port == early_serial_base && baud == early_serial_baud {
		return
	}
	early_serial_init(port, baud)
	Early_serial_console.Name = "ttyS0"
	if port == COM2 {
		Early_serial_console.Name = "ttyS1"
	} else if port != COM1 {
		Early_serial_console.Name = "uart"
	}
	printk.Register_console(&Early_serial_console)
}

// parse_earlyprintk reads "serial[,ttySn|0xNNN][,baud]"; anything else
// keeps the defaults (a later message reports it).
func parse_earlyprintk(v []byte, port uint16, baud uint32) (uint16, uint32) {
	field := 0
	for start := 0; start <= len(v); {
		end := start
		for end < len(v) && v[end] != ',' {
			end++
		}
		f := v[start:end]
		switch {
		case field == 0 && string(f) != "serial" && string(f) != "ttyS0" && string(f) != "ttyS1":
			return port, baud
		case string(f) == "ttyS0":
			port = COM1
		case string(f) == "ttyS1":
			port = COM2
		case len(f) > 2 && f[0] == '0' && f[1] == 'x':
			if p, rest, err := cmdline.Strtoull(f); err == cmdline.OK && len(rest) == 0 && p < 0x10000 {
				port = uint16(p)
			}
		case field > 0 && len(f) > 0:
			if b, rest, err := cmdline.Strtoull(f); err == cmdline.OK && len(rest) == 0 && b > 0 && b <= UART_BASE_BAUD {
				baud = uint32(b)
			}
		}
		field++
		start = end + 1
	}
	return port, baud
}

// early_serial_init programs the UART: 8N1, no interrupts, no FIFO,
// DTR+RTS, divisor for the baud rate (Linux early_serial_init).
func early_serial_init(port uint16, baud uint32) {
	early_serial_base, early_serial_baud = port, baud
	Outb(port+UART_LCR, UART_LCR_8N1)
	Outb(port+UART_IER, 0)
	Outb(port+UART_FCR, 0)
	Outb(port+UART_MCR, UART_MCR_DTR|UART_MCR_RTS)
	div := UART_BASE_BAUD / baud
	c := Inb(port + UART_LCR)
	Outb(port+UART_LCR, c|UART_LCR_DLAB)
	Outb(port+UART_DLL, uint8(div))
	Outb(port+UART_DLH, uint8(div>>8))
	Outb(port+UART_LCR, c&^UART_LCR_DLAB)
}

// early_serial_putc waits (boundedly, as Linux) for the transmitter.
//
//go:nosplit
func early_serial_putc(ch byte) {
	for timeout := 0xffff; Inb(early_serial_base+UART_LSR)&UART_LSR_THRE == 0 && timeout > 0; timeout-- {
	}
	Outb(early_serial_base+UART_TX, ch)
}

//go:nosplit
func early_serial_write(b []byte) {
	for _, c := range b {
		if c == '\n' {
			early_serial_putc('\r')
		}
		early_serial_putc(c)
	}
}

// Early_puts writes straight to the UART, bypassing printk: for the oops
// path when printk itself may be the problem.
//
//go:nosplit
func Early_puts(s string) {
	if early_serial_base == 0 {
		early_serial_base = COM1
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			early_serial_putc('\r')
		}
		early_serial_putc(s[i])
	}
}

// early_param_loglevel applies "debug", "quiet" and "loglevel=N" (Linux
// init/main.c debug_kernel, quiet_kernel, loglevel) as early as possible,
// so that the first lines already follow them. Garbage in loglevel= is
// reported and ignored, as Linux does.
func early_param_loglevel(cmd []byte) {
	if cmdline.Find_option_bool(cmd, "debug") {
		printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_DEBUG
	}
	if cmdline.Find_option_bool(cmd, "quiet") {
		printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_QUIET
	}
	if v, ok := cmdline.Find_option(cmd, "loglevel"); ok {
		n, err := cmdline.Get_int(v)
		if err == cmdline.OK && (n < 0 || n > 15) {
			err = cmdline.ErrOverflow
		}
		if err != cmdline.OK {
			printk.Warn("Malformed early option 'loglevel=%s' (%s): keeping %d\n",
				printk.Bytes(v), printk.Str(err.String()), printk.Int(printk.Console_loglevel))
			return
		}
		printk.Console_loglevel = int(n)
	}
}
