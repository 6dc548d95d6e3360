package serial8250

import (
	"testing"

	"gokern/kernel/time"
)

// TestSysrqAfterBreak: Linux's uart_handle_break and
// uart_handle_sysrq_char on the console's port. A BREAK arms SysRq and is
// swallowed; the next byte within SYSRQ_TIMEOUT is a SysRq key and not
// input; a later one, or a NUL, is input and disarms; a second BREAK while
// armed reaches the tty as a break; a port that is not the console passes
// every BREAK on.
func TestSysrqAfterBreak(t *testing.T) {
	var keys []byte
	Handle_sysrq_hook = func(k byte) { keys = append(keys, k) }
	defer func() { Handle_sysrq_hook = nil }()
	time.Jiffies_64 = 1000
	defer func() { time.Jiffies_64 = 0 }()

	up := &Uart_port{Has_sysrq: true}
	if Uart_handle_sysrq_char(up, 't') {
		t.Fatal("a byte without a BREAK was taken as SysRq")
	}
	if !Uart_handle_break(up) || up.Sysrq != 1000+SYSRQ_TIMEOUT {
		t.Fatalf("a BREAK did not arm SysRq: sysrq %d", up.Sysrq)
	}
	time.Jiffies_64 += SYSRQ_TIMEOUT - 1
	if !Uart_handle_sysrq_char(up, 't') || string(keys) != "t" || up.Sysrq != 0 {
		t.Fatalf("the key after the BREAK: keys %q, sysrq %d", keys, up.Sysrq)
	}
	if Uart_handle_sysrq_char(up, 'h') {
		t.Fatal("the second byte after a BREAK was taken as SysRq")
	}

	// Too late: input, and disarmed.
	Uart_handle_break(up)
	time.Jiffies_64 += SYSRQ_TIMEOUT
	if Uart_handle_sysrq_char(up, 'c') || up.Sysrq != 0 || string(keys) != "t" {
		t.Fatalf("a key %d jiffies after the BREAK: keys %q, sysrq %d", SYSRQ_TIMEOUT, keys, up.Sysrq)
	}
	// A NUL is no key.
	Uart_handle_break(up)
	if Uart_handle_sysrq_char(up, 0) || up.Sysrq != 0 {
		t.Fatal("a NUL after a BREAK was taken as SysRq")
	}
	// BREAK, BREAK: the second is the tty's.
	if !Uart_handle_break(up) || Uart_handle_break(up) || up.Sysrq != 0 {
		t.Fatal("a second BREAK was swallowed")
	}
	// Not the console: every BREAK is the tty's.
	other := &Uart_port{}
	if Uart_handle_break(other) || other.Sysrq != 0 {
		t.Fatal("a BREAK on a port that is not the console armed SysRq")
	}
}
