package serial8250

// The UART's transmit side for the tty layer. Linux:
// drivers/tty/serial/8250/8250_port.c (serial8250_console_write,
// serial8250_console_putchar, wait_for_xmitr).

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
