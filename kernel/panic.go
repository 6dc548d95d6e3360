// Package kernel is gokern's counterpart of Linux's kernel/ directory:
// what the core of the kernel does whatever the architecture and the
// subsystem. For now that is panic (kernel/panic.c); the scheduler, fork,
// exec, signals and system calls will join it.
package kernel

import (
	"gokern/drivers/debugexit"
	"gokern/printk"
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
	printk.Console_verbose()
	printk.Pr_emerg("Kernel panic - not syncing: ")
	printk.Pr_cont(format, args...)
	printk.Pr_cont("\n")
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
}
