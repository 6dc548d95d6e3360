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

// Serial8250_init registers ttyS, makes ttyS0 the console's tty (Linux
// serial8250_init, and console=ttyS0's console_device) and connects the
// 8250's receive interrupt to it: from then on every byte typed on the
// line, but the SysRq keys, reaches ttyS0's line discipline, whether or
// not anyone reads (N_TTY keeps up to N_TTY_BUF_SIZE bytes).
func Serial8250_init() int {
	Serial8250_reg.Init_termios = Tty_std_termios
	Serial8250_reg.Init_termios.C_cflag = uapi.B115200 | uapi.CS8 | uapi.CREAD | uapi.HUPCL | uapi.CLOCAL
	if err := Tty_register_driver(&Serial8250_reg); err != 0 {
		return err
	}
	Console_driver, Console_index = &Serial8250_reg, 0
	// The console's tty exists before its first byte arrives: the
	// receive interrupt must not allocate.
	if _, err := driver_tty(&Serial8250_reg, 0); err != 0 {
		return err
	}
	serial8250.Insert_char_hook = Uart_insert_char
	return 0
}

// Uart_insert_char is the receive interrupt's entry: ch arrived on
// ttyS<line> with flag (serial8250's TTY_NORMAL, TTY_BREAK...) (Linux
// uart_insert_char → tty_insert_flip_char, and tty_flip_buffer_push).
// Bytes for a port nobody has opened are still processed, so that echo
// and ^C work on the console as soon as it exists and typed-ahead lines
// wait for their reader.
func Uart_insert_char(line int, ch byte, flag byte) {
	if line < 0 || line >= int(Serial8250_reg.Num) || Serial8250_reg.Ttys == nil {
		return
	}
	tty, err := driver_tty(&Serial8250_reg, line)
	if err != 0 {
		return
	}
	Tty_insert_flip_char(tty, ch, flag)
}

// Console_tty is the tty behind /dev/console, made if needed.
func Console_tty() *Tty_struct {
	if Console_driver == nil {
		return nil
	}
	tty, _ := driver_tty(Console_driver, Console_index)
	return tty
}
