package amd64

import (
	"testing"

	x86mm "gokern/arch/amd64/mm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/internal/ktest"
	"gokern/memblock"
	"gokern/printk"
)

// The early-option table: every entry has a handler and a class, and no
// option is listed twice (each is parsed once).
func TestEarlyParamsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range early_params {
		if p.setup_func == nil || p.str == "" || p.when < EARLY_CONSOLE || p.when > EARLY_SETUP {
			t.Errorf("bad entry %+v", p)
		}
		if seen[p.str] {
			t.Errorf("%s listed twice", p.str)
		}
		seen[p.str] = true
	}
}

// The reporting options: table order is precedence (quiet over debug,
// loglevel= over both), garbage in loglevel= is reported and ignored, and
// the memory-stage options are not touched in this pass.
func TestParseEarlyOptionsReport(t *testing.T) {
	saved := printk.Console_loglevel
	t.Cleanup(func() {
		printk.Console_loglevel = saved
		memblock.Memblock_debug, bootmem.Bootmem_debug, wantPtdump = false, false, false
	})
	c := ktest.StartCapture(t)
	for _, tc := range []struct {
		cmd   string
		level int
	}{
		{"debug", printk.CONSOLE_LOGLEVEL_DEBUG},
		{"quiet debug", printk.CONSOLE_LOGLEVEL_QUIET},
		{"loglevel=5 debug quiet", 5},
		{"loglevel=5 loglevel=3", 3},
		{"ptdump", printk.CONSOLE_LOGLEVEL_DEFAULT},
	} {
		printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_DEFAULT
		parse_early_options([]byte(tc.cmd), EARLY_REPORT)
		if printk.Console_loglevel != tc.level {
			t.Errorf("%q: console_loglevel %d, want %d", tc.cmd, printk.Console_loglevel, tc.level)
		}
	}
	if wantPtdump {
		t.Error("ptdump was taken in the reporting pass")
	}
	c.Lines()
	printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_DEFAULT
	parse_early_options([]byte("loglevel=banana memblock=debug bootmem_debug"), EARLY_REPORT)
	if l := c.Lines(); printk.Console_loglevel != printk.CONSOLE_LOGLEVEL_DEFAULT || len(l) != 1 ||
		l[0] != "Malformed early option 'loglevel=banana' (no number): keeping 7" {
		t.Errorf("loglevel=banana: level %d, printed %q", printk.Console_loglevel, l)
	}
	if !memblock.Memblock_debug || !bootmem.Bootmem_debug {
		t.Errorf("memblock=debug %v, bootmem_debug %v", memblock.Memblock_debug, bootmem.Bootmem_debug)
	}
}

// parse_early_param: mem= and memmap= edit the kernel's e820 table and
// mark it user-defined; earlymem= and ptdump set their flags.
func TestParseEarlyParam(t *testing.T) {
	savedTable := e820.E820_table
	t.Cleanup(func() {
		e820.E820_table, e820_userdef, wantPtdump, x86mm.EarlymemBootmem = savedTable, false, false, false
	})
	e820.E820_table = e820.E820Table{}
	e820.E820__range_add(&e820.E820_table, 0, 0x9fc00, e820.E820_TYPE_RAM)
	e820.E820__range_add(&e820.E820_table, 0x100000, 0x7ee0000, e820.E820_TYPE_RAM)
	ktest.StartCapture(t)
	parse_early_options([]byte("earlyprintk=serial debug mem=96M memmap=16M$0x4000000 earlymem=bootmem ptdump"), EARLY_SETUP)
	e820.E820__update_table(&e820.E820_table)
	want := []e820.E820Entry{
		{Addr: 0, Size: 0x9fc00, Type: e820.E820_TYPE_RAM},
		{Addr: 0x100000, Size: 0x4000000 - 0x100000, Type: e820.E820_TYPE_RAM},
		{Addr: 0x4000000, Size: 16 << 20, Type: e820.E820_TYPE_RESERVED},
		{Addr: 0x5000000, Size: 96<<20 - 0x5000000, Type: e820.E820_TYPE_RAM},
	}
	got := e820.E820_table.Entries[:e820.E820_table.Nr_entries]
	if len(got) != len(want) {
		t.Fatalf("table %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !e820_userdef || !wantPtdump || !x86mm.EarlymemBootmem {
		t.Errorf("userdef %v ptdump %v earlymem=bootmem %v", e820_userdef, wantPtdump, x86mm.EarlymemBootmem)
	}
}
