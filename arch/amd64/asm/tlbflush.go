//go:build amd64

package asm

// The TLB primitives. Linux: arch/x86/include/asm/tlbflush.h and
// arch/x86/mm/tlb.c (__flush_tlb_local, __flush_tlb_global,
// __flush_tlb_all, __flush_tlb_one_kernel); the ranged API built on them
// is in arch/amd64/mm (tlb.go). Seeds: 000 "TLB" (__flush_tlb_global with
// the PGE toggle), 004 (__flush_tlb_all after paging_init: "read, modify
// and write to CR4").
//
// The CPU caches translations in the TLB and does not notice when a page
// table entry changes (SDM Vol. 3A §4.10.4 "Invalidation of TLBs and
// Paging-Structure Caches"): whoever changes a present entry must flush.

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

// X__flush_tlb_one_kernel invalidates one kernel page: INVLPG, which also
// drops global entries (SDM Vol. 2A, INVLPG). Linux __flush_tlb_one_kernel.
func X__flush_tlb_one_kernel(addr uintptr) {
	Invlpg(addr)
}
