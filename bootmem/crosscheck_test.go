package bootmem_test

import (
	"reflect"
	"sort"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/internal/ktest"
	"gokern/memblock"
)

// The same boot, twice: once with 2.6's bootmem, once with memblock set to
// allocate bottom-up from the same goal. Both must place every allocation
// at the same address and finally hand the same pages to the page
// allocator — the two allocators are two representations of one state.

const (
	kM         = 1 << 20
	kernelBase = 16 * kM
	kernelEnd  = 0x1c3a000 // _end, page aligned as in Linux's linker script
	goal       = bootmem.MAX_DMA_ADDRESS
)

func firmwareMap() *e820.E820Table {
	t := &e820.E820Table{}
	for _, e := range []e820.E820Entry{
		{Addr: 0, Size: 0x9fc00, Type: e820.E820_TYPE_RAM},
		{Addr: 0x9fc00, Size: 0x400, Type: e820.E820_TYPE_RESERVED},
		{Addr: 0xf0000, Size: 0x10000, Type: e820.E820_TYPE_RESERVED},
		{Addr: kM, Size: 64*kM - 128*1024 - kM, Type: e820.E820_TYPE_RAM},
		{Addr: 64*kM - 128*1024, Size: 128 * 1024, Type: e820.E820_TYPE_RESERVED},
	} {
		e820.E820__range_add(t, e.Addr, e.Size, e.Type)
	}
	e820.E820__update_table(t)
	return t
}

// step is one operation of the scenario.
type step struct {
	op          string // "reserve", "free", "alloc"
	a, b, align uint64 // range, or size
	name        string // names an allocation, to free it later
}

var scenario = []step{
	{op: "reserve", a: 0x9f000, b: 0x100000 - 0x9f000}, // reserve_ebda_region
	{op: "reserve", a: 48 * kM, b: 4 * kM},             // the initrd
	{op: "alloc", a: 16 * 1024, align: 4096, name: "pgt"},
	{op: "alloc", a: 100, align: 64}, // three small ones share a page
	{op: "alloc", a: 200, align: 4},
	{op: "alloc", a: 10, align: 8},
	{op: "alloc", a: 8192, align: 4096, name: "buf"},
	{op: "free", a: 48 * kM, b: 4 * kM}, // the initrd is copied and freed
	{op: "alloc", a: 2 * kM, align: 2 * kM},
	{op: "free", name: "buf"},
	{op: "alloc", a: 8192, align: 4096},    // reuses the freed buffer
	{op: "alloc", a: 20 * kM, align: 4096}, // lands in the old initrd's hole and beyond
	{op: "alloc", a: 2*kM + 5, align: 512}, // a partial last page
	{op: "alloc", a: 60 * kM, align: 4096}, // cannot be met
}

// Where the two differ, and why this scenario avoids it (see
// TestWhereTheyDiffer): memblock puts a small allocation in any gap
// between reservations, bootmem only right after the previous allocation;
// and bootmem searches from just after the previous allocation (next fit),
// memblock from the goal (first fit), so a hole left below the previous
// allocation is only used by memblock.

type allocator interface {
	reserve(base, size uint64)
	free(base, size uint64)
	alloc(size, align uint64) (uint64, bool)
	freeAll(release func(start, end uint64)) uint64
}

type bootmemA struct {
	ram  *ktest.RAM
	bmap uint64
}

func (a *bootmemA) reserve(base, size uint64) {
	bootmem.Reserve_bootmem(base, size, bootmem.BOOTMEM_DEFAULT)
}
func (a *bootmemA) free(base, size uint64) { bootmem.Free_bootmem(base, size) }
func (a *bootmemA) alloc(size, align uint64) (uint64, bool) {
	m, err := bootmem.Alloc_bootmem_nopanic(size, align, goal)
	return a.ram.PA(m), err == bootmem.OK
}
func (a *bootmemA) freeAll(release func(start, end uint64)) uint64 {
	return bootmem.Free_all_bootmem(release)
}

type memblockA struct {
	ram  *ktest.RAM
	bmap uint64
}

func (a *memblockA) reserve(base, size uint64) { memblock.Memblock_reserve(base, size) }
func (a *memblockA) free(base, size uint64)    { memblock.Memblock_free(base, size) }
func (a *memblockA) alloc(size, align uint64) (uint64, bool) {
	m, err := memblock.Memblock_alloc_try_nid_nopanic(size, align, goal, memblock.MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE)
	return a.ram.PA(m), err == memblock.OK
}
func (a *memblockA) freeAll(release func(start, end uint64)) uint64 {
	// bootmem gives its bitmap's pages back; memblock had reserved the
	// same pages to mirror it.
	memblock.Memblock_free(a.bmap, 4096)
	return memblock.Memblock_free_all(release)
}

// run plays the scenario and returns the allocation addresses (0: failed)
// and the released pages.
func run(t *testing.T, a allocator) (addrs []uint64, pages []uint64, count uint64) {
	named := map[string][2]uint64{}
	for _, s := range scenario {
		switch s.op {
		case "reserve":
			a.reserve(s.a, s.b)
		case "free":
			if s.name != "" {
				r := named[s.name]
				a.free(r[0], r[1])
			} else {
				a.free(s.a, s.b)
			}
		case "alloc":
			pa, ok := a.alloc(s.a, s.align)
			if !ok {
				pa = 0
			}
			addrs = append(addrs, pa)
			named[s.name] = [2]uint64{pa, s.a}
		}
	}
	count = a.freeAll(func(start, end uint64) {
		for p := start; p < end; p += 4096 {
			pages = append(pages, p>>12)
		}
	})
	return addrs, pages, count
}

