package serial8250

import (
	"gokern/arch/amd64/asm"
	"gokern/cmdline"
	"gokern/printk"
)

// The early serial console. Linux: arch/x86/kernel/early_printk.c
// (setup_early_printk, early_serial_init, early_serial_putc,
// early_serial_write, "earlyprintk=serial").

var (
	early_serial_base uint16
	early_serial_baud uint32
	// What earlyprintk= asked for (0: nothing said, COM1 at 115200).
	early_serial_want_port uint16
	early_serial_want_baud uint32
	// Early_serial_console is the printk console on the UART (Linux
	// early_serial_console).
	Early_serial_console = printk.Console{Name: "ttyS0", Write: early_serial_write}
)

// Setup_early_printk takes "earlyprintk=serial[,ttyS0|ttyS1|0xNNN][,BAUD]"
// (Linux setup_early_printk, an early option): the port and speed
// InitEarlyConsole will use.
func Setup_early_printk(val []byte) {
	early_serial_want_port, early_serial_want_baud = parse_earlyprintk(val, COM1, UART_BASE_BAUD)
}

// InitEarlyConsole sets up the UART the command line chose (COM1 at 115200
// unless earlyprintk= said otherwise) and registers it as printk's console
// (Linux early_serial_init, early_console_register). Called again with the
// same choice it does nothing.
func InitEarlyConsole() {
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
// keeps the defaults (a later message reports it). Linux parses the same
// fields in early_serial_init.
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
			if p, rest, err := cmdline.Simple_strtoull(f); err == cmdline.OK && len(rest) == 0 && p < 0x10000 {
				port = uint16(p)
			}
		case field > 0 && len(f) > 0:
			if b, rest, err := cmdline.Simple_strtoull(f); err == cmdline.OK && len(rest) == 0 && b > 0 && b <= UART_BASE_BAUD {
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

// EarlyPuts writes straight to the UART, bypassing printk: for the oops
// path when printk itself may be the problem.
//
//go:nosplit
func EarlyPuts(s string) {
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
