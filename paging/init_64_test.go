package paging_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	. "gokern/paging"
)

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// Page-size choice on known layouts: counts and tables.
func TestMapPageSizes(t *testing.T) {
	for _, c := range []struct {
		name          string
		va            VirtAddr
		pa            PhysAddr
		size          uint64
		sizes         Sizes
		n4k, n2m, n1g uint64
		tables        uint64 // PUD + PMD + PT pages
	}{
		{"4K only", PAGE_OFFSET, 0, 4 * mib, Only4K, 1024, 0, 0, 1 + 1 + 2},
		{"2M aligned", PAGE_OFFSET, 0, 4 * mib, Size2M, 0, 2, 0, 2},
		{"2M unaligned edges", PAGE_OFFSET + 4*kib, 4 * kib, 4 * mib, Size2M, 511 + 1, 1, 0, 2 + 2},
		{"2M pa not congruent", PAGE_OFFSET, 4 * kib, 4 * mib, Size2M, 1024, 0, 0, 1 + 1 + 2},
		{"1G not allowed", PAGE_OFFSET, 0, 2 * gib, Size2M, 0, 1024, 0, 1 + 2},
		{"1G", PAGE_OFFSET, 0, 2 * gib, Size2M | Size1G, 0, 0, 2, 1},
		{"1G with 2M and 4K edges", PAGE_OFFSET + gib - 2*mib - 4*kib, gib - 2*mib - 4*kib, gib + 4*mib + 8*kib,
			Size2M | Size1G, 2, 2, 1, 1 + 2 + 2},
		{"1G only, no 2M", PAGE_OFFSET + gib - 2*mib, gib - 2*mib, gib + 4*mib, Size1G, 1024, 0, 1, 1 + 2 + 2},
		{"kernel text", X__START_KERNEL, LOAD_PHYSICAL_ADDR, 16 * mib, Size2M | Size1G, 0, 8, 0, 2},
		{"1G pa congruent, va in user half", 0x40000000, 0x80000000, gib, Size1G, 0, 0, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 1*mib)
			st := e.mapRange(t, c.va, c.pa, c.size, PAGE_KERNEL, c.sizes)
			want := MapStats{Pages4K: c.n4k, Pages2M: c.n2m, Pages1G: c.n1g, Tables: c.tables}
			if st != want {
				t.Errorf("stats %+v, want %+v", st, want)
			}
			n4k, n2m, n1g := expectCounts(c.va, c.pa, c.size, c.sizes)
			if n4k != c.n4k || n2m != c.n2m || n1g != c.n1g {
				t.Errorf("specification disagrees with the table: %d %d %d", n4k, n2m, n1g)
			}
			if uint64(e.ram.Allocated-1) != st.Tables {
				t.Errorf("allocated %d pages, stats say %d tables", e.ram.Allocated-1, st.Tables)
			}
			if st.Pages4K*PAGE_SIZE+st.Pages2M*PMD_SIZE+st.Pages1G*PUD_SIZE != c.size {
				t.Error("pages do not add up to the size")
			}
			for off := uint64(0); off < c.size; off += PAGE_SIZE {
				e.checkPage(t, c.va+VirtAddr(off), c.va, c.pa, c.size, PAGE_KERNEL, c.sizes)
			}
			e.checkUnmapped(t, c.va-PAGE_SIZE)
			e.checkUnmapped(t, c.va+VirtAddr(c.size))
		})
	}
}

