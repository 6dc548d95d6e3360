package mm

import (
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
	"gokern/paging"
)

// The fixmap over a simulated RAM: every index maps inside the one 2 MiB
// block below FIXADDR_TOP (so two table pages serve them all), device
// pages get PCD|PWT, a remap replaces the old frame, a clear unmaps, and
// the hole and out-of-range indices are refused.
func TestFixmap(t *testing.T) {
	ram := ktest.NewRAM(t, 4<<20)
	pgd := paging.PhysAddr(ram.NewPGD())
	tables := 0
	alloc := func() (paging.PhysAddr, bool) {
		tables++
		pa, ok := ram.AllocPage()
		return paging.PhysAddr(pa), ok
	}
	if asm.X__fix_to_virt(asm.X__end_of_fixed_addresses-1)>>21 != asm.FIXADDR_TOP>>21 {
		t.Fatalf("the fixmap spans more than one 2 MiB block: %#x-%#x", asm.X__fix_to_virt(asm.X__end_of_fixed_addresses-1), uint64(asm.FIXADDR_TOP))
	}
	for _, c := range []struct {
		idx  int
		phys uint64
		prot paging.PgProt
	}{
		{asm.FIX_APIC_BASE, asm.APIC_DEFAULT_PHYS_BASE, paging.PAGE_KERNEL_NOCACHE},
		{asm.FIX_IO_APIC_BASE_0, asm.IO_APIC_DEFAULT_PHYS_BASE, paging.PAGE_KERNEL_NOCACHE},
		{asm.FIX_BTMAP_BEGIN, 0x7fe1000, paging.PAGE_KERNEL_RO},
		{asm.FIX_BTMAP_END, 0xf5000, paging.PAGE_KERNEL_RO},
	} {
		if err := set_fixmap_pte(ram, pgd, c.idx, c.phys, c.prot, alloc); err != paging.OK {
			t.Fatalf("set_fixmap(%d): %v", c.idx, err)
		}
		pa, lvl, prot, ok := paging.Walk(ram, pgd, paging.VirtAddr(asm.X__fix_to_virt(c.idx)))
		if !ok || uint64(pa) != c.phys || lvl != paging.PG_LEVEL_4K || prot&(paging.PAGE_PCD|paging.PAGE_PWT|paging.PAGE_RW|paging.PAGE_NX) != c.prot&(paging.PAGE_PCD|paging.PAGE_PWT|paging.PAGE_RW|paging.PAGE_NX) {
			t.Fatalf("fixmap %d: ok %v pa %#x level %v prot %#x, want %#x %#x", c.idx, ok, pa, lvl, prot, c.phys, c.prot)
		}
	}
	// A PUD page (in the kernel it exists: the kernel image's mapping
	// made it), a PMD page and a PTE page: the kernel's fixmap_pgt_buf
	// holds the last two.
	if tables != 3 {
		t.Fatalf("%d table pages for the fixmap, want 3 (PUD, PMD, PTE)", tables)
	}
	if err := set_fixmap_pte(ram, pgd, asm.FIX_BTMAP_END, 0xf6000, paging.PAGE_KERNEL_RO, alloc); err != paging.OK {
		t.Fatal(err)
	}
	if pa, _, _, _ := paging.Walk(ram, pgd, paging.VirtAddr(asm.X__fix_to_virt(asm.FIX_BTMAP_END))); pa != 0xf6000 {
		t.Fatalf("remap left %#x", pa)
	}
	if err := set_fixmap_pte(ram, pgd, asm.FIX_BTMAP_END, 0, 0, alloc); err != paging.OK {
		t.Fatal(err)
	}
	if _, _, _, ok := paging.Walk(ram, pgd, paging.VirtAddr(asm.X__fix_to_virt(asm.FIX_BTMAP_END))); ok {
		t.Fatal("clear_fixmap left a mapping")
	}
	for _, idx := range []int{asm.FIX_HOLE, asm.X__end_of_fixed_addresses, -1} {
		if err := set_fixmap_pte(ram, pgd, idx, 0x1000, paging.PAGE_KERNEL, alloc); err != paging.ErrRange {
			t.Fatalf("set_fixmap(%d) = %v, want ErrRange", idx, err)
		}
	}
}
