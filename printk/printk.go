// Package printk is gokern's kernel log, the counterpart of Linux's
// kernel/printk/printk.c: leveled messages, a log buffer (__log_buf) that keeps
// every message, and consoles that print the ones at or above
// console_loglevel, each line stamped "[    0.012345] " as dmesg shows it.
//
// Kernel-Go rules (DESIGN.md §4) shape the API: there is no fmt and no
// interface boxing, so arguments are passed as Arg values built by Int and
// Str, which live on the caller's stack:
//
//	printk.Pr_info("BIOS-e820: [mem %#018x-%#018x] %s\n", printk.Int(start), printk.Int(end), printk.Str("usable"))
//
// Format strings are Linux's: %d %i %u %x %X %c %s %p %%, with the flags
// '-', '0', '#', '+', ' ', a width, and the length modifiers h, hh, l, ll, z
// (accepted and ignored, so lines can be compared with Linux's source).
package printk

import "unsafe"

// Log levels, Linux include/linux/kern_levels.h.
const (
	KERN_EMERG   = 0 // system is unusable
	KERN_ALERT   = 1 // action must be taken immediately
	KERN_CRIT    = 2 // critical conditions
	KERN_ERR     = 3 // error conditions
	KERN_WARNING = 4 // warning conditions
	KERN_NOTICE  = 5 // normal but significant condition
	KERN_INFO    = 6 // informational
	KERN_DEBUG   = 7 // debug-level messages
	// KERN_CONT continues the previous line (no new time stamp).
	KERN_CONT = 8
)

// Console log levels, Linux include/linux/printk.h.
const (
	CONSOLE_LOGLEVEL_DEFAULT = 7  // print everything but KERN_DEBUG
	CONSOLE_LOGLEVEL_QUIET   = 4  // "quiet": errors and worse
	MINIMUM_CONSOLE_LOGLEVEL = 1  // the least syslog may set (emergencies still print)
	CONSOLE_LOGLEVEL_DEBUG   = 10 // "debug": everything
	// CONSOLE_LOGLEVEL_MOTORMOUTH: console_verbose's level, above every
	// message level.
	CONSOLE_LOGLEVEL_MOTORMOUTH = 15
)

// Console_loglevel: a message reaches the consoles when its level is below
// it (Linux console_printk[0]). Set from "loglevel=", "quiet" and "debug".
var Console_loglevel = CONSOLE_LOGLEVEL_DEFAULT

// Console_verbose lets every message through from here on: panic and the
// oops call it first, so that their last words reach the console whatever
// loglevel= or quiet said (Linux include/linux/printk.h console_verbose,
// which leaves a console_loglevel of 0 alone; gokern raises it from 0 too,
// so that loglevel=0 cannot hide a panic).
//
//go:nosplit
func Console_verbose() { Console_loglevel = CONSOLE_LOGLEVEL_MOTORMOUTH }

// Arg is one printk argument: an integer or a string. It is a plain value,
// so a call's ...Arg slice stays on the caller's stack.
type Arg struct {
	s      string
	u      uint64
	kind   uint8
	signed bool
	esc    bool // Escaped: non-printable bytes as \xNN
}

const (
	argInt = iota + 1
	argStr
)

// Integer is every Go integer type.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Int wraps an integer of any type; %d prints it signed if its type is.
func Int[T Integer](v T) Arg {
	var zero T
	signed := ^zero < zero // all ones is negative only for signed types
	return Arg{u: uint64(v), kind: argInt, signed: signed}
}

// Str wraps a string.
func Str(s string) Arg { return Arg{s: s, kind: argStr} }

// Escaped wraps a byte slice whose non-printable bytes (below ' ', and
// from 0x7f up) %s shows as \xNN, for text that came from outside, like
// the command line: a control byte there must not reach the terminal
// raw (Linux %*pE, string_escape_mem with ESCAPE_HEX).
func Escaped(b []byte) Arg {
	a := Bytes(b)
	a.esc = true
	return a
}

// Bytes wraps a byte slice as a string without copying it.
func Bytes(b []byte) Arg {
	if len(b) == 0 {
		return Arg{kind: argStr}
	}
	return Arg{s: unsafe.String(&b[0], len(b)), kind: argStr}
}

// Console is an output device for kernel messages, Linux struct console.
type Console struct {
	Name  string
	Write func(b []byte)
	next  *Console
}