// Random ranges, aligned and not, every page checked with Walk.
func TestMapRandomRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEnv(t, 8*mib)
	prots := []PgProt{PAGE_KERNEL, PAGE_KERNEL_RO, PAGE_KERNEL_RX, PAGE_KERNEL_EXEC, PAGE_KERNEL_NOCACHE, PAGE_SHARED}
	for i := 0; i < 300; i++ {
		e.reset()
		va, pa, size, sizes := randomRange(rng, 64*mib)
		prot := prots[rng.IntN(len(prots))]
		st := e.mapRange(t, va, pa, size, prot, sizes)
		n4k, n2m, n1g := expectCounts(va, pa, size, sizes)
		if st.Pages4K != n4k || st.Pages2M != n2m || st.Pages1G != n1g {
			t.Fatalf("Map(%#x, %#x, %#x, sizes %d): %+v, want %d/%d/%d", uint64(va), uint64(pa), size, sizes, st, n4k, n2m, n1g)
		}
		if uint64(e.ram.Allocated-1) != st.Tables {
			t.Fatalf("allocated %d, stats %d", e.ram.Allocated-1, st.Tables)
		}
		for off := uint64(0); off < size; off += PAGE_SIZE {
			e.checkPage(t, va+VirtAddr(off), va, pa, size, prot, sizes)
		}
		if Canonical(va - PAGE_SIZE) {
			e.checkUnmapped(t, va-PAGE_SIZE)
		}
		if end := va + VirtAddr(size); Canonical(end) {
			e.checkUnmapped(t, end)
		}
		// Mapping the same again changes nothing and is not an error.
		before := e.snapshot()
		if st2 := e.mapRange(t, va, pa, size, prot, sizes); st2 != (MapStats{}) {
			t.Fatalf("remap wrote %+v", st2)
		}
		if !bytes.Equal(before, e.snapshot()) {
			t.Fatal("remap changed the tables")
		}
	}
}

// randomRange picks a canonical range of up to max bytes, half the time
// with large-page-friendly alignment.
func randomRange(rng *rand.Rand, max uint64) (VirtAddr, PhysAddr, uint64, Sizes) {
	size := (1 + rng.Uint64N(max/PAGE_SIZE)) * PAGE_SIZE
	var va VirtAddr
	if rng.IntN(2) == 0 {
		va = VirtAddr(rng.Uint64N(1<<47-size)) &^ (PAGE_SIZE - 1) // user half
	} else {
		va = 0xffff800000000000 + VirtAddr(rng.Uint64N(1<<47-size))&^(PAGE_SIZE-1)
	}
	pa := PhysAddr(rng.Uint64N(1<<40)) &^ (PAGE_SIZE - 1)
	switch rng.IntN(4) {
	case 0: // congruent modulo 1 GiB: every page size possible
		pa = pa&^(PUD_SIZE-1) | PhysAddr(va)&(PUD_SIZE-1)
	case 1: // congruent modulo 2 MiB
		pa = pa&^(PMD_SIZE-1) | PhysAddr(va)&(PMD_SIZE-1)
	case 2: // va and pa both 2 MiB aligned, size a multiple of 2 MiB
		va &^= PMD_SIZE - 1
		pa &^= PMD_SIZE - 1
		size = (size + PMD_SIZE - 1) &^ (PMD_SIZE - 1)
	}
	sizes := Sizes(0)
	if rng.IntN(4) != 0 {
		sizes |= Size2M
	}
	if rng.IntN(2) != 0 {
		sizes |= Size1G
	}
	return va, pa, size, sizes
}

