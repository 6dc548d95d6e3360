package memblock

import (
	"math/rand"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
)

func TestAllocDirections(t *testing.T) {
	ram := setup(t, 64*M)
	Memblock_reserve(16*M, 8*M) // the kernel

	pa := func(b []byte, err Error) uint64 {
		t.Helper()
		if err != OK {
			t.Fatal(err)
		}
		return ram.PA(b)
	}
	// Top-down by default: the top of memory.
	if got := pa(Memblock_alloc(4096, 4096)); got != 64*M-4096 {
		t.Errorf("top-down: %#x", got)
	}
	if got := pa(Memblock_alloc(100, 0)); got != 64*M-4096-128 {
		t.Errorf("top-down small, default alignment 64: %#x", got)
	}
	if got := pa(Memblock_alloc(4096, 2*M)); got != 62*M {
		t.Errorf("top-down 2M aligned: %#x", got)
	}
	// The limit caps ordinary allocations ...
	Memblock_set_current_limit(32 * M)
	if got := pa(Memblock_alloc(4096, 4096)); got != 32*M-4096 {
		t.Errorf("under current_limit: %#x", got)
	}
	// ... but not an explicit range.
	if got, _ := Memblock_phys_alloc_range(4096, 4096, 0, 48*M); got != 48*M-4096 {
		t.Errorf("phys_alloc_range: %#x", got)
	}
	Memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE)
	// The 2M-aligned page left a gap above it: top-down fills that first.
	if got := pa(Memblock_alloc_low(4096, 4096)); got != 64*M-3*4096 {
		t.Errorf("alloc_low: %#x", got)
	}

	// Bottom-up: the lowest address, never page 0.
	Memblock_set_bottom_up(true)
	if got := pa(Memblock_alloc(4096, 4096)); got != 0x1000 {
		t.Errorf("bottom-up: %#x", got)
	}
	if got := pa(Memblock_alloc(64, 64)); got != 0x2000 {
		t.Errorf("bottom-up small: %#x", got)
	}
	if got := pa(Memblock_alloc(64, 64)); got != 0x2040 {
		t.Errorf("bottom-up small packs: %#x", got)
	}
	// [12M,16M) is too small and the kernel sits at [16M,24M); [24M,32M)
	// lost its last page to the allocation under current_limit.
	if got := pa(Memblock_alloc_from(8*M, M, 12*M)); got != 32*M {
		t.Errorf("alloc_from 12M, 8M: %#x", got)
	}
	// min_addr is a preference: dropped when it cannot be met.
	if got := pa(Memblock_alloc_from(M, M, 63*M)); got != M {
		t.Errorf("alloc_from fallback: %#x", got)
	}
	if got, err := Memblock_phys_alloc(3*M, 4096); err != OK || got != 2*M {
		t.Errorf("phys_alloc bottom-up: %#x %v", got, err)
	}
	if got := pa(Memblock_alloc_node(4096, 4096, 0)); got != 0x3000 {
		t.Errorf("alloc_node falls back to any node: %#x", got)
	}
	if got, err := Memblock_phys_alloc_try_nid(4096, 4096, 3); err != OK || got != 0x4000 {
		t.Errorf("phys_alloc_try_nid: %#x %v", got, err)
	}
	checkType(t, Reserved())
}

func TestAllocZeroed(t *testing.T) {
	ram := setup(t, 16*M)
	ram.Fill(0xAA)
	// Bottom-up, so that the byte after each allocation is still free.
	Memblock_set_bottom_up(true)
	for _, size := range []uint64{1, 63, 4096, 3*4096 + 5, M} {
		b, err := Memblock_alloc(size, 8)
		if err != OK || uint64(len(b)) != size {
			t.Fatalf("size %d: %v len %d", size, err, len(b))
		}
		for i, c := range b {
			if c != 0 {
				t.Fatalf("size %d: byte %d is %#x", size, i, c)
			}
		}
		// Nothing around it was touched.
		pa := ram.PA(b)
		if ram.Mem[pa+size] != 0xAA {
			t.Fatalf("size %d: zeroed past the end", size)
		}
	}
	b, _ := Memblock_alloc_raw(4096, 4096)
	if b[0] != 0xAA {
		t.Error("raw allocation was zeroed")
	}
	b, _ = Memblock_alloc_try_nid_raw(4096, 4096, 0, 0, asm.NUMA_NO_NODE)
	if b[100] != 0xAA {
		t.Error("raw allocation was zeroed")
	}
	pa, _ := Memblock_phys_alloc(4096, 4096)
	if ram.Mem[pa] != 0xAA {
		t.Error("phys allocation was zeroed (Linux leaves it alone)")
	}
}

