// Package irq is gokern's generic interrupt layer, Linux's kernel/irq: one
// descriptor per interrupt line (irq_desc) naming the controller that
// carries it (irq_chip) and the flow handler that drives the controller
// (handle_edge_irq, handle_level_irq, handle_fasteoi_irq), the drivers'
// handlers hung on it (request_irq / free_irq), and the counts behind
// /proc/interrupts. The architecture turns a CPU vector into a descriptor
// (arch/amd64/irq.go: dispatchInterrupt, vector_irq); the controllers are
// arch/amd64/i8259 and arch/amd64/apic.
//
// Linux: kernel/irq/irqdesc.c, chip.c, handle.c, manage.c, spurious.c,
// proc.c; include/linux/irq.h, irqdesc.h, interrupt.h. Seeds: 002 "Traps
// vs. Interrupts", "IDT Entries".
//
// Kernel-Go: descriptors and irqactions come from the slab allocator, as
// Linux's do with SPARSE_IRQ (kzalloc in alloc_desc, in request_irq), not
// from the Go heap; handlers are top-level functions with a dev_id word,
// never closures.
package irq

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/printk"
)

// NR_IRQS: the Linux irq numbers gokern has descriptors for: 0-15 the ISA
// lines, then one per I/O APIC pin above 15 (the I/O APIC's global system
// interrupts). Linux: NR_IRQS (without SPARSE_IRQ).
const NR_IRQS = 64

// IrqData is a descriptor's controller-facing half, struct irq_data.
type IrqData struct {
	Irq       int      // the Linux irq number
	Hwirq     uint32   // the controller's input: the 8259 line, the I/O APIC pin
	Chip      *IrqChip // the controller
	Chip_data uintptr  // the controller's own (which I/O APIC)
}

// Irq_flow_handler_t drives the controller around the actions (Linux
// irq_flow_handler_t).
type Irq_flow_handler_t func(desc *IrqDesc)

// IrqDesc is one interrupt line, struct irq_desc.
type IrqDesc struct {
	Irq_data   IrqData
	Handle_irq Irq_flow_handler_t // nil: the line is not set up
	Action     *Irqaction         // the handlers, a list
	Name       string             // the flow's name, for /proc/interrupts ("edge", "fasteoi")
	Depth      int                // disable_irq nesting: > 0 is masked
	// Kstat_irqs counts the interrupts that arrived on this line
	// (Linux desc->kstat_irqs, per CPU there).
	Kstat_irqs uint64
	// Irq_count and Irqs_unhandled: how many arrived since the last
	// check and how many of them no handler claimed (Linux spurious.c).
	Irq_count      uint64
	Irqs_unhandled uint64
	// Unhandled counts every unclaimed interrupt since boot (gokern).
	Unhandled uint64
	Vector    uint8 // the CPU vector it arrives on (x86: apicd->vector), 0 if none
	// Lock guards Action, Depth and the controller's state against the
	// flow handler on the CPU the line interrupts (Linux desc->lock, a
	// raw spinlock): request_irq, free_irq, disable_irq and enable_irq on
	// another CPU take it with interrupts off. Taken once the kernel is
	// SMP (mm.Smp, as the allocators' locks; the host tests, one
	// goroutine, run without it).
	Lock asm.Spinlock_t
	// Inprogress: the handlers run now, on some CPU, with Lock dropped
	// (Linux IRQD_IRQ_INPROGRESS); synchronize_irq waits for it to clear.
	Inprogress atomic.Bool
}

// raw_spin_lock_irqsave(&desc->lock) and its unlock, from process
// context; desc_lock and desc_unlock from the flow handlers, interrupts
// already off (Linux raw_spin_lock(&desc->lock)).
func desc_lock_irqsave(d *IrqDesc) uint64 {
	if !mm.Smp {
		return 0
	}
	return d.Lock.Spin_lock_irqsave(0)
}

func desc_unlock_irqrestore(d *IrqDesc, flags uint64) {
	if mm.Smp {
		d.Lock.Spin_unlock_irqrestore(flags)
	}
}

func desc_lock(d *IrqDesc) {
	if mm.Smp {
		d.Lock.Do_raw_spin_lock(0)
	}
}

func desc_unlock(d *IrqDesc) {
	if mm.Smp {
		d.Lock.Do_raw_spin_unlock()
	}
}