// Overlapping mappings that disagree are rejected without any change.
func TestMapConflict(t *testing.T) {
	e := newEnv(t, 1*mib)
	base := PAGE_OFFSET + 64*mib
	e.mapRange(t, base, 64*mib, 4*mib+8*kib, PAGE_KERNEL, Size2M) // 2 x 2M + 2 x 4K
	for _, c := range []struct {
		name string
		va   VirtAddr
		pa   PhysAddr
		size uint64
		prot PgProt
		err  Error
	}{
		{"other frame over a 2M page", base + 4*kib, 1 * gib, 4 * kib, PAGE_KERNEL, ErrConflict},
		{"other flags over a 2M page", base + 2*mib, 66 * mib, 2 * mib, PAGE_KERNEL_RO, ErrConflict},
		{"other frame over a 4K page", base + 4*mib + 4*kib, 0, 4 * kib, PAGE_KERNEL, ErrConflict},
		{"other flags over a 4K page", base + 4*mib, 68 * mib, 4 * kib, PAGE_KERNEL_RX, ErrConflict},
		{"straddling the end", base + 4*mib, 68 * mib, 64 * kib, PAGE_KERNEL_RO, ErrConflict},
		{"new part before, conflict after", base - 2*mib, 0, 4 * mib, PAGE_KERNEL, ErrConflict},
		// Compatible: what is there already is exactly what is asked.
		{"4K inside a 2M page, same translation", base + 12*kib, 64*mib + 12*kib, 8 * kib, PAGE_KERNEL, OK},
		{"same range again", base, 64 * mib, 4*mib + 8*kib, PAGE_KERNEL, OK},
		{"ACCESSED/DIRTY ignored", base + 2*mib, 66 * mib, 2 * mib, PAGE_KERNEL &^ (PAGE_ACCESSED | PAGE_DIRTY), OK},
	} {
		before := e.snapshot()
		st, err := Map(e.ram, e.pgd, c.va, c.pa, c.size, c.prot, Size2M, e.alloc)
		if err != c.err {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
		}
		if st != (MapStats{}) || !bytes.Equal(before, e.snapshot()) {
			t.Errorf("%s: tables changed (%+v)", c.name, st)
		}
	}
	// Extending a mapping past its end is fine: only the new pages are
	// written.
	st := e.mapRange(t, base+4*mib, 68*mib, 16*kib, PAGE_KERNEL, Size2M)
	if st != (MapStats{Pages4K: 2}) {
		t.Errorf("extension stats %+v", st)
	}
	// A non-present but non-empty entry (a swap entry, say) is not
	// overwritten.
	e2 := newEnv(t, 64*kib)
	e2.ram.Table(uint64(e2.pgd))[Pgd_index(PAGE_OFFSET)] = 0x1234000 // P=0
	if _, err := Map(e2.ram, e2.pgd, PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL, Size2M, e2.alloc); err != ErrConflict {
		t.Errorf("over a non-present entry: %v", err)
	}
}

// Where a page table already exists, Map fills it instead of using a
// large page, as Linux does.
func TestMapIntoExistingTable(t *testing.T) {
	e := newEnv(t, 1*mib)
	e.mapRange(t, PAGE_OFFSET+8*kib, 8*kib, 4*kib, PAGE_KERNEL, Only4K)
	st := e.mapRange(t, PAGE_OFFSET, 0, 4*mib, PAGE_KERNEL, Size2M)
	if st != (MapStats{Pages4K: 511, Pages2M: 1}) {
		t.Errorf("stats %+v", st)
	}
	for off := VirtAddr(0); off < 4*mib; off += PAGE_SIZE {
		pa, level, prot, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+off)
		wantLevel := PG_LEVEL_2M
		if off < 2*mib {
			wantLevel = PG_LEVEL_4K
		}
		if !ok || pa != PhysAddr(off) || level != wantLevel || prot != PAGE_KERNEL {
			t.Fatalf("Walk(+%#x) = %#x %d %#x %v", uint64(off), uint64(pa), level, uint64(prot), ok)
		}
	}
}