func TestSameScenarioBothAllocators(t *testing.T) {
	tab := firmwareMap()
	maxLow := e820.E820__end_of_low_ram_pfn(tab)

	// bootmem, as 2.6's setup_arch brought it up.
	bram := ktest.NewRAM(t, 64*kM)
	bootmem.Init(bram)
	if err := bootmem.Setup_bootmem_allocator(tab, kernelBase, kernelEnd, maxLow); err != bootmem.OK {
		t.Fatal(err)
	}
	bmap := bootmem.Bootmem_node_data[0].Node_bootmem_map
	bAddrs, bPages, bCount := run(t, &bootmemA{ram: bram, bmap: bmap})

	// memblock, as a modern setup_arch does, plus the bitmap's page.
	mram := ktest.NewRAM(t, 64*kM)
	memblock.Init(mram)
	memblock.Memblock_reserve(0, 4096)                          // page 0
	memblock.Memblock_reserve(kernelBase, kernelEnd-kernelBase) // the kernel
	memblock.Memblock_reserve(bmap, 4096)                       // where bootmem's bitmap is
	if err := e820.E820__memblock_setup(tab); err != memblock.OK {
		t.Fatal(err)
	}
	memblock.Memblock_set_bottom_up(true)
	mAddrs, mPages, mCount := run(t, &memblockA{ram: mram, bmap: bmap})

	if !reflect.DeepEqual(bAddrs, mAddrs) {
		t.Errorf("allocations differ:\n bootmem  %x\n memblock %x", bAddrs, mAddrs)
	}
	if bAddrs[len(bAddrs)-1] != 0 || bAddrs[0] == 0 {
		t.Errorf("scenario did not run as designed: %x", bAddrs)
	}
	// bootmem releases its bitmap's pages last: compare sets.
	sort.Slice(bPages, func(i, j int) bool { return bPages[i] < bPages[j] })
	sort.Slice(mPages, func(i, j int) bool { return mPages[i] < mPages[j] })
	if !reflect.DeepEqual(bPages, mPages) || bCount != mCount || bCount != uint64(len(bPages)) {
		t.Errorf("released pages differ: bootmem %d (%d), memblock %d (%d)", len(bPages), bCount, len(mPages), mCount)
		for i := 0; i < len(bPages) && i < len(mPages); i++ {
			if bPages[i] != mPages[i] {
				t.Fatalf("first difference at %d: bootmem page %#x, memblock page %#x", i, bPages[i], mPages[i])
			}
		}
	}
	t.Logf("allocations at %x; %d pages released", bAddrs, bCount)
}

// TestWhereTheyDiffer pins down the two differences the scenario avoids.
func TestWhereTheyDiffer(t *testing.T) {
	diff := []step{
		{op: "alloc", a: 100, align: 64},
		{op: "alloc", a: 200, align: 64}, // leaves a gap of 0x1c bytes at +0x64
		{op: "alloc", a: 10, align: 8},   // memblock: in the gap; bootmem: after the 200
		{op: "alloc", a: 8192, align: 4096, name: "buf"},
		{op: "alloc", a: 4096, align: 4096},
		{op: "free", name: "buf"},
		{op: "alloc", a: 8192, align: 4096},     // both refill the freed buffer
		{op: "alloc", a: 2 * kM, align: 2 * kM}, // leaves a hole below 0x1e00000
		{op: "alloc", a: 4096, align: 4096},     // memblock: into the hole; bootmem: after the 2M (next fit)
	}
	saved := scenario
	scenario = diff
	defer func() { scenario = saved }()

	tab := firmwareMap()
	bram := ktest.NewRAM(t, 64*kM)
	bootmem.Init(bram)
	bootmem.Setup_bootmem_allocator(tab, kernelBase, kernelEnd, e820.E820__end_of_low_ram_pfn(tab))
	bmap := bootmem.Bootmem_node_data[0].Node_bootmem_map
	bAddrs, _, _ := run(t, &bootmemA{ram: bram, bmap: bmap})

	mram := ktest.NewRAM(t, 64*kM)
	memblock.Init(mram)
	memblock.Memblock_reserve(0, 4096)
	memblock.Memblock_reserve(kernelBase, kernelEnd-kernelBase)
	memblock.Memblock_reserve(bmap, 4096)
	e820.E820__memblock_setup(tab)
	memblock.Memblock_set_bottom_up(true)
	mAddrs, _, _ := run(t, &memblockA{ram: mram, bmap: bmap})

	p := bmap + 4096 // the first free page after the bitmap
	wantB := []uint64{p, p + 0x80, p + 0x148, p + 0x1000, p + 0x3000, p + 0x1000, 0x1e00000, 0x2000000}
	wantM := []uint64{p, p + 0x80, p + 0x68, p + 0x1000, p + 0x3000, p + 0x1000, 0x1e00000, p + 0x4000}
	if !reflect.DeepEqual(bAddrs, wantB) {
		t.Errorf("bootmem  %x, want %x", bAddrs, wantB)
	}
	if !reflect.DeepEqual(mAddrs, wantM) {
		t.Errorf("memblock %x, want %x", mAddrs, wantM)
	}
}
