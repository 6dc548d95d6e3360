package e820

import (
	"strings"
	"testing"

	"gokern/printk"
)

// capture collects what printk sends to the consoles during a test, with
// the "[    0.000000] " time stamps removed.
type capture struct {
	b   strings.Builder
	con printk.Console
}

func startCapture(t testing.TB, loglevel int) *capture {
	t.Helper()
	c := &capture{}
	c.con = printk.Console{Name: "test", Write: func(p []byte) { c.b.Write(p) }}
	old := printk.Console_loglevel
	printk.Console_loglevel = loglevel
	printk.Register_console(&c.con)
	t.Cleanup(func() {
		printk.Unregister_console(&c.con)
		printk.Console_loglevel = old
	})
	return c
}

func (c *capture) lines() []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(c.b.String(), "\n"), "\n") {
		if i := strings.Index(l, "] "); strings.HasPrefix(l, "[") && i > 0 {
			l = l[i+2:]
		}
		out = append(out, l)
	}
	c.b.Reset()
	return out
}

func mk(entries ...E820Entry) *E820Table {
	t := &E820Table{}
	for _, e := range entries {
		t.Entries[t.Nr_entries] = e
		t.Nr_entries++
	}
	return t
}

func entries(t *E820Table) []E820Entry { return append([]E820Entry(nil), t.Entries[:t.Nr_entries]...) }

const (
	K = 1 << 10
	M = 1 << 20
	G = 1 << 30
)

const (
	RAM  = E820_TYPE_RAM
	RES  = E820_TYPE_RESERVED
	ACPI = E820_TYPE_ACPI
	NVS  = E820_TYPE_NVS
	PRAM = E820_TYPE_PRAM
)