var consoles *Console

// Register_console adds c to the consoles (Linux register_console). The
// Console must be a static variable: kernel memory never holds the only
// pointer to a Go heap object.
func Register_console(c *Console) {
	for p := consoles; p != nil; p = p.next {
		if p == c {
			return
		}
	}
	c.next = consoles
	consoles = c
}

// Unregister_console removes c (used by host tests).
func Unregister_console(c *Console) {
	pp := &consoles
	for *pp != nil {
		if *pp == c {
			*pp = c.next
			c.next = nil
			return
		}
		pp = &(*pp).next
	}
}

// Clock returns nanoseconds since time zero (the TSC at startup_32), or
// zero before the clock is calibrated; Linux's local_clock. Set by the
// arch code once the TSC frequency is known.
var Clock func() uint64

// LOG_LINE_MAX: the longest message (the command line, 2047 bytes, must
// fit in one; Linux's PRINTK_MESSAGE_MAX is 2048 for the text alone).
const LOG_LINE_MAX = 4096

// line buffers: one for normal messages, one for a message printed while
// another is being formatted (a fault inside printk, an oops).
var (
	linebuf [2][LOG_LINE_MAX]byte
	depth   int
	// atLineStart is false after a message without a trailing newline, so a
	// KERN_CONT message continues it without a new time stamp.
	atLineStart = true
)

// Printk formats and logs a message at the given level (Linux printk with
// KERN_<LEVEL> prefix). Messages go to __log_buf always, and to the consoles
// when level < Console_loglevel.
func Printk(level int, format string, args ...Arg) {
	if depth >= len(linebuf) {
		return // nested twice: drop rather than corrupt
	}
	var flags uint64
	restore := Irq_restore
	if Irq_save != nil && restore != nil {
		flags = Irq_save()
	}
	buf := linebuf[depth][:]
	depth++
	n := 0
	cont := level == KERN_CONT
	if cont {
		level = lastLevel
	} else if !atLineStart {
		// Linux ends a dangling line before starting a new message.
		n += copy(buf[n:], "\n")
	}
	if !cont || atLineStart {
		n += timestamp(buf[n:])
	}
	n += Vsnprintf(buf[n:], format, args...)
	if n > 0 {
		atLineStart = buf[n-1] == '\n'
	}
	lastLevel = level
	out := buf[:n]
	log_store(level, out)
	if level < Console_loglevel {
		for c := consoles; c != nil; c = c.next {
			c.Write(out)
		}
	}
	depth--
	if restore != nil {
		restore(flags)
	}
}

// Irq_save and Irq_restore, once the architecture sets them (init_IRQ,
// before interrupts are first turned on), turn interrupts off for the time
// of one message and back as they were: a handler that prints (SysRq, a
// spurious interrupt) cannot cut into another message, in the log or on
// the console. Linux: printk takes its locks with interrupts off
// (printk_safe, logbuf_lock).
var (
	Irq_save    func() uint64
	Irq_restore func(flags uint64)
)

var lastLevel = KERN_INFO

// timestamp writes "[%5lu.%06lu] " from Clock, as Linux's print_time.
func timestamp(b []byte) int {
	var ns uint64
	if Clock != nil {
		ns = Clock()
	}
	sec := ns / 1e9
	usec := (ns % 1e9) / 1e3
	return Snprintf(b, "[%5u.%06u] ", Int(sec), Int(usec))
}

// Emerg .. Debug are Linux's pr_emerg .. pr_debug.
func Pr_emerg(format string, args ...Arg)  { Printk(KERN_EMERG, format, args...) }
func Pr_alert(format string, args ...Arg)  { Printk(KERN_ALERT, format, args...) }
func Pr_crit(format string, args ...Arg)   { Printk(KERN_CRIT, format, args...) }
func Pr_err(format string, args ...Arg)    { Printk(KERN_ERR, format, args...) }
func Pr_warn(format string, args ...Arg)   { Printk(KERN_WARNING, format, args...) }
func Pr_notice(format string, args ...Arg) { Printk(KERN_NOTICE, format, args...) }
func Pr_info(format string, args ...Arg)   { Printk(KERN_INFO, format, args...) }
func Pr_debug(format string, args ...Arg)  { Printk(KERN_DEBUG, format, args...) }
func Pr_cont(format string, args ...Arg)   { Printk(KERN_CONT, format, args...) }
