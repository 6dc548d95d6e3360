package serial8250

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/time"
)

// The UART's receive interrupt: what is typed on the serial line reaches
// the kernel. Linux: drivers/tty/serial/8250/8250_port.c
// (serial8250_do_startup, serial8250_handle_irq, serial8250_rx_chars,
// serial8250_read_char) and include/linux/serial_core.h
// (uart_handle_break, uart_handle_sysrq_char). Linux's
// serial8250_interrupt (8250_core.c), which requests the IRQ, is the
// architecture's here (arch/amd64/sysrq.go), so that this package, which
// is the console from the first line on, stays below the IRQ layer; the
// tty layer above takes the bytes through the Insert_char hook (Linux
// uart_insert_char, drivers/tty/serial_core.go).
//
// Every byte goes to the tty, but one: a BREAK on the line (the sender
// holds it at 0 for longer than a character; LSR.BI) arms SysRq, and the
// byte that follows within five seconds is a SysRq key, not input (Linux
// uart_handle_break, uart_handle_sysrq_char). On QEMU's -serial
// mon:stdio, Ctrl-a b sends the BREAK.

const (
	UART_RX         = 0    // receive buffer (DLAB=0, read)
	UART_IIR        = 2    // interrupt identification (read)
	UART_IER_RDI    = 0x01 // interrupt on received data
	UART_IER_RLSI   = 0x04 // interrupt on receiver line status: a BREAK or an error
	UART_IIR_NO_INT = 0x01 // no interrupt pending
	// Line status (PC16550D datasheet, "Line Status Register"): the
	// error bits describe the character at the head of the receive
	// buffer, which UART_RX returns next.
	UART_LSR_DR             = 0x01 // data ready
	UART_LSR_OE             = 0x02 // overrun: a character was lost before this one
	UART_LSR_PE             = 0x04 // parity error
	UART_LSR_FE             = 0x08 // framing error: no stop bit
	UART_LSR_BI             = 0x10 // break: the line was held at 0 for a whole character
	UART_LSR_BRK_ERROR_BITS = UART_LSR_BI | UART_LSR_FE | UART_LSR_PE | UART_LSR_OE
	// UART_MCR_OUT2: on a PC the UART's interrupt line reaches the bus
	// only with OUT2 set (the IBM PC's serial card gates it with OUT2).
	UART_MCR_OUT2 = 0x08
)

// The flag a received byte carries into the tty (Linux include/linux/tty.h
// TTY_NORMAL...; here because the 8250 sits below the tty layer, which
// refers to them).
const (
	TTY_NORMAL  = 0
	TTY_BREAK   = 1
	TTY_FRAME   = 2
	TTY_PARITY  = 3
	TTY_OVERRUN = 4
)

// SYSRQ_TIMEOUT: how long after a BREAK the next byte is a SysRq key
// (Linux serial_core.h, HZ*5).
const SYSRQ_TIMEOUT = time.HZ * 5

// Uart_icount is struct uart_icount's receive counters: /proc/tty's rx,
// brk, fe, pe, oe.
type Uart_icount struct {
	Rx, Brk, Frame, Parity, Overrun uint64
}

// Uart_port is the receive side of struct uart_port (Linux
// include/linux/serial_core.h) for one UART.
type Uart_port struct {
	Iobase uint16
	Irq    int // ISA IRQ, -1 none
	Line   int // ttyS<Line>
	// Has_sysrq: a BREAK on this line arms SysRq (Linux: has_sysrq and
	// uart_console(port), the console's port only).
	Has_sysrq bool
	// Sysrq is the jiffy until which the next byte is a SysRq key; 0:
	// no BREAK pending.
	Sysrq  uint64
	Icount Uart_icount
}

// Serial8250_ports: the console's UART (Linux serial8250_ports[]; gokern
// wires the console's port only).
var Serial8250_ports [1]Uart_port

var (
	// Handle_sysrq_hook runs a SysRq key: the architecture points it at
	// drivers/tty/sysrq's Handle_sysrq (Linux handle_sysrq); nil: the
	// key is dropped.
	Handle_sysrq_hook func(key byte)
	// Insert_char_hook gives a received byte and its TTY_* flag to the
	// tty of ttyS<line>: drivers/tty points it at its Uart_insert_char
	// (Linux uart_insert_char → tty_insert_flip_char); nil: dropped.
	Insert_char_hook func(line int, ch byte, flag byte)
)

// Serial8250_port returns the console's UART, its ISA IRQ (Linux
// SERIAL_PORT_DFNS: COM1 and COM3 on IRQ 4, COM2 and COM4 on IRQ 3; -1
// for another port) and its line (ttyS0 for COM1, ttyS1 for COM2).
func Serial8250_port() *Uart_port {
	up := &Serial8250_ports[0]
	up.Iobase, up.Irq, up.Line = early_serial_base, -1, 0
	switch early_serial_base {
	case COM1, 0x3e8:
		up.Irq = 4
	case COM2, 0x2e8:
		up.Irq, up.Line = 3, 1
	}
	// The console's port: SysRq comes from it (Linux
	// serial8250_console_setup → has_sysrq with uart_console()).
	up.Has_sysrq = true
	return up
}

