// Package i8259 drives the PC's two cascaded 8259A interrupt controllers:
// the master's eight inputs are IRQ 0-7, the slave's IRQ 8-15 on the
// master's input 2. Before the I/O APIC takes over (and on a machine
// without one, or with "noapic") they are how devices interrupt the CPU.
// Linux: arch/x86/kernel/i8259.c (init_8259A, mask_8259A,
// mask_and_ack_8259A, i8259A_irq_real, i8259A_chip "XT-PIC"); the Intel
// 8259A datasheet. Seeds: 000 and 002 on the real mode's
// mask_all_interrupts and the remapping of the PIC.
//
// The BIOS leaves the master on vectors 0x08-0x0f, on top of the CPU's
// exceptions: init_8259A moves both to ISA_IRQ_VECTOR (0x30-0x3f), so that
// a stray IRQ can never look like a double fault.
package i8259

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/irq"
	"gokern/printk"
)

var (
	// Cached_irq_mask: the last masks written, IRQ n is bit n (Linux
	// cached_irq_mask); all masked at first.
	Cached_irq_mask uint16 = 0xffff
	// Spurious_irq7_count: interrupts the 8259 raised on IR7/IR15 with
	// nothing in service, the classic spurious 8259 interrupt.
	Spurious_irq_count uint64
	spurious_reported  [asm.NR_IRQS_LEGACY]bool
	// Initialized: init_8259A ran.
	Initialized bool
)

// outb_pic writes a PIC port; Linux's outb_pic adds the port-0x80 delay
// old 8259s needed between accesses.
func outb_pic(v uint8, port uint16) {
	asm.Outb(port, v)
	asm.Outb(0x80, 0)
}

// Probe_8259A reports whether there is an 8259A: with every slave line
// masked, a mask written to the master reads back (OCW1); where there is
// none the port floats and reads 0xff (Linux probe_8259A, which then
// installs the null_legacy_pic: "Using NULL legacy PIC"). Linux trusts
// the MADT's PCAT_COMPAT flag without probing, because some firmware
// leaves a real PIC unprogrammed; gokern always probes, which asks no
// more of the PIC than OCW1 read-back.
func Probe_8259A() bool {
	const probe_val = ^uint8(1 << asm.PIC_CASCADE_IR)
	asm.Outb(asm.PIC_SLAVE_IMR, 0xff)
	asm.Outb(asm.PIC_MASTER_IMR, probe_val)
	if v := asm.Inb(asm.PIC_MASTER_IMR); v != probe_val {
		printk.Pr_info("Using NULL legacy PIC (the 8259A's mask register reads %#02x, not %#02x)\n", printk.Int(v), printk.Int(probe_val))
		return false
	}
	asm.Outb(asm.PIC_MASTER_IMR, 0xff)
	return true
}

