package bootmem

import (
	"reflect"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/internal/ktest"
	"gokern/memblock"
)

func TestBootmapSize(t *testing.T) {
	for _, c := range []struct{ pages, bytes, mappages uint64 }{
		{1, 8, 1}, {64, 8, 1}, {65, 16, 1}, {32768, 4096, 1}, {32769, 4104, 2}, {0x7ffe, 4096, 1},
		{8 << 30 >> asm.PAGE_SHIFT, 256 * K, 64},
	} {
		if got := bootmap_bytes(c.pages); got != c.bytes {
			t.Errorf("bootmap_bytes(%d) = %d", c.pages, got)
		}
		if got := Bootmem_bootmap_pages(c.pages); got != c.mappages {
			t.Errorf("Bootmem_bootmap_pages(%d) = %d", c.pages, got)
		}
	}
}

func TestInitBootmem(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	Init(ram)
	n, err := Init_bootmem(0x100, 0x1000)
	if err != OK || n != 0x200 {
		t.Fatalf("mapsize %#x %v", n, err)
	}
	b := &Bootmem_node_data[0]
	if memblock.Max_low_pfn != 0x1000 || memblock.Min_low_pfn != 0x100 || b.Node_bootmem_map != 0x100000 || bdata_list != b {
		t.Fatalf("%+v", b)
	}
	// Every page starts reserved; the bitmap is in "physical memory".
	if len(reservedPages(b)) != 0x1000 || ram.Mem[0x100000] != 0xff || ram.Mem[0x1001ff] != 0xff || ram.Mem[0x100200] != 0 {
		t.Error("bitmap not all ones")
	}
	Init(nil)
	if _, err := Init_bootmem(0, 10); err != ErrNoPhys {
		t.Errorf("no PhysMem: %v", err)
	}
	Init(ram)
	if _, err := Init_bootmem(0, 0); err != ErrRange {
		t.Errorf("empty node: %v", err)
	}
}

// node starts bootmem on a fresh RAM with one node of pages [min, max),
// all free except the bitmap's page.
func node(t testing.TB, ram *ktest.RAM, min, max uint64) *BootmemData {
	t.Helper()
	Init(ram)
	b := &Bootmem_node_data[0]
	if _, err := Init_bootmem_node(b, min, min, max); err != OK {
		t.Fatal(err)
	}
	if err := Free_bootmem(min<<asm.PAGE_SHIFT, (max-min)<<asm.PAGE_SHIFT); err != OK {
		t.Fatal(err)
	}
	if err := Reserve_bootmem(min<<asm.PAGE_SHIFT, Bootmem_bootmap_pages(max-min)<<asm.PAGE_SHIFT, BOOTMEM_DEFAULT); err != OK {
		t.Fatal(err)
	}
	return b
}

