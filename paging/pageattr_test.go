package paging_test

import (
	"bytes"
	"testing"

	. "gokern/paging"
)

// Protect on part of a 2 MiB page splits it into 512 PTEs; every page
// keeps its translation, only the chosen ones change flags.
func TestProtectSplit2M(t *testing.T) {
	e := newEnv(t, 64*kib)
	base := X__START_KERNEL
	e.mapRange(t, base, LOAD_PHYSICAL_ADDR, 4*mib, PAGE_KERNEL, Size2M)
	// Make 3 pages in the middle of the first 2 MiB read-only.
	ro := base + 100*PAGE_SIZE
	st, err := Protect(e.ram, e.pgd, ro, 3*PAGE_SIZE, PAGE_KERNEL_RO, e.alloc)
	if err != OK || st != (MapStats{Pages4K: 3, Tables: 1}) {
		t.Fatalf("Protect = %+v, %v", st, err)
	}
	for off := VirtAddr(0); off < 4*mib; off += PAGE_SIZE {
		v := base + off
		pa, level, prot, ok := Walk(e.ram, e.pgd, v)
		wantLevel, wantProt := PG_LEVEL_4K, PAGE_KERNEL
		if off >= 2*mib {
			wantLevel = PG_LEVEL_2M
		}
		if v >= ro && v < ro+3*PAGE_SIZE {
			wantProt = PAGE_KERNEL_RO
		}
		if !ok || pa != LOAD_PHYSICAL_ADDR+PhysAddr(off) || level != wantLevel || prot != wantProt {
			t.Fatalf("Walk(%#x) = %#x %s %#x %v", uint64(v), uint64(pa), level.Name(), uint64(prot), ok)
		}
	}
	// The split table is a PMD pointing to a page table of 512 PTEs.
	pmd := Pmd_offset(e.ram, Pud_offset(e.ram, P4d_offset(Pgd_offset(e.ram, e.pgd, base), base), base), base)
	if pmd.Large() || pmd.Flags() != PAGE_TABLE {
		t.Errorf("PMD after split %#x", uint64(*pmd))
	}
	// Protecting the rest back to PAGE_KERNEL needs no more tables.
	st, err = Protect(e.ram, e.pgd, base, 2*mib, PAGE_KERNEL, e.alloc)
	if err != OK || st != (MapStats{Pages4K: 3}) {
		t.Errorf("Protect back = %+v, %v", st, err)
	}
}

// Splitting a 1 GiB page: first into 2 MiB pages, then one of those into
// 4 KiB pages.
func TestProtectSplit1G(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 2*gib, PAGE_KERNEL, Size2M|Size1G)
	v := PAGE_OFFSET + gib + 6*mib + 5*PAGE_SIZE
	st, err := Protect(e.ram, e.pgd, v, PAGE_SIZE, PAGE_KERNEL_RX, e.alloc)
	if err != OK || st != (MapStats{Pages4K: 1, Tables: 2}) {
		t.Fatalf("Protect = %+v, %v", st, err)
	}
	levels := map[PgLevel]int{}
	for off := VirtAddr(0); off < 2*gib; off += PAGE_SIZE {
		pa, level, prot, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+off)
		want := PAGE_KERNEL
		if PAGE_OFFSET+off == v {
			want = PAGE_KERNEL_RX
		}
		if !ok || pa != PhysAddr(off) || prot != want {
			t.Fatalf("Walk(+%#x) = %#x %#x %v", uint64(off), uint64(pa), uint64(prot), ok)
		}
		levels[level]++
	}
	// First GiB untouched (1G), second: 511 x 2M and 512 x 4K.
	if levels[PG_LEVEL_1G] != gib/PAGE_SIZE || levels[PG_LEVEL_2M] != 511*512 || levels[PG_LEVEL_4K] != 512 {
		t.Errorf("levels after split: %v", levels)
	}
}

// A large page entirely inside the range is changed in place, not split;
// a partly covered one that already has the flags is not split either.
func TestProtectLargeInPlace(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 2*gib, PAGE_KERNEL, Size2M|Size1G)
	st, err := Protect(e.ram, e.pgd, PAGE_OFFSET+gib, gib, PAGE_KERNEL_RO, e.alloc)
	if err != OK || st != (MapStats{Pages1G: 1}) {
		t.Fatalf("Protect 1G = %+v, %v", st, err)
	}
	st, err = Protect(e.ram, e.pgd, PAGE_OFFSET+gib+PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL_RO, e.alloc)
	if err != OK || st != (MapStats{}) {
		t.Fatalf("Protect with same flags = %+v, %v", st, err)
	}
	if _, level, prot, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+gib+PAGE_SIZE); !ok || level != PG_LEVEL_1G || prot != PAGE_KERNEL_RO {
		t.Errorf("Walk = %d %#x %v", level, uint64(prot), ok)
	}
	e.mapRange(t, VMALLOC_START, 0, 4*mib, PAGE_KERNEL, Size2M)
	st, err = Protect(e.ram, e.pgd, VMALLOC_START, 4*mib, PAGE_KERNEL_NOCACHE, e.alloc)
	if err != OK || st != (MapStats{Pages2M: 2}) {
		t.Fatalf("Protect 2M = %+v, %v", st, err)
	}
	if _, level, prot, ok := Walk(e.ram, e.pgd, VMALLOC_START+3*mib); !ok || level != PG_LEVEL_2M || prot != PAGE_KERNEL_NOCACHE {
		t.Errorf("Walk = %d %#x %v", level, uint64(prot), ok)
	}
}