// Serial8250_rx_chars takes every character the UART holds and reports
// whether the UART had raised an interrupt at all, as a handler on a
// shared line must (Linux serial8250_handle_irq → serial8250_rx_chars).
func Serial8250_rx_chars(up *Uart_port) bool {
	if asm.Inb(up.Iobase+UART_IIR)&UART_IIR_NO_INT != 0 {
		return false
	}
	for n := 0; n < 256; n++ {
		// The BREAK or error a transmitter's wait saw belongs to
		// this character (Linux: lsr |= up->lsr_saved_flags).
		lsr := asm.Inb(up.Iobase+UART_LSR) | lsr_saved_flags
		lsr_saved_flags = 0
		if lsr&(UART_LSR_DR|UART_LSR_BI) == 0 {
			break
		}
		serial8250_read_char(up, lsr)
	}
	return true
}

// serial8250_read_char reads one character and decides where it goes
// (Linux serial8250_read_char): a BREAK arms SysRq, the key after it is
// SysRq's, everything else is the tty's with its flag.
func serial8250_read_char(up *Uart_port, lsr byte) {
	var ch byte
	if lsr&UART_LSR_DR != 0 {
		ch = asm.Inb(up.Iobase + UART_RX)
	}
	up.Icount.Rx++
	flag := byte(TTY_NORMAL)
	if lsr&UART_LSR_BRK_ERROR_BITS != 0 {
		switch {
		case lsr&UART_LSR_BI != 0:
			// A break reads as a NUL with framing (and often parity)
			// errors: they are the break's, not errors.
			lsr &^= UART_LSR_FE | UART_LSR_PE
			up.Icount.Brk++
			if Uart_handle_break(up) {
				return
			}
			flag = TTY_BREAK
		case lsr&UART_LSR_PE != 0:
			up.Icount.Parity++
			flag = TTY_PARITY
		case lsr&UART_LSR_FE != 0:
			up.Icount.Frame++
			flag = TTY_FRAME
		}
		if lsr&UART_LSR_OE != 0 {
			up.Icount.Overrun++
		}
	}
	if Uart_handle_sysrq_char(up, ch) {
		return
	}
	if h := Insert_char_hook; h != nil {
		h(up.Line, ch, flag)
	}
}

// Uart_handle_break: a BREAK on the console's line arms SysRq for the
// next SYSRQ_TIMEOUT and is swallowed; a second BREAK while armed disarms
// it and reaches the tty as a break (Linux uart_handle_break).
func Uart_handle_break(up *Uart_port) bool {
	if !up.Has_sysrq {
		return false
	}
	if up.Sysrq == 0 {
		up.Sysrq = time.Get_jiffies_64() + SYSRQ_TIMEOUT
		return true
	}
	up.Sysrq = 0
	return false
}

// Uart_handle_sysrq_char: the byte after a BREAK, if it came in time, is
// a SysRq key and not input (Linux uart_handle_sysrq_char). A late one
// disarms SysRq and goes to the tty.
func Uart_handle_sysrq_char(up *Uart_port, ch byte) bool {
	if up.Sysrq == 0 {
		return false
	}
	if ch != 0 && time.Time_after(up.Sysrq, time.Get_jiffies_64()) {
		up.Sysrq = 0
		if h := Handle_sysrq_hook; h != nil {
			h(ch)
		}
		return true
	}
	up.Sysrq = 0
	return false
}

// Serial8250_startup turns the receive interrupts of up on: stale input
// drained, OUT2, and IER's "received data" and "line status" (for the
// BREAK) set (Linux serial8250_do_startup). The IRQ must be requested
// first.
func Serial8250_startup(up *Uart_port) {
	for i := 0; i < 256 && asm.Inb(up.Iobase+UART_LSR)&UART_LSR_DR != 0; i++ {
		asm.Inb(up.Iobase + UART_RX)
	}
	asm.Outb(up.Iobase+UART_MCR, asm.Inb(up.Iobase+UART_MCR)|UART_MCR_OUT2)
	asm.Outb(up.Iobase+UART_IER, UART_IER_RDI|UART_IER_RLSI)
}

// Serial8250_baud is the console's speed.
func Serial8250_baud() uint32 { return early_serial_baud }

// The UART's transmit side for the tty layer (Linux 8250_port.c
// serial8250_console_write, serial8250_console_putchar, wait_for_xmitr).

// Serial8250_tx_chars writes bytes to the console UART as they are: no
// newline translation (the tty's OPOST does that), waiting for the
// transmitter before each byte as the early console does.
//
//go:nosplit
func Serial8250_tx_chars(b []byte) {
	if early_serial_base == 0 {
		early_serial_base = COM1
	}
	for _, c := range b {
		early_serial_putc(c)
	}
}
