package serial8250

import (
	"testing"
)

// Host tests of the option parsing (the UART itself is exercised by every
// boot test: it is the console).

func TestParseEarlyprintk(t *testing.T) {
	cases := []struct {
		in   string
		port uint16
		baud uint32
		why  string // "": all of it used
	}{
		{"serial", COM1, 115200, ""}, {"serial,ttyS1", COM2, 115200, ""}, {"ttyS1", COM2, 115200, ""},
		{"serial,0x2e8,9600", 0x2e8, 9600, ""}, {"serial,ttyS0,38400", COM1, 38400, ""},
		{"ttyS1,9600", COM2, 9600, ""}, {"serial,", COM1, 115200, ""},
		// What the setup code and the boot stage also replace by the default,
		// now with the reason.
		{"vga", COM1, 115200, "not a console gokern has (serial, ttyS0, ttyS1)"},
		{"ttyS9", COM1, 115200, "no such port (ttyS0 or ttyS1)"},
		{"serial,ttyS9,9600", COM1, 9600, "no such port (ttyS0 or ttyS1)"},
		{"serial,0xzz", COM1, 115200, "bad I/O port"},
		{"serial,0x10000", COM1, 65536, "bad I/O port"}, // then "0x10000" is the baud, as in Linux
		{"serial,ttyS1,banana", COM2, 115200, "bad baud rate"},
		{"serial,ttyS0,fast", COM1, 115200, "bad baud rate"},
		{"serial,0x3f8,999999999", COM1, 115200, "baud rate above 115200"},
		{"serial,ttyS0,9600x", COM1, 9600, "trailing characters after the baud rate"},
		{"serial,ttyS0,0", COM1, 115200, "bad baud rate"},
	}
	for _, c := range cases {
		p, b, why := parse_earlyprintk([]byte(c.in))
		if p != c.port || b != c.baud || why != c.why {
			t.Errorf("parse_earlyprintk(%q) = %#x,%d,%q want %#x,%d,%q", c.in, p, b, why, c.port, c.baud, c.why)
		}
	}
}

func FuzzParseEarlyprintk(f *testing.F) {
	f.Add("serial,0x3f8,115200")
	f.Fuzz(func(t *testing.T, s string) {
		p, b, _ := parse_earlyprintk([]byte(s))
		if b == 0 || b > UART_BASE_BAUD || p == 0 {
			t.Fatalf("port %#x baud %d", p, b)
		}
	})
}

// The early option records the choice; the first console comes up on it.
func TestSetupEarlyPrintk(t *testing.T) {
	defer func() { early_serial_want_port, early_serial_want_baud = 0, 0 }()
	Setup_early_printk([]byte("serial,ttyS1,9600"))
	if early_serial_want_port != COM2 || early_serial_want_baud != 9600 {
		t.Fatalf("earlyprintk=serial,ttyS1,9600 chose %#x,%d", early_serial_want_port, early_serial_want_baud)
	}
	// A later occurrence wins, from the defaults again (Linux applies each).
	Setup_early_printk([]byte("serial"))
	if early_serial_want_port != COM1 || early_serial_want_baud != UART_BASE_BAUD {
		t.Fatalf("earlyprintk=serial chose %#x,%d", early_serial_want_port, early_serial_want_baud)
	}
}
