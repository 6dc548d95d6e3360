package amd64

import (
	"gokern/printk"
)

// Panic stops the kernel with a message, Linux kernel/panic.c panic():
// "Kernel panic - not syncing: ...", then exit 35 under test, halt
// otherwise. For conditions the boot cannot go on from (no usable memory,
// an early allocation that cannot be met, a bad memmap=).
func Panic(format string, args ...printk.Arg) {
	var buf [512]byte
	n := printk.Vsnprintf(buf[:], format, args...)
	printk.Emerg("Kernel panic - not syncing: %s\n", printk.Bytes(buf[:n]))
	Debug_exit(DEBUG_EXIT_FAILURE)
}
