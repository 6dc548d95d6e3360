package memblock

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
)

const (
	K = 1 << 10
	M = 1 << 20
)

func TestInit(t *testing.T) {
	Init(nil)
	for _, ty := range []*MemblockType{Memory(), Reserved()} {
		if ty.Cnt != 1 || ty.Max != INIT_MEMBLOCK_REGIONS || ty.Total_size != 0 || ty.Regions[0] != (MemblockRegion{Nid: asm.MAX_NUMNODES}) {
			t.Errorf("%s: %+v", ty.Name, *ty)
		}
	}
	if &Memory().Regions[0] != &memblock_memory_init_regions[0] || &Reserved().Regions[0] != &memblock_reserved_init_regions[0] {
		t.Error("not on the static arrays")
	}
	if Memblock_bottom_up() || Memblock_get_current_limit() != MEMBLOCK_ALLOC_ANYWHERE {
		t.Error("wrong direction or limit")
	}
	if freeRanges() != nil {
		t.Error("free memory without memory")
	}
}

func TestAddMergeSplit(t *testing.T) {
	Init(nil)
	steps := []struct {
		op         string
		base, size uint64
		want       []rng
	}{
		{"add", 0x1000, 0x1000, []rng{{0x1000, 0x2000}}},
		{"add", 0x3000, 0x1000, []rng{{0x1000, 0x2000}, {0x3000, 0x4000}}},
		{"add", 0x2000, 0x1000, []rng{{0x1000, 0x4000}}},                                     // fills the gap: merge
		{"add", 0x3800, 0x1800, []rng{{0x1000, 0x5000}}},                                     // overlaps the end
		{"add", 0x0, 0x8000, []rng{{0x0, 0x8000}}},                                           // covers everything
		{"add", 0x10000, 0x1000, []rng{{0x0, 0x8000}, {0x10000, 0x11000}}},                   // apart
		{"remove", 0x2000, 0x1000, []rng{{0, 0x2000}, {0x3000, 0x8000}, {0x10000, 0x11000}}}, // split
		{"remove", 0x1800, 0xe800, []rng{{0, 0x1800}, {0x10000, 0x11000}}},                   // spans regions
		{"remove", 0x0, 0x100000, nil},                                                       // all: the dummy is back
		{"add", 0x5000, 0x10, []rng{{0x5000, 0x5010}}},                                       // byte granular
		{"add", 0x5010, 0x10, []rng{{0x5000, 0x5020}}},
		{"remove", 0x5008, 0x1, []rng{{0x5000, 0x5008}, {0x5009, 0x5020}}},
		{"add", ^uint64(0) - 0x1000, 0x5000, []rng{{0x5000, 0x5008}, {0x5009, 0x5020}, {^uint64(0) - 0x1000, ^uint64(0)}}}, // capped
	}
	for i, s := range steps {
		var err Error
		if s.op == "add" {
			err = Memblock_add(s.base, s.size)
		} else {
			err = Memblock_remove(s.base, s.size)
		}
		if err != OK {
			t.Fatalf("step %d: %v", i, err)
		}
		checkType(t, Memory())
		if got := regions(Memory()); !reflect.DeepEqual(got, s.want) {
			t.Fatalf("step %d (%s %#x+%#x): got %x want %x", i, s.op, s.base, s.size, got, s.want)
		}
	}
}