// TestAllocNeverOverlaps: random reservations, then random byte-sized
// allocations in both directions: each must be aligned, inside memory and
// disjoint from everything reserved before.
func TestAllocNeverOverlaps(t *testing.T) {
	rnd := rand.New(rand.NewSource(3))
	for iter := 0; iter < 50; iter++ {
		ram := setup(t, 8*M)
		Memblock_remove(3*M, M) // a hole
		var taken []rng
		for i := 0; i < 40; i++ {
			b, s := uint64(rnd.Intn(8*M)), uint64(1+rnd.Intn(64*K))
			Memblock_reserve(b, s)
			taken = append(taken, rng{b, b + s})
		}
		Memblock_set_bottom_up(iter%2 == 1)
		for i := 0; i < 100; i++ {
			size := uint64(1 + rnd.Intn(20000))
			align := uint64(1) << rnd.Intn(14)
			b, err := Memblock_alloc_try_nid_nopanic(size, align, 0, 0, asm.NUMA_NO_NODE)
			if err != OK {
				continue
			}
			pa := ram.PA(b)
			if pa%align != 0 || pa < asm.PAGE_SIZE || !Memblock_is_region_memory(pa, size) {
				t.Fatalf("alloc %d align %d: %#x", size, align, pa)
			}
			for _, r := range taken {
				if pa < r[1] && r[0] < pa+size {
					t.Fatalf("alloc [%#x,%#x) overlaps reservation [%#x,%#x)", pa, pa+size, r[0], r[1])
				}
			}
			taken = append(taken, rng{pa, pa + size})
		}
		checkType(t, Reserved())
		for _, r := range taken {
			if !Memblock_is_region_reserved(r[0], r[1]-r[0]) {
				t.Fatalf("[%#x,%#x) lost its reservation", r[0], r[1])
			}
		}
	}
}

func TestAllocFails(t *testing.T) {
	setup(t, 16*M)
	c := ktest.StartCapture(t)
	before := regions(Reserved())
	b, err := Memblock_alloc(32*M, 4096)
	if err != ErrNoMem || b != nil {
		t.Fatalf("got %v", err)
	}
	got := c.Lines()
	if len(got) != 1 || !strings.HasPrefix(got[0],
		"memblock_alloc: Failed to allocate 33554432 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 gokern/memblock.") {
		t.Fatalf("got %q", got)
	}
	if callerName(t, got[0]) != "gokern/memblock.TestAllocFails" {
		t.Errorf("caller %s", callerName(t, got[0]))
	}
	if _, err := Memblock_phys_alloc_range(4096, 4096, 8*M, 8*M); err != ErrNoMem {
		t.Errorf("empty range: %v", err)
	}
	c.Lines()
	if _, err := Memblock_alloc_try_nid_nopanic(32*M, 4096, 0, 0, 0); err != ErrNoMem || c.Lines() != nil {
		t.Errorf("nopanic: %v, and it printed", err)
	}
	if c.Lines(); len(before) != len(regions(Reserved())) {
		t.Error("a failed allocation reserved something")
	}
	if _, err := Memblock_alloc(0, 4096); err != ErrInvalid {
		t.Errorf("size 0: %v", err)
	}
	if _, err := Memblock_phys_alloc(4096, 3); err != ErrInvalid {
		t.Errorf("align 3: %v", err)
	}
	if got := c.Lines(); len(got) != 2 || !strings.HasPrefix(got[1], "memblock_phys_alloc: invalid request: 4096 bytes align=0x3") {
		t.Errorf("got %q", got)
	}
	Init(nil)
	Memblock_add(0, 16*M)
	if _, err := Memblock_alloc(4096, 4096); err != ErrNoPhys {
		t.Errorf("no PhysMem: %v", err)
	}
	if Memblock_phys_mem_size() != 16*M || Memblock_reserved_size() != 0 {
		t.Error("state changed")
	}
}

