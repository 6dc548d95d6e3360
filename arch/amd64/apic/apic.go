package apic

import (
	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/printk"
)

// The local APIC: every CPU's own interrupt controller, which accepts
// interrupts from the I/O APIC, from its own timer and from other CPUs
// (IPIs), and hands them to the CPU by priority. Linux:
// arch/x86/kernel/apic/apic.c (register_lapic_address,
// init_apic_mappings, setup_local_APIC, apic_intr_mode_select,
// apic_intr_mode_init, spurious and error interrupts); SDM Vol. 3A
// chapter 11.

var (
	// Mp_lapic_addr: the local APIC's physical address, from the MADT or
	// the MP table (Linux mp_lapic_addr).
	Mp_lapic_addr uint64
	// Boot_cpu_physical_apicid: the boot CPU's APIC ID (-1: not known
	// yet).
	Boot_cpu_physical_apicid = -1
	// Disable_apic: "nolapic" (Linux apic_is_disabled): the kernel runs
	// on the 8259s alone, the PIT ticks.
	Disable_apic bool
	// apic_va: the local APIC's registers, in the fixmap.
	apic_va uintptr
)

// Apic_read and Apic_write reach a local APIC register by its xAPIC
// offset: MMIO in xAPIC mode (Linux native_apic_mem_read/write), the
// register's MSR in x2APIC mode (native_apic_msr_read/write, x2apic.go).
//
//go:nosplit
func Apic_read(reg uint32) uint32 {
	if X2apic_mode {
		return native_apic_msr_read(reg)
	}
	return hw.readl(apic_va + uintptr(reg))
}

//go:nosplit
func Apic_write(reg, v uint32) {
	if X2apic_mode {
		native_apic_msr_write(reg, v)
		return
	}
	hw.writel(v, apic_va+uintptr(reg))
}

// Apic_eoi signals the end of the interrupt in service: the local APIC
// clears its highest ISR bit and may deliver the next (SDM Vol. 3A
// §11.8.5 "Signaling Interrupt Servicing Completion"). Linux apic_eoi
// (ack_APIC_irq in the 2.6 of the seeds).
//
//go:nosplit
func Apic_eoi() { Apic_write(asm.APIC_EOI, asm.APIC_EOI_ACK) }

// Lapic_mapped reports whether the local APIC's registers can be reached:
// mapped, or MSRs in x2APIC mode.
func Lapic_mapped() bool { return apic_va != 0 || X2apic_mode }

// Boot_cpu_has_apic: CPUID.1:EDX.APIC (SDM Vol. 2A, CPUID).
func Boot_cpu_has_apic() bool {
	_, _, _, edx := hw.cpuid(1)
	return edx&asm.FeatureMask(asm.X86_FEATURE_APIC) != 0
}

// Init_apic_mappings maps the local APIC's page into the fixmap, uncached
// (Linux init_apic_mappings → register_lapic_address). The address is the
// one the MADT or MP table gave, else IA32_APIC_BASE's; if the tables and
// the MSR disagree the MSR wins, since it is where the CPU decodes the
// registers. The boot CPU's APIC ID is read from the APIC itself. In
// x2APIC mode there is nothing to map (Linux: "if (x2apic_mode) {
// boot_cpu_physical_apicid = read_apic_id(); return; }").
func Init_apic_mappings() {
	if Disable_apic || !Boot_cpu_has_apic() {
		return
	}
	if X2apic_mode {
		check_boot_apicid(int(Read_lapic_id()))
		return
	}
	msr := asm.Rdmsrl(asm.MSR_IA32_APICBASE)
	base := msr & asm.MSR_IA32_APICBASE_BASE
	if Mp_lapic_addr == 0 {
		Mp_lapic_addr = base
	} else if Mp_lapic_addr != base {
		printk.Pr_warn("APIC: the firmware's tables put the local APIC at %#x, IA32_APIC_BASE at %#x: using %#x\n",
			printk.Int(Mp_lapic_addr), printk.Int(base), printk.Int(base))
		Mp_lapic_addr = base
	}
	if msr&asm.MSR_IA32_APICBASE_ENABLE == 0 {
		// Globally disabled by the BIOS: turn it on (Linux
		// apic_force_enable, "lapic" option).
		printk.Pr_info("APIC: the BIOS left the local APIC disabled: enabling it in IA32_APIC_BASE\n")
		asm.Wrmsrl(asm.MSR_IA32_APICBASE, msr|asm.MSR_IA32_APICBASE_ENABLE)
	}
	x86mm.Set_fixmap_nocache(asm.FIX_APIC_BASE, Mp_lapic_addr)
	apic_va = x86mm.Fix_to_virt(asm.FIX_APIC_BASE)
	printk.Pr_debug("mapped APIC to %#x (%#x)\n", printk.Int(apic_va), printk.Int(Mp_lapic_addr))
	check_boot_apicid(int(Read_lapic_id()))
}

