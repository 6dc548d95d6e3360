package paging_test

import (
	"testing"

	"gokern/internal/ktest"
	. "gokern/paging"
)

// env is one simulated machine: RAM for page tables, and a PGD in it.
type env struct {
	ram   *ktest.RAM
	pgd   PhysAddr
	alloc PageAlloc
}

// newEnv makes ramSize bytes of simulated RAM at physical 1 MiB (so that a
// table at physical 0 would be a bug) with an empty PGD. Free pages are
// scribbled so that the builder must clear the tables it takes.
func newEnv(t testing.TB, ramSize uint64) *env {
	t.Helper()
	ram := ktest.NewRAMAt(t, 1<<20, ramSize)
	ram.Scribble()
	e := &env{ram: ram, alloc: pageAlloc(ram)}
	e.pgd = PhysAddr(ram.NewPGD())
	return e
}

// reset empties the tree, keeping the RAM.
func (e *env) reset() {
	e.ram.Reset()
	e.pgd = PhysAddr(e.ram.NewPGD())
}

func (e *env) mapRange(t testing.TB, va VirtAddr, pa PhysAddr, size uint64, prot PgProt, sizes Sizes) MapStats {
	t.Helper()
	st, err := Map(e.ram, e.pgd, va, pa, size, prot, sizes, e.alloc)
	if err != OK {
		t.Fatalf("Map(%#x, %#x, %#x, %#x, %d) = %v", uint64(va), uint64(pa), size, uint64(prot), sizes, err)
	}
	return st
}

// snapshot copies the RAM, to check that a failed operation changed
// nothing.
func (e *env) snapshot() []byte {
	return append([]byte(nil), e.ram.Mem...)
}

// pageAlloc hands out the simulated RAM's pages as page-table pages.
func pageAlloc(ram *ktest.RAM) PageAlloc {
	return func() (PhysAddr, bool) {
		pa, ok := ram.AllocPage()
		return PhysAddr(pa), ok
	}
}

// expectLevel is the specification of the builder's page-size choice
// (Linux's split_mem_range) for a fresh tree: the page at v of the
// mapping [va, va+size) -> pa is in a 1 GiB page if 1 GiB pages are
// allowed and the aligned 1 GiB block around v lies inside the range and
// maps to a 1 GiB-aligned physical address; else likewise for 2 MiB; else
// it is a 4 KiB page.
func expectLevel(v, va VirtAddr, pa PhysAddr, size uint64, sizes Sizes) PgLevel {
	fits := func(s uint64) bool {
		b := v &^ VirtAddr(s-1)
		return b >= va && uint64(b-va)+s <= size && (uint64(pa)+uint64(b-va))%s == 0
	}
	switch {
	case sizes&Size1G != 0 && fits(PUD_SIZE):
		return PG_LEVEL_1G
	case sizes&Size2M != 0 && fits(PMD_SIZE):
		return PG_LEVEL_2M
	}
	return PG_LEVEL_4K
}

// expectCounts counts the pages of each size expectLevel implies.
func expectCounts(va VirtAddr, pa PhysAddr, size uint64, sizes Sizes) (n4k, n2m, n1g uint64) {
	for off := uint64(0); off < size; {
		switch expectLevel(va+VirtAddr(off), va, pa, size, sizes) {
		case PG_LEVEL_1G:
			n1g++
			off += PUD_SIZE
		case PG_LEVEL_2M:
			n2m++
			off += PMD_SIZE
		default:
			n4k++
			off += PAGE_SIZE
		}
	}
	return
}

// checkPage walks v and compares with the mapping [va, va+size) -> pa.
func (e *env) checkPage(t testing.TB, v, va VirtAddr, pa PhysAddr, size uint64, prot PgProt, sizes Sizes) {
	t.Helper()
	gotPA, level, gotProt, ok := Walk(e.ram, e.pgd, v)
	wantPA := pa + PhysAddr(v-va)
	wantLevel := expectLevel(v, va, pa, size, sizes)
	if !ok || gotPA != wantPA || level != wantLevel || gotProt != prot {
		t.Fatalf("Walk(%#x) = %#x %v %#x %v, want %#x %v %#x true (mapping %#x+%#x -> %#x, sizes %d)",
			uint64(v), uint64(gotPA), level.Name(), uint64(gotProt), ok,
			uint64(wantPA), wantLevel.Name(), uint64(prot), uint64(va), size, uint64(pa), sizes)
	}
}

// checkUnmapped asserts that v does not translate.
func (e *env) checkUnmapped(t testing.TB, v VirtAddr) {
	t.Helper()
	if pa, level, _, ok := Walk(e.ram, e.pgd, v); ok {
		t.Fatalf("Walk(%#x) = %#x at %s, want not mapped", uint64(v), uint64(pa), level.Name())
	}
}
