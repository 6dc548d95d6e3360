package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/kernel/smp"
	"gokern/mm"
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

// user_flush_info: the user range the CPUs running an mm flush (Linux
// struct flush_tlb_info with its mm), on the caller's stack for the
// call's duration (the call waits).
type user_flush_info struct{ pgd, start, end uint64 }

// Native_flush_tlb_multi flushes [start, end) of m from the TLBs of the
// CPUs of mask, through the call-function IPI, and waits for them
// (Linux native_flush_tlb_multi → flush_tlb_func on each): a thread of
// the same process running there could otherwise go on using a page
// this CPU is about to free. mm's flush_tlb_mm_range calls it.
func Native_flush_tlb_multi(mask uint64, m *mm.MmStruct, start, end uint64) {
	info := user_flush_info{uint64(m.Pgd), start, end}
	smp.Smp_call_function_many(mask, flush_tlb_func, uintptr(unsafe.Pointer(&info)), true)
}

// flush_tlb_func runs on each CPU asked (Linux flush_tlb_func): only if
// its CR3 still holds that mm (it may have switched away, which dropped
// the user entries anyway), counted in the TLB row.
func flush_tlb_func(arg uintptr) {
	f := (*user_flush_info)(asm.KernelPtr(arg))
	asm.This_cpu_inc(asm.Irq_stat_tlb)
	if asm.Read_cr3()&^(asm.PAGE_SIZE-1) != f.pgd {
		return
	}
	if f.end-f.start > Tlb_single_page_flush_ceiling*asm.PAGE_SIZE {
		asm.Write_cr3(asm.Read_cr3())
		return
	}
	for a := f.start; a < f.end; a += asm.PAGE_SIZE {
		asm.Invlpg(uintptr(a))
	}
}
