package tty

import (
	"unsafe"

	"gokern/drivers/serial8250"
	"gokern/fs"
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

var uart_ops = Tty_operations{Write: uart_write, Ioctl: uart_ioctl}

// Serial_struct is struct serial_struct (include/uapi/linux/serial.h),
// x86-64's layout, 72 bytes: what TIOCGSERIAL reports of a port.
type Serial_struct struct {
	Type            int32
	Line            int32
	Port            uint32
	Irq             int32
	Flags           int32
	Xmit_fifo_size  int32
	Custom_divisor  int32
	Baud_base       int32
	Close_delay     uint16
	Io_type         int8
	Reserved_char   int8
	Hub6            int32
	Closing_wait    uint16
	Closing_wait2   uint16
	Iomem_base      uint64
	Iomem_reg_shift uint16
	Port_high       uint32
	Iomap_base      uint64
}

// The port's description (include/uapi/linux/serial.h,
// serial_core.h): a 16550A on I/O ports, autoconfigured at boot, its
// scratch test skipped; 16-byte FIFO; close_delay half a second and
// closing_wait 30 s, in centiseconds (Linux uart_port_startup's
// defaults).
const (
	PORT_16550A       = 4
	UPIO_PORT         = 0
	ASYNC_SKIP_TEST   = 1 << 6
	UPF_BOOT_AUTOCONF = 1 << 28
	closingWaitCs     = 3000
)

// uart_ioctl: TIOCGSERIAL (Linux uart_ioctl → uart_get_info), the
// port behind ttyS<index>; busybox's cttyhack asks it to learn which
// ttyS the console is. Only ttyS0, COM1, is wired.
func uart_ioctl(tty *Tty_struct, cmd uint32, arg uintptr) int64 {
	if cmd != uapi.TIOCGSERIAL {
		return -ENOIOCTLCMD
	}
	ss := Serial_struct{Type: PORT_16550A, Line: int32(tty.Index), Xmit_fifo_size: 16,
		Baud_base: int32(serial8250.Serial8250_baud()), Close_delay: 50, Io_type: UPIO_PORT,
		Closing_wait: closingWaitCs}
	if up := &serial8250.Serial8250_ports[0]; tty.Index == up.Line && up.Iobase != 0 {
		ss.Port, ss.Irq = uint32(up.Iobase), int32(up.Irq)
		ss.Flags = ASYNC_SKIP_TEST | UPF_BOOT_AUTOCONF
	} else {
		ss.Type = 0 // PORT_UNKNOWN: nothing behind this line
	}
	return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&ss), unsafe.Sizeof(ss)))
}

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
