package mm

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/cpumask"
	"gokern/kernel/smp"
	"gokern/kunit"
	"gokern/paging"
	"gokern/printk"
)

// tlb_remote_read: what the last read_scratch_remote read, + 1.
var tlb_remote_read atomic.Uint32

func read_scratch_remote(uintptr) { tlb_remote_read.Store(uint32(read_scratch()) + 1) }

// remote_read reads the scratch page on cpu, through cpu's own TLB.
func remote_read(cpu int) int {
	tlb_remote_read.Store(0)
	if smp.Smp_call_function_single(cpu, read_scratch_remote, 0, true) != 0 {
		return -1
	}
	return int(tlb_remote_read.Load()) - 1
}

// Test_tlb_shootdown proves why a TLB change must reach the other CPUs
// (seeds/002 "Types of TLB relevant events"): another CPU reads a kernel
// page through a mapping, so its TLB holds the translation; this CPU
// points the mapping at another frame and flushes only its own TLB: it
// reads the new frame, the other CPU still the old one (QEMU's TCG keeps
// a software TLB per vCPU, as hardware does); after
// flush_tlb_kernel_range, which interrupts the others and flushes theirs,
// the other CPU reads the new frame. It prints the cost of a shootdown of
// 1 and 64 pages.
func Test_tlb_shootdown(t *kunit.Kunit) {
	target := cpumask.Cpu_online_mask.Next(asm.Smp_processor_id())
	if target >= cpumask.Nr_cpu_ids {
		t.Logf("one CPU online: no other TLB to shoot down")
		return
	}
	frame, ok := map_tlb_scratch(t, 0xb0)
	if !ok {
		return
	}
	tlb_shootdown(t, target, frame)
	paging.Unmap(&asm.DirectMap, cr3_pgd(), tlb_scratch)
	Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE)
}

// tlb_shootdown is Test_tlb_shootdown with the scratch page mapped at
// frame[0].
func tlb_shootdown(t *kunit.Kunit, target int, frame [2]uint64) {
	if v := remote_read(target); v != 0xb0 {
		t.Errorf("CPU %d reads %#x through the new mapping, want 0xb0", printk.Int(target), printk.Int(v))
		return
	}
	paging.Set_pte(scratch_pte(), paging.Pfn_pte(paging.PFN(frame[1]>>asm.PAGE_SHIFT), paging.PAGE_KERNEL))
	Flush_tlb_kernel_range_local(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE)
	if v := read_scratch(); v != 0xb1 {
		t.Errorf("this CPU reads %#x after its local flush, want 0xb1", printk.Int(v))
	}
	stale := remote_read(target)
	if stale != 0xb0 {
		t.Errorf("CPU %d reads %#x after a local-only flush elsewhere: want its stale TLB's 0xb0", printk.Int(target), printk.Int(stale))
	}
	Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE)
	if v := remote_read(target); v != 0xb1 {
		t.Errorf("CPU %d reads %#x after the shootdown, want 0xb1", printk.Int(target), printk.Int(v))
	}
	const rounds = 100
	var ns [2]uint64
	for k, pages := range [2]uintptr{1, 64} {
		t0 := asm.Rdtsc()
		for i := 0; i < rounds; i++ {
			Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+pages*asm.PAGE_SIZE)
		}
		ns[k] = (asm.Rdtsc() - t0) * 1000000 / tsc.Tsc_khz / rounds
	}
	t.Logf("CPU %d read %#x after a local-only flush, %#x after the shootdown; flush_tlb_kernel_range on %d CPUs: %d ns for 1 page, %d ns for 64 pages (full flush)",
		printk.Int(target), printk.Int(stale), printk.Int(0xb1), printk.Int(cpumask.Num_online_cpus()), printk.Int(ns[0]), printk.Int(ns[1]))
}
