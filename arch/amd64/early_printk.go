package amd64

import (
	"gokern/arch/amd64/asm"
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
	// What earlyprintk= asked for (0: nothing, COM1 at 115200).
	early_serial_want_port uint16
	early_serial_want_baud uint32
	// Early_serial_console is the printk console on the UART.
	Early_serial_console = printk.Console{Name: "ttyS0", Write: early_serial_write}
)

// setup_early_printk takes "earlyprintk=serial[,ttyS0|ttyS1|0xNNN][,BAUD]"
// (Linux arch/x86/kernel/early_printk.c setup_early_printk): the port and
// speed early_console_init will use.
func setup_early_printk(val []byte) {
	early_serial_want_port, early_serial_want_baud = parse_earlyprintk(val, COM1, UART_BASE_BAUD)
}

// early_console_init sets up the UART the command line chose (COM1 at
// 115200 unless earlyprintk= said otherwise) and registers it as printk's
// console (Linux early_serial_init, register_console).
func early_console_init() {
	port, baud := early_serial_want_port, early_serial_want_baud
	if port == 0 {
		port, baud = COM1, UART_BASE_BAUD
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
	asm.Outb(port+UART_LCR, UART_LCR_8N1)
	asm.Outb(port+UART_IER, 0)
	asm.Outb(port+UART_FCR, 0)
	asm.Outb(port+UART_MCR, UART_MCR_DTR|UART_MCR_RTS)
	div := UART_BASE_BAUD / baud
	c := asm.Inb(port + UART_LCR)
	asm.Outb(port+UART_LCR, c|UART_LCR_DLAB)
	asm.Outb(port+UART_DLL, uint8(div))
	asm.Outb(port+UART_DLH, uint8(div>>8))
	asm.Outb(port+UART_LCR, c&^UART_LCR_DLAB)
}

// early_serial_putc waits (boundedly, as Linux) for the transmitter.
//
//go:nosplit
func early_serial_putc(ch byte) {
	for timeout := 0xffff; asm.Inb(early_serial_base+UART_LSR)&UART_LSR_THRE == 0 && timeout > 0; timeout-- {
	}
	asm.Outb(early_serial_base+UART_TX, ch)
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

// debug_kernel, quiet_kernel and loglevel are the "debug", "quiet" and
// "loglevel=N" early options (Linux init/main.c). Garbage in loglevel= is
// reported and ignored, as Linux does.
func debug_kernel(val []byte) { printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_DEBUG }
func quiet_kernel(val []byte) { printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_QUIET }

func loglevel(val []byte) {
	n, err := cmdline.Get_int(val)
	if err == cmdline.OK && (n < 0 || n > 15) {
		err = cmdline.ErrOverflow
	}
	if err != cmdline.OK {
		printk.Warn("Malformed early option 'loglevel=%s' (%s): keeping %d\n",
			printk.Bytes(val), printk.Str(err.String()), printk.Int(printk.Console_loglevel))
		return
	}
	printk.Console_loglevel = int(n)
}
