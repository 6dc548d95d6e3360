package paging_test

import (
	"testing"

	. "gokern/paging"
)

// Walk combines the levels the way the MMU does (SDM Vol. 3A §4.6): RW and
// USER must be allowed at every level, NX at any level forbids execution.
func TestWalkEffectiveProtection(t *testing.T) {
	e := newEnv(t, 64*kib)
	va := VirtAddr(0x0000000040201000)
	e.mapRange(t, va, 0x5000, PAGE_SIZE, PAGE_SHARED_EXEC, Only4K) // user RWX leaf
	pgd := Pgd_offset(e.ram, e.pgd, va)
	pud := Pud_offset(e.ram, P4d_offset(pgd, va), va)
	pmd := Pmd_offset(e.ram, pud, va)
	check := func(name string, want PgProt) {
		t.Helper()
		if pa, level, prot, ok := Walk(e.ram, e.pgd, va+0x10); !ok || pa != 0x5010 || level != PG_LEVEL_4K || prot != want {
			t.Errorf("%s: Walk = %#x %d %#x %v, want prot %#x", name, uint64(pa), level, uint64(prot), ok, uint64(want))
		}
	}
	check("PAGE_TABLE above", PAGE_SHARED_EXEC)
	Set_pmd(pmd, Mk_pmd_table(pmd.Phys(), KERNPG_TABLE))
	check("KERNPG_TABLE PMD", PAGE_SHARED_EXEC&^PAGE_USER)
	Set_pud(pud, Mk_pud_table(pud.Phys(), PAGE_TABLE&^PAGE_RW))
	check("read-only PUD", PAGE_SHARED_EXEC&^(PAGE_USER|PAGE_RW))
	Set_pgd(pgd, Mk_pgd_table(pgd.Phys(), PAGE_TABLE|PAGE_NX))
	check("NX PGD", PAGE_SHARED_EXEC&^(PAGE_USER|PAGE_RW)|PAGE_NX)
}

// Where the MMU would fault, Walk says not ok.
func TestWalkFaults(t *testing.T) {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 4*mib, PAGE_KERNEL, Size2M)
	e.mapRange(t, PAGE_OFFSET+gib, gib, gib, PAGE_KERNEL, Size1G)
	e.checkUnmapped(t, 0x0000800000000000) // non-canonical: #GP
	e.checkUnmapped(t, 0)                  // empty PGD entry
	e.checkUnmapped(t, PAGE_OFFSET+2*gib)  // empty PUD entry
	e.checkUnmapped(t, PAGE_OFFSET+4*mib)  // empty PMD entry

	pgd := Pgd_offset(e.ram, e.pgd, PAGE_OFFSET)
	pud := Pud_offset(e.ram, P4d_offset(pgd, PAGE_OFFSET), PAGE_OFFSET+gib)
	pmd := Pmd_offset(e.ram, Pud_offset(e.ram, P4d_offset(pgd, PAGE_OFFSET), PAGE_OFFSET), PAGE_OFFSET)

	// Reserved bits 13..20 of a 2 MiB entry, 13..29 of a 1 GiB entry.
	good := *pmd
	Set_pmd(pmd, good|1<<13)
	e.checkUnmapped(t, PAGE_OFFSET)
	Set_pmd(pmd, good)
	goodPud := *pud
	Set_pud(pud, goodPud|1<<20)
	e.checkUnmapped(t, PAGE_OFFSET+gib)
	Set_pud(pud, goodPud)
	if _, level, _, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+gib+123); !ok || level != PG_LEVEL_1G {
		t.Error("1 GiB page")
	}
	// PS in a PML4E is reserved.
	goodPgd := *pgd
	Set_pgd(pgd, goodPgd|PGD(PAGE_PSE))
	e.checkUnmapped(t, PAGE_OFFSET)
	Set_pgd(pgd, goodPgd)
	if pa, level, _, ok := Walk(e.ram, e.pgd, PAGE_OFFSET+3*mib+5); !ok || pa != 3*mib+5 || level != PG_LEVEL_2M {
		t.Error("2 MiB page")
	}
}
