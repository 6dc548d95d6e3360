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

// Test_tlb_shootdown shows why a TLB change must reach the other CPUs
// (seeds/002 "Types of TLB relevant events"): another CPU reads a kernel
// page through a mapping, so its TLB may hold the translation; this CPU
// points the mapping at another frame and flushes only its own TLB: it
// must read the new frame, while the other CPU may still read the old
// one; after flush_tlb_kernel_range, which interrupts the others and
// flushes theirs, the other CPU must read the new frame. It prints the
// cost of a shootdown of 1 and 64 pages.
//
// What the architecture promises is the flush, not the stale entry:
// "Processors that do implement TLBs may invalidate any TLB entry at any
// time. Software should not rely on the existence of TLBs or on the
// retention of TLB entries" (SDM Vol. 3A §4.10.2.2). QEMU's TCG drops
// entries too: its software TLB is direct-mapped on the page number's
// low bits, with an 8-entry victim TLB behind it (accel/tcg/cputlb.c),
// so whether the other CPU still holds the entry at the next IPI depends
// on which kernel pages its return from the IPI, idle loop and next IPI
// entry touch in between, and on the image's layout: on f1eda5a's image
// it had dropped the entry in 6 boots of 24 (and in an instrumented image
// with nothing run there in between but that path: its timer,
// reschedule and TLB counts unmoved); with the scratch page 0x55 pages
// further, in 0 of 24. So the test asks the promised things every round (this CPU reads the new frame after its
// flush, the other CPU the old or the new one after it, the new one
// after the shootdown, and the shootdown ran a flush on the other CPU:
// its TLB count went up) and counts the rounds in which the other CPU
// still read the old frame, where the shootdown is what replaced it.
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

// tlb_shootdown_rounds: how many times Test_tlb_shootdown moves the
// mapping between its two frames.
const tlb_shootdown_rounds = 16

// tlb_shootdown is Test_tlb_shootdown with the scratch page mapped at
// frame[0], which holds 0xb0 (frame[1] 0xb1).
func tlb_shootdown(t *kunit.Kunit, target int, frame [2]uint64) {
	stale := 0
	for r := 0; r < tlb_shootdown_rounds; r++ {
		old, next := r&1, 1-r&1
		oldv, nextv := 0xb0+old, 0xb0+next
		if v := remote_read(target); v != oldv {
			t.Errorf("round %d: CPU %d reads %#x through the mapping, want %#x", printk.Int(r), printk.Int(target), printk.Int(v), printk.Int(oldv))
			return
		}
		paging.Set_pte(scratch_pte(), paging.Pfn_pte(paging.PFN(frame[next]>>asm.PAGE_SHIFT), paging.PAGE_KERNEL))
		Flush_tlb_kernel_range_local(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE)
		if v := int(read_scratch()); v != nextv {
			t.Errorf("round %d: this CPU reads %#x after its local flush, want %#x", printk.Int(r), printk.Int(v), printk.Int(nextv))
			return
		}
		switch v := remote_read(target); v {
		case oldv:
			stale++
		case nextv:
			// Its TLB no longer held the entry (SDM §4.10.2.2).
		default:
			t.Errorf("round %d: CPU %d reads %#x after a local-only flush elsewhere, want %#x (stale) or %#x", printk.Int(r), printk.Int(target), printk.Int(v), printk.Int(oldv), printk.Int(nextv))
			return
		}
		shot := asm.Per_cpu_read(asm.Irq_stat_tlb, target)
		Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE)
		if asm.Per_cpu_read(asm.Irq_stat_tlb, target) == shot {
			t.Errorf("round %d: CPU %d ran no TLB flush for the shootdown", printk.Int(r), printk.Int(target))
			return
		}
		if v := remote_read(target); v != nextv {
			t.Errorf("round %d: CPU %d reads %#x after the shootdown, want %#x", printk.Int(r), printk.Int(target), printk.Int(v), printk.Int(nextv))
			return
		}
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
	t.Logf("CPU %d still read the old frame after a local-only flush in %d of %d rounds, the new one after every shootdown; flush_tlb_kernel_range on %d CPUs: %d ns for 1 page, %d ns for 64 pages (full flush)",
		printk.Int(target), printk.Int(stale), printk.Int(tlb_shootdown_rounds), printk.Int(cpumask.Num_online_cpus()), printk.Int(ns[0]), printk.Int(ns[1]))
}
