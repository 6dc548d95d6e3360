// Package serial8250 is gokern's early console on a 16550-compatible UART:
// Linux's drivers/tty/serial/8250 (the register map of
// include/uapi/linux/serial_reg.h) and the serial part of
// arch/x86/kernel/early_printk.c (earlyprintk=, early_serial_init,
// early_serial_putc). gokern has no VGA console: the UART is the console
// from the first line on.
package serial8250

// 16550 registers, offsets from the base port (PC16550D datasheet, Table 2
// "Register Addresses"; Linux serial_reg.h).
const (
	UART_TX  = 0 // transmit holding register (DLAB=0)
	UART_IER = 1 // interrupt enable (DLAB=0)
	UART_DLL = 0 // divisor latch low (DLAB=1)
	UART_DLH = 1 // divisor latch high (DLAB=1)
	UART_FCR = 2 // FIFO control
	UART_LCR = 3 // line control
	UART_MCR = 4 // modem control
	UART_LSR = 5 // line status

	UART_LCR_8N1  = 0x03 // 8 data bits, no parity, 1 stop bit (UART_LCR_WLEN8)
	UART_LCR_DLAB = 0x80 // divisor latch access
	UART_MCR_DTR  = 0x01
	UART_MCR_RTS  = 0x02
	UART_LSR_THRE = 0x20 // transmit holding register empty
	UART_LSR_TEMT = 0x40 // transmitter empty: the last bit is out

	// FIFO control (write): enable, and clear both FIFOs; the receive
	// trigger bits (7:6) left 0, one byte. The setup, the boot stage
	// and the kernel's early_serial_init turn the FIFOs on (Linux's
	// early_serial_init writes 0; its 8250 driver turns them on).
	UART_FCR_ENABLE_FIFO = 0x01
	UART_FCR_CLEAR_RCVR  = 0x02
	UART_FCR_CLEAR_XMIT  = 0x04
	// IIR (read) bits 7:6: 11 when the FIFOs are on and work, a 16550A
	// (Linux UART_IIR_FIFO_ENABLED, UART_IIR_FIFO_ENABLED_16550A).
	UART_IIR_FIFO_ENABLED        = 0xc0
	UART_IIR_FIFO_ENABLED_16550A = 0xc0
	// UART_TX_LOADSZ_16550A: the 16550A's transmit FIFO, 16 bytes (Linux
	// uart_config[PORT_16550A].tx_loadsz).
	UART_TX_LOADSZ_16550A = 16

	// UART_BASE_BAUD: the 1.8432 MHz crystal divided by 16 (Linux
	// BASE_BAUD, asm/serial.h).
	UART_BASE_BAUD = 115200

	// The PC's first two serial ports (Linux asm/serial.h SERIAL_PORT_DFNS).
	COM1 = 0x3f8
	COM2 = 0x2f8
)
