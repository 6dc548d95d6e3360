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
	}{
		{"serial", COM1, 115200}, {"serial,ttyS1", COM2, 115200}, {"ttyS1", COM2, 115200},
		{"serial,0x2e8,9600", 0x2e8, 9600}, {"serial,ttyS0,38400", COM1, 38400},
		{"vga", COM1, 115200}, {"serial,0xzz", COM1, 115200}, {"serial,ttyS1,banana", COM2, 115200},
		{"serial,,", COM1, 115200}, {"serial,0x3f8,999999999", COM1, 115200},
	}
	for _, c := range cases {
		p, b := parse_earlyprintk([]byte(c.in), COM1, 115200)
		if p != c.port || b != c.baud {
			t.Errorf("parse_earlyprintk(%q) = %#x,%d want %#x,%d", c.in, p, b, c.port, c.baud)
		}
	}
}

func FuzzParseEarlyprintk(f *testing.F) {
	f.Add("serial,0x3f8,115200")
	f.Fuzz(func(t *testing.T, s string) {
		_, b := parse_earlyprintk([]byte(s), COM1, 115200)
		if b == 0 || b > UART_BASE_BAUD {
			t.Fatalf("baud %d", b)
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
