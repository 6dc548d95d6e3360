package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/traps"
)

// The early IDT, Linux arch/x86/kernel/idt.c idt_setup_early_handler and
// head64.c early_setup_idt. The table itself is traps.Idt_table (Linux's
// idt_table serves both): trap_init overwrites these gates with the final
// ones.

// idt_setup_early_handler points every exception vector at its early stub
// (early_idt_handler_array), each on the IST1 stack, the #DF stack, so
// that even a fault with a broken kernel stack is reported.
//
//go:nosplit
func idt_setup_early_handler() {
	for i := 0; i < asm.NUM_EXCEPTION_VECTORS; i++ {
		traps.Set_intr_gate_ist(i, early_idt_handler_array[i], asm.IST_EXCEPTION)
	}
	traps.Load_current_idt()
}
