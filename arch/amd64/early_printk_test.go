package amd64

import (
	"testing"
)

// Host tests of the pure logic in this package (the privileged primitives
// are exercised by the boot tests).

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

func TestCyclesToNs(t *testing.T) {
	cases := []struct{ cycles, khz, ns uint64 }{
		{3000000, 3000000, 1000000}, {0, 2500000, 0}, {2500000000, 2500000, 1000000000},
		{1 << 62, 1000000, 1 << 62}, // 1 GHz: a cycle is a nanosecond; no overflow in the product
		{1 << 62, 4000000, 1 << 60},
	}
	for _, c := range cases {
		if got := Cycles_to_ns(c.cycles, c.khz); got != c.ns {
			t.Errorf("Cycles_to_ns(%d, %d) = %d, want %d", c.cycles, c.khz, got, c.ns)
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
