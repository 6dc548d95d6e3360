package apic

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/printk"
)

// Inter-processor interrupts through the local APIC's interrupt command
// register (ICR). Linux: arch/x86/kernel/apic/ipi.c
// (__default_send_IPI_dest_field, __default_send_IPI_shortcut,
// default_send_IPI_mask_sequence_phys, default_send_IPI_allbutself,
// default_send_IPI_all, default_send_IPI_self), apic.c
// (native_apic_icr_write, native_safe_apic_wait_icr_idle), and
// setup_local_APIC for an AP. Seeds: 002 "Inter-Processor Interrupts"
// (send_IPI_all, send_IPI_allbutself, send_IPI_self, send_IPI_mask).
// SDM Vol. 3A §11.6 "Issuing Interprocessor Interrupts": write ICR2 (the
// destination APIC ID in bits 31-24), then ICR's low half, which sends;
// its delivery-status bit stays set until the local APIC has sent it.
// In x2APIC mode (x2apic.go) the ICR is one 64-bit MSR, written once,
// with no delivery status to wait for (Linux x2apic_phys.c).

// Ipi_sent counts the IPIs this kernel sent, per vector.
var Ipi_sent [asm.NR_VECTORS]uint64

// Safe_apic_wait_icr_idle waits until the previous IPI has left (ICR
// delivery status idle), for up to about a second's worth of reads, and
// returns the status still pending (0: idle). Linux
// native_safe_apic_wait_icr_idle.
//
//go:nosplit
func Safe_apic_wait_icr_idle() uint32 {
	if X2apic_mode {
		return 0 // no delivery status (Linux native_x2apic_wait_icr_idle)
	}
	for i := 0; i < 1000000; i++ {
		if s := Apic_read(asm.APIC_ICR) & asm.APIC_ICR_BUSY; s == 0 {
			return 0
		}
		asm.Cpu_relax()
	}
	return Apic_read(asm.APIC_ICR) & asm.APIC_ICR_BUSY
}

// Apic_icr_write sends an IPI: low is ICR's low half (vector, delivery
// mode, shorthand), id the destination APIC ID (Linux
// native_apic_icr_write: ICR2 then ICR, the second write sends; in x2APIC
// mode native_x2apic_icr_write).
//
//go:nosplit
func Apic_icr_write(low, id uint32) {
	if X2apic_mode {
		native_x2apic_icr_write(low, id)
		return
	}
	Apic_write(asm.APIC_ICR2, id<<asm.XAPIC_DEST_SHIFT)
	Apic_write(asm.APIC_ICR, low)
}

// X__default_send_IPI_dest_field sends vector to one APIC ID, fixed
// delivery, physical destination (Linux __default_send_IPI_dest_field).
func X__default_send_IPI_dest_field(apicid uint32, vector uint8) {
	f := hw.irq_save() // the ICR writes must not be split by a handler's IPI
	Safe_apic_wait_icr_idle()
	Apic_icr_write(asm.APIC_DM_FIXED|asm.APIC_DEST_PHYSICAL|uint32(vector), apicid)
	hw.irq_restore(f)
	Ipi_sent[vector]++
}

// X__default_send_IPI_shortcut sends vector to the shorthand's CPUs
// (APIC_DEST_SELF, APIC_DEST_ALLINC, APIC_DEST_ALLBUT): one ICR write
// reaches them all (Linux __default_send_IPI_shortcut; in x2APIC mode
// __x2apic_send_IPI_shorthand, the 64-bit ICR with destination 0).
func X__default_send_IPI_shortcut(shortcut uint32, vector uint8) {
	f := hw.irq_save() // the ICR writes must not be split by a handler's IPI
	Safe_apic_wait_icr_idle()
	if X2apic_mode {
		native_x2apic_icr_write(shortcut|asm.APIC_DM_FIXED|uint32(vector), 0)
	} else {
		Apic_write(asm.APIC_ICR, shortcut|asm.APIC_DM_FIXED|uint32(vector))
	}
	hw.irq_restore(f)
	Ipi_sent[vector]++
}

