package e820

import (
	"encoding/binary"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
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

// bootParams is a zeropage as detect_memory leaves it: the E820 list
// fw, and the E801 (altMemK) and 88h (extMemK) sizes.
func bootParams(fw *E820Table, altMemK uint32, extMemK uint16) *asm.BootParams {
	bp := &asm.BootParams{}
	bp[asm.BP_e820_entries] = byte(fw.Nr_entries)
	for i, e := range fw.Entries[:fw.Nr_entries] {
		off := asm.BP_e820_table + i*asm.E820_ENTRY_SIZE
		binary.LittleEndian.PutUint64(bp[off:], e.Addr)
		binary.LittleEndian.PutUint64(bp[off+8:], e.Size)
		binary.LittleEndian.PutUint32(bp[off+16:], uint32(e.Type))
	}
	binary.LittleEndian.PutUint32(bp[asm.BP_alt_mem_k:], altMemK)
	binary.LittleEndian.PutUint16(bp[asm.BP_ext_mem_k:], extMemK)
	return bp
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
