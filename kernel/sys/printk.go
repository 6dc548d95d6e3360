package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// syslog(type, bufp, len) — klogctl in a C library, what busybox dmesg
// calls. Linux: kernel/printk/printk.c do_syslog. The log is printk's
// ring (printk.LogRead): lines "<level>[seconds] text", as Linux's
// SYSLOG_ACTION_READ_ALL gives them.

// The actions (include/linux/syslog.h).
const (
	SYSLOG_ACTION_CLOSE         = 0
	SYSLOG_ACTION_OPEN          = 1
	SYSLOG_ACTION_READ          = 2
	SYSLOG_ACTION_READ_ALL      = 3
	SYSLOG_ACTION_READ_CLEAR    = 4
	SYSLOG_ACTION_CLEAR         = 5
	SYSLOG_ACTION_CONSOLE_OFF   = 6
	SYSLOG_ACTION_CONSOLE_ON    = 7
	SYSLOG_ACTION_CONSOLE_LEVEL = 8
	SYSLOG_ACTION_SIZE_UNREAD   = 9
	SYSLOG_ACTION_SIZE_BUFFER   = 10
)

// clear_seq: where READ_ALL starts after a CLEAR (Linux clear_seq, here
// in bytes); saved_console_loglevel: the level CONSOLE_OFF saved.
var (
	clear_seq              uint64
	saved_console_loglevel = -1
)

func sys_syslog(r *asm.PtRegs) int64 {
	action, buf, n := int1(r), uintptr(a2(r)), int3(r)
	switch action {
	case SYSLOG_ACTION_CLOSE, SYSLOG_ACTION_OPEN:
		return 0
	case SYSLOG_ACTION_READ_ALL, SYSLOG_ACTION_READ_CLEAR:
		if n < 0 {
			return -asm.EINVAL
		}
		if n == 0 {
			return 0
		}
		if buf == 0 {
			return -asm.EINVAL
		}
		ret := syslog_print_all(buf, n)
		if ret >= 0 && action == SYSLOG_ACTION_READ_CLEAR {
			clear_seq = printk.LogNext()
		}
		return ret
	case SYSLOG_ACTION_CLEAR:
		clear_seq = printk.LogNext()
		return 0
	case SYSLOG_ACTION_CONSOLE_OFF:
		if saved_console_loglevel == -1 {
			saved_console_loglevel = printk.Console_loglevel
		}
		printk.Console_loglevel = printk.MINIMUM_CONSOLE_LOGLEVEL
		return 0
	case SYSLOG_ACTION_CONSOLE_ON:
		if saved_console_loglevel != -1 {
			printk.Console_loglevel = saved_console_loglevel
			saved_console_loglevel = -1
		}
		return 0
	case SYSLOG_ACTION_CONSOLE_LEVEL:
		if n < 1 || n > 8 {
			return -asm.EINVAL
		}
		printk.Console_loglevel = max(n, printk.MINIMUM_CONSOLE_LOGLEVEL)
		saved_console_loglevel = -1
		return 0
	case SYSLOG_ACTION_SIZE_UNREAD:
		// No reader consumes the log (no READ): all of it is unread.
		return int64(printk.LogNext() - log_first())
	case SYSLOG_ACTION_SIZE_BUFFER:
		return printk.LOG_BUF_LEN
	}
	// SYSLOG_ACTION_READ, klogd's blocking read that consumes the log, is
	// not provided: dmesg reads with READ_ALL.
	return -asm.EINVAL
}

// log_first is the oldest byte READ_ALL may return.
func log_first() uint64 {
	first := clear_seq
	if next := printk.LogNext(); next > printk.LOG_BUF_LEN && next-printk.LOG_BUF_LEN > first {
		first = next - printk.LOG_BUF_LEN
	}
	return first
}

// syslog_print_all copies the newest whole lines that fit in n bytes
// (Linux syslog_print_all: it skips the oldest records until the rest
// fit), oldest first: the bytes copied, or -EFAULT.
func syslog_print_all(buf uintptr, n int) int64 {
	first, next := log_first(), printk.LogNext()
	if next-first > uint64(n) {
		first = next - uint64(n)
		// Start at a line: skip the partial one.
		var c [1]byte
		for first < next {
			printk.LogReadAt(first, c[:])
			first++
			if c[0] == '\n' {
				break
			}
		}
	}
	var chunk [256]byte
	done := 0
	for first < next {
		k := printk.LogReadAt(first, chunk[:min(uint64(len(chunk)), next-first)])
		if k == 0 {
			break
		}
		if asm.Copy_to_user(buf+uintptr(done), uintptr(unsafe.Pointer(&chunk[0])), uintptr(k)) != 0 {
			return -asm.EFAULT
		}
		done += k
		first += uint64(k)
	}
	return int64(done)
}
