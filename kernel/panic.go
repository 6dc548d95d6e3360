// Package kernel is gokern's counterpart of Linux's kernel/ directory:
// what the core of the kernel does whatever the architecture and the
// subsystem. For now that is panic (kernel/panic.c); the scheduler, fork,
// exec, signals and system calls will join it.
package kernel

import (
	"sync/atomic"

	"gokern/drivers/debugexit"
	"gokern/printk"
)

var (
	// Smp_send_stop stops every other CPU (Linux smp_send_stop); set by
	// the architecture once it has IPIs.
	Smp_send_stop func()
	// Panic_halt halts this CPU for good; set by the architecture (a
	// second CPU that panics while the first reports waits here).
	Panic_halt func()
	panic_cpu  atomic.Int32
)

// Panic stops the kernel with a message, Linux kernel/panic.c panic():
// "Kernel panic - not syncing: ...", then exit 35 under test, halt
// otherwise. For conditions the boot cannot go on from (no usable memory,
// an early allocation that cannot be met, a bad memmap=).
//
// The message always reaches the console (console_verbose, as Linux's
// panic) and whole: it is formatted straight into printk's line, which
// holds LOG_LINE_MAX bytes (Linux formats into a 1024-byte buffer first).
func Panic(format string, args ...printk.Arg) {
	// One CPU reports: a second panicking CPU stops (Linux panic_cpu),
	// and the others are stopped before the report (smp_send_stop).
	if !panic_cpu.CompareAndSwap(0, 1) {
		for {
			if h := Panic_halt; h != nil {
				h()
			}
		}
	}
	if Smp_send_stop != nil {
		Smp_send_stop()
	}
	printk.Console_verbose()
	printk.Pr_emerg("Kernel panic - not syncing: ")
	printk.Pr_cont(format, args...)
	printk.Pr_cont("\n")
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
}
