package traps

import (
	"gokern/arch/amd64/asm"
)

// The interrupt descriptor table and its gates. Linux:
// arch/x86/kernel/idt.c (idt_table, idt_setup_from_table, def_idts) and
// the 2.6-4.x helpers of asm/desc.h (set_intr_gate, set_system_intr_gate,
// set_trap_gate, set_system_trap_gate, set_intr_gate_ist). Seeds: 002
// "trap_init()", "IDT Entries", "Initialization on x64", "Traps vs.
// Interrupts".
//
// A 64-bit gate is 16 bytes (asm.GateDesc, SDM Vol. 3A Figure 6-8): the
// handler's address, the code segment (__KERNEL_CS), the type (interrupt
// gate: IF cleared on entry; trap gate: IF left alone), the DPL (the
// highest privilege level allowed to reach the gate with INT n: 0 keeps
// user code out, 3 lets it in) and the IST slot (0: stay on the current
// stack, 1-7: switch to that stack of the TSS).

var (
	// Idt_table is the IDT (Linux idt_table): the early IDT of head_64.s
	// fills its exception gates at startup_64, trap_init all 256.
	Idt_table [asm.IDT_ENTRIES]asm.GateDesc
	idt_descr asm.DescPtr
)

// _set_gate writes gate n (Linux _set_gate / write_idt_entry). Two
// 8-byte stores: the IDT is live, so gates are changed with interrupts
// off, and only while no exception can hit the vector being changed.
//
//go:nosplit
func _set_gate(n int, typ int, addr uintptr, dpl int, ist int) {
	Idt_table[n] = asm.Pack_gate(typ, addr, dpl, ist, asm.X__KERNEL_CS)
}

// Set_intr_gate: an interrupt gate of DPL 0 (IF cleared on entry; INT n
// from user mode raises #GP).
//
//go:nosplit
func Set_intr_gate(n int, addr uintptr) { _set_gate(n, asm.GATE_INTERRUPT, addr, 0, 0) }

// Set_system_intr_gate: an interrupt gate of DPL 3, which user code may
// reach with INT n (the seeds' desc.h: int3, into, int $0x80).
//
//go:nosplit
func Set_system_intr_gate(n int, addr uintptr) { _set_gate(n, asm.GATE_INTERRUPT, addr, 3, 0) }

// Set_trap_gate: a trap gate of DPL 0: the CPU leaves IF as it was
// (seeds/002 "Traps vs. Interrupts": a trap handler runs interruptible
// unless it masks interrupts itself). Linux 64-bit uses interrupt gates
// everywhere and re-enables interrupts in the handlers that want them;
// gokern does the same, and keeps trap gates for the selftest that shows
// the difference.
//
//go:nosplit
func Set_trap_gate(n int, addr uintptr) { _set_gate(n, asm.GATE_TRAP, addr, 0, 0) }

// Set_system_trap_gate: a trap gate of DPL 3 (the seeds' int $0x80 gate:
// set_system_trap_gate(SYSCALL_VECTOR, &system_call)).
//
//go:nosplit
func Set_system_trap_gate(n int, addr uintptr) { _set_gate(n, asm.GATE_TRAP, addr, 3, 0) }

// Set_intr_gate_ist: an interrupt gate of DPL 0 that switches to IST stack
// ist (1-7) of the TSS. The seeds' 32-bit kernels gave the double fault a
// task gate (set_task_gate(X86_TRAP_DF, GDT_ENTRY_DOUBLEFAULT_TSS)), so
// that a hardware task switch brought a fresh stack; 64-bit mode has no
// task switching, and the IST is its replacement (docs/traps.md).
//
//go:nosplit
func Set_intr_gate_ist(n int, addr uintptr, ist int) { _set_gate(n, asm.GATE_INTERRUPT, addr, 0, ist) }

// Load_current_idt points IDTR at Idt_table (Linux load_current_idt:
// load_idt(&idt_descr)).
//
//go:nosplit
func Load_current_idt() {
	idt_descr.Set(uintptrOf(&Idt_table[0]), uint16(asm.IDT_ENTRIES*16-1))
	asm.Load_idt(&idt_descr)
}