func TestMapErrors(t *testing.T) {
	e := newEnv(t, 64*kib)
	for _, c := range []struct {
		name string
		va   VirtAddr
		pa   PhysAddr
		size uint64
		prot PgProt
		err  Error
	}{
		{"va unaligned", PAGE_OFFSET + 1, 0, PAGE_SIZE, PAGE_KERNEL, ErrAlign},
		{"pa unaligned", PAGE_OFFSET, 1, PAGE_SIZE, PAGE_KERNEL, ErrAlign},
		{"size unaligned", PAGE_OFFSET, 0, 100, PAGE_KERNEL, ErrAlign},
		{"non-canonical", 0x0000800000000000, 0, PAGE_SIZE, PAGE_KERNEL, ErrRange},
		{"crosses the hole", 0x00007ffffffff000, 0, 2 * PAGE_SIZE, PAGE_KERNEL, ErrRange},
		{"wraps", 0xfffffffffffff000, 0, 2 * PAGE_SIZE, PAGE_KERNEL, ErrRange},
		{"pa past 52 bits", PAGE_OFFSET, 1<<52 - PAGE_SIZE, 2 * PAGE_SIZE, PAGE_KERNEL, ErrRange},
		{"size past 52 bits", PAGE_OFFSET, 0, 1<<52 + PAGE_SIZE, PAGE_KERNEL, ErrRange},
		{"not present", PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL &^ PAGE_PRESENT, ErrProt},
		{"address bits in prot", PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL | 0x5000, ErrProt},
		{"PSE/PAT in prot", PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL_LARGE, ErrProt},
		{"empty", PAGE_OFFSET, 0, 0, PAGE_KERNEL, OK},
		{"last page of physical memory", PAGE_OFFSET, 1<<52 - PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL, OK},
	} {
		before := e.snapshot()
		if _, err := Map(e.ram, e.pgd, c.va, c.pa, c.size, c.prot, Size2M, e.alloc); err != c.err {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
		if c.err != OK && !bytes.Equal(before, e.snapshot()) {
			t.Errorf("%s: tables changed", c.name)
		}
	}
}

// Running out of table pages stops Map with ErrNoMem; what was mapped is
// valid, and nothing else is.
func TestMapNoMem(t *testing.T) {
	e := newEnv(t, 4*PAGE_SIZE) // PGD + 3 tables: PUD, PMD, one PT
	st, err := Map(e.ram, e.pgd, PAGE_OFFSET, 0, 4*mib, PAGE_KERNEL, Only4K, e.alloc)
	if err != ErrNoMem || st.Tables != 3 || st.Pages4K != 512 {
		t.Fatalf("Map = %+v, %v", st, err)
	}
	for off := VirtAddr(0); off < 4*mib; off += PAGE_SIZE {
		pa, _, _, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+off)
		if ok != (off < 2*mib) || ok && pa != PhysAddr(off) {
			t.Fatalf("after ErrNoMem, Walk(+%#x) = %#x %v", uint64(off), uint64(pa), ok)
		}
	}
	// A nil allocator is an allocator that has nothing.
	e2 := newEnv(t, 64*kib)
	if _, err := Map(e2.ram, e2.pgd, PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL, Size2M, nil); err != ErrNoMem {
		t.Errorf("nil alloc: %v", err)
	}
	// An allocator handing out unaligned pages is caught.
	bad := func() (PhysAddr, bool) { return 0x100800, true }
	if _, err := Map(e2.ram, e2.pgd, PAGE_OFFSET, 0, PAGE_SIZE, PAGE_KERNEL, Size2M, bad); err != ErrAlign {
		t.Errorf("unaligned alloc: %v", err)
	}
}

// The last 2 MiB of the address space: end wraps to 0.
func TestMapTopOfAddressSpace(t *testing.T) {
	e := newEnv(t, 64*kib)
	va := VirtAddr(0xffffffffffe00000)
	st := e.mapRange(t, va, 0x40000000, 2*mib, PAGE_KERNEL, Size2M)
	if st.Pages2M != 1 {
		t.Errorf("stats %+v", st)
	}
	st = e.mapRange(t, va-8*kib, 0x3fffe000, 8*kib, PAGE_KERNEL, Size2M)
	if st.Pages4K != 2 {
		t.Errorf("stats %+v", st)
	}
	for _, v := range []VirtAddr{va - 8*kib, va, 0xfffffffffffff000} {
		if pa, _, _, ok := Walk(e.ram, e.pgd, v+0xfff); !ok || pa != 0x40000000+PhysAddr(v-va)+0xfff {
			t.Errorf("Walk(%#x) = %#x %v", uint64(v), uint64(pa), ok)
		}
	}
}