// check_boot_apicid: the boot CPU's APIC ID is what its register says.
func check_boot_apicid(id int) {
	if Boot_cpu_physical_apicid >= 0 && Boot_cpu_physical_apicid != id {
		printk.Pr_warn("APIC: the tables say the boot CPU is APIC %d, its APIC ID register says %d\n",
			printk.Int(Boot_cpu_physical_apicid), printk.Int(id))
	}
	Boot_cpu_physical_apicid = id
}

// The interrupt modes, Linux's enum apic_intr_mode_id.
const (
	APIC_PIC                    = iota // no local APIC: the 8259s drive the CPU's INTR pin
	APIC_VIRTUAL_WIRE                  // local APIC on, devices through the 8259s (LINT0 ExtINT)
	APIC_VIRTUAL_WIRE_NO_CONFIG        // the same, no MP table or MADT at all
	APIC_SYMMETRIC_IO                  // local APIC and I/O APIC: the 8259s masked
)

// Apic_intr_mode: the mode apic_intr_mode_init chose.
var Apic_intr_mode = APIC_PIC

// Apic_intr_mode_select chooses how interrupts reach the CPU from what
// was found (Linux __apic_intr_mode_select), and says why. noapic
// ("skip_ioapic_setup") keeps the local APIC but leaves the devices on the
// 8259s, as Linux does by not setting up the I/O APIC.
func Apic_intr_mode_select(nolapic, has_apic, found_config, acpi_lapic, noapic bool, nr_ioapics int) (mode int, why string) {
	switch {
	case nolapic:
		return APIC_PIC, "APIC disabled via kernel command line"
	case !has_apic:
		return APIC_PIC, "APIC disabled by BIOS"
	case !found_config && !acpi_lapic:
		return APIC_VIRTUAL_WIRE_NO_CONFIG, "APIC: ACPI MADT or MP tables are not detected"
	case !found_config:
		return APIC_VIRTUAL_WIRE, "APIC: no interrupt routing in the tables"
	case noapic:
		return APIC_VIRTUAL_WIRE, "APIC: I/O APIC disabled via kernel command line (noapic)"
	case nr_ioapics == 0:
		return APIC_VIRTUAL_WIRE, "APIC: the tables name no usable I/O APIC"
	}
	return APIC_SYMMETRIC_IO, ""
}

// apic_intr_mode_names are the lines Linux's apic_intr_mode_init prints.
var apic_intr_mode_names = [...]string{
	APIC_PIC:                    "APIC: Keep in PIC mode(8259)",
	APIC_VIRTUAL_WIRE:           "APIC: Switch to virtual wire mode setup",
	APIC_VIRTUAL_WIRE_NO_CONFIG: "APIC: Switch to virtual wire mode setup with no configuration",
	APIC_SYMMETRIC_IO:           "APIC: Switch to symmetric I/O mode setup",
}

// Apic_intr_mode_name is the line for mode.
func Apic_intr_mode_name(mode int) string { return apic_intr_mode_names[mode] }

// imcr_pic_to_apic routes the 8259's INTR to the local APIC's LINT0
// through the IMCR, for an MP table in PIC mode (Linux imcr_pic_to_apic;
// MP specification §3.6.2.1).
func imcr_pic_to_apic() {
	asm.Outb(0x22, 0x70)
	asm.Outb(0x23, 0x01)
}

