//go:build amd64

package asm

// The interrupt flag. Linux: arch/x86/include/asm/irqflags.h
// (native_save_fl, native_irq_enable, native_safe_halt, arch_local_irq_save,
// arch_local_irq_restore); Local_irq_disable (CLI) is in special_insns.go.

// Native_save_fl returns RFLAGS (PUSHFQ; POPQ). Linux: native_save_fl.
//
//go:nosplit
func Native_save_fl() uint64

// Native_irq_enable executes STI: maskable interrupts are taken again
// after the next instruction (SDM Vol. 2B, STI: "interrupt shadow").
// Linux: native_irq_enable (local_irq_enable).
//
//go:nosplit
func Native_irq_enable()

// Native_safe_halt executes STI; HLT as one pair: STI's one-instruction
// shadow means no interrupt can arrive between the two, so an interrupt
// that is already pending wakes the HLT instead of being taken before it
// and leaving the CPU asleep with nothing to wake it (SDM Vol. 2B, STI).
// Linux: native_safe_halt, the heart of default_idle.
//
//go:nosplit
func Native_safe_halt()

// Arch_irqs_disabled_flags reports whether flags (a saved RFLAGS) had
// interrupts off. Linux: arch_irqs_disabled_flags.
//
//go:nosplit
func Arch_irqs_disabled_flags(flags uint64) bool { return flags&X86_EFLAGS_IF == 0 }

// Arch_local_irq_save turns interrupts off and returns the RFLAGS from
// before, for Arch_local_irq_restore. Linux: arch_local_irq_save
// (local_irq_save).
//
//go:nosplit
func Arch_local_irq_save() uint64 {
	flags := Native_save_fl()
	Local_irq_disable()
	return flags
}

// Arch_local_irq_restore turns interrupts back on if flags had them on.
// Linux: arch_local_irq_restore (local_irq_restore).
//
//go:nosplit
func Arch_local_irq_restore(flags uint64) {
	if !Arch_irqs_disabled_flags(flags) {
		Native_irq_enable()
	}
}
