package e820

import (
	"reflect"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/memblock"
)

// qemuMap is what SeaBIOS reports for qemu-system-x86_64 -m 128M.
func qemuMap() *E820Table {
	return mk(
		E820Entry{0, 0x9fc00, RAM},
		E820Entry{0x9fc00, 0x400, RES},
		E820Entry{0xf0000, 0x10000, RES},
		E820Entry{0x100000, 0x7ee0000, RAM},
		E820Entry{0x7fe0000, 0x20000, RES},
		E820Entry{0xfeffc000, 0x4000, RES},
		E820Entry{0xfffc0000, 0x40000, RES},
	)
}

// The golden lines are those of a Linux boot on the same machine.
func TestPrintLinuxFormat(t *testing.T) {
	c := startCapture(t, 7)
	var fw, tab E820Table
	who := E820__memory_setup(&tab, &fw, bootParams(qemuMap(), 0, 0))
	if who != "BIOS-e820" {
		t.Errorf("who = %q", who)
	}
	want := []string{
		"e820: BIOS-provided physical RAM map:",
		"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
		"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
		"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved",
		"BIOS-e820: [mem 0x0000000000100000-0x0000000007fdffff] usable",
		"BIOS-e820: [mem 0x0000000007fe0000-0x0000000007ffffff] reserved",
		"BIOS-e820: [mem 0x00000000feffc000-0x00000000feffffff] reserved",
		"BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved",
	}
	if got := c.lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPrintTypes(t *testing.T) {
	c := startCapture(t, 7)
	E820__print_table(mk(
		E820Entry{0x1000, 0x1000, ACPI}, E820Entry{0x2000, 0x1000, NVS}, E820Entry{0x3000, 0x1000, E820_TYPE_UNUSABLE},
		E820Entry{0x4000, 0x1000, E820_TYPE_PMEM}, E820Entry{0x5000, 0x1000, PRAM},
		E820Entry{0x6000, 0x1000, E820_TYPE_SOFT_RESERVED}, E820Entry{0x7000, 0x1000, E820_TYPE_RESERVED_KERN},
		E820Entry{0x8000, 0x1000, 13}, E820Entry{0x9000, 0x1000, 0xffffffff},
	), "modified")
	want := []string{
		"modified: [mem 0x0000000000001000-0x0000000000001fff] ACPI data",
		"modified: [mem 0x0000000000002000-0x0000000000002fff] ACPI NVS",
		"modified: [mem 0x0000000000003000-0x0000000000003fff] unusable",
		"modified: [mem 0x0000000000004000-0x0000000000004fff] persistent (type 7)",
		"modified: [mem 0x0000000000005000-0x0000000000005fff] persistent (type 12)",
		"modified: [mem 0x0000000000006000-0x0000000000006fff] soft reserved",
		"modified: [mem 0x0000000000007000-0x0000000000007fff] usable",
		"modified: [mem 0x0000000000008000-0x0000000000008fff] type 13",
		"modified: [mem 0x0000000000009000-0x0000000000009fff] type 4294967295",
	}
	if got := c.lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRangeUpdate(t *testing.T) {
	c := startCapture(t, 10) // KERN_DEBUG lines
	tab := qemuMap()
	// setup_arch's first edit on every boot: page 0 belongs to the BIOS.
	if n, _ := E820__range_update(tab, 0, 0x1000, RAM, RES); n != 0x1000 {
		t.Errorf("updated %#x bytes", n)
	}
	if got := c.lines(); len(got) != 1 || got[0] != "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved" {
		t.Errorf("got %q", got)
	}
	E820__update_table(tab)
	want := []E820Entry{{0, 0x1000, RES}, {0x1000, 0x9ec00, RAM}}
	if got := entries(tab)[:2]; !reflect.DeepEqual(got, want) {
		t.Errorf("got %x want %x", got, want)
	}

	// A range inside an entry splits it in three.
	tab = mk(E820Entry{0, 16 * M, RAM})
	if n, _ := E820__range_update(tab, 4*M, M, RAM, E820_TYPE_RESERVED_KERN); n != M {
		t.Errorf("updated %#x", n)
	}
	E820__update_table(tab)
	want = []E820Entry{{0, 4 * M, RAM}, {4 * M, M, E820_TYPE_RESERVED_KERN}, {5 * M, 11 * M, RAM}}
	if got := entries(tab); !reflect.DeepEqual(got, want) {
		t.Errorf("got %x want %x", got, want)
	}
	// Other types are untouched; a huge size is clipped.
	tab = mk(E820Entry{0, M, RES}, E820Entry{M, M, RAM})
	if n, _ := E820__range_update(tab, M/2, ^uint64(0), RAM, RES); n != M {
		t.Errorf("updated %#x", n)
	}
	if n, _ := E820__range_update(tab, 0, M, RAM, RAM); n != 0 {
		t.Error("old == new updated something")
	}
	c.lines()
}

func TestRangeRemove(t *testing.T) {
	c := startCapture(t, 10)
	tab := qemuMap()
	if n, _ := E820__range_remove(tab, 0xa0000, 0x60000, RAM, true); n != 0 {
		t.Errorf("removed %#x", n)
	}
	if got := c.lines(); got[0] != "e820: remove [mem 0x000a0000-0x000fffff] usable" {
		t.Errorf("got %q", got)
	}
	// Remove the middle of the big RAM entry, and the end of the low one.
	E820__range_remove(tab, 16*M, 16*M, RAM, true)
	E820__range_remove(tab, 0x9f000, 0x2000, 0, false)
	E820__update_table(tab)
	if !E820__mapped_all(tab, 0, 0x9f000, RAM) || E820__mapped_any(tab, 0x9f000, 0xa1000, 0) ||
		!E820__mapped_all(tab, M, 16*M, RAM) || E820__mapped_any(tab, 16*M, 32*M, 0) || !E820__mapped_all(tab, 32*M, 0x7fe0000, RAM) {
		t.Errorf("after remove: %x", entries(tab))
	}
	checkSane(t, tab)
}

func TestMapped(t *testing.T) {
	tab := qemuMap()
	for _, c := range []struct {
		s, e     uint64
		typ      E820Type
		any, all bool
	}{
		{0, 0x1000, RAM, true, true},
		{0x9f000, 0xa0000, RAM, true, false},
		{0x9f000, 0xa0000, 0, true, true},
		{0xa0000, 0xf0000, 0, false, false},
		{M, 2 * M, RES, false, false},
		{0xfffc0000, 1 << 32, RES, true, true},
	} {
		if got := E820__mapped_any(tab, c.s, c.e, c.typ); got != c.any {
			t.Errorf("E820__mapped_any(%#x, %#x, %d) = %v", c.s, c.e, c.typ, got)
		}
		if got := E820__mapped_all(tab, c.s, c.e, c.typ); got != c.all {
			t.Errorf("E820__mapped_all(%#x, %#x, %d) = %v", c.s, c.e, c.typ, got)
		}
	}
}

func TestSetupDefault(t *testing.T) {
	c := startCapture(t, 7)
	var tab, fw E820Table
	// A believable firmware map is taken (and sanitised), and kept as it
	// came in firmware.
	bp := bootParams(mk(E820Entry{M, 127 * M, RAM}, E820Entry{0, 0x9fc00, RAM}, E820Entry{0, 0, 0}), 1000, 2000)
	if who := E820__memory_setup_default(&tab, &fw, bp); who != "BIOS-e820" {
		t.Errorf("who = %q", who)
	}
	if got := entries(&tab); !reflect.DeepEqual(got, []E820Entry{{0, 0x9fc00, RAM}, {M, 127 * M, RAM}}) {
		t.Errorf("got %x", got)
	}
	if fw.Nr_entries != 3 || fw.Entries[0] != (E820Entry{M, 127 * M, RAM}) {
		t.Errorf("firmware %x", entries(&fw))
	}
	// One entry is not believed: E801 gives more than 88h.
	bp = bootParams(mk(E820Entry{0, 0x9fc00, RAM}), 64*K-1, 15*K)
	if who := E820__memory_setup_default(&tab, &fw, bp); who != "BIOS-e801" {
		t.Errorf("who = %q", who)
	}
	if got := entries(&tab); !reflect.DeepEqual(got, []E820Entry{{0, LOWMEMSIZE, RAM}, {M, (64*K - 1) * K, RAM}}) {
		t.Errorf("got %x", got)
	}
	// 88h gives more.
	c.lines()
	if who := E820__memory_setup(&tab, &fw, bootParams(&E820Table{}, 10, 15*K)); who != "BIOS-88" {
		t.Errorf("who = %q", who)
	}
	want := []string{
		"e820: the BIOS gave 0 E820 entries; falling back to E801 (10 KiB) or 88h (15360 KiB above 1 MiB)",
		"e820: BIOS-provided physical RAM map:",
		"BIOS-88: [mem 0x0000000000000000-0x000000000009efff] usable",
		"BIOS-88: [mem 0x0000000000100000-0x0000000000ffffff] usable",
		"e820: falling back to BIOS-88",
	}
	if got := c.lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	if CheckUsable(&tab) != OK {
		t.Error("CheckUsable failed on 16 MiB")
	}
	// Nothing at all: only the fake low memory, which is not enough.
	E820__memory_setup_default(&tab, &fw, &asm.BootParams{})
	if tab.Nr_entries != 1 || CheckUsable(&tab) != ErrNoUsableRAM {
		t.Errorf("got %x, CheckUsable %v", entries(&tab), CheckUsable(&tab))
	}
}

func TestCheckUsable(t *testing.T) {
	if CheckUsable(mk(E820Entry{0, 0x9fc00, RAM}, E820Entry{M, 16 * M, RES})) != ErrNoUsableRAM {
		t.Error("reserved memory counted as usable")
	}
	if CheckUsable(mk(E820Entry{0, M, RAM})) != ErrNoUsableRAM {
		t.Error("RAM ending at 1 MiB counted")
	}
	if CheckUsable(mk(E820Entry{M, 0x1000, E820_TYPE_RESERVED_KERN})) != OK {
		t.Error("RESERVED_KERN is RAM")
	}
	if ErrNoUsableRAM.String() != "no usable RAM above 1 MiB" {
		t.Error(ErrNoUsableRAM.String())
	}
}

func TestEndPfn(t *testing.T) {
	c := startCapture(t, 7)
	// 4 GiB machine: RAM to 3 GiB, PCI hole, then RAM above 4 GiB
	// ending in a partial page.
	tab := mk(E820Entry{0, 0x9fc00, RAM}, E820Entry{M, 0xbfda0000 - M, RAM}, E820Entry{0xbfda0000, 0x20000, ACPI},
		E820Entry{0xfec00000, 0x1400000, RES}, E820Entry{4 * G, G + 0x800, RAM})
	if got := E820__end_of_ram_pfn(tab); got != 0x140000 {
		t.Errorf("max_pfn = %#x", got)
	}
	if got := E820__end_of_low_ram_pfn(tab); got != 0xbfda0 {
		t.Errorf("max_low_pfn = %#x", got)
	}
	if got := E820_end_pfn(tab, MAX_ARCH_PFN, ACPI); got != 0xbfdc0 {
		t.Errorf("ACPI end = %#x", got)
	}
	// A RAM range crossing the limit ends at the limit.
	if got := E820_end_pfn(mk(E820Entry{0, 8 * G, RAM}), LOW_RAM_PFN_LIMIT, RAM); got != LOW_RAM_PFN_LIMIT {
		t.Errorf("got %#x", got)
	}
	// Beyond what 4-level paging can address: capped.
	if got := E820__end_of_ram_pfn(mk(E820Entry{0, 1 << 50, RAM})); got != MAX_ARCH_PFN {
		t.Errorf("got %#x", got)
	}
	if got := c.lines(); got[0] != "e820: last_pfn = 0x140000 max_arch_pfn = 0x400000000" {
		t.Errorf("got %q", got[0])
	}
}

func TestMemblockSetup(t *testing.T) {
	memblock.Init(nil)
	tab := qemuMap()
	E820__range_add(tab, 0x10000000, 0x10000000, E820_TYPE_SOFT_RESERVED)
	E820__range_add(tab, 0x200000000, 0x1000, E820_TYPE_RESERVED_KERN)
	E820__range_add(tab, 0x300000000, 0x800, RAM) // a partial page: trimmed away
	E820__update_table(tab)
	if err := E820__memblock_setup(tab); err != memblock.OK {
		t.Fatal(err)
	}
	var got [][2]uint64
	memblock.For_each_mem_region(func(r *memblock.MemblockRegion) bool {
		got = append(got, [2]uint64{r.Base, r.Size})
		return true
	})
	// memblock_trim_memory cuts 0x9fc00 down to 0x9f000.
	want := [][2]uint64{{0, 0x9f000}, {0x100000, 0x7ee0000}, {0x200000000, 0x1000}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("memory %x, want %x", got, want)
	}
	if !memblock.Memblock_is_region_reserved(0x10000000, 0x10000000) {
		t.Error("soft-reserved memory not reserved")
	}
	if memblock.Memblock_phys_mem_size() != 0x9f000+0x7ee0000+0x1000 {
		t.Errorf("size %#x", memblock.Memblock_phys_mem_size())
	}
}

// TestZeroAllocs: the kernel has no heap, so none of this may allocate.
func TestZeroAllocs(t *testing.T) {
	var tab, fw E820Table
	bp := bootParams(qemuMap(), 0, 0)
	cmd := []byte("exactmap,640K@0,127M@1M,4K$0x9f000")
	mem := []byte("64M")
	n := testing.AllocsPerRun(100, func() {
		E820__memory_setup_default(&tab, &fw, bp)
		E820__print_table(&tab, "BIOS-e820")
		E820__range_update(&tab, 0, 0x1000, RAM, RES)
		E820__range_remove(&tab, 0xa0000, 0x60000, RAM, true)
		E820__update_table(&tab)
		Parse_memmap_opt(&tab, cmd)
		Parse_memopt(&tab, mem)
		E820__finish_early_params(&tab, true)
		E820__end_of_ram_pfn(&tab)
		CheckUsable(&tab)
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

func BenchmarkUpdateTable(b *testing.B) {
	fw := qemuMap()
	var tab E820Table
	for i := 0; i < b.N; i++ {
		tab = *fw
		E820__update_table(&tab)
	}
}
