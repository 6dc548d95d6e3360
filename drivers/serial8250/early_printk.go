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
	// What of it could not be used, and why: InitEarlyConsole says so
	// once the console is up.
	early_serial_bad_val []byte
	early_serial_bad_why string
	// Early_serial_console is the printk console on the UART (Linux
	// early_serial_console).
	Early_serial_console = printk.Console{Name: "ttyS0", Write: early_serial_write}
)

// Setup_early_printk takes "earlyprintk=serial[,ttyS0|ttyS1|0xNNN][,BAUD]"
// (Linux setup_early_printk, an early option): the port and speed
// InitEarlyConsole will use.
func Setup_early_printk(val []byte) {
	early_serial_want_port, early_serial_want_baud, early_serial_bad_why = parse_earlyprintk(val)
	early_serial_bad_val = nil
	if early_serial_bad_why != "" {
		early_serial_bad_val = val
	}
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
	if early_serial_bad_why != "" {
		printk.Pr_warn("earlyprintk=%s: %s: using port %#x at %d baud\n", printk.Escaped(early_serial_bad_val),
			printk.Str(early_serial_bad_why), printk.Int(port), printk.Int(baud))
	}
}

// parse_earlyprintk reads "serial[,ttyS0|ttyS1|,0xPORT][,BAUD]" and
// "ttyS0|ttyS1[,BAUD]" field by field as the setup code and the boot
// stage do (Linux arch/x86/boot/early_serial_console.c parse_earlyprintk;
// boot/tty.S, boot/compressed/early_serial_console.S), so that every
// stage writes to the same port. What it cannot use it replaces by the
// default (COM1, 115200) and names in why, for one warning; Linux drops
// such values silently.
func parse_earlyprintk(v []byte) (port uint16, baud uint32, why string) {
	port, baud = COM1, UART_BASE_BAUD
	pos := 0
	if hasPrefix(v, "serial") {
		pos = 6
	}
	if pos < len(v) && v[pos] == ',' {
		pos++
	}
	switch {
	case pos == 7 && hasPrefix(v[pos:], "0x"):
		p, rest, err := cmdline.Simple_strtoull(v[pos:])
		end := len(v) - len(rest)
		if err != cmdline.OK || p == 0 || p > 0xffff {
			why = "bad I/O port"
		} else {
			port = uint16(p)
			pos = end
		}
	case hasPrefix(v[pos:], "ttyS"):
		pos += 4
		switch {
		case pos < len(v) && v[pos] == '1':
			port = COM2
		case pos < len(v) && v[pos] == '0':
		default:
			why = "no such port (ttyS0 or ttyS1)"
		}
		pos++
	case pos == 0:
		why = "not a console gokern has (serial, ttyS0, ttyS1)"
	}
	if pos < len(v) && v[pos] == ',' {
		pos++
	}
	if pos < len(v) {
		b, rest, err := cmdline.Simple_strtoull(v[pos:])
		bwhy := ""
		switch {
		case err != cmdline.OK || b == 0:
			bwhy = "bad baud rate"
		case b > UART_BASE_BAUD:
			bwhy = "baud rate above 115200"
		case len(rest) != 0:
			bwhy = "trailing characters after the baud rate"
			baud = uint32(b)
		default:
			baud = uint32(b)
		}
		if why == "" {
			why = bwhy // the first problem is the one reported
		}
	}
	return port, baud, why
}

func hasPrefix(v []byte, p string) bool { return len(v) >= len(p) && string(v[:len(p)]) == p }

