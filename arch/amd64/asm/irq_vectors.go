package asm

// The interrupt vectors. Linux: arch/x86/include/asm/irq_vectors.h; the
// ranges are seeds/002's "IDT Entries" table:
//
//	0x00-0x1f  exceptions (trapnr.go)
//	0x20-0xeb  device interrupts (IRQs), 0x80 excepted
//	0x80       the int $0x80 system call gate
//	0xec       the local APIC timer (0xef in the 2.6 kernels of the seeds;
//	           Linux moved it down to make room for more system vectors)
//	0xf0-0xff  system vectors: IPIs, APIC errors, spurious interrupts
//
// The CPU gives no meaning to vectors 32-255: the kernel chooses, and the
// interrupt controllers are programmed to send these numbers. A vector's
// upper four bits are its priority class for the local APIC's TPR and
// PPR (SDM Vol. 3A §11.8.3.1 "Task and Processor Priorities").

const (
	// FIRST_EXTERNAL_VECTOR: the first vector after the CPU's exceptions.
	FIRST_EXTERNAL_VECTOR = 0x20
	// IA32_SYSCALL_VECTOR: int $0x80, the i386 system call.
	IA32_SYSCALL_VECTOR = 0x80
	// SYSCALL64_VECTOR is what entry_SYSCALL_64 stores in pt_regs'
	// vector slot: no IDT vector (SYSCALL uses none), so a frame shows
	// how the kernel was entered (gokern; Linux's pt_regs has no slot).
	SYSCALL64_VECTOR = 0x100

	// NR_IRQS_LEGACY: the 16 ISA interrupt lines of the two 8259s.
	NR_IRQS_LEGACY = 16
	// IRQ0_VECTOR: ISA IRQ n is delivered on vector IRQ0_VECTOR+n, with
	// the 8259s and with the I/O APIC alike (Linux ISA_IRQ_VECTOR(irq):
	// ((FIRST_EXTERNAL_VECTOR + 16) & ~15) + irq, that is 0x30-0x3f; 0x20-
	// 0x2f is left for IRQ_MOVE_CLEANUP_VECTOR in Linux).
	IRQ0_VECTOR = (FIRST_EXTERNAL_VECTOR + 16) &^ 15

	// The system vectors, highest priority first.
	SPURIOUS_APIC_VECTOR        = 0xff // the local APIC's spurious-interrupt vector (SVR)
	ERROR_APIC_VECTOR           = 0xfe // the local APIC's error LVT
	RESCHEDULE_VECTOR           = 0xfd // IPI: reschedule
	CALL_FUNCTION_VECTOR        = 0xfc // IPI: run a function on other CPUs
	CALL_FUNCTION_SINGLE_VECTOR = 0xfb // IPI: run a function on one CPU
	THERMAL_APIC_VECTOR         = 0xfa
	THRESHOLD_APIC_VECTOR       = 0xf9
	REBOOT_VECTOR               = 0xf8
	LOCAL_TIMER_VECTOR          = 0xec // the local APIC timer: the tick

	// FIRST_SYSTEM_VECTOR: device interrupts are given vectors below it.
	FIRST_SYSTEM_VECTOR = LOCAL_TIMER_VECTOR
	// NR_VECTORS: every vector of the IDT.
	NR_VECTORS = 256
)

// ISA_IRQ_VECTOR is the vector of ISA IRQ irq (Linux ISA_IRQ_VECTOR).
func ISA_IRQ_VECTOR(irq int) int { return IRQ0_VECTOR + irq }