// Send_NMI sends cpu an NMI: delivery mode NMI, whose vector field the
// CPU ignores (SDM Vol. 3A §10.6.1; Linux apic->send_IPI(cpu,
// NMI_VECTOR), which hw_nmi.c's backtrace uses). A CPU that is not online
// is skipped.
func Send_NMI(cpu int) {
	if !cpumask.Cpu_online(cpu) {
		return
	}
	f := hw.irq_save()
	Safe_apic_wait_icr_idle()
	Apic_icr_write(asm.APIC_DM_NMI|asm.APIC_DEST_PHYSICAL|asm.X86_TRAP_NMI, X86_cpu_to_apicid[cpu])
	hw.irq_restore(f)
}

// Send_IPI_mask sends vector to each online CPU of mask, one ICR write
// each (Linux default_send_IPI_mask_sequence_phys). A CPU that is not
// online is reported and skipped: its local APIC may be in its
// wait-for-SIPI state, or not exist.
func Send_IPI_mask(mask uint64, vector uint8) {
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if mask&(1<<uint(cpu)) == 0 {
			continue
		}
		if !cpumask.Cpu_online(cpu) {
			printk.Pr_warn("IPI: vector %#x to CPU %d, which is not online: not sent\n", printk.Int(vector), printk.Int(cpu))
			continue
		}
		X__default_send_IPI_dest_field(X86_cpu_to_apicid[cpu], vector)
	}
}

// Send_IPI_allbutself, Send_IPI_all and Send_IPI_self: the shorthands
// (Linux default_send_IPI_allbutself, default_send_IPI_all,
// default_send_IPI_self). With only this CPU online, allbutself sends
// nothing (Linux: "if (num_online_cpus() < 2) return").
func Send_IPI_allbutself(vector uint8) {
	if cpumask.Num_online_cpus() < 2 {
		return
	}
	X__default_send_IPI_shortcut(asm.APIC_DEST_ALLBUT, vector)
}

func Send_IPI_all(vector uint8) { X__default_send_IPI_shortcut(asm.APIC_DEST_ALLINC, vector) }

// Send_IPI_self in x2APIC mode writes the SELF IPI register (Linux
// x2apic_send_IPI_self; SDM §11.12.11), one write with no ICR at all.
func Send_IPI_self(vector uint8) {
	if X2apic_mode {
		Apic_write(asm.APIC_SELF_IPI, uint32(vector))
		Ipi_sent[vector]++
		return
	}
	X__default_send_IPI_shortcut(asm.APIC_DEST_SELF, vector)
}

// Read_lapic_id reads this CPU's local APIC ID register (Linux
// read_apic_id): bits 31:24 in xAPIC mode (default_get_apic_id), all 32
// in x2APIC mode (x2apic_get_apic_id; SDM §11.12.5.1).
//
//go:nosplit
func Read_lapic_id() uint32 {
	if X2apic_mode {
		return Apic_read(asm.APIC_ID)
	}
	return asm.GET_APIC_ID(Apic_read(asm.APIC_ID))
}

// Setup_local_APIC_secondary sets up an AP's local APIC as
// setup_local_APIC does the boot CPU's, for an AP: task priority 0,
// software-enabled with the spurious vector, LINT0 and LINT1 masked (only
// the boot CPU takes the 8259's ExtINT and the NMI pin, as in Linux's
// setup_local_APIC: "only the BP sees the LINT1 NMI signal"), errors on
// ERROR_APIC_VECTOR.
func Setup_local_APIC_secondary() {
	// Its APIC in the boot CPU's mode, before any register access (INIT
	// leaves an x2APIC in x2APIC mode, SDM §11.12.5.2; firmware may have
	// switched the APs too).
	x2apic_setup()
	Apic_write(asm.APIC_TASKPRI, Apic_read(asm.APIC_TASKPRI)&^asm.APIC_TPRI_MASK)
	v := Apic_read(asm.APIC_SPIV) &^ asm.APIC_VECTOR_MASK
	v |= asm.APIC_SPIV_APIC_ENABLED | asm.APIC_SPIV_FOCUS_DISABLED | asm.SPURIOUS_APIC_VECTOR
	Apic_write(asm.APIC_SPIV, v)
	Apic_write(asm.APIC_LVT0, asm.APIC_DM_EXTINT|asm.APIC_LVT_MASKED)
	Apic_write(asm.APIC_LVT1, asm.APIC_DM_NMI|asm.APIC_LVT_MASKED)
	Apic_write(asm.APIC_LVTERR, asm.ERROR_APIC_VECTOR)
	Apic_write(asm.APIC_ESR, 0)
	Apic_write(asm.APIC_ESR, 0)
}
