package amd64

import (
	"gokern/arch/amd64/i8259"
)

// init_IRQ: the interrupt descriptors and the legacy controllers. Linux:
// arch/x86/kernel/irqinit.c (init_IRQ, native_init_IRQ, init_ISA_irqs),
// seeds/002 "More on IDT Initialization" (init_IRQ "takes care of setting
// up device interrupts").
//
// The ISA IRQs start on the 8259s, remapped to vectors 0x30-0x3f and all
// masked; time_init's apic_intr_mode_init then hands them to the I/O APIC
// when the machine has one.

// Init_IRQ sets up the ISA IRQs' descriptors on the 8259s (Linux init_IRQ
// → native_init_IRQ → init_ISA_irqs).
func Init_IRQ() {
	i8259.Init_8259A()
	i8259.Legacy_pic_init()
}