// Init_8259A reprograms both controllers (ICW1-ICW4, datasheet
// "Initialization Command Words"): edge triggered, cascaded, master base
// vector ISA_IRQ_VECTOR(0), slave ISA_IRQ_VECTOR(8), the slave on the
// master's IR2, 8086 mode, normal EOI (the master in automatic EOI mode
// with auto_eoi: check_timer's virtual wire, where no INTA cycle and no
// EOI reach it); then every line masked except those Cached_irq_mask
// leaves open (Linux init_8259A(auto_eoi), which also switches the
// chip's mask_ack to a plain mask in AEOI mode).
func Init_8259A(auto_eoi bool) {
	outb_pic(0xff, asm.PIC_MASTER_IMR)
	outb_pic(0xff, asm.PIC_SLAVE_IMR)
	outb_pic(asm.ICW1_INIT|asm.ICW1_ICW4, asm.PIC_MASTER_CMD)  // ICW1
	outb_pic(uint8(asm.ISA_IRQ_VECTOR(0)), asm.PIC_MASTER_IMR) // ICW2: vector base
	outb_pic(1<<asm.PIC_CASCADE_IR, asm.PIC_MASTER_IMR)        // ICW3: a slave on IR2
	if auto_eoi {
		outb_pic(asm.ICW4_8086|asm.ICW4_AEOI, asm.PIC_MASTER_IMR) // ICW4
		I8259A_chip.Irq_mask_ack = mask_8259A_irq
	} else {
		outb_pic(asm.ICW4_8086, asm.PIC_MASTER_IMR) // ICW4
		I8259A_chip.Irq_mask_ack = mask_and_ack_8259A
	}
	outb_pic(asm.ICW1_INIT|asm.ICW1_ICW4, asm.PIC_SLAVE_CMD)  // ICW1
	outb_pic(uint8(asm.ISA_IRQ_VECTOR(8)), asm.PIC_SLAVE_IMR) // ICW2
	outb_pic(asm.PIC_CASCADE_IR, asm.PIC_SLAVE_IMR)           // ICW3: my cascade identity
	outb_pic(asm.ICW4_8086, asm.PIC_SLAVE_IMR)                // ICW4
	outb_pic(uint8(Cached_irq_mask), asm.PIC_MASTER_IMR)
	outb_pic(uint8(Cached_irq_mask>>8), asm.PIC_SLAVE_IMR)
	Initialized = true
}

// write_masks writes the cached masks out; the slave's cascade line on
// the master is open whenever a slave line is.
func write_masks() {
	m := Cached_irq_mask
	if m&0xff00 != 0xff00 {
		m &^= 1 << asm.PIC_CASCADE_IR
	} else {
		m |= 1 << asm.PIC_CASCADE_IR
	}
	Cached_irq_mask = m
	asm.Outb(asm.PIC_MASTER_IMR, uint8(m))
	asm.Outb(asm.PIC_SLAVE_IMR, uint8(m>>8))
}

// Mask_8259A masks every line (Linux mask_8259A): the I/O APIC delivers
// from now on.
func Mask_8259A() {
	Cached_irq_mask = 0xffff
	asm.Outb(asm.PIC_MASTER_IMR, 0xff)
	asm.Outb(asm.PIC_SLAVE_IMR, 0xff)
}

func mask_8259A_irq(d *irq.IrqData)   { Disable_8259A_irq(d.Hwirq) }
func unmask_8259A_irq(d *irq.IrqData) { Enable_8259A_irq(d.Hwirq) }

// Disable_8259A_irq and Enable_8259A_irq mask and unmask one line (Linux
// disable_8259A_irq, enable_8259A_irq: legacy_pic->mask, ->unmask).
func Disable_8259A_irq(n uint32) {
	Cached_irq_mask |= 1 << n
	write_masks()
}

func Enable_8259A_irq(n uint32) {
	Cached_irq_mask &^= 1 << n
	write_masks()
}

// i8259A_irq_real asks the controller whether line n is really in service
// (OCW3 "read ISR"), to tell a spurious IR7/IR15 from a real one (Linux
// i8259A_irq_real).
func i8259A_irq_real(n uint32) bool {
	if n < 8 {
		asm.Outb(asm.PIC_MASTER_CMD, asm.OCW3_READ_ISR)
		real := asm.Inb(asm.PIC_MASTER_CMD)&(1<<n) != 0
		asm.Outb(asm.PIC_MASTER_CMD, asm.OCW3_READ_IRR)
		return real
	}
	asm.Outb(asm.PIC_SLAVE_CMD, asm.OCW3_READ_ISR)
	real := asm.Inb(asm.PIC_SLAVE_CMD)&(1<<(n-8)) != 0
	asm.Outb(asm.PIC_SLAVE_CMD, asm.OCW3_READ_IRR)
	return real
}

