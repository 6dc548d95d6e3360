// Package sysrq is gokern's SysRq console: a key typed on the serial line
// makes the kernel report on itself, or crash on purpose, while it sits in
// its idle loop. Linux: drivers/tty/sysrq.c (__handle_sysrq,
// sysrq_key_table, register_sysrq_key, the sysrq_handle_* handlers),
// reached from the 8250's receive interrupt (drivers/serial8250's
// Uart_handle_sysrq_char, through its Handle_sysrq_hook).
//
// As in Linux, a key is a SysRq key only after a BREAK on the serial line
// (Linux's Alt-SysRq on a keyboard); every other byte is the tty's. On
// QEMU's -serial mon:stdio, type Ctrl-a b, then the key, within five
// seconds. The keys are gokern's, chosen for a student poking an idle
// kernel (Linux's 'p' shows registers, 't' tasks, 'l' backtraces):
//
//	h  help                        p  the kernel page tables (ptdump)
//	l  the kernel log so far       r  the registers of the interrupted context
//	m  memory: buddyinfo, zones    t  jiffies, uptime, interrupt counts
//	c  crash: an oops, then panic
package sysrq

import (
	"gokern/drivers/serial8250"
	"gokern/kernel/irq"
	"gokern/kernel/time"
	"gokern/printk"
)

// SysrqKeyOp is one key's action, struct sysrq_key_op.
type SysrqKeyOp struct {
	Handler    func(key byte)
	Help_msg   string // "name(key)" in the help line
	Action_msg string // printed before the handler runs
}

// sysrq_key_table: one op per key, '0'-'9' then 'a'-'z' (Linux
// sysrq_key_table). The keys the architecture implements (l, m, p, r) are
// registered by it; 'h' is Handle_sysrq's own (the help reads the table).
var sysrq_key_table = [36]*SysrqKeyOp{
	'c' - 'a' + 10: &sysrq_crash_op,
	't' - 'a' + 10: &sysrq_showtime_op,
	'x' - 'a' + 10: &sysrq_showlog_op,
}

func sysrq_key_index(key byte) int {
	switch {
	case key >= '0' && key <= '9':
		return int(key - '0')
	case key >= 'a' && key <= 'z':
		return int(key-'a') + 10
	}
	return -1
}

// Register_sysrq_key installs op for key, unless the key is taken (Linux
// register_sysrq_key: -EINVAL then).
func Register_sysrq_key(key byte, op *SysrqKeyOp) int {
	i := sysrq_key_index(key)
	if i < 0 || sysrq_key_table[i] != nil {
		return -22
	}
	sysrq_key_table[i] = op
	return 0
}

// Sysrq_count counts the keys handled.
var Sysrq_count uint64

// Handle_sysrq runs key's action (Linux __handle_sysrq): it says what it
// does, then does it; an unknown key gets the help line. Carriage returns
// and newlines the terminal sends are ignored.
func Handle_sysrq(key byte) {
	if key == '\r' || key == '\n' {
		return
	}
	if key >= 'A' && key <= 'Z' {
		key += 'a' - 'A'
	}
	Sysrq_count++
	var op *SysrqKeyOp
	if i := sysrq_key_index(key); i >= 0 {
		op = sysrq_key_table[i]
	}
	if op == nil {
		sysrq_handle_help(key)
		return
	}
	printk.Pr_info("sysrq: %s\n", printk.Str(op.Action_msg))
	op.Handler(key)
}

// sysrq_handle_help prints every key's help (Linux sysrq_handle_help,
// printed for 'h' and for unknown keys alike).
func sysrq_handle_help(key byte) {
	printk.Pr_info("sysrq: HELP : help(h)")
	for i := range sysrq_key_table {
		if op := sysrq_key_table[i]; op != nil {
			printk.Pr_cont(" %s", printk.Str(op.Help_msg))
		}
	}
	printk.Pr_cont("\n")
}

// Linux has no key for the log (dmesg reads it); gokern's is 'x', a key
// x86 Linux leaves free ('l' is Linux's backtrace of every CPU).
var sysrq_showlog_op = SysrqKeyOp{Handler: sysrq_handle_showlog, Help_msg: "show-log(x)", Action_msg: "Show the kernel log"}

// log_copy holds the log while it is written out (LOG_BUF_LEN bytes).
var log_copy [printk.LOG_BUF_LEN]byte

// sysrq_handle_showlog writes the log buffer, as dmesg -r shows it (each
// line with its <level>), straight to the console: through printk it would
// be logged again.
func sysrq_handle_showlog(key byte) {
	n := printk.LogRead(log_copy[:])
	serial8250.Early_serial_console.Write(log_copy[:n])
	printk.Pr_info("sysrq: end of the log (%d bytes)\n", printk.Int(n))
}

var sysrq_showtime_op = SysrqKeyOp{Handler: sysrq_handle_showtime, Help_msg: "show-timers-and-interrupts(t)", Action_msg: "Show jiffies and interrupts"}

// TickSourceName names where jiffies come from; set by the architecture.
var TickSourceName string

// sysrq_handle_showtime prints jiffies, the uptime they make, and the
// interrupt counts (/proc/interrupts).
func sysrq_handle_showtime(key byte) {
	j := time.Get_jiffies_64()
	ms := time.Jiffies_to_msecs(j)
	var now uint64
	if printk.Clock != nil {
		now = printk.Clock()
	}
	printk.Pr_info("jiffies: %d (HZ=%d, tick: %s), uptime %d.%03d s by jiffies, %d.%06d s by the clock\n",
		printk.Int(j), printk.Int(time.HZ), printk.Str(TickSourceName), printk.Int(ms/1000), printk.Int(ms%1000),
		printk.Int(now/1000000000), printk.Int(now%1000000000/1000))
	irq.PrintInterrupts()
}

var sysrq_crash_op = SysrqKeyOp{Handler: sysrq_handle_crash, Help_msg: "crash(c)", Action_msg: "Trigger a crash"}

// sysrq_killer is nil: writing through it is the crash (Linux
// sysrq_handle_crash: "char *killer = NULL; *killer = 1;").
var sysrq_killer *byte

// sysrq_handle_crash writes to address 0: a page fault in kernel mode,
// whose oops ends in a panic (exit 35 under test).
//
//go:noinline
func sysrq_handle_crash(key byte) {
	*sysrq_killer = 1
}
