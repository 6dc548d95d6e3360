package tty

import (
	"gokern/drivers/serial8250"
	"gokern/include/uapi"
)

// ttyS: the 8250 UARTs as ttys. Linux: drivers/tty/serial/serial_core.c
// (uart_register_driver, uart_write, uart_insert_char) over
// drivers/tty/serial/8250. Output goes straight to the UART by polling
// (serial8250.Serial8250_console_write's loop); input arrives through
// Uart_insert_char from the 8250's receive interrupt.

// Serial8250_reg is the ttyS driver (Linux serial8250_reg): ttyS0-3,
// major 4 from minor 64, 115200 baud (the console's speed).
var Serial8250_reg = Tty_driver{
	Name:        "ttyS",
	Major:       TTY_MAJOR,
	Minor_start: 64,
	Num:         4,
	Ops:         &uart_ops,
}

var uart_ops = Tty_operations{Write: uart_write}

// uart_tx sends bytes to the UART; the host tests replace it.
var uart_tx = serial8250.Serial8250_tx_chars

// uart_write writes to ttyS<index> (only ttyS0, COM1, is wired).
func uart_write(tty *Tty_struct, b []byte) int {
	if tty.Index != 0 {
		return len(b)
	}
	uart_tx(b)
	return len(b)
}

// Serial8250_init registers ttyS and makes ttyS0 the console's tty
// (Linux serial8250_init, and console=ttyS0's console_device).
func Serial8250_init() int {
	Serial8250_reg.Init_termios = Tty_std_termios
	Serial8250_reg.Init_termios.C_cflag = uapi.B115200 | uapi.CS8 | uapi.CREAD | uapi.HUPCL | uapi.CLOCAL
	if err := Tty_register_driver(&Serial8250_reg); err != 0 {
		return err
	}
	Console_driver, Console_index = &Serial8250_reg, 0
	return 0
}

// Uart_insert_char is the receive interrupt's entry: ch arrived on port
// (0 for COM1) (Linux uart_insert_char + tty_flip_buffer_push). Bytes
// for a port nobody has opened are still processed, so that echo and ^C
// work on the console as soon as it exists.
func Uart_insert_char(port int, ch byte) {
	tty, err := driver_tty(&Serial8250_reg, port)
	if err != 0 {
		return
	}
	b := [1]byte{ch}
	Tty_insert_flip_string(tty, b[:])
}

// Console_tty is the tty behind /dev/console, made if needed.
func Console_tty() *Tty_struct {
	if Console_driver == nil {
		return nil
	}
	tty, _ := driver_tty(Console_driver, Console_index)
	return tty
}
