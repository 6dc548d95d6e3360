package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/kernel/smp"
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

// Flush_tlb_kernel_range flushes [start, end) on every online CPU: here,
// then on the others through smp_call_function with wait, since each
// CPU's TLB caches translations of its own and no CPU snoops another's
// (Linux flush_tlb_kernel_range → on_each_cpu(do_kernel_range_flush);
// seeds/002 "Types of TLB relevant events": a change on core 0 must be
// propagated to core 1, the TLB shootdown). It reports whether it took
// the full flush. Not from an interrupt handler or with interrupts off
// once other CPUs are up (smp_call_function's rule).
func Flush_tlb_kernel_range(start, end uintptr) (full bool) {
	full = Flush_tlb_kernel_range_local(start, end)
	if cpumask.Num_online_cpus() > 1 {
		tlb_lock.Spin_lock(0)
		tlb_info = flush_tlb_info{start, end}
		smp.Smp_call_function(do_kernel_range_flush, uintptr(unsafe.Pointer(&tlb_info)), true)
		tlb_lock.Spin_unlock()
	}
	return full
}

// Flush_tlb_all flushes every translation, global ones too, on every
// online CPU (Linux flush_tlb_all → on_each_cpu(do_flush_tlb_all)).
func Flush_tlb_all() {
	asm.X__flush_tlb_all()
	if cpumask.Num_online_cpus() > 1 {
		smp.Smp_call_function(do_flush_tlb_all, 0, true)
	}
}

// flush_tlb_info: the range the other CPUs flush (Linux struct
// flush_tlb_info), published under tlb_lock for the call's duration.
type flush_tlb_info struct{ start, end uintptr }

var (
	tlb_lock asm.Spinlock_t
	tlb_info flush_tlb_info
)

// do_kernel_range_flush and do_flush_tlb_all run on the other CPUs, in
// the CALL_FUNCTION_VECTOR handler (Linux: same names), each counted in
// the TLB row of /proc/interrupts (Linux inc_irq_stat(irq_tlb_count)).
func do_kernel_range_flush(info uintptr) {
	f := (*flush_tlb_info)(asm.KernelPtr(info))
	asm.This_cpu_inc(asm.Irq_stat_tlb)
	Flush_tlb_kernel_range_local(f.start, f.end)
}

func do_flush_tlb_all(uintptr) {
	asm.This_cpu_inc(asm.Irq_stat_tlb)
	asm.X__flush_tlb_all()
}

// Flush_tlb_kernel_range_local flushes [start, end) on this CPU only:
// page by page up to the ceiling, everything above it (gokern: the local
// half of flush_tlb_kernel_range, which the shootdown test uses to show
// what it misses). It reports whether it took the full flush.
func Flush_tlb_kernel_range_local(start, end uintptr) (full bool) {
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
