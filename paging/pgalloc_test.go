package paging_test

import (
	"testing"

	. "gokern/paging"
)

// withPgtableHooks points the page-table allocator hooks at the
// simulated RAM and records what is freed, for the test's duration.
func withPgtableHooks(t *testing.T, e *env) *[]PhysAddr {
	var freed []PhysAddr
	PgtableAlloc = e.alloc
	PgtableFree = func(pa PhysAddr) {
		for i, w := range e.ram.Bytes(uint64(pa), PAGE_SIZE) {
			if w != 0 {
				t.Errorf("table %#x freed with byte %d = %#x", uint64(pa), i, w)
				break
			}
		}
		freed = append(freed, pa)
	}
	t.Cleanup(func() { PgtableAlloc, PgtableFree = nil, nil })
	return &freed
}

// TestUnmapFreesTables: unmapping the last page of a page table frees it,
// and the PMD and PUD tables it leaves empty, bottom up; the PGD stays.
func TestUnmapFreesTables(t *testing.T) {
	e := newEnv(t, 64*kib)
	freed := withPgtableHooks(t, e)
	va := VirtAddr(0xffffc90000000000) // VMALLOC_START: nothing else there
	e.mapRange(t, va, 0x200000, 2*PAGE_SIZE, PAGE_KERNEL, Only4K)
	pgd := Pgd_offset(e.ram, e.pgd, va)
	pud := Pud_offset(e.ram, P4d_offset(pgd, va), va)
	pmd := Pmd_offset(e.ram, pud, va)
	tables := []PhysAddr{pmd.Phys(), pud.Phys(), P4d_offset(pgd, va).Phys()}
	if _, err := Unmap(e.ram, e.pgd, va); err != OK || len(*freed) != 0 {
		t.Fatalf("first Unmap: %v, freed %v", err, *freed)
	}
	if _, err := Unmap(e.ram, e.pgd, va+PAGE_SIZE); err != OK {
		t.Fatal(err)
	}
	if len(*freed) != 3 || (*freed)[0] != tables[0] || (*freed)[1] != tables[1] || (*freed)[2] != tables[2] {
		t.Fatalf("freed %#x, want the PTE, PMD and PUD tables %#x", *freed, tables)
	}
	if !pgd.None() {
		t.Fatalf("PGD entry %#x left pointing at a freed table", uint64(*pgd))
	}
	// Mapping again takes tables from the allocator hook (nil PageAlloc).
	if _, err := Map(e.ram, e.pgd, va, 0x200000, PAGE_SIZE, PAGE_KERNEL, Only4K, nil); err != OK {
		t.Fatalf("Map with the hook: %v", err)
	}
	if pa, _, _, ok := Walk(e.ram, e.pgd, va); !ok || pa != 0x200000 {
		t.Fatal("Map through the hook")
	}
}

// TestUnmapGatherKeepsTables: Unmap_gather unlinks the tables it leaves
// empty but frees none of them: the gather holds the PTE, PMD and PUD
// tables until Tlb_remove_table_free, which the caller runs after its
// TLB shootdown (Linux tlb_remove_table).
func TestUnmapGatherKeepsTables(t *testing.T) {
	e := newEnv(t, 64*kib)
	freed := withPgtableHooks(t, e)
	va := VirtAddr(0xffffc90000000000)
	e.mapRange(t, va, 0x200000, PAGE_SIZE, PAGE_KERNEL, Only4K)
	pgd := Pgd_offset(e.ram, e.pgd, va)
	pud := Pud_offset(e.ram, P4d_offset(pgd, va), va)
	tables := []PhysAddr{Pmd_offset(e.ram, pud, va).Phys(), pud.Phys(), P4d_offset(pgd, va).Phys()}
	var tlb Mmu_gather
	if _, err := Unmap_gather(e.ram, e.pgd, va, &tlb); err != OK || len(*freed) != 0 || tlb.Nr_tables() != 3 || !pgd.None() {
		t.Fatalf("Unmap_gather: %v, freed %#x, %d gathered, PGD entry %#x", err, *freed, tlb.Nr_tables(), uint64(*pgd))
	}
	tlb.Tlb_remove_table_free()
	if len(*freed) != 3 || (*freed)[0] != tables[0] || (*freed)[1] != tables[1] || (*freed)[2] != tables[2] || tlb.Nr_tables() != 0 {
		t.Fatalf("after the free: freed %#x, want %#x; %d left", *freed, tables, tlb.Nr_tables())
	}
}

// TestProtectCollapses: a table split from a 2 MiB page, protected back
// whole, becomes a 2 MiB page again and the table is freed; a table whose
// frames are not one aligned 2 MiB run stays.
func TestProtectCollapses(t *testing.T) {
	e := newEnv(t, 64*kib)
	freed := withPgtableHooks(t, e)
	base := X__START_KERNEL
	e.mapRange(t, base, LOAD_PHYSICAL_ADDR, 2*mib, PAGE_KERNEL, Size2M)
	if _, err := Protect(e.ram, e.pgd, base+PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL_RO, e.alloc); err != OK {
		t.Fatal(err)
	}
	if _, level, _, _ := Walk(e.ram, e.pgd, base); level != PG_LEVEL_4K {
		t.Fatal("not split")
	}
	st, err := Protect(e.ram, e.pgd, base, 2*mib, PAGE_KERNEL_RO, e.alloc)
	if err != OK || st.TablesFreed != 1 || len(*freed) != 1 {
		t.Fatalf("Protect of the whole 2 MiB = %+v, %v; freed %v", st, err, *freed)
	}
	for off := VirtAddr(0); off < 2*mib; off += 64 * kib {
		pa, level, prot, ok := Walk(e.ram, e.pgd, base+off)
		if !ok || level != PG_LEVEL_2M || pa != LOAD_PHYSICAL_ADDR+PhysAddr(off) || prot != PAGE_KERNEL_RO {
			t.Fatalf("after the collapse %#x: %#x %s %#x", uint64(base+off), uint64(pa), level.Name(), uint64(prot))
		}
	}
	// 4 KiB pages of frames that are not one aligned run: no collapse.
	v := VirtAddr(0xffffc90000000000)
	e.mapRange(t, v, 0x201000, 2*mib, PAGE_KERNEL, Only4K)
	if st, err := Protect(e.ram, e.pgd, v, 2*mib, PAGE_KERNEL_RO, e.alloc); err != OK || st.TablesFreed != 0 {
		t.Fatalf("unaligned frames collapsed: %+v %v", st, err)
	}
}
