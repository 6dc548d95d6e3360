package serial8250

import "gokern/arch/amd64/asm"

// The UART's receive interrupt: what is typed on the serial line reaches
// the kernel. Linux: drivers/tty/serial/8250/8250_port.c
// (serial8250_do_startup, serial8250_handle_irq, serial8250_rx_chars) and
// include/linux/serial_core.h (uart_handle_sysrq_char); Linux's
// serial8250_interrupt (8250_core.c), which requests the IRQ, is the
// architecture's here (arch/amd64/sysrq.go), so that this package, which
// is the console from the first line on, stays below the IRQ layer.
// gokern has no tty layer: every character goes to the SysRq handler
// (drivers/tty/sysrq), as if each were typed after Alt-SysRq.

const (
	UART_RX         = 0    // receive buffer (DLAB=0, read)
	UART_IIR        = 2    // interrupt identification (read)
	UART_IER_RDI    = 0x01 // interrupt on received data
	UART_IIR_NO_INT = 0x01 // no interrupt pending
	UART_LSR_DR     = 0x01 // data ready
	// UART_MCR_OUT2: on a PC the UART's interrupt line reaches the bus
	// only with OUT2 set (the IBM PC's serial card gates it with OUT2).
	UART_MCR_OUT2 = 0x08
)

var (
	// Uart_handle_sysrq_char gets every character received: a hook that
	// the architecture points at the SysRq handler (Linux
	// uart_handle_sysrq_char); nil: the characters are dropped.
	Uart_handle_sysrq_char func(ch byte)
	// Serial8250_rx_count counts the characters received.
	Serial8250_rx_count uint64
)

// Serial8250_port returns the console's UART and its ISA IRQ (Linux
// SERIAL_PORT_DFNS: COM1 and COM3 on IRQ 4, COM2 and COM4 on IRQ 3; -1
// for another port).
func Serial8250_port() (port uint16, irq int) {
	port = early_serial_base
	switch port {
	case COM1, 0x3e8:
		return port, 4
	case COM2, 0x2e8:
		return port, 3
	}
	return port, -1
}

// Serial8250_rx_chars takes every character the UART at port holds and
// reports whether the UART had raised an interrupt at all, as a handler on
// a shared line must (Linux serial8250_handle_irq → serial8250_rx_chars).
func Serial8250_rx_chars(port uint16) bool {
	if asm.Inb(port+UART_IIR)&UART_IIR_NO_INT != 0 {
		return false
	}
	for n := 0; n < 256 && asm.Inb(port+UART_LSR)&UART_LSR_DR != 0; n++ {
		ch := asm.Inb(port + UART_RX)
		Serial8250_rx_count++
		if h := Uart_handle_sysrq_char; h != nil {
			h(ch)
		}
	}
	return true
}

// Serial8250_startup turns the receive interrupt of the UART at port on:
// stale input drained, OUT2 and IER's "received data" set (Linux
// serial8250_do_startup). The IRQ must be requested first.
func Serial8250_startup(port uint16) {
	for i := 0; i < 256 && asm.Inb(port+UART_LSR)&UART_LSR_DR != 0; i++ {
		asm.Inb(port + UART_RX)
	}
	asm.Outb(port+UART_MCR, asm.Inb(port+UART_MCR)|UART_MCR_OUT2)
	asm.Outb(port+UART_IER, UART_IER_RDI)
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