func TestReserveFree(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	b := node(t, ram, 0, 0x1000)
	c := ktest.StartCapture(t)
	// Reserving rounds out: a byte reserves its page.
	Reserve_bootmem(0x5001, 1, BOOTMEM_DEFAULT)
	Reserve_bootmem(0x6fff, 2, BOOTMEM_DEFAULT)
	if got := reservedPages(b); !reflect.DeepEqual(got, []uint64{0, 5, 6, 7}) {
		t.Fatalf("got %x", got)
	}
	// Freeing rounds in: a partial page stays reserved.
	if err := Free_bootmem(0x5800, 0x2000); err != OK {
		t.Fatal(err)
	}
	if got := reservedPages(b); !reflect.DeepEqual(got, []uint64{0, 5, 7}) {
		t.Fatalf("got %x", got)
	}
	// Exclusive reservation of something taken fails and changes nothing.
	if err := Reserve_bootmem(0x3000, 0x3000, BOOTMEM_EXCLUSIVE); err != ErrBusy {
		t.Fatalf("exclusive: %v", err)
	}
	if got := reservedPages(b); !reflect.DeepEqual(got, []uint64{0, 5, 7}) {
		t.Fatalf("after failed exclusive: %x", got)
	}
	// A plain one is allowed to overlap.
	if err := Reserve_bootmem(0x3000, 0x3000, BOOTMEM_DEFAULT); err != OK {
		t.Fatal(err)
	}
	// Freeing a free page is refused, changing nothing.
	if err := Free_bootmem(0x6000, 0x3000); err != ErrNotReserved {
		t.Fatalf("double free: %v", err)
	}
	if got := reservedPages(b); !reflect.DeepEqual(got, []uint64{0, 3, 4, 5, 7}) {
		t.Fatalf("after refused free: %x", got)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "bootmem: freeing free page 0x6" {
		t.Errorf("got %q", got)
	}
	// Outside the node.
	if err := Reserve_bootmem(0xfff000, 0x2000, BOOTMEM_DEFAULT); err != ErrRange {
		t.Errorf("outside: %v", err)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "bootmem: [mem 0x00fff000-0x01000fff] is outside boot memory" {
		t.Errorf("got %q", got)
	}
	if err := Free_bootmem_node(b, 0x3000, 0x2000); err != OK {
		t.Error(err)
	}
	if err := Reserve_bootmem_node(b, 0x3000, 0x1000, BOOTMEM_EXCLUSIVE); err != OK {
		t.Error(err)
	}
	if err := Reserve_bootmem_node(b, 0x3000, 0x1000, BOOTMEM_EXCLUSIVE); err != ErrBusy {
		t.Error(err)
	}
}

// TestTwoNodes: ranges may span nodes; a failed exclusive reservation is
// undone on every node.
func TestTwoNodes(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	Init(ram)
	n0, n1 := &Bootmem_node_data[0], &Bootmem_node_data[1]
	// Registered out of order: the list is sorted.
	Init_bootmem_node(n1, 0x800, 0x800, 0x1000)
	Init_bootmem_node(n0, 0x10, 0, 0x800)
	if bdata_list != n0 || n0.next != n1 {
		t.Fatal("list not sorted")
	}
	if err := Free_bootmem(0x20000, 0x1000000-0x20000); err != OK {
		t.Fatal(err)
	}
	if len(reservedPages(n0)) != 0x20 || len(reservedPages(n1)) != 0 {
		t.Fatalf("%d %d", len(reservedPages(n0)), len(reservedPages(n1)))
	}
	Reserve_bootmem(0x800000, 0x1000, BOOTMEM_DEFAULT) // node 1's bitmap
	Reserve_bootmem(0x400000, 0x1000, BOOTMEM_DEFAULT)
	Reserve_bootmem(0x900000, 0x1000, BOOTMEM_DEFAULT)
	if err := Reserve_bootmem(0x700000, 0x300000, BOOTMEM_EXCLUSIVE); err != ErrBusy {
		t.Fatalf("got %v", err)
	}
	if len(reservedPages(n0)) != 0x21 || len(reservedPages(n1)) != 2 {
		t.Fatalf("not undone: %d %d", len(reservedPages(n0)), len(reservedPages(n1)))
	}
	// An allocation that does not fit node 0 goes to node 1.
	m, err := Alloc_bootmem_nopanic(0x5dc000, asm.PAGE_SIZE, 0)
	if err != OK || ram.PA(m) != 0x901000 {
		t.Fatalf("got %#x %v", ram.PA(m), err)
	}
	// On node 1 the search starts after that allocation (next fit).
	m, _ = Alloc_bootmem_node(n1, 4096, 4096, 0)
	if ram.PA(m) != 0xedd000 {
		t.Errorf("node 1: %#x", ram.PA(m))
	}
	if Free_bootmem(0xf000000, 0x1000) != ErrRange {
		t.Error("gap beyond the nodes")
	}
}

// TestSeed004 replays the gdb session of seed 004: with the bitmap at
// 0x35000 (0x1000 bytes for 0x7ffe pages) and everything below it taken,
// ___alloc_bootmem_nopanic(size=16384, align=32, goal=0,
// limit=4294967295) returns physical 0x36000.
func TestSeed004(t *testing.T) {
	ram := ktest.NewRAM(t, 128*M)
	Init(ram)
	mapsize, _ := Init_bootmem(0x35, 0x7ffe)
	if mapsize != 0x1000 {
		t.Fatalf("bootmap_size = %#x", mapsize)
	}
	Free_bootmem(0, 0x9f000)
	Free_bootmem(M, 0x7ffe000-M)
	Reserve_bootmem(0, 0x35000, BOOTMEM_DEFAULT)       // early reservations
	Reserve_bootmem(0x35000, mapsize, BOOTMEM_DEFAULT) // "BOOTMAP"
	Reserve_bootmem(M, 0x600000, BOOTMEM_DEFAULT)      // the kernel
	m, err := Alloc_bootmem_low_goal(16384, 32, 0)
	if err != OK || ram.PA(m) != 0x36000 {
		t.Fatalf("acpi_realmode at %#x (%v), want 0x36000", ram.PA(m), err)
	}
}

func TestAllocFirstFitAndPacking(t *testing.T) {
	ram := ktest.NewRAM(t, 64*M)
	for i := range ram.Mem[:64*M] {
		ram.Mem[i] = 0xAA // before the bitmap is written: it lives here too
	}
	b := node(t, ram, 0, 64*M>>asm.PAGE_SHIFT)
	Reserve_bootmem(0, 0x1000, BOOTMEM_DEFAULT)
	Reserve_bootmem(16*M, 8*M, BOOTMEM_DEFAULT) // the kernel, at the goal

	pa := func(m []byte, err Error) uint64 {
		t.Helper()
		if err != OK {
			t.Fatalf("%v (hint %#x)", err, b.Hint_idx)
		}
		for i, c := range m {
			if c != 0 {
				t.Fatalf("byte %d not zeroed", i)
			}
		}
		return ram.PA(m)
	}
	// alloc_bootmem starts at MAX_DMA_ADDRESS (16M): the first free page
	// above it is after the kernel.
	if got := pa(Alloc_bootmem_pages(8192)); got != 24*M {
		t.Errorf("pages: %#x", got)
	}
	// Small allocations share a page (last_end_off).
	if got := pa(Alloc_bootmem(100)); got != 24*M+8192 {
		t.Errorf("small: %#x", got)
	}
	if got := pa(Alloc_bootmem(200)); got != 24*M+8192+128 {
		t.Errorf("packed: %#x", got)
	}
	if got := pa(Alloc_bootmem_nopanic(10, 8, MAX_DMA_ADDRESS)); got != 24*M+8192+328 {
		t.Errorf("packed, align 8: %#x", got)
	}
	if ram.Mem[24*M+8192+338] != 0xAA {
		t.Error("zeroed past the end")
	}
	// A whole page starts on the next page.
	if got := pa(Alloc_bootmem_pages(4096)); got != 24*M+3*4096 {
		t.Errorf("after packing: %#x", got)
	}
	// Alignment.
	if got := pa(Alloc_bootmem_goal(4096, 2*M, MAX_DMA_ADDRESS)); got != 26*M {
		t.Errorf("2M aligned: %#x", got)
	}
	// Next fit: a low allocation starts at the hint (just after the last
	// allocation), not at 0, as in 2.6.
	if got := pa(Alloc_bootmem_low_pages(4096)); got != 26*M+4096 {
		t.Errorf("low after hint: %#x", got)
	}
	// Freeing below the hint moves it back down.
	Free_bootmem(24*M, 8192)
	if b.Hint_idx != 24*M>>asm.PAGE_SHIFT {
		t.Errorf("hint %#x", b.Hint_idx)
	}
	if got := pa(Alloc_bootmem_low_pages(4096)); got != 24*M {
		t.Errorf("after free: %#x", got)
	}
	// The goal is dropped when nothing above it fits; the retry from the
	// node start begins at the hint again, so it lands after the last
	// allocation, not at the lowest free page (0x1000).
	if got := pa(Alloc_bootmem_goal(8*M, asm.PAGE_SIZE, 60*M)); got != 26*M+8192 {
		t.Errorf("goal dropped: %#x", got)
	}
	// Small allocations only pack into the page the previous one ended
	// in; this one follows the 8M block.
	if got := pa(Alloc_bootmem_low(64)); got != 34*M+8192 {
		t.Errorf("low: %#x", got)
	}
	// When the space above the hint is exhausted the search falls back
	// to the start and finds the hole at 0x1000.
	if got := pa(Alloc_bootmem_low_pages(64*M - (34*M + 3*4096))); got != 34*M+3*4096 {
		t.Errorf("rest of memory: %#x", got)
	}
	if got := pa(Alloc_bootmem_low_pages(4096)); got != 0x1000 {
		t.Errorf("fallback: %#x", got)
	}
}

func TestAllocFails(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	node(t, ram, 0, 16*M>>asm.PAGE_SHIFT)
	c := ktest.StartCapture(t)
	if m, err := Alloc_bootmem(32 * M); err != ErrNoMem || m != nil {
		t.Fatalf("got %v", err)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "bootmem alloc of 33554432 bytes failed!" {
		t.Errorf("got %q", got)
	}
	if _, err := Alloc_bootmem_nopanic(32*M, 4096, 0); err != ErrNoMem || c.Lines() != nil {
		t.Errorf("nopanic: %v, or it printed", err)
	}
	if _, err := Alloc_bootmem_nopanic(0, 4096, 0); err != ErrInvalid {
		t.Errorf("size 0: %v", err)
	}
	if _, err := Alloc_bootmem_nopanic(10, 24, 0); err != ErrInvalid {
		t.Errorf("align 24: %v", err)
	}
	if _, err := alloc_nopanic(10, 8, 0x800000, 0x800004); err != ErrInvalid {
		t.Errorf("goal+size beyond limit: %v", err)
	}
	c.Lines()
	Free_all_bootmem(func(s, e uint64) {})
	// Retired: every call is a bug report naming the caller, then the
	// panic hook (the boot stops; here, the call fails).
	var hooked []string
	PanicHook = func(msg string) { hooked = append(hooked, strings.Clone(msg)) }
	defer func() { PanicHook = nil }()
	if _, err := Alloc_bootmem_nopanic(10, 8, 0); err != ErrRetired {
		t.Errorf("after free_all: %v", err)
	}
	if err := Reserve_bootmem(0, 1, 0); err != ErrRetired {
		t.Errorf("after free_all: %v", err)
	}
	got := c.Lines()
	if len(got) != 2 || !strings.HasPrefix(got[0], "BUG: __alloc_bootmem_nopanic called after mem_init retired bootmem") ||
		!strings.Contains(got[0], "from gokern/bootmem.TestAllocFails+0x") || !strings.HasPrefix(got[1], "BUG: reserve_bootmem called after") {
		t.Errorf("reports %q", got)
	}
	if len(hooked) != 2 || !strings.HasPrefix(hooked[0], "__alloc_bootmem_nopanic called after mem_init retired bootmem") || !strings.Contains(hooked[0], "from gokern/bootmem.TestAllocFails+0x") {
		t.Errorf("panic hook got %q", hooked)
	}
}

func TestFreeAll(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	Init(ram)
	b := &Bootmem_node_data[0]
	// A node that neither starts nor ends on a bitmap word boundary.
	Init_bootmem_node(b, 0x7, 0x3, 0x1f5)
	Free_bootmem(0x3000, (0x1f5-0x3)<<asm.PAGE_SHIFT)
	Reserve_bootmem(0x7000, 0x1000, BOOTMEM_DEFAULT) // the bitmap
	Reserve_bootmem(0x40000, 0x1000, BOOTMEM_DEFAULT)
	Reserve_bootmem(0x80000, 0x41000, BOOTMEM_DEFAULT)
	Reserve_bootmem(0x1f4000, 0x1000, BOOTMEM_DEFAULT)
	var got [][2]uint64
	n := Free_all_bootmem(func(s, e uint64) { got = append(got, [2]uint64{s, e}) })
	want := [][2]uint64{{0x3000, 0x7000}, {0x8000, 0x40000}, {0x41000, 0x80000}, {0xc1000, 0x1f4000}, {0x7000, 0x8000}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
	if n != 4+0x38+0x3f+0x133+1 {
		t.Errorf("count %#x", n)
	}
	if Free_all_bootmem(func(s, e uint64) { t.Fatal("released twice") }) != 0 {
		t.Error("second free_all released pages")
	}
}

func TestSetupBootmemAllocator(t *testing.T) {
	ram := ktest.NewRAM(t, 128*M)
	Init(ram)
	c := ktest.StartCapture(t)
	tab := &e820.E820Table{Nr_entries: 7}
	copy(tab.Entries[:], []e820.E820Entry{
		{Addr: 0, Size: 0x9fc00, Type: 1}, {Addr: 0x9fc00, Size: 0x400, Type: 2}, {Addr: 0xf0000, Size: 0x10000, Type: 2},
		{Addr: 0x100000, Size: 0x7ee0000, Type: 1}, {Addr: 0x7fe0000, Size: 0x20000, Type: 2},
		{Addr: 0xfeffc000, Size: 0x4000, Type: 2}, {Addr: 0xfffc0000, Size: 0x40000, Type: 2},
	})
	maxLow := e820.E820__end_of_low_ram_pfn(tab)
	c.Lines()
	// The kernel image at 16 MiB, ending mid-page.
	if err := Setup_bootmem_allocator(tab, 16*M, 0x1c3a123, maxLow); err != OK {
		t.Fatal(err)
	}
	want := []string{"  low ram: 0 - 07fe0000", "  bootmap 01c3b000 - 01c3c000"}
	if got := c.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	b := &Bootmem_node_data[0]
	if b.Node_bootmem_map != 0x1c3b000 || b.Node_low_pfn != 0x7fe0 {
		t.Errorf("%+v", b)
	}
	// Reserved: page 0, the partial page at 0x9f000 and the BIOS area,
	// the kernel and the bitmap.
	var runs [][2]uint64
	for _, p := range reservedPages(b) {
		if n := len(runs); n > 0 && runs[n-1][1] == p {
			runs[n-1][1]++
		} else {
			runs = append(runs, [2]uint64{p, p + 1})
		}
	}
	if want := [][2]uint64{{0, 1}, {0x9f, 0x100}, {0x1000, 0x1c3c}}; !reflect.DeepEqual(runs, want) {
		t.Errorf("reserved %x", runs)
	}
	// No room for the bitmap after the kernel.
	Init(ram)
	if err := Setup_bootmem_allocator(tab, 16*M, 0x7fe0000, maxLow); err != ErrNoMem {
		t.Errorf("got %v", err)
	}
	if got := c.Lines(); len(got) != 1 || !strings.Contains(got[0], "no room for a 0x1000-byte bootmap") {
		t.Errorf("got %q", got)
	}
}

func TestDebug(t *testing.T) {
	ram := ktest.NewRAM(t, 16*M)
	c := ktest.StartCapture(t)
	Bootmem_debug = true
	node(t, ram, 0, 0x100)
	Alloc_bootmem_nopanic(100, 64, 0)
	Bootmem_debug = false
	got := c.Lines()
	if got[0] != "bootmem::init_bootmem_core nid=0 start=0 map=0 end=100 mapsize=20" ||
		!strings.HasPrefix(got[len(got)-2], "bootmem::alloc_bootmem_core nid=0 size=64 [1 pages] align=40 goal=0 limit=0") {
		t.Errorf("got %q", got)
	}
}

func TestZeroAllocs(t *testing.T) {
	ram := ktest.NewRAM(t, 64*M)
	var sink uint64
	n := testing.AllocsPerRun(50, func() {
		node(t, ram, 0, 64*M>>asm.PAGE_SHIFT)
		Reserve_bootmem(16*M, 8*M, BOOTMEM_EXCLUSIVE)
		m, _ := Alloc_bootmem(100)
		sink += uint64(len(m))
		m, _ = Alloc_bootmem_low_pages(8192)
		Free_bootmem(ram.PA(m), 8192)
		Alloc_bootmem_nopanic(128*M, 4096, 0)
		Free_bootmem(0x6000, 0x1000)
		sink += Free_all_bootmem(func(s, e uint64) { sink += e - s })
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

func BenchmarkAllocPagesFree(b *testing.B) {
	ram := ktest.NewRAM(b, 64*M)
	node(b, ram, 0, 64*M>>asm.PAGE_SHIFT)
	Reserve_bootmem(16*M, 8*M, BOOTMEM_DEFAULT)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, _ := Alloc_bootmem_pages(4096)
		Free_bootmem(ram.PA(m), 4096)
	}
}

func BenchmarkAllocSmall(b *testing.B) {
	ram := ktest.NewRAM(b, 256*M)
	node(b, ram, 0, 256*M>>asm.PAGE_SHIFT)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%(1<<20) == 0 && i > 0 {
			b.StopTimer()
			node(b, ram, 0, 256*M>>asm.PAGE_SHIFT)
			b.StartTimer()
		}
		Alloc_bootmem(64)
	}
}