// TestDoubleArray: more than 128 disjoint reservations make memblock
// allocate a bigger array from itself, reserve it, and (after the first
// time) free the previous one.
func TestDoubleArray(t *testing.T) {
	ram := setup(t, 64*M)
	_ = ram
	c := ktest.StartCapture(t)
	// Before Memblock_allow_resize the array may not grow.
	for i := uint64(0); i < INIT_MEMBLOCK_REGIONS; i++ {
		if err := Memblock_reserve(i*2*asm.PAGE_SIZE, asm.PAGE_SIZE); err != OK {
			t.Fatal(err)
		}
	}
	before := regions(Reserved())
	if err := Memblock_reserve(M, asm.PAGE_SIZE); err != ErrArrayFull {
		t.Fatalf("full array: %v", err)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "memblock: reserved array is full (128 entries) and may not grow yet" {
		t.Errorf("got %q", got)
	}
	if !equal(before, regions(Reserved())) {
		t.Fatal("a failed reserve changed the array")
	}

	Memblock_allow_resize()
	Memblock_debug = true
	defer func() { Memblock_debug = false }()
	if err := Memblock_reserve(M, asm.PAGE_SIZE); err != OK {
		t.Fatal(err)
	}
	r := Reserved()
	if r.Max != 256 || &r.Regions[0] == &memblock_reserved_init_regions[0] {
		t.Fatalf("not doubled: max %d", r.Max)
	}
	// Top-down: the new array (256*24 bytes, two pages) is at the top,
	// and reserved.
	if r.arrayPA != 64*M-2*asm.PAGE_SIZE || !Memblock_is_region_reserved(r.arrayPA, 2*asm.PAGE_SIZE) {
		t.Fatalf("array at %#x", r.arrayPA)
	}
	got := c.Lines()
	if len(got) != 3 || got[1] != "memblock: reserved is doubled to 256 at [0x0000000003ffe000-0x0000000003fff7ff]" ||
		!strings.HasPrefix(got[2], "memblock_reserve: [0x0000000003ffe000-0x0000000003ffffff] gokern/memblock.") ||
		callerName(t, got[2]) != "gokern/memblock.memblock_double_array" {
		t.Errorf("got %q", got)
	}
	Memblock_debug = false
	checkType(t, r)
	want := append(append([]rng{}, before...), rng{M, M + asm.PAGE_SIZE}, rng{64*M - 2*asm.PAGE_SIZE, 64 * M})
	if !equal(regions(r), want) {
		t.Fatalf("regions lost in the copy")
	}

	// Keep going: 256 -> 512 -> 1024, each time freeing the old array.
	old := r.arrayPA
	for i := uint64(0); i < 600; i++ {
		if err := Memblock_reserve(2*M+i*2*asm.PAGE_SIZE, asm.PAGE_SIZE); err != OK {
			t.Fatal(err)
		}
	}
	if r.Max != 1024 {
		t.Fatalf("max %d", r.Max)
	}
	if Memblock_is_region_reserved(old, 2*asm.PAGE_SIZE) {
		t.Error("old array still reserved")
	}
	if !Memblock_is_region_reserved(r.arrayPA, 1024*regionSize) {
		t.Error("new array not reserved")
	}
	checkType(t, r)
	if r.Cnt != 128+1+600+1 {
		t.Errorf("cnt %d", r.Cnt)
	}
	c.Lines()
}

// TestAddRangeWorstCase: the worst case of memblock_add_range is a range
// that spans every region with a gap before, between and after them: it
// needs cnt+1 new slots, 2*cnt+1 in all. With cnt*2 == max that is one
// more than the array has, so the counting round must run and the array
// grow before anything is inserted (or, before Memblock_allow_resize, the
// call must fail and change nothing). One slot fewer, the array is just
// full and must not grow.
func TestAddRangeWorstCase(t *testing.T) {
	const P = asm.PAGE_SIZE
	const n = INIT_MEMBLOCK_REGIONS / 2 // cnt*2 == max
	// n one-page regions at the odd pages 1, 3, ..., 2n-1.
	fill := func() *MemblockType {
		setup(t, 64*M)
		for i := uint64(0); i < n; i++ {
			if err := Memblock_reserve((2*i+1)*P, P); err != OK {
				t.Fatal(err)
			}
		}
		r := Reserved()
		if r.Cnt != n || r.Max != INIT_MEMBLOCK_REGIONS {
			t.Fatalf("cnt %d max %d", r.Cnt, r.Max)
		}
		return r
	}

	// [0, 2n+1 pages): n+1 gaps, 2n+1 regions before merging.
	r := fill()
	before := regions(r)
	c := ktest.StartCapture(t)
	if err := Memblock_reserve(0, (2*n+1)*P); err != ErrArrayFull {
		t.Fatalf("reserve needing %d slots of %d: %v", 2*n+1, r.Max, err)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "memblock: reserved array is full (128 entries) and may not grow yet" {
		t.Errorf("got %q", got)
	}
	checkType(t, r)
	if !equal(before, regions(r)) {
		t.Fatal("a failed reserve changed the array")
	}
	Memblock_allow_resize()
	if err := Memblock_reserve(0, (2*n+1)*P); err != OK {
		t.Fatal(err)
	}
	checkType(t, r)
	want := []rng{{0, (2*n + 1) * P}, {64*M - 2*P, 64 * M}} // the range, merged; the new array
	if r.Max != 2*INIT_MEMBLOCK_REGIONS || r.arrayPA != 64*M-2*P || !equal(regions(r), want) {
		t.Fatalf("max %d array %#x regions %x, want 256, %#x, %x", r.Max, r.arrayPA, regions(r), 64*M-2*P, want)
	}

	// [1 page, 2n+1 pages): n gaps, exactly 2n == max regions: no growth.
	r = fill()
	Memblock_allow_resize()
	if err := Memblock_reserve(P, 2*n*P); err != OK {
		t.Fatal(err)
	}
	checkType(t, r)
	if want := []rng{{P, (2*n + 1) * P}}; r.Max != INIT_MEMBLOCK_REGIONS || !equal(regions(r), want) {
		t.Fatalf("max %d regions %x, want 128, %x", r.Max, regions(r), want)
	}
}

// TestDoubleArrayAvoidsPending: the reserved array fills while reserving
// the very range where a top-down search would put the new array; the
// array must go elsewhere.
func TestDoubleArrayAvoidsPending(t *testing.T) {
	setup(t, 64*M)
	Memblock_allow_resize()
	for i := uint64(0); i < INIT_MEMBLOCK_REGIONS; i++ {
		Memblock_reserve(i*2*asm.PAGE_SIZE, asm.PAGE_SIZE)
	}
	if err := Memblock_reserve(60*M, 4*M); err != OK {
		t.Fatal(err)
	}
	r := Reserved()
	if r.Max != 256 || r.arrayPA+2*asm.PAGE_SIZE > 60*M || r.arrayPA < M {
		t.Fatalf("array at %#x", r.arrayPA)
	}
	checkType(t, r)
}

// TestDoubleMemory: the memory array grows the same way.
func TestDoubleMemory(t *testing.T) {
	ram := ktest.NewRAM(t, 64*M)
	Init(ram)
	Memblock_allow_resize()
	for i := uint64(0); i < 200; i++ {
		if err := Memblock_add(i*4*asm.PAGE_SIZE, 3*asm.PAGE_SIZE); err != OK {
			t.Fatal(err)
		}
	}
	m := Memory()
	if m.Max != 256 || m.Cnt != 200 || !Memblock_is_region_reserved(m.arrayPA, 2*asm.PAGE_SIZE) {
		t.Fatalf("max %d cnt %d array %#x", m.Max, m.Cnt, m.arrayPA)
	}
	checkType(t, m)
	// Removing every other page splits regions: more doubling.
	for i := uint64(0); i < 200; i++ {
		Memblock_remove(i*4*asm.PAGE_SIZE+asm.PAGE_SIZE, asm.PAGE_SIZE)
	}
	if m.Cnt != 400 || m.Max != 512 {
		t.Fatalf("cnt %d max %d", m.Cnt, m.Max)
	}
	checkType(t, m)
}

func TestDoubleArrayNoRoom(t *testing.T) {
	setup(t, 64*M)
	c := ktest.StartCapture(t)
	Memblock_allow_resize()
	Memblock_reserve(0, 64*M) // nothing left
	Memblock_remove(0, 64*M)
	for i := uint64(0); i < INIT_MEMBLOCK_REGIONS; i++ {
		Memblock_add(i*2*asm.PAGE_SIZE, asm.PAGE_SIZE)
	}
	if err := Memblock_add(M, asm.PAGE_SIZE); err != ErrNoMem {
		t.Fatalf("got %v", err)
	}
	if got := c.Lines(); len(got) != 1 || got[0] != "memblock: Failed to double memory array from 128 to 256 entries !" {
		t.Errorf("got %q", got)
	}
}

func equal(a, b []rng) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFreeAll(t *testing.T) {
	Init(nil)
	Memblock_add(0x1000, 0x9e000)
	Memblock_add(M, 63*M)
	Memblock_add(64*M+0x800, 0x2000) // partial pages at both ends
	Memblock_mark_nomap(40*M, M)
	Memblock_reserve(16*M, 8*M)
	Memblock_reserve(0x9e000+0x800, 0x100) // a partial page stays reserved
	var got []rng
	pages := Memblock_free_all(func(s, e uint64) { got = append(got, rng{s, e}) })
	want := []rng{{0x1000, 0x9e000}, {M, 16 * M}, {24 * M, 40 * M}, {41 * M, 64 * M}, {64*M + 0x1000, 64*M + 0x2000}}
	if !equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
	var n uint64
	for _, r := range want {
		n += (r[1] - r[0]) / asm.PAGE_SIZE
	}
	if pages != n {
		t.Errorf("pages %d want %d", pages, n)
	}
	// max_low_pfn cuts the hand-off.
	Max_low_pfn = 20 * M / asm.PAGE_SIZE
	got = nil
	Memblock_free_all(func(s, e uint64) { got = append(got, rng{s, e}) })
	if !equal(got, []rng{{0x1000, 0x9e000}, {M, 16 * M}}) {
		t.Errorf("with max_low_pfn: %x", got)
	}
}

// TestZeroAllocs: the kernel has no heap; none of the operations may
// allocate (closures passed to the iterators included).
func TestZeroAllocs(t *testing.T) {
	ram := setup(t, 64*M)
	Memblock_allow_resize()
	var sink uint64
	n := testing.AllocsPerRun(200, func() {
		Memblock_reserve(16*M, 8*M)
		Memblock_add(128*M, 0) // no-op
		b, _ := Memblock_alloc(4096, 4096)
		Memblock_free(ram.PA(b), 4096)
		pa, _ := Memblock_phys_alloc_range(8192, 4096, 0, 0)
		Memblock_free(pa, 8192)
		Memblock_mark_nomap(40*M, M)
		Memblock_clear_nomap(40*M, M)
		Memblock_remove(60*M, M)
		Memblock_add(60*M, M)
		Memblock_free(16*M, 8*M)
		For_each_free_mem_range(asm.NUMA_NO_NODE, MEMBLOCK_NONE, func(s, e uint64, _ int32) bool {
			sink += e - s
			return true
		})
		sink += Memblock_free_all(func(s, e uint64) { sink += s })
		Memblock_debug = true
		Memblock_reserve(0x1000, 1)
		Memblock_dump_all()
		Memblock_free(0x1000, 1)
		Memblock_debug = false
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
	// The doubling path too.
	n = testing.AllocsPerRun(1, func() {
		for i := uint64(0); i < 300; i++ {
			Memblock_reserve(i*2*asm.PAGE_SIZE, asm.PAGE_SIZE)
		}
	})
	if n != 0 || Reserved().Max < 512 {
		t.Errorf("%v allocations, max %d", n, Reserved().Max)
	}
}

func BenchmarkReserveFree(b *testing.B) {
	setup(b, 64*M)
	for i := 0; i < 64; i++ { // a realistic number of reservations
		Memblock_reserve(uint64(i)*M, 16*K)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base := uint64(i%64)*M + 512*K
		Memblock_reserve(base, 8*K)
		Memblock_free(base, 8*K)
	}
}

func BenchmarkAllocFree(b *testing.B) {
	ram := setup(b, 64*M)
	for i := 0; i < 64; i++ {
		Memblock_reserve(uint64(i)*M, 16*K)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, _ := Memblock_alloc(4096, 4096)
		Memblock_free(ram.PA(m), 4096)
	}
}

func BenchmarkPhysAllocBottomUp(b *testing.B) {
	setup(b, 64*M)
	Memblock_set_bottom_up(true)
	for i := 0; i < 64; i++ {
		Memblock_reserve(uint64(i)*M, 16*K)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pa, _ := Memblock_phys_alloc(4096, 4096)
		Memblock_free(pa, 4096)
	}
}