// The PAT bit moves between bit 12 and bit 7 when a large page is split.
func TestProtectSplitKeepsPAT(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 2*mib, PAGE_KERNEL, Size2M)
	pmd := Pmd_offset(e.ram, Pud_offset(e.ram, P4d_offset(Pgd_offset(e.ram, e.pgd, PAGE_OFFSET), PAGE_OFFSET), PAGE_OFFSET), PAGE_OFFSET)
	Set_pmd(pmd, *pmd|PMD(PAGE_PAT_LARGE)) // as if Linux had made it write-combining
	if _, _, prot, _ := Walk(e.ram, e.pgd, PAGE_OFFSET); prot != PAGE_KERNEL|PAGE_PAT {
		t.Fatalf("Walk of large PAT page: %#x", uint64(prot))
	}
	if _, err := Protect(e.ram, e.pgd, PAGE_OFFSET, PAGE_SIZE, PAGE_KERNEL_RO, e.alloc); err != OK {
		t.Fatal(err)
	}
	if _, level, prot, _ := Walk(e.ram, e.pgd, PAGE_OFFSET+PAGE_SIZE); level != PG_LEVEL_4K || prot != PAGE_KERNEL|PAGE_PAT {
		t.Errorf("after split: %d %#x", level, uint64(prot))
	}
}

func TestProtectErrors(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 4*mib, PAGE_KERNEL, Size2M)
	e.mapRange(t, PAGE_OFFSET+4*mib, 4*mib, 8*kib, PAGE_KERNEL, Size2M)
	for _, c := range []struct {
		name string
		va   VirtAddr
		size uint64
		prot PgProt
		err  Error
	}{
		{"hole after the end", PAGE_OFFSET + 2*mib, 2*mib + 12*kib, PAGE_KERNEL_RO, ErrNotMapped},
		{"no PUD", 0x1000, PAGE_SIZE, PAGE_KERNEL_RO, ErrNotMapped},
		{"no PMD", PAGE_OFFSET + gib, PAGE_SIZE, PAGE_KERNEL_RO, ErrNotMapped},
		{"no PT", PAGE_OFFSET + 6*mib, PAGE_SIZE, PAGE_KERNEL_RO, ErrNotMapped},
		{"unaligned", PAGE_OFFSET + 1, PAGE_SIZE, PAGE_KERNEL_RO, ErrAlign},
		{"non-canonical", 0x0000900000000000, PAGE_SIZE, PAGE_KERNEL_RO, ErrRange},
		{"not present", PAGE_OFFSET, PAGE_SIZE, 0, ErrProt},
		{"empty", PAGE_OFFSET, 0, PAGE_KERNEL_RO, OK},
	} {
		before := e.snapshot()
		if _, err := Protect(e.ram, e.pgd, c.va, c.size, c.prot, e.alloc); err != c.err {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
		if !bytes.Equal(before, e.snapshot()) {
			t.Errorf("%s: tables changed", c.name)
		}
	}
	// A split without pages for the table.
	if _, err := Protect(e.ram, e.pgd, PAGE_OFFSET, PAGE_SIZE, PAGE_KERNEL_RO, nil); err != ErrNoMem {
		t.Errorf("split with no allocator: %v", err)
	}
	if _, _, prot, _ := Walk(e.ram, e.pgd, PAGE_OFFSET); prot != PAGE_KERNEL {
		t.Errorf("failed split changed the page: %#x", uint64(prot))
	}
}

func TestUnmap(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 2*mib+8*kib, PAGE_KERNEL, Size2M)
	v := PAGE_OFFSET + 2*mib + 4*kib
	old, err := Unmap(e.ram, e.pgd, v)
	if err != OK || old != Mk_pte(PHYS_PFN(2*mib+4*kib), PAGE_KERNEL) {
		t.Fatalf("Unmap = %#x, %v", uint64(old), err)
	}
	e.checkUnmapped(t, v)
	if _, _, _, ok := Walk(e.ram, e.pgd, v-PAGE_SIZE); !ok {
		t.Error("neighbour unmapped too")
	}
	for _, c := range []struct {
		va  VirtAddr
		err Error
	}{
		{v, ErrNotMapped},                    // already gone
		{PAGE_OFFSET, ErrLargePage},          // in a 2 MiB page
		{PAGE_OFFSET + gib, ErrNotMapped},    // no PMD table
		{PAGE_OFFSET + 4*mib, ErrNotMapped},  // no page table
		{0x1000, ErrNotMapped},               // no PUD table
		{PAGE_OFFSET + 1, ErrAlign},          //
		{0x0000900000000000, ErrRange},       // non-canonical
		{PAGE_OFFSET + 2*mib, OK},            // the other 4K page
		{PAGE_OFFSET + 2*mib, ErrNotMapped},  //
		{PAGE_OFFSET + 10*mib, ErrNotMapped}, //
	} {
		if _, err := Unmap(e.ram, e.pgd, c.va); err != c.err {
			t.Errorf("Unmap(%#x) = %v, want %v", uint64(c.va), err, c.err)
		}
	}
	e2 := newEnv(t, 64*kib)
	e2.mapRange(t, PAGE_OFFSET, 0, gib, PAGE_KERNEL, Size1G)
	if _, err := Unmap(e2.ram, e2.pgd, PAGE_OFFSET+PAGE_SIZE); err != ErrLargePage {
		t.Errorf("Unmap in a 1 GiB page: %v", err)
	}
}