// Synchronize_irq waits until no CPU runs irq's handlers (Linux
// synchronize_irq → __synchronize_hardirq): after free_irq unlinked an
// action, the flow handler on another CPU may still be calling it; only
// once Inprogress is clear, seen under the lock, is the action unused.
func Synchronize_irq(irq int) {
	desc := Irq_to_desc(irq)
	if desc == nil {
		return
	}
	for {
		for desc.Inprogress.Load() {
			asm.Cpu_relax()
		}
		flags := desc_lock_irqsave(desc)
		busy := desc.Inprogress.Load()
		desc_unlock_irqrestore(desc, flags)
		if !busy {
			return
		}
	}
}

// irq_desc holds the descriptors, allocated as lines are set up (Linux
// SPARSE_IRQ keeps them in a tree, sparse_irqs, allocating each with
// kzalloc in alloc_desc; without SPARSE_IRQ it has a static
// irq_desc[NR_IRQS], which is what gokern had before the slab allocator).
var irq_desc [NR_IRQS]*IrqDesc

// Irq_to_desc returns irq's descriptor, or nil if there is no such line or
// it has none yet (Linux irq_to_desc).
func Irq_to_desc(irq int) *IrqDesc {
	if irq < 0 || irq >= NR_IRQS {
		return nil
	}
	return irq_desc[irq]
}

// alloc_desc allocates irq's descriptor, masked (Linux alloc_desc,
// desc_set_defaults), or returns the one it has.
func alloc_desc(irq int) *IrqDesc {
	if d := irq_desc[irq]; d != nil {
		return d
	}
	d := slab.Kzalloc[IrqDesc](mm.GFP_KERNEL)
	if d == nil {
		printk.Pr_err("genirq: no memory for the descriptor of irq %d\n", printk.Int(irq))
		return nil
	}
	d.Irq_data.Irq = irq
	d.Depth = 1
	d.Lock = asm.Spinlock_t{Owner_cpu: -1, Name: "irq_desc->lock"}
	irq_desc[irq] = d
	return d
}

// Early_irq_init allocates the descriptors of the 16 ISA lines, which the
// 8259s and the I/O APIC's legacy pins use from the start (Linux
// early_irq_init with SPARSE_IRQ: arch_probe_nr_irqs' initcnt); the other
// lines get theirs when they are set up. From start_kernel, before
// init_IRQ: the slab allocator is up by then.
func Early_irq_init() {
	for i := 0; i < asm.NR_IRQS_LEGACY; i++ {
		alloc_desc(i)
	}
	printk.Pr_info("NR_IRQS: %d, nr_irqs: %d, preallocated irqs: %d\n", printk.Int(NR_IRQS),
		printk.Int(NR_IRQS), printk.Int(asm.NR_IRQS_LEGACY))
}

// Irq_set_chip_and_handler_name makes irq a line of chip, at the
// controller's input hwirq, driven by handle (Linux
// irq_set_chip_and_handler_name, with irq_set_chip_data).
func Irq_set_chip_and_handler_name(irq int, chip *IrqChip, hwirq uint32, chip_data uintptr, handle Irq_flow_handler_t, name string) {
	if irq < 0 || irq >= NR_IRQS {
		return
	}
	d := alloc_desc(irq) // a line past the legacy ones: its descriptor now (Linux: irq_domain_alloc_descs)
	if d == nil {
		return
	}
	d.Irq_data.Chip, d.Irq_data.Hwirq, d.Irq_data.Chip_data = chip, hwirq, chip_data
	d.Handle_irq, d.Name = handle, name
	if d.Action == nil {
		d.Depth = 1 // masked until a handler is requested
	}
}

// Kstat_irqs returns how many interrupts irq has had (Linux kstat_irqs).
func Kstat_irqs(irq int) uint64 {
	if d := Irq_to_desc(irq); d != nil {
		return d.Kstat_irqs
	}
	return 0
}

// Generic_handle_irq_desc runs the line's flow handler (Linux
// generic_handle_irq_desc).
func Generic_handle_irq_desc(desc *IrqDesc) {
	desc.Handle_irq(desc)
}

// Reset forgets every descriptor, for the host tests (which boot a new
// memory manager for each test).
func Reset() {
	irq_desc = [NR_IRQS]*IrqDesc{}
	unhandled_reported = [NR_IRQS]bool{}
}
