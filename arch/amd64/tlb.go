package amd64

// The TLB API, Linux arch/x86/include/asm/tlbflush.h and arch/x86/mm/tlb.c.
// Seeds: 000 "TLB" (__flush_tlb_global with the PGE toggle), 002
// "flush_tlb_all ... flush_tlb_range", 004 (__flush_tlb_all after
// paging_init: "read, modify and write to CR4").
//
// The CPU caches translations in the TLB and does not notice when a page
// table entry changes (SDM Vol. 3A §4.10.4 "Invalidation of TLBs and
// Paging-Structure Caches"): whoever changes a present entry must flush.

const (
	X86_CR4_PGE = 1 << 7 // global pages: SDM Vol. 3A §2.5

	// Tlb_single_page_flush_ceiling: above this many pages a range flush
	// flushes everything instead (Linux tlb_single_page_flush_ceiling, 33:
	// past it, INVLPG one by one costs more than refilling the TLB).
	Tlb_single_page_flush_ceiling = 33
)

// X__flush_tlb_local flushes the non-global entries by reloading CR3
// (SDM §4.10.4.1: a MOV to CR3 invalidates all non-global translations).
func X__flush_tlb_local() {
	Write_cr3(Read_cr3())
}

// X__flush_tlb_global flushes everything, global entries included, by
// turning CR4.PGE off and on again (SDM §4.10.4.1: a MOV to CR4 that
// changes PGE invalidates all TLB entries). This is the seeds'
// __native_flush_tlb_global.
func X__flush_tlb_global() {
	cr4 := Read_cr4()
	Write_cr4(cr4 &^ X86_CR4_PGE)
	Write_cr4(cr4)
}

// X__flush_tlb_all: the global flush when the CPU uses global pages, the
// CR3 reload otherwise (Linux __flush_tlb_all, as the seeds show it).
func X__flush_tlb_all() {
	if Read_cr4()&X86_CR4_PGE != 0 {
		X__flush_tlb_global()
	} else {
		X__flush_tlb_local()
	}
}

// Flush_tlb_one_kernel invalidates one kernel page (Linux
// flush_tlb_one_kernel → __flush_tlb_one_kernel → INVLPG, SDM Vol. 2A
// INVLPG: also global entries).
func Flush_tlb_one_kernel(addr uintptr) {
	Invlpg(addr)
}

// Flush_tlb_kernel_range flushes [start, end): page by page up to the
// ceiling, everything above it (Linux flush_tlb_kernel_range).
func Flush_tlb_kernel_range(start, end uintptr) (full bool) {
	const pageSize = 4096
	start &^= pageSize - 1
	if (end-start)/pageSize > Tlb_single_page_flush_ceiling {
		X__flush_tlb_all()
		return true
	}
	for a := start; a < end; a += pageSize {
		Invlpg(a)
	}
	return false
}
