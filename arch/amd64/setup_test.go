package amd64

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
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

// The reporting options: the later option wins, as in Linux ("quiet
// debug" is debug), loglevel= that is not 0-15 is reported with its reason
// and ignored, and the memory-stage options are not touched in this pass.
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
		{"quiet debug", printk.CONSOLE_LOGLEVEL_DEBUG},
		{"debug quiet", printk.CONSOLE_LOGLEVEL_QUIET},
		{"loglevel=5 debug quiet", printk.CONSOLE_LOGLEVEL_QUIET},
		{"debug quiet loglevel=5", 5},
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
	for _, v := range []struct{ val, why string }{
		{"-5", "out of range 0-15"}, {"16", "out of range 0-15"}, {"99999999999999999999", "number too large"},
	} {
		parse_early_options([]byte("loglevel="+v.val), EARLY_REPORT)
		want := "Malformed early option 'loglevel=" + v.val + "' (" + v.why + "): keeping 7"
		if l := c.Lines(); printk.Console_loglevel != printk.CONSOLE_LOGLEVEL_DEFAULT || len(l) != 1 || l[0] != want {
			t.Errorf("loglevel=%s: level %d, printed %q, want %q", v.val, printk.Console_loglevel, l, want)
		}
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

// e820.E820__memory_setup takes the map from boot_params: qboot's unsorted map
// with its all-zero entry comes out sorted and without it, and a BIOS
// without E820 gets the E801 fallback; trim_bios_range then reserves page
// 0 and drops the BIOS hole.
func TestE820MemorySetup(t *testing.T) {
	savedBP, savedT, savedF := Boot_params, e820.E820_table, e820.E820_table_firmware
	t.Cleanup(func() { Boot_params, e820.E820_table, e820.E820_table_firmware = savedBP, savedT, savedF })
	c := ktest.StartCapture(t)
	put := func(entries [][3]uint64) {
		Boot_params = asm.BootParams{}
		Boot_params[asm.BP_e820_entries] = byte(len(entries))
		for i, e := range entries {
			off := asm.BP_e820_table + i*asm.E820_ENTRY_SIZE
			binary.LittleEndian.PutUint64(Boot_params[off:], e[0])
			binary.LittleEndian.PutUint64(Boot_params[off+8:], e[1])
			binary.LittleEndian.PutUint32(Boot_params[off+16:], uint32(e[2]))
		}
	}
	put([][3]uint64{{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xfd00000000, 0x300000000, 2}, {0x100000, 0x7f00000, 1}, {0, 0, 0}})
	e820.E820__memory_setup(&e820.E820_table, &e820.E820_table_firmware, &Boot_params)
	want := []e820.E820Entry{{Addr: 0, Size: 0x9fc00, Type: 1}, {Addr: 0x9fc00, Size: 0x400, Type: 2},
		{Addr: 0x100000, Size: 0x7f00000, Type: 1}, {Addr: 0xfd00000000, Size: 0x300000000, Type: 2}}
	if e820.E820_table_firmware.Nr_entries != 5 || fmt.Sprint(e820.E820_table.Entries[:e820.E820_table.Nr_entries]) != fmt.Sprint(want) {
		t.Fatalf("firmware %d entries, table %v, want %v", e820.E820_table_firmware.Nr_entries, e820.E820_table.Entries[:e820.E820_table.Nr_entries], want)
	}
	if l := c.Lines(); len(l) != 5 || l[0] != "e820: BIOS-provided physical RAM map:" {
		t.Fatalf("printed %q", l)
	}
	trim_bios_range()
	want = []e820.E820Entry{{Addr: 0, Size: 0x1000, Type: 2}, {Addr: 0x1000, Size: 0x9ec00, Type: 1}, {Addr: 0x9fc00, Size: 0x400, Type: 2},
		{Addr: 0x100000, Size: 0x7f00000, Type: 1}, {Addr: 0xfd00000000, Size: 0x300000000, Type: 2}}
	if got := e820.E820_table.Entries[:e820.E820_table.Nr_entries]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after trim_bios_range %v, want %v", got, want)
	}

	put(nil)
	binary.LittleEndian.PutUint32(Boot_params[asm.BP_alt_mem_k:], 129920)
	binary.LittleEndian.PutUint16(Boot_params[asm.BP_ext_mem_k:], 64512)
	c.Lines()
	e820.E820__memory_setup(&e820.E820_table, &e820.E820_table_firmware, &Boot_params)
	if got := e820.E820_table.Entries[:e820.E820_table.Nr_entries]; len(got) != 2 || got[1].Addr != 1<<20 || got[1].Size != 129920<<10 {
		t.Fatalf("E801 fallback %v", got)
	}
	if l := c.Lines(); len(l) < 2 || !strings.HasPrefix(l[0], "e820: the BIOS gave 0 E820 entries") || l[len(l)-1] != "e820: falling back to BIOS-e801" {
		t.Fatalf("printed %q", l)
	}
}
