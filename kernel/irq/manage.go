package irq

import (
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/printk"
)

// Installing and removing handlers. Linux: kernel/irq/manage.c
// (request_irq → request_threaded_irq → __setup_irq, free_irq,
// disable_irq, enable_irq), include/linux/interrupt.h.

// Irqreturn_t is what a handler says (Linux irqreturn_t).
type Irqreturn_t int

const (
	IRQ_NONE    Irqreturn_t = 0 // not my device
	IRQ_HANDLED Irqreturn_t = 1
)

// Irq_handler_t is a driver's handler: the irq and the dev_id it
// registered with (Linux irq_handler_t; dev_id is a word, not a pointer,
// so that kernel memory never holds the only pointer to a Go object).
type Irq_handler_t func(irq int, dev_id uintptr) Irqreturn_t

// IRQF_SHARED: the line may have several handlers (Linux IRQF_SHARED;
// every one of them must say so).
const IRQF_SHARED = 0x80

// Irqaction is one handler on a line, struct irqaction.
type Irqaction struct {
	Handler Irq_handler_t
	Dev_id  uintptr
	Flags   uint
	Name    string
	Next    *Irqaction
}

// Errors, as Linux's negative errnos.
const (
	EINVAL = 22
	EBUSY  = 16
	ENOMEM = 12
	ENOSYS = 38
)

// Request_irq installs handler on irq, and unmasks the line when it is
// the first (Linux request_irq → __setup_irq, which links the action under
// desc->lock). It returns 0, -EINVAL (no such line, or the line is not set
// up), -EBUSY (taken, and not both shared) or -ENOMEM (no memory for the
// irqaction, which is kzalloc'd as in Linux, before the lock).
func Request_irq(irq int, handler Irq_handler_t, flags uint, name string, dev_id uintptr) int {
	desc := Irq_to_desc(irq)
	if desc == nil || desc.Handle_irq == nil || handler == nil {
		return -EINVAL
	}
	a := slab.Kzalloc[Irqaction](mm.GFP_KERNEL)
	if a == nil {
		return -ENOMEM
	}
	*a = Irqaction{Handler: handler, Dev_id: dev_id, Flags: flags, Name: name}
	lf := desc_lock_irqsave(desc)
	if old := desc.Action; old != nil && (old.Flags&flags&IRQF_SHARED == 0) {
		desc_unlock_irqrestore(desc, lf)
		printk.Pr_err("genirq: Flags mismatch irq %d. %08x (%s) vs. %08x (%s)\n",
			printk.Int(irq), printk.Int(flags), printk.Str(name), printk.Int(old.Flags), printk.Str(old.Name))
		slab.Kfree(a)
		return -EBUSY
	}
	pp := &desc.Action
	for *pp != nil {
		pp = &(*pp).Next
	}
	*pp = a
	if desc.Action == a {
		// The first handler: reset the spurious accounting and start the
		// line (Linux irq_startup).
		desc.Irq_count, desc.Irqs_unhandled = 0, 0
		desc.Depth = 0
		unmask_irq(desc)
	}
	desc_unlock_irqrestore(desc, lf)
	return 0
}

// Free_irq removes the handler registered on irq with dev_id and masks
// the line when it was the last (Linux free_irq → __free_irq): unlinked
// under desc->lock, then freed only once no CPU runs the line's handlers
// (synchronize_irq), since the flow handler on another CPU walks the
// actions without the lock. It returns the handler's name, or "" (with a
// warning, as Linux WARNs) when there was none.
func Free_irq(irq int, dev_id uintptr) string {
	desc := Irq_to_desc(irq)
	if desc == nil {
		return ""
	}
	lf := desc_lock_irqsave(desc)
	for pp := &desc.Action; *pp != nil; pp = &(*pp).Next {
		if a := *pp; a.Dev_id == dev_id {
			*pp = a.Next
			if desc.Action == nil {
				desc.Depth = 1
				mask_irq(desc)
			}
			desc_unlock_irqrestore(desc, lf)
			Synchronize_irq(irq)
			name := a.Name
			slab.Kfree(a)
			return name
		}
	}
	desc_unlock_irqrestore(desc, lf)
	printk.Pr_warn("Trying to free already-free IRQ %d\n", printk.Int(irq))
	return ""
}

// Disable_irq masks irq and waits until no CPU runs its handlers; calls
// nest (Linux disable_irq: disable_irq_nosync under desc->lock, then
// synchronize_irq). Not from the line's own handler, which it would wait
// for.
func Disable_irq(irq int) {
	desc := Irq_to_desc(irq)
	if desc == nil {
		return
	}
	lf := desc_lock_irqsave(desc)
	if desc.Depth == 0 {
		mask_irq(desc)
	}
	desc.Depth++
	desc_unlock_irqrestore(desc, lf)
	Synchronize_irq(irq)
}

// Enable_irq undoes one Disable_irq (Linux enable_irq, under desc->lock).
func Enable_irq(irq int) {
	desc := Irq_to_desc(irq)
	if desc == nil {
		return
	}
	lf := desc_lock_irqsave(desc)
	switch desc.Depth {
	case 0:
		printk.Pr_warn("Unbalanced enable for IRQ %d\n", printk.Int(irq))
	case 1:
		desc.Depth = 0
		if desc.Action != nil {
			unmask_irq(desc)
		}
	default:
		desc.Depth--
	}
	desc_unlock_irqrestore(desc, lf)
}