// Setup_local_APIC brings the boot CPU's local APIC into a known state
// (Linux setup_local_APIC): task priority 0, so that every vector is
// accepted; any stale in-service bits acknowledged; software-enabled
// through the spurious-interrupt vector register, whose vector 0xff is
// where spurious interrupts go; LINT0 in ExtINT mode, live when the 8259s
// deliver the devices' interrupts (virtual wire) and masked when the I/O
// APIC does; LINT1 as NMI; APIC errors on ERROR_APIC_VECTOR.
func Setup_local_APIC(pic_delivers bool) {
	if Pic_mode {
		printk.Pr_info("leaving PIC mode, enabling APIC mode.\n")
		imcr_pic_to_apic()
	}
	Apic_write(asm.APIC_TASKPRI, Apic_read(asm.APIC_TASKPRI)&^asm.APIC_TPRI_MASK)
	// Acknowledge what the firmware left in service: an EOI clears the
	// highest ISR bit each time (Linux apic_pending_intr_clear).
	for i := 0; i < 256; i++ {
		busy := false
		for r := uint32(0); r < asm.APIC_ISR_NR; r++ {
			if Apic_read(asm.APIC_ISR+r*0x10) != 0 {
				busy = true
			}
		}
		if !busy {
			break
		}
		Apic_eoi()
	}
	v := Apic_read(asm.APIC_SPIV) &^ asm.APIC_VECTOR_MASK
	v |= asm.APIC_SPIV_APIC_ENABLED | asm.APIC_SPIV_FOCUS_DISABLED | asm.SPURIOUS_APIC_VECTOR
	Apic_write(asm.APIC_SPIV, v)
	lint0 := uint32(asm.APIC_DM_EXTINT)
	if !pic_delivers {
		lint0 |= asm.APIC_LVT_MASKED
	}
	Apic_write(asm.APIC_LVT0, lint0)
	Apic_write(asm.APIC_LVT1, asm.APIC_DM_NMI)
	Apic_write(asm.APIC_LVTERR, asm.ERROR_APIC_VECTOR)
	// The ESR latches errors when written (SDM §11.5.3): clear it.
	Apic_write(asm.APIC_ESR, 0)
	Apic_write(asm.APIC_ESR, 0)
}

// Apic_send_IPI_self sends vector to this CPU through the ICR's "self"
// shorthand (Linux apic->send_IPI_self, __default_send_IPI_shortcut; SDM
// Vol. 3A §11.6.1), or x2APIC's SELF IPI register (x2apic_send_IPI_self,
// §11.12.11). The selftests use it to raise an interrupt on demand.
func Apic_send_IPI_self(vector uint8) {
	if X2apic_mode {
		Apic_write(asm.APIC_SELF_IPI, uint32(vector))
		return
	}
	for i := 0; i < 1000 && Apic_read(asm.APIC_ICR)&asm.APIC_ICR_BUSY != 0; i++ {
	}
	Apic_write(asm.APIC_ICR, asm.APIC_DEST_SELF|asm.APIC_INT_ASSERT|asm.APIC_DM_FIXED|uint32(vector))
}

// Apic_isr_bit reports whether vector is in service (its ISR bit set).
func Apic_isr_bit(vector uint8) bool {
	return Apic_read(asm.APIC_ISR+uint32(vector/32)*0x10)&(1<<(vector%32)) != 0
}

// Spurious and error interrupts (Linux spurious_interrupt,
// smp_error_interrupt): counted, reported, and acknowledged only when
// they are real (a spurious interrupt sets no ISR bit, SDM §11.9: an EOI
// then would end some other interrupt).
var (
	Irq_spurious_count uint64
	Irq_err_count      uint64
)

// Sysvec_spurious_apic_interrupt handles SPURIOUS_APIC_VECTOR.
func Sysvec_spurious_apic_interrupt(vector uint8) {
	Irq_spurious_count++
	if Apic_isr_bit(vector) {
		// A real interrupt on the spurious vector (a self-IPI, a
		// misprogrammed device): acknowledge it.
		Apic_eoi()
		printk.Pr_info("Spurious interrupt (vector 0x%02x) on CPU#0. Acked\n", printk.Int(vector))
		return
	}
	printk.Pr_info("spurious APIC interrupt through vector %02x on CPU#0, should never happen.\n", printk.Int(vector))
}

// Sysvec_error_interrupt handles ERROR_APIC_VECTOR: read the error status
// (written first, to latch it) and report it.
func Sysvec_error_interrupt() {
	Irq_err_count++
	Apic_write(asm.APIC_ESR, 0)
	v := Apic_read(asm.APIC_ESR)
	Apic_eoi()
	printk.Pr_err("APIC error on CPU0: %02x\n", printk.Int(v))
}
