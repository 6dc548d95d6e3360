package asm

// The two cascaded Intel 8259A programmable interrupt controllers of the
// PC. Linux: arch/x86/include/asm/i8259.h. Intel 8259A datasheet
// ("Programming the 8259A": ICW1-ICW4, OCW1-OCW3).

const (
	PIC_MASTER_CMD = 0x20 // ICW1, OCW2, OCW3
	PIC_MASTER_IMR = 0x21 // ICW2-4, OCW1: the interrupt mask
	PIC_SLAVE_CMD  = 0xa0
	PIC_SLAVE_IMR  = 0xa1
	// PIC_CASCADE_IR: the master's input the slave is wired to.
	PIC_CASCADE_IR = 2

	// ICW1 (datasheet Figure 7): bit 4 set marks ICW1, bit 0 "ICW4
	// needed", bit 1 clear for cascade mode, bit 3 clear for edge
	// triggered.
	ICW1_INIT = 0x10
	ICW1_ICW4 = 0x01
	// ICW4: bit 0 8086 mode, bit 1 automatic EOI.
	ICW4_8086 = 0x01
	ICW4_AEOI = 0x02
	// OCW2: specific EOI for IR level n is 0x60|n; OCW3: 0x0a reads the
	// IRR, 0x0b the ISR on the next read of the command port.
	OCW2_SPECIFIC_EOI = 0x60
	OCW3_READ_IRR     = 0x0a
	OCW3_READ_ISR     = 0x0b
	// OCW3 with P (bit 2): the next read is the poll, an interrupt
	// acknowledge in software (datasheet "The Poll Command").
	OCW3_POLL = 0x0c
)
