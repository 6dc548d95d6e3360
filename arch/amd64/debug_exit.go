package amd64

import (
	"gokern/arch/amd64/asm"
)

// Stopping the machine. Under test, QEMU runs with
// `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: a byte v written to
// port 0xf4 makes QEMU exit with status (v<<1)|1. The device reads as 0,
// while a port with nothing behind it reads as 0xff, which is how gokern
// tells whether it is there. On a machine without it, gokern halts.

const (
	DEBUG_EXIT_PORT = 0xf4
	// DEBUG_EXIT_SUCCESS: the idle loop was reached with exit_at_idle, or
	// every selftest passed (QEMU exits with 33).
	DEBUG_EXIT_SUCCESS = 0x10
	// DEBUG_EXIT_FAILURE: a fatal error or a failed selftest (QEMU exits
	// with 35).
	DEBUG_EXIT_FAILURE = 0x11
)

// Debug_exit_present reports whether QEMU's isa-debug-exit answers.
//
//go:nosplit
func Debug_exit_present() bool { return asm.Inb(DEBUG_EXIT_PORT) == 0 }

// Machine_halt stops this CPU for good: interrupts off, hlt forever
// (Linux machine_halt → stop_this_cpu).
//
//go:nosplit
func Machine_halt() {
	asm.Local_irq_disable()
	for {
		asm.Native_halt()
	}
}

// Debug_exit ends the run with code through isa-debug-exit when present,
// and halts otherwise.
//
//go:nosplit
func Debug_exit(code uint8) {
	if Debug_exit_present() {
		asm.Outb(DEBUG_EXIT_PORT, code)
	}
	Machine_halt()
}