// early_serial_init programs the UART: 8N1, no interrupts, DTR+RTS,
// divisor for the baud rate (Linux early_serial_init), and the FIFOs on
// with the receive trigger at one byte, so that input interrupts as
// without them. Linux's early console writes FCR 0 and waits for THRE
// before every byte; its 8250 console, once the driver has the port,
// fills the transmit FIFO on one wait (serial8250_console_fifo_write, for
// a port with UART_CAP_FIFO and UART_FCR_ENABLE_FIFO set). gokern's early
// console is its only console, so it takes the 8250 console's way: under
// QEMU every LSR read is a trip into the device model, one per byte
// before, one per 16 now. A UART whose IIR does not then say "FIFOs
// enabled" (an 8250 or 16450; Linux autoconfig's UART_IIR_FIFO_ENABLED
// test) keeps the wait before every byte.
func early_serial_init(port uint16, baud uint32) {
	early_serial_base, early_serial_baud = port, baud
	asm.Outb(port+UART_LCR, UART_LCR_8N1)
	asm.Outb(port+UART_IER, 0)
	asm.Outb(port+UART_FCR, UART_FCR_ENABLE_FIFO|UART_FCR_CLEAR_RCVR|UART_FCR_CLEAR_XMIT)
	early_serial_tx_loadsz, early_serial_tx_room = 1, 0
	if asm.Inb(port+UART_IIR)&UART_IIR_FIFO_ENABLED == UART_IIR_FIFO_ENABLED_16550A {
		early_serial_tx_loadsz = UART_TX_LOADSZ_16550A
	} else {
		asm.Outb(port+UART_FCR, 0)
	}
	asm.Outb(port+UART_MCR, UART_MCR_DTR|UART_MCR_RTS)
	div := UART_BASE_BAUD / baud
	c := asm.Inb(port + UART_LCR)
	asm.Outb(port+UART_LCR, c|UART_LCR_DLAB)
	asm.Outb(port+UART_DLL, uint8(div))
	asm.Outb(port+UART_DLH, uint8(div>>8))
	asm.Outb(port+UART_LCR, c&^UART_LCR_DLAB)
}

// Serial8250_type is the UART's type as early_serial_init found it (Linux
// uart_config[].name): "16550A" when its FIFOs came on, "8250/16450"
// when not (Linux tells those two apart by the scratch register; gokern
// needs only the FIFO).
func Serial8250_type() string {
	if early_serial_tx_loadsz > 1 {
		return "16550A"
	}
	return "8250/16450"
}

var (
	// early_serial_tx_loadsz: bytes written per wait for THRE (Linux
	// uart_8250_port.tx_loadsz): the transmit FIFO's depth, or 1 without
	// FIFOs (and before early_serial_init).
	early_serial_tx_loadsz = 1
	// early_serial_tx_room: bytes the transmitter still takes since THRE
	// was last seen; THRE means the whole FIFO is empty (PC16550D, "LSR
	// bit 5"), so never more than early_serial_tx_loadsz are in it.
	early_serial_tx_room int
)

// early_serial_putc writes ch once the transmitter has room: it waits
// (boundedly, as Linux) for THRE when the bytes written since THRE was
// last seen fill the FIFO, or every byte without one.
//
//go:nosplit
func early_serial_putc(ch byte) {
	if early_serial_tx_room <= 0 {
		for timeout := 0xffff; serial_lsr_in()&UART_LSR_THRE == 0 && timeout > 0; timeout-- {
		}
		early_serial_tx_room = early_serial_tx_loadsz
	}
	early_serial_tx_room--
	asm.Outb(early_serial_base+UART_TX, ch)
}

// lsr_saved_flags keeps the receive side's status bits that a read of
// LSR for the transmitter cleared: reading LSR clears BI (and OE), so a
// BREAK that arrives while the console prints would be lost to the
// receive interrupt, which then reads the BREAK's NUL as an ordinary byte
// (Linux uart_8250_port.lsr_saved_flags, LSR_SAVE_FLAGS).
var lsr_saved_flags byte

// serial_lsr_in reads LSR and saves its receive errors for the receive
// side (Linux serial_lsr_in).
//
//go:nosplit
func serial_lsr_in() byte {
	lsr := asm.Inb(early_serial_base + UART_LSR)
	lsr_saved_flags |= lsr & UART_LSR_BRK_ERROR_BITS
	return lsr
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