func TestNodesAndFlags(t *testing.T) {
	Init(nil)
	Memblock_add_node(0, 16*M, 0, MEMBLOCK_NONE)
	Memblock_add_node(16*M, 16*M, 1, MEMBLOCK_NONE) // touches, other node: not merged
	checkType(t, Memory())
	if Memory().Cnt != 2 || Memory().Regions[1].Nid != 1 {
		t.Fatalf("%+v", Memory().Regions[:Memory().Cnt])
	}
	// Marking splits, clearing merges back.
	Memblock_mark_nomap(4*M, M)
	checkType(t, Memory())
	if Memory().Cnt != 4 || Memory().Regions[1] != (MemblockRegion{4 * M, M, MEMBLOCK_NOMAP, 0}) {
		t.Fatalf("%+v", Memory().Regions[:Memory().Cnt])
	}
	// NOMAP memory is never free memory.
	for _, r := range freeRanges() {
		if r[0] < 5*M && r[1] > 4*M {
			t.Fatalf("nomap memory is free: %x", freeRanges())
		}
	}
	Memblock_clear_nomap(4*M, M)
	checkType(t, Memory())
	if Memory().Cnt != 2 {
		t.Fatalf("%+v", Memory().Regions[:Memory().Cnt])
	}
	Memblock_mark_hotplug(0, 32*M)
	Memblock_clear_hotplug(0, 32*M)
	if Memory().Cnt != 2 || Memory().Regions[0].Flags != 0 {
		t.Fatalf("%+v", Memory().Regions[:Memory().Cnt])
	}
	var pfns [][3]uint64
	For_each_mem_pfn_range(1, func(s, e uint64, nid int32) bool {
		pfns = append(pfns, [3]uint64{s, e, uint64(nid)})
		return true
	})
	if !reflect.DeepEqual(pfns, [][3]uint64{{0x1000, 0x2000, 1}}) {
		t.Errorf("pfn ranges %x", pfns)
	}
}

func TestQueries(t *testing.T) {
	Init(nil)
	Memblock_add(0x1000, 0x9e000)
	Memblock_add(M, 127*M)
	Memblock_add(0x100000000, 0x800) // partial page
	Memblock_reserve(16*M, 8*M)
	if Memblock_start_of_DRAM() != 0x1000 || Memblock_end_of_DRAM() != 0x100000800 {
		t.Errorf("DRAM %#x-%#x", Memblock_start_of_DRAM(), Memblock_end_of_DRAM())
	}
	if !Memblock_is_memory(0x1000) || Memblock_is_memory(0xa0000) || !Memblock_is_memory(127*M) || Memblock_is_memory(128*M) {
		t.Error("Memblock_is_memory")
	}
	if !Memblock_is_reserved(16*M) || Memblock_is_reserved(24*M) || !Memblock_is_region_reserved(0, 16*M+1) || Memblock_is_region_reserved(0, 16*M) {
		t.Error("reserved queries")
	}
	if !Memblock_is_region_memory(M, 127*M) || Memblock_is_region_memory(0x9f000, 0x2000) {
		t.Error("Memblock_is_region_memory")
	}
	if Memblock_reserved_size() != 8*M {
		t.Error("reserved size")
	}
	Memblock_trim_memory(asm.PAGE_SIZE)
	checkType(t, Memory())
	if got := regions(Memory()); !reflect.DeepEqual(got, []rng{{0x1000, 0x9f000}, {M, 128 * M}}) {
		t.Errorf("after trim %x", got)
	}
	if Memblock_phys_mem_size() != 0x9e000+127*M {
		t.Errorf("size %#x", Memblock_phys_mem_size())
	}
}

// callerName resolves the "%#lx" caller address at the end of a debug line.
// callerName takes the symbolised caller ("name+0xoff", printk's %pS)
// that ends a memblock=debug line.
func callerName(t *testing.T, line string) string {
	t.Helper()
	f := strings.Fields(line)
	name, off, ok := strings.Cut(f[len(f)-1], "+0x")
	if !ok {
		t.Fatalf("no symbolised caller in %q", line)
	}
	if _, err := strconv.ParseUint(off, 16, 64); err != nil {
		t.Fatalf("bad offset in %q", line)
	}
	return name
}

