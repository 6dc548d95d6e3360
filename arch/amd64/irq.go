package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/kernel/irq"
	"gokern/printk"
	"gokern/traps"
)

// From a CPU vector to its handler. Linux: arch/x86/kernel/irq.c
// (common_interrupt, handle_irq, vector_irq, ack_bad_irq,
// arch_show_interrupts), arch/x86/kernel/apic/apic.c (the system vectors'
// sysvec_* handlers), include/asm-generic/irq_regs.h (get_irq_regs).
//
// The entry code (package traps) brings every vector 32-255 but 0x80 here,
// with the registers of the interrupted context in regs and interrupts
// off. Linux gives the system vectors IDT entries of their own; gokern's
// stubs share one path, so dispatchInterrupt sorts them out first.

var (
	// vector_irq maps a device vector to its irq descriptor (Linux's
	// per-CPU vector_irq); nil: no device behind it.
	vector_irq [asm.NR_VECTORS]*irq.IrqDesc
	// Vector_count counts every interrupt taken, by vector (gokern: the
	// per-vector view of /proc/interrupts, for the SysRq 't' key).
	Vector_count [asm.NR_VECTORS]uint64
)

// Get_irq_regs returns the interrupted context while an interrupt is
// being handled, nil otherwise (Linux get_irq_regs).
// It is per CPU (asm.Irq_regs): what SysRq 'r' shows.
func Get_irq_regs() *asm.PtRegs { return asm.This_cpu_read(asm.Irq_regs) }

// dispatchInterrupt handles one interrupt (Linux common_interrupt →
// handle_irq → the descriptor's flow handler; the sysvec_* handlers for
// the system vectors). A vector with nothing behind it is acknowledged,
// so that the local APIC delivers what comes next, and counted and
// reported (ack_bad_irq).
func dispatchInterrupt(regs *asm.PtRegs) {
	vector := uint8(regs.Vector)
	// Every CPU counts here (one word per vector for all of them): an
	// atomic add, or two CPUs' ticks would lose counts.
	atomic.AddUint64(&Vector_count[vector], 1)
	old := asm.This_cpu_read(asm.Irq_regs)
	asm.This_cpu_write(asm.Irq_regs, regs)
	switch vector {
	case asm.LOCAL_TIMER_VECTOR:
		apic.Sysvec_apic_timer_interrupt()
	case asm.SPURIOUS_APIC_VECTOR:
		apic.Sysvec_spurious_apic_interrupt(vector)
	case asm.ERROR_APIC_VECTOR:
		apic.Sysvec_error_interrupt()
	default:
		if desc := vector_irq[vector]; desc != nil {
			irq.Generic_handle_irq_desc(desc)
		} else {
			ack_bad_irq(vector)
		}
	}
	asm.This_cpu_write(asm.Irq_regs, old)
}

// Irq_bad_count counts the interrupts on vectors with nothing behind them.
var Irq_bad_count uint64

// ack_bad_irq: an interrupt on a vector nothing was set up for. Only the
// local APIC can deliver one (the 8259s' and the I/O APIC's vectors all
// have descriptors): acknowledge it there if it is in service, then
// count and report it (Linux ack_bad_irq, and common_interrupt's "No irq
// handler for vector").
func ack_bad_irq(vector uint8) {
	Irq_bad_count++
	if apic.Lapic_mapped() && apic.Apic_isr_bit(vector) {
		apic.Apic_eoi()
	}
	traps.Unexpected_irq(uint64(vector))
}

// percpu_columns formats one per-CPU counter as the columns of a
// /proc/interrupts row: each online CPU's count, 11 characters each.
func percpu_columns(buf []byte, v asm.Ptr[uint64]) []byte {
	n := 0
	for cpu := 0; cpu < cpumask.Nr_cpu_ids && n < len(buf); cpu++ {
		if cpumask.Cpu_online(cpu) {
			n += printk.Snprintf(buf[n:], " %10d", printk.Int(asm.Per_cpu_read(v, cpu)))
		}
	}
	return buf[:min(n, len(buf))]
}

// arch_show_interrupts prints the rows of the system vectors and every
// vector taken (Linux arch_show_interrupts: NMI, LOC, SPU, ERR, ...).
func arch_show_interrupts() {
	// The per-CPU rows, one column per online CPU (Linux
	// arch_show_interrupts: irq_stats(j)->apic_timer_irqs, ...).
	var cols [11 * asm.NR_CPUS]byte
	printk.Pr_info("LOC:%s   Local timer interrupts\n", printk.Bytes(percpu_columns(cols[:], asm.Irq_stat_loc)))
	printk.Pr_info("RES:%s   Rescheduling interrupts\n", printk.Bytes(percpu_columns(cols[:], asm.Irq_stat_resched)))
	printk.Pr_info("CAL:%s   Function call interrupts\n", printk.Bytes(percpu_columns(cols[:], asm.Irq_stat_call)))
	printk.Pr_info("TLB:%s   TLB shootdowns\n", printk.Bytes(percpu_columns(cols[:], asm.Irq_stat_tlb)))
	printk.Pr_info("SPU: %10d   Spurious interrupts\n", printk.Int(apic.Irq_spurious_count))
	printk.Pr_info("ERR: %10d   APIC errors, and interrupts on vectors nothing was set up for: %d\n",
		printk.Int(apic.Irq_err_count), printk.Int(Irq_bad_count))
	printk.Pr_info("Vectors taken:")
	for v := range Vector_count {
		if Vector_count[v] != 0 {
			printk.Pr_cont(" 0x%02x:%d", printk.Int(v), printk.Int(Vector_count[v]))
		}
	}
	printk.Pr_cont("\n")
}
