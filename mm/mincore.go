package mm

import (
	"gokern/arch/amd64/asm"
)

// mincore(2): which pages of a range are in memory. Linux: mm/mincore.c
// (SYSCALL_DEFINE3(mincore), do_mincore, mincore_pte_range,
// mincore_unmapped_range, mincore_page). gokern has no swap, so a page is
// resident when its PTE is present; for an unmapped page of a file VMA
// the answer is the file's page cache, as Linux's mincore_page gives it.

// Do_mincore fills vec with one byte a page, 1 resident and 0 not, for
// the pages from addr (page aligned) to the end of the VMA that holds it
// or of vec, whichever comes first, and returns how many it filled;
// -ENOMEM when no VMA holds addr (Linux do_mincore). The caller holds
// mm's mmap lock and asks again from where it stopped.
func Do_mincore(mm *MmStruct, addr uint64, vec []byte) int {
	v := Find_vma(mm, addr)
	if v == nil || addr < v.Vm_start {
		return -asm.ENOMEM
	}
	end := min(v.Vm_end, addr+uint64(len(vec))<<asm.PAGE_SHIFT)
	n := int((end - addr) >> asm.PAGE_SHIFT)
	for i := 0; i < n; i++ {
		vec[i] = mincore_page_of(mm, v, addr+uint64(i)<<asm.PAGE_SHIFT)
	}
	return n
}

// mincore_page_of: 1 if the page at va of v is in memory (Linux
// mincore_pte_range for one PTE, mincore_unmapped_range for pte_none).
func mincore_page_of(mm *MmStruct, v *Vm_area_struct, va uint64) byte {
	if pte := user_pte(mm, va); pte != nil && pte.Present() {
		return 1
	}
	switch {
	case v.Vm_mmap != nil:
		// mmap(2) of a file: is the page in its page cache
		// (mincore_page → filemap_get_incore_folio)?
		if v.Vm_mmap.Incore_page(v.Vm_pgoff + (va-v.Vm_start)>>asm.PAGE_SHIFT) {
			return 1
		}
	case v.Vm_file != nil:
		// An ELF loader's segment: its file lives in a ramfs or tmpfs
		// page cache, which has no store behind it to leave pages in.
		return 1
	}
	return 0
}
