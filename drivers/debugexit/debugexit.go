// Package debugexit drives QEMU's isa-debug-exit device (QEMU
// hw/misc/debugexit.c), the way the kernel ends a test run: under test
// QEMU runs with `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, and a
// byte v written to port 0xf4 makes QEMU exit with status (v<<1)|1. The
// device reads as 0, while a port with nothing behind it reads as 0xff,
// which is how gokern tells whether it is there. On a machine without it,
// Exit halts (Linux machine_halt).
package debugexit

import "gokern/arch/amd64/asm"

const (
	DEBUG_EXIT_PORT = 0xf4
	// DEBUG_EXIT_SUCCESS: the idle loop was reached with exit_at_idle, or
	// every selftest passed (QEMU exits with 33).
	DEBUG_EXIT_SUCCESS = 0x10
	// DEBUG_EXIT_FAILURE: a fatal error or a failed selftest (QEMU exits
	// with 35).
	DEBUG_EXIT_FAILURE = 0x11
)

// Present reports whether QEMU's isa-debug-exit answers.
//
//go:nosplit
func Present() bool { return asm.Inb(DEBUG_EXIT_PORT) == 0 }

// Machine_halt stops this CPU for good: interrupts off, hlt forever
// (Linux arch/x86/kernel/reboot.c machine_halt → stop_this_cpu).
//
//go:nosplit
func Machine_halt() {
	asm.Local_irq_disable()
	for {
		asm.Native_halt()
	}
}

// Exit ends the run with code through isa-debug-exit when present, and
// halts otherwise.
//
//go:nosplit
func Exit(code uint8) {
	if Present() {
		asm.Outb(DEBUG_EXIT_PORT, code)
	}
	Machine_halt()
}
