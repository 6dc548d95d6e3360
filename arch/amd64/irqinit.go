package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/i8259"
	"gokern/kernel/irq"
	"gokern/printk"
	"gokern/traps"
)

// init_IRQ: the interrupt descriptors and the legacy controllers. Linux:
// arch/x86/kernel/irqinit.c (init_IRQ, native_init_IRQ, init_ISA_irqs),
// seeds/002 "More on IDT Initialization" (init_IRQ "takes care of setting
// up device interrupts").
//
// The ISA IRQs start on the 8259s, remapped to vectors 0x30-0x3f and all
// masked; time_init's apic_intr_mode_init then hands them to the I/O APIC
// when the machine has one. The entry code brings every vector 32-255 but
// 0x80 to traps.Do_IRQ, which calls dispatchInterrupt (irq.go) once
// init_IRQ has plugged it in.

// Init_IRQ sets up the ISA IRQs' descriptors on the 8259s and their
// vectors, and becomes the handler of the interrupt vectors (Linux
// init_IRQ → native_init_IRQ → init_ISA_irqs; the vector_irq entries of
// the legacy vectors).
func Init_IRQ() {
	// No 8259A (microvm with pic=off): the ISA lines have no controller
	// until the I/O APIC takes them (Linux's null_legacy_pic).
	if i8259.Probe_8259A() {
		i8259.Init_8259A(false)
		i8259.Legacy_pic_init()
	}
	for i := 0; i < asm.NR_IRQS_LEGACY; i++ {
		if d := irq.Irq_to_desc(i); d != nil && d.Handle_irq != nil {
			vector_irq[d.Vector] = d
		}
	}
	irq.ArchShowInterrupts = arch_show_interrupts
	// printk keeps a message whole against the interrupts to come.
	printk.Irq_save, printk.Irq_restore = asm.Arch_local_irq_save, asm.Arch_local_irq_restore
	traps.Irq_handler = dispatchInterrupt
}
