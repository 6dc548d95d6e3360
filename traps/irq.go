package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// The way in for device interrupts and IPIs: vectors 32-255, but 0x80.
// Linux: arch/x86/kernel/irq.c (do_IRQ in 4.x, common_interrupt in 5.8+:
// the C half of entry_64.S's common_interrupt). The interrupt controllers,
// irq_desc and request_irq belong to init_IRQ (arch/amd64/apic, irq
// code), which plugs itself in through Irq_handler.
//
// The contract: every such vector arrives, on this CPU's IRQ stack with
// interrupts off, at Irq_handler(regs) with the vector in regs.Vector;
// acknowledging the interrupt controller (EOI) is the handler's job, and
// so is turning interrupts on (in the idle loop). Until init_IRQ sets it,
// or for a vector it does not know, nothing is ignored: Do_IRQ counts it
// and says so.

// Irq_handler handles vectors 32-255 (but 0x80); set by init_IRQ.
var Irq_handler func(regs *asm.PtRegs)

// Irq_unexpected counts, per vector, the interrupts that arrived with no
// Irq_handler to take them.
var Irq_unexpected [asm.NR_VECTORS]uint64

// Do_IRQ is the entry code's Interrupt_hook (Linux do_IRQ).
func Do_IRQ(regs *asm.PtRegs) {
	if h := Irq_handler; h != nil {
		h(regs)
		return
	}
	Unexpected_irq(regs.Vector)
}

// Unexpected_irq counts an interrupt nobody handles and reports it: the
// first on each vector, then every power of two (Linux
// pr_emerg_ratelimited("%s: %d.%u No irq handler for vector")). It is
// exported for init_IRQ's handler, for vectors it has no irq_desc for.
func Unexpected_irq(vector uint64) {
	v := vector & (asm.NR_VECTORS - 1)
	Irq_unexpected[v]++
	if n := Irq_unexpected[v]; n&(n-1) == 0 {
		printk.Pr_emerg("do_IRQ: %d.%d No irq handler for vector (%d so far)\n",
			printk.Int(asm.Smp_processor_id()), printk.Int(v), printk.Int(n))
	}
}
