package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/paging"
	"gokern/printk"
)

// early_memremap: a temporary mapping of physical memory the direct map
// does not cover (the ACPI tables, which the firmware keeps in "reserved"
// or "ACPI data" ranges, not in RAM), through slots of the fixmap. Linux:
// mm/early_ioremap.c (early_memremap_ro, early_memunmap, __early_ioremap,
// prev_map, slot_virt). A mapping is meant to be short: map, read, unmap.

var (
	prev_map  [asm.FIX_BTMAPS_SLOTS]uintptr // the address handed out, 0 if the slot is free
	prev_size [asm.FIX_BTMAPS_SLOTS]uint64
)

// slot_virt is the virtual address of slot i's first page (Linux
// slot_virt[i] = __fix_to_virt(FIX_BTMAP_BEGIN - NR_FIX_BTMAPS*i)).
func slot_virt(i int) uintptr { return asm.X__fix_to_virt(asm.FIX_BTMAP_BEGIN - asm.NR_FIX_BTMAPS*i) }

// X__early_ioremap maps [phys, phys+size) with prot into a free slot and
// returns the bytes, or ok=false (no free slot, or more than NR_FIX_BTMAPS
// pages) with the reason printed, as Linux WARNs.
func X__early_ioremap(phys, size uint64, prot paging.PgProt) ([]byte, bool) {
	slot := -1
	for i := range prev_map {
		if prev_map[i] == 0 {
			slot = i
			break
		}
	}
	offset := phys & (asm.PAGE_SIZE - 1)
	first := phys - offset
	last := (phys + size + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	nrpages := (last - first) >> asm.PAGE_SHIFT
	switch {
	case slot < 0:
		printk.Pr_warn("early_ioremap(%#010x, %#x): all %d slots in use\n", printk.Int(phys), printk.Int(size), printk.Int(asm.FIX_BTMAPS_SLOTS))
		return nil, false
	case size == 0 || last <= phys || nrpages > asm.NR_FIX_BTMAPS:
		printk.Pr_warn("early_ioremap(%#010x, %#x): more than %d pages\n", printk.Int(phys), printk.Int(size), printk.Int(asm.NR_FIX_BTMAPS))
		return nil, false
	}
	idx := asm.FIX_BTMAP_BEGIN - asm.NR_FIX_BTMAPS*slot
	for pa := first; pa < last; pa += asm.PAGE_SIZE {
		X__set_fixmap(idx, pa, prot)
		idx--
	}
	prev_map[slot] = slot_virt(slot) + uintptr(offset)
	prev_size[slot] = size
	return unsafe.Slice((*byte)(asm.KernelPtr(prev_map[slot])), size), true
}

// Early_memremap_ro maps firmware data read-only (Linux early_memremap_ro).
func Early_memremap_ro(phys, size uint64) ([]byte, bool) {
	return X__early_ioremap(phys, size, paging.PAGE_KERNEL_RO)
}

// Early_memunmap undoes the Early_memremap_ro that returned b (Linux
// early_memunmap → early_iounmap). Unmapping something that was not
// mapped is reported, as Linux WARNs.
func Early_memunmap(b []byte) {
	if len(b) == 0 {
		return
	}
	addr := uintptrOf(&b[0])
	for i := range prev_map {
		if prev_map[i] != addr || prev_size[i] != uint64(len(b)) {
			continue
		}
		first := addr &^ (asm.PAGE_SIZE - 1)
		last := (addr + uintptr(len(b)) + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
		idx := asm.FIX_BTMAP_BEGIN - asm.NR_FIX_BTMAPS*i
		for va := first; va < last; va += asm.PAGE_SIZE {
			Clear_fixmap(idx)
			idx--
		}
		prev_map[i], prev_size[i] = 0, 0
		return
	}
	printk.Pr_warn("early_iounmap(%#x, %#x): not an early mapping\n", printk.Int(addr), printk.Int(len(b)))
}