// mask_and_ack_8259A masks the line and sends its specific EOI (to the
// slave and to the master's cascade input for IRQ 8-15). An interrupt on
// a line already masked is spurious if the controller has nothing in
// service: then no EOI may be sent (it would end another interrupt). The
// 8259 reports a spurious interrupt as IR7 (IR15 on the slave, whose
// cascade input on the master then does need its EOI). Linux
// mask_and_ack_8259A.
func mask_and_ack_8259A(d *irq.IrqData) {
	n := d.Hwirq
	bit := uint16(1) << n
	if Cached_irq_mask&bit != 0 && !i8259A_irq_real(n) {
		Spurious_irq_count++
		if !spurious_reported[n] {
			spurious_reported[n] = true
			printk.Pr_info("spurious 8259A interrupt: IRQ%d.\n", printk.Int(n))
		}
		if n >= 8 {
			outb_pic(asm.OCW2_SPECIFIC_EOI|asm.PIC_CASCADE_IR, asm.PIC_MASTER_CMD)
		}
		return
	}
	Cached_irq_mask |= bit
	write_masks()
	if n >= 8 {
		outb_pic(asm.OCW2_SPECIFIC_EOI|uint8(n&7), asm.PIC_SLAVE_CMD)
		outb_pic(asm.OCW2_SPECIFIC_EOI|asm.PIC_CASCADE_IR, asm.PIC_MASTER_CMD)
	} else {
		outb_pic(asm.OCW2_SPECIFIC_EOI|uint8(n), asm.PIC_MASTER_CMD)
	}
}

// I8259A_chip is the 8259s as an irq_chip (Linux i8259A_chip, "XT-PIC").
var I8259A_chip = irq.IrqChip{
	Name:         "XT-PIC",
	Irq_mask:     mask_8259A_irq,
	Irq_unmask:   unmask_8259A_irq,
	Irq_mask_ack: mask_and_ack_8259A,
}

// Legacy_pic_init makes the 8259s the controller of the sixteen ISA IRQs,
// driven by handle_level_irq (Linux init_ISA_irqs → make_8259A_irq),
// except the cascade input, which is never a device.
func Legacy_pic_init() {
	for i := 0; i < asm.NR_IRQS_LEGACY; i++ {
		if i != asm.PIC_CASCADE_IR {
			Make_8259A_irq(i)
		}
	}
}

// Make_8259A_irq makes the 8259s line n's controller again, on its ISA
// vector (Linux make_8259A_irq; check_timer's ExtINT route).
func Make_8259A_irq(n int) {
	irq.Irq_set_chip_and_handler_name(n, &I8259A_chip, uint32(n), 0, irq.Handle_level_irq, "level")
	irq.Irq_to_desc(n).Vector = uint8(asm.ISA_IRQ_VECTOR(n))
}

// Read_imr returns both masks as the controllers hold them (OCW1 reads
// back), for the selftest.
func Read_imr() uint16 {
	return uint16(asm.Inb(asm.PIC_MASTER_IMR)) | uint16(asm.Inb(asm.PIC_SLAVE_IMR))<<8
}

// Poll_ack takes the master's highest pending request as an INTA cycle
// would (OCW3 poll: the next read acknowledges it and returns 0x80 | its
// level), then ends it with a specific EOI in case the poll left it in
// service; it returns the level, or -1 if nothing was pending. For IRQ 0
// on the virtual wire in Fixed mode, where the local APIC takes the
// vector from LVT0 and no INTA reaches the 8259: without an acknowledge
// the request stays in IRR and INTR stays high (gokern; Linux's
// lapic_chip acknowledges only the local APIC).
func Poll_ack() int {
	asm.Outb(asm.PIC_MASTER_CMD, asm.OCW3_POLL)
	v := asm.Inb(asm.PIC_MASTER_CMD)
	if v&0x80 == 0 {
		return -1
	}
	outb_pic(asm.OCW2_SPECIFIC_EOI|(v&7), asm.PIC_MASTER_CMD)
	return int(v & 7)
}
