package irq

import "gokern/printk"

// Interrupts nobody claimed. Linux: kernel/irq/spurious.c (note_interrupt,
// __report_bad_irq): a line whose handlers all say IRQ_NONE is counted;
// when 99,900 of 100,000 went unclaimed the line is "stuck" and Linux
// disables it ("irq 4: nobody cared"). gokern keeps those numbers, and
// reports at once the first interrupt of a line that no handler is
// installed on, or that is disabled: in a teaching kernel a device nobody
// handles is a bug to see, not noise. A line with a handler that
// sometimes says IRQ_NONE is normal, as in Linux: an edge that comes
// while the handler is already taking the data it announces (the 8250
// reads a byte that arrived during its loop, then gets that byte's edge
// with nothing left) is only counted ("(N unhandled)" in the interrupt
// counts).

// unhandled_reported: lines whose first unclaimed interrupt was reported.
var unhandled_reported [NR_IRQS]bool

func note_interrupt(desc *IrqDesc, ret Irqreturn_t) {
	irq := desc.Irq_data.Irq
	if ret == IRQ_NONE {
		desc.Irqs_unhandled++
		desc.Unhandled++
		if !unhandled_reported[irq] && (desc.Action == nil || desc.Depth > 0) {
			unhandled_reported[irq] = true
			reason := "no handler is installed"
			if desc.Action != nil {
				reason = "the line is disabled"
			}
			printk.Pr_warn("irq %d: unexpected interrupt on vector 0x%02x: %s (counted; more are not reported)\n",
				printk.Int(irq), printk.Int(desc.Vector), printk.Str(reason))
		}
	}
	desc.Irq_count++
	if desc.Irq_count < 100000 {
		return
	}
	if desc.Irqs_unhandled > 99900 {
		printk.Pr_emerg("irq %d: nobody cared (try booting with the \"irqpoll\" option)\n", printk.Int(irq))
		printk.Pr_emerg("Disabling IRQ #%d\n", printk.Int(irq))
		desc.Depth++
		mask_irq(desc)
	}
	desc.Irq_count, desc.Irqs_unhandled = 0, 0
}