func TestDebugCaller(t *testing.T) {
	ram := setup(t, 64*M)
	_ = ram
	c := ktest.StartCapture(t)
	Memblock_debug = true
	defer func() { Memblock_debug = false }()

	Memblock_reserve(0x1000000, 0xd00000)
	got := c.Lines()
	if len(got) != 1 || !strings.HasPrefix(got[0], "memblock_reserve: [0x0000000001000000-0x0000000001cfffff] gokern/memblock.") {
		t.Fatalf("got %q", got)
	}
	if fn := callerName(t, got[0]); fn != "gokern/memblock.TestDebugCaller" {
		t.Errorf("caller %s", fn)
	}

	Memblock_alloc(4096, 4096)
	got = c.Lines()
	if len(got) != 2 || !strings.HasPrefix(got[0], "memblock_alloc: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 gokern/memblock.") ||
		!strings.HasPrefix(got[1], "memblock_reserve: [0x0000000003fff000-0x0000000003ffffff] gokern/memblock.") {
		t.Fatalf("got %q", got)
	}
	if fn := callerName(t, got[0]); fn != "gokern/memblock.TestDebugCaller" {
		t.Errorf("alloc caller %s", fn)
	}
	if fn := callerName(t, got[1]); fn != "gokern/memblock.memblock_alloc_range_nid" {
		t.Errorf("nested reserve caller %s", fn)
	}
	// Every logging entry point names its own caller (here, closures of
	// this test), whatever its frame looks like.
	for i, f := range []func(){
		func() { Memblock_add(0, 1) }, func() { Memblock_remove(0, 1) }, func() { Memblock_free(0, 1) },
		func() { Memblock_add_node(0, 1, 0, 0) },
		func() { Memblock_phys_alloc(64, 64) }, func() { Memblock_phys_alloc_range(64, 64, 0, 0) },
		func() { Memblock_phys_alloc_try_nid(64, 64, 0) }, func() { Memblock_alloc_raw(64, 64) },
		func() { Memblock_alloc_from(64, 64, M) }, func() { Memblock_alloc_low(64, 64) },
		func() { Memblock_alloc_node(64, 64, 0) }, func() { Memblock_alloc_try_nid(64, 64, 0, 0, 0) },
		func() { Memblock_alloc_try_nid_raw(64, 64, 0, 0, 0) }, func() { Memblock_alloc_try_nid_nopanic(64, 64, 0, 0, 0) },
	} {
		f()
		got = c.Lines()
		if len(got) < 1 || !strings.Contains(callerName(t, got[0]), "TestDebugCaller.func") {
			t.Errorf("entry %d: got %q caller %s", i, got, callerName(t, got[0]))
		}
	}
	Early_memblock([]byte("foo"))
	Memblock_debug = false
	Early_memblock([]byte("debug"))
	if !Memblock_debug {
		t.Error("memblock=debug")
	}
}

func TestDumpAll(t *testing.T) {
	Init(nil)
	Memblock_add(0x1000, 0x9e000)
	Memblock_add(M, 0x7ee0000)
	Memblock_add_node(4<<30, M, 0, MEMBLOCK_NONE)
	Memblock_reserve(0x9f000, 0x61000)
	Memblock_mark_nomap(4<<30, 0x1000)
	c := ktest.StartCapture(t)
	Memblock_dump_all() // quiet without memblock=debug
	if got := c.Lines(); got != nil {
		t.Fatalf("printed %q", got)
	}
	Memblock_debug = true
	Memblock_dump_all()
	Memblock_debug = false
	want := []string{
		"MEMBLOCK configuration:",
		" memory size = 0x000000000807e000 reserved size = 0x0000000000061000",
		" memory.cnt  = 0x4",
		" memory[0x0]\t[0x0000000000001000-0x000000000009efff], 0x000000000009e000 bytes flags: 0x0",
		" memory[0x1]\t[0x0000000000100000-0x0000000007fdffff], 0x0000000007ee0000 bytes flags: 0x0",
		" memory[0x2]\t[0x0000000100000000-0x0000000100000fff], 0x0000000000001000 bytes on node 0 flags: 0x4",
		" memory[0x3]\t[0x0000000100001000-0x00000001000fffff], 0x00000000000ff000 bytes on node 0 flags: 0x0",
		" reserved.cnt  = 0x1",
		" reserved[0x0]\t[0x000000000009f000-0x00000000000fffff], 0x0000000000061000 bytes flags: 0x0",
	}
	if got := c.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
