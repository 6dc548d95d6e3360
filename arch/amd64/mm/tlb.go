package mm

import (
	"gokern/arch/amd64/asm"
)

// The TLB API, Linux arch/x86/mm/tlb.c, on the primitives of
// asm/tlbflush.go. Seeds: 002 "flush_tlb_all ... flush_tlb_range".

// Tlb_single_page_flush_ceiling: above this many pages a range flush
// flushes everything instead (Linux tlb_single_page_flush_ceiling, 33:
// past it, INVLPG one by one costs more than refilling the TLB).
const Tlb_single_page_flush_ceiling = 33

// Flush_tlb_one_kernel invalidates one kernel page (Linux
// flush_tlb_one_kernel → __flush_tlb_one_kernel → INVLPG, SDM Vol. 2A
// INVLPG: also global entries).
func Flush_tlb_one_kernel(addr uintptr) {
	asm.X__flush_tlb_one_kernel(addr)
}

// Flush_tlb_kernel_range flushes [start, end): page by page up to the
// ceiling, everything above it (Linux flush_tlb_kernel_range). It reports
// whether it took the full flush.
func Flush_tlb_kernel_range(start, end uintptr) (full bool) {
	start &^= asm.PAGE_SIZE - 1
	if (end-start)/asm.PAGE_SIZE > Tlb_single_page_flush_ceiling {
		asm.X__flush_tlb_all()
		return true
	}
	for a := start; a < end; a += asm.PAGE_SIZE {
		asm.X__flush_tlb_one_kernel(a)
	}
	return false
}
