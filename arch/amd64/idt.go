package amd64

import (
	"gokern/arch/amd64/asm"
)

// The interrupt descriptor table, Linux arch/x86/kernel/idt.c; the gate
// layout is asm.GateDesc.

var (
	// Idt_table is the IDT (Linux idt_table). The early IDT fills the
	// exception vectors; trap_init (a later stage) installs the final gates.
	Idt_table [asm.IDT_ENTRIES]asm.GateDesc
	idt_descr asm.DescPtr
)

// idt_setup_early_handler points every exception vector at its early stub
// (Linux idt_setup_early_handler; head64.c early_setup_idt), each on the
// IST1 stack so that even a fault with a broken kernel stack is reported.
//
//go:nosplit
func idt_setup_early_handler() {
	for i := 0; i < asm.NUM_EXCEPTION_VECTORS; i++ {
		Idt_table[i] = asm.Pack_gate(asm.GATE_INTERRUPT, early_idt_handler_array[i], 0, asm.IST_EXCEPTION, asm.X__KERNEL_CS)
	}
	idt_descr.Set(uintptrOf(&Idt_table[0]), uint16(asm.IDT_ENTRIES*16-1))
	asm.Load_idt(&idt_descr)
}
