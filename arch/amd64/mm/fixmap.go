package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel"
	"gokern/paging"
	"gokern/printk"
)

// The fixmap: device registers and firmware tables at fixed virtual
// addresses (asm/fixmap.go has the layout). Linux: arch/x86/mm/pgtable.c
// (__native_set_fixmap, native_set_fixmap), arch/x86/kernel/head_64.S
// (level2_fixmap_pgt, level1_fixmap_pgt: the fixmap's own page tables,
// static so that the fixmap works before any allocator does).
//
// Why not the direct map: it maps RAM only (init_mem_mapping), and device
// registers must not be mapped write-back anyway. A register read must
// reach the device every time, a write must not sit in a write buffer or
// be merged with the next: the fixmap entries of devices are
// PAGE_KERNEL_NOCACHE, PCD|PWT in the PTE, which with the power-on PAT
// selects entry 3, UC, strong uncacheable (SDM Vol. 3A "Page Attribute
// Table (PAT)", "Selecting a Memory Type from the PAT"). UC in the PTE
// wins over whatever the MTRRs say for the range (SDM Vol. 3A, the table
// "Effective Page-Level Memory Types"): the kernel does not rely on the
// firmware's MTRRs.

// fixmap_pgt_buf holds the fixmap's two page-table pages, a PMD page (the
// fixmap's 2 MiB block is in PUD slot 511, which the kernel image's
// mapping leaves empty) and a PTE page, with room to align them.
var (
	fixmap_pgt_buf  [3 * asm.PAGE_SIZE]byte
	fixmap_pgt_used int
)

// fixmap_alloc_page gives paging.Map the fixmap's static table pages.
func fixmap_alloc_page() (paging.PhysAddr, bool) {
	if fixmap_pgt_used == 2 {
		return 0, false
	}
	base := (uintptrOf(&fixmap_pgt_buf[0]) + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	va := base + uintptr(fixmap_pgt_used)*asm.PAGE_SIZE
	fixmap_pgt_used++
	return paging.PhysAddr(asm.X__pa(uint64(va))), true
}

// set_fixmap_pte maps fixed address idx to the page at phys with prot in
// the tree at pgd (prot 0: unmap), and reports the outcome. The host tests
// run it over a simulated RAM.
func set_fixmap_pte(mem asm.PhysMem, pgd paging.PhysAddr, idx int, phys uint64, prot paging.PgProt, alloc paging.PageAlloc) paging.Error {
	if idx <= asm.FIX_HOLE || idx >= asm.X__end_of_fixed_addresses || phys&(asm.PAGE_SIZE-1) != 0 {
		return paging.ErrRange
	}
	va := paging.VirtAddr(asm.X__fix_to_virt(idx))
	if _, err := paging.Unmap(mem, pgd, va); err != paging.OK && err != paging.ErrNotMapped {
		return err
	}
	if prot == 0 {
		return paging.OK
	}
	_, err := paging.Map(mem, pgd, va, paging.PhysAddr(phys), asm.PAGE_SIZE, prot, paging.Only4K, alloc)
	return err
}

// X__set_fixmap maps fixed address idx to phys with prot in the kernel's
// page tables and flushes the old translation (Linux __set_fixmap →
// __native_set_fixmap → set_pte_vaddr, flush_tlb_one_kernel). Only after
// init_mem_mapping: the fixmap lives in init_top_pgt.
func X__set_fixmap(idx int, phys uint64, prot paging.PgProt) {
	if asm.Read_cr3()&^0xfff != uint64(Init_top_pgt_phys()) {
		kernel.Panic("__set_fixmap(%d, %#x) before init_mem_mapping: CR3 %#x is not init_top_pgt",
			printk.Int(idx), printk.Int(phys), printk.Int(asm.Read_cr3()))
	}
	if err := set_fixmap_pte(&asm.DirectMap, paging.PhysAddr(Init_top_pgt_phys()), idx, phys, prot, fixmap_alloc_page); err != paging.OK {
		kernel.Panic("__set_fixmap(%d, %#x, %#x): %s", printk.Int(idx), printk.Int(phys), printk.Int(prot), printk.Str(err.String()))
	}
	asm.X__flush_tlb_one_kernel(asm.X__fix_to_virt(idx))
}

// Set_fixmap_nocache maps device registers uncached (Linux
// set_fixmap_nocache).
func Set_fixmap_nocache(idx int, phys uint64) { X__set_fixmap(idx, phys, paging.PAGE_KERNEL_NOCACHE) }

// Clear_fixmap unmaps fixed address idx (Linux clear_fixmap).
func Clear_fixmap(idx int) { X__set_fixmap(idx, 0, 0) }

// Fix_to_virt is the virtual address of fixed address idx (Linux
// fix_to_virt).
func Fix_to_virt(idx int) uintptr { return asm.X__fix_to_virt(idx) }
