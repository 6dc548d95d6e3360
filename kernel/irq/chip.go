package irq

// The controller and the flow handlers. Linux: include/linux/irq.h (struct
// irq_chip) and kernel/irq/chip.c (handle_edge_irq, handle_level_irq,
// handle_fasteoi_irq, handle_bad_irq), handle.c (handle_irq_event).

// IrqChip is an interrupt controller's operations, struct irq_chip. A nil
// operation is skipped.
type IrqChip struct {
	Name         string
	Irq_mask     func(d *IrqData) // stop the line
	Irq_unmask   func(d *IrqData)
	Irq_ack      func(d *IrqData) // edge: acknowledge, so that the next edge is seen
	Irq_mask_ack func(d *IrqData) // level: mask and acknowledge in one
	Irq_eoi      func(d *IrqData) // end of interrupt
}

func mask_irq(desc *IrqDesc) {
	if c := desc.Irq_data.Chip; c != nil && c.Irq_mask != nil {
		c.Irq_mask(&desc.Irq_data)
	}
}

func unmask_irq(desc *IrqDesc) {
	if c := desc.Irq_data.Chip; c != nil && c.Irq_unmask != nil {
		c.Irq_unmask(&desc.Irq_data)
	}
}

func mask_ack_irq(desc *IrqDesc) {
	c := desc.Irq_data.Chip
	switch {
	case c == nil:
	case c.Irq_mask_ack != nil:
		c.Irq_mask_ack(&desc.Irq_data)
	default:
		mask_irq(desc)
		if c.Irq_ack != nil {
			c.Irq_ack(&desc.Irq_data)
		}
	}
}

// handle_irq_event calls every action of the line and returns whether one
// of them claimed the interrupt (Linux handle_irq_event →
// __handle_irq_event_percpu), then lets note_interrupt account for it.
// Called with desc->lock held; the handlers run with it dropped and
// Inprogress set (Linux IRQD_IRQ_INPROGRESS), so that free_irq on another
// CPU waits for them (synchronize_irq) and never for the lock meanwhile.
func handle_irq_event(desc *IrqDesc) Irqreturn_t {
	desc.Inprogress.Store(true)
	desc_unlock(desc)
	ret := IRQ_NONE
	for a := desc.Action; a != nil; a = a.Next {
		ret |= a.Handler(desc.Irq_data.Irq, a.Dev_id)
	}
	desc_lock(desc)
	desc.Inprogress.Store(false)
	note_interrupt(desc, ret)
	return ret
}

// Handle_edge_irq: acknowledge first, so that an edge that comes while the
// handlers run is latched and delivered again, then run them (Linux
// handle_edge_irq). The I/O APIC's edge lines, whose acknowledgement is
// the local APIC's EOI.
func Handle_edge_irq(desc *IrqDesc) {
	desc_lock(desc)
	desc.Kstat_irqs++
	if desc.Action == nil || desc.Depth > 0 {
		// Nobody asked for it, or it is disabled: mask it so that it
		// stops, and count it (Linux: desc->istate |= IRQS_PENDING).
		mask_ack_irq(desc)
		note_interrupt(desc, IRQ_NONE)
		desc_unlock(desc)
		return
	}
	if c := desc.Irq_data.Chip; c != nil && c.Irq_ack != nil {
		c.Irq_ack(&desc.Irq_data)
	}
	handle_irq_event(desc)
	desc_unlock(desc)
}

// Handle_level_irq: mask and acknowledge, run the handlers, unmask: the
// line stays asserted until a handler quiets the device, so it must not
// fire again meanwhile (Linux handle_level_irq). The 8259's lines.
func Handle_level_irq(desc *IrqDesc) {
	desc_lock(desc)
	mask_ack_irq(desc)
	desc.Kstat_irqs++
	if desc.Action == nil || desc.Depth > 0 {
		note_interrupt(desc, IRQ_NONE)
		desc_unlock(desc)
		return
	}
	handle_irq_event(desc)
	if desc.Depth == 0 {
		unmask_irq(desc)
	}
	desc_unlock(desc)
}

// Handle_fasteoi_irq: run the handlers, then one end-of-interrupt to the
// controller (Linux handle_fasteoi_irq). The I/O APIC's level lines.
func Handle_fasteoi_irq(desc *IrqDesc) {
	desc_lock(desc)
	desc.Kstat_irqs++
	if desc.Action == nil || desc.Depth > 0 {
		mask_irq(desc)
		note_interrupt(desc, IRQ_NONE)
	} else {
		handle_irq_event(desc)
	}
	if c := desc.Irq_data.Chip; c != nil && c.Irq_eoi != nil {
		c.Irq_eoi(&desc.Irq_data)
	}
	desc_unlock(desc)
}
