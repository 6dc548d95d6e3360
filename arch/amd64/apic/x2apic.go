package apic

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// x2APIC mode: the local APIC's registers as MSRs, 32-bit APIC IDs, and
// an IPI in one 64-bit write. Linux: arch/x86/kernel/apic/apic.c
// (check_x2apic, x2apic_enabled, enable_IR_x2apic → try_to_enable_x2apic,
// x2apic_setup, __x2apic_enable, __x2apic_disable, setup_nox2apic),
// arch/x86/include/asm/apic.h (native_apic_msr_read/write,
// native_x2apic_icr_write) and arch/x86/kernel/apic/x2apic_phys.c
// (__x2apic_send_IPI_dest, __x2apic_send_IPI_shorthand,
// x2apic_send_IPI_self, x2apic_get_apic_id). SDM Vol. 3A §11.12
// "Extended XAPIC (x2APIC)".
//
// QEMU 7.2's TCG, the only accelerator here and on CI, does not emulate
// x2APIC (CPUID.1:ECX bit 21 stays clear, "-cpu ...,+x2apic" is refused
// with a warning), so no boot can run this mode: the host tests
// (x2apic_test.go) drive it through a fake register backend, and the boot
// tests prove that the xAPIC path is chosen and said.

// x2apic_state (Linux's enum of the same name).
const (
	X2APIC_OFF      = iota // the CPU has it; not on
	X2APIC_ON              // on: every CPU switches its APIC to x2APIC mode
	X2APIC_DISABLED        // not there, or "nox2apic"
)

var (
	// X2apic_mode: the registers are reached through MSRs (Linux
	// x2apic_mode). Set on the boot CPU before any register is touched;
	// each AP switches its own APIC in Setup_local_APIC_secondary.
	X2apic_mode bool
	// X2apic_state is what Check_x2apic decided.
	X2apic_state = X2APIC_OFF
	// Nox2apic: "nox2apic" on the command line (Linux setup_nox2apic).
	Nox2apic bool
)

// lapic_hw is what the local APIC driver does to the hardware: MMIO
// loads and stores, MSRs, CPUID and the interrupt flag. Linux hides the
// same choice behind struct apic's read, write and icr_write; gokern
// keeps one driver that asks X2apic_mode, and host tests put a recording
// fake here (x2apic_test.go).
type lapic_hw struct {
	readl       func(addr uintptr) uint32
	writel      func(v uint32, addr uintptr)
	rdmsr       func(msr uint32) uint64
	wrmsr       func(msr uint32, v uint64)
	cpuid       func(op uint32) (eax, ebx, ecx, edx uint32)
	irq_save    func() uint64
	irq_restore func(flags uint64)
}

var hw = lapic_hw{
	readl: asm.Readl, writel: asm.Writel, rdmsr: asm.Rdmsrl, wrmsr: asm.Wrmsrl,
	cpuid: asm.Cpuid, irq_save: asm.Arch_local_irq_save, irq_restore: asm.Arch_local_irq_restore,
}

// apic_msr is the MSR of the register at MMIO offset reg (SDM §11.12.1.2).
//
//go:nosplit
func apic_msr(reg uint32) uint32 { return asm.APIC_BASE_MSR + reg>>4 }

// native_apic_msr_read and native_apic_msr_write (Linux asm/apic.h): the
// DFR is gone in x2APIC mode (reads as all ones), and the ID and LDR are
// read-only (a write would fault).
//
//go:nosplit
func native_apic_msr_read(reg uint32) uint32 {
	if reg == asm.APIC_DFR {
		return ^uint32(0)
	}
	return uint32(hw.rdmsr(apic_msr(reg)))
}

//go:nosplit
func native_apic_msr_write(reg, v uint32) {
	if reg == asm.APIC_DFR || reg == asm.APIC_ID || reg == asm.APIC_LDR {
		return
	}
	hw.wrmsr(apic_msr(reg), uint64(v))
}

// native_x2apic_icr_write sends an IPI with one write of the 64-bit ICR:
// the destination x2APIC ID in bits 63:32 (Linux native_x2apic_icr_write;
// SDM §11.12.9).
//
//go:nosplit
func native_x2apic_icr_write(low, id uint32) {
	hw.wrmsr(apic_msr(asm.APIC_ICR), uint64(id)<<asm.X2APIC_ICR_DEST_SHIFT|uint64(low))
}

// x2apic_enabled: IA32_APIC_BASE has both the global enable and EXTD
// (Linux x2apic_enabled).
func x2apic_enabled() bool {
	const on = asm.MSR_IA32_APICBASE_ENABLE | asm.X2APIC_ENABLE
	return hw.rdmsr(asm.MSR_IA32_APICBASE)&on == on
}

// boot_cpu_has_x2apic: CPUID.1:ECX.x2APIC (SDM §11.12.1).
func boot_cpu_has_x2apic() bool {
	_, _, ecx, _ := hw.cpuid(1)
	return ecx&asm.FeatureMask(asm.X86_FEATURE_X2APIC) != 0
}

// hypervisor_present: CPUID.1:ECX bit 31, which Linux's guests read as
// "x2APIC without interrupt remapping is supported here"
// (x86_init.hyper.x2apic_available).
func hypervisor_present() bool {
	_, _, ecx, _ := hw.cpuid(1)
	return ecx&asm.X86_FEATURE_HYPERVISOR != 0
}

// __x2apic_enable sets EXTD in this CPU's IA32_APIC_BASE (Linux
// __x2apic_enable). From a globally disabled APIC the SDM's state diagram
// (§11.12.5, Figure 11-27) goes through xAPIC mode first: disabled → x2APIC
// directly is an illegal transition (#GP).
func __x2apic_enable() {
	msr := hw.rdmsr(asm.MSR_IA32_APICBASE)
	if msr&asm.X2APIC_ENABLE != 0 {
		return
	}
	if msr&asm.MSR_IA32_APICBASE_ENABLE == 0 {
		msr |= asm.MSR_IA32_APICBASE_ENABLE
		hw.wrmsr(asm.MSR_IA32_APICBASE, msr)
	}
	hw.wrmsr(asm.MSR_IA32_APICBASE, msr|asm.X2APIC_ENABLE)
}

// __x2apic_disable leaves x2APIC mode for xAPIC mode (Linux
// __x2apic_disable): x2APIC → xAPIC is illegal too (§11.12.5), so through
// disabled.
func __x2apic_disable() {
	msr := hw.rdmsr(asm.MSR_IA32_APICBASE)
	if msr&asm.X2APIC_ENABLE == 0 {
		return
	}
	hw.wrmsr(asm.MSR_IA32_APICBASE, msr&^(asm.X2APIC_ENABLE|asm.MSR_IA32_APICBASE_ENABLE))
	hw.wrmsr(asm.MSR_IA32_APICBASE, msr&^asm.X2APIC_ENABLE)
	printk.Pr_info("x2apic disabled\n")
}

// Check_x2apic decides the boot CPU's APIC mode before anything reads a
// register (Linux check_x2apic, setup_nox2apic and try_to_enable_x2apic,
// which Linux runs later, from apic_intr_mode_init; gokern decides once,
// before init_apic_mappings, so that no xAPIC access precedes a switch):
//
//   - the firmware left x2APIC on: keep it ("enabled by BIOS"), or with
//     nox2apic leave it, unless the boot CPU's ID needs it (above 254);
//   - the CPU has none: xAPIC, said;
//   - the CPU has it, off: gokern has no interrupt remapping, and Linux
//     then enables x2APIC only under a hypervisor that supports it
//     without (physical destination mode, x2apic_phys); on bare metal it
//     stays xAPIC.
func Check_x2apic() {
	switch {
	case Disable_apic || !Boot_cpu_has_apic():
		X2apic_state = X2APIC_DISABLED // no IA32_APIC_BASE to read
	case x2apic_enabled() && Nox2apic:
		if id := uint32(hw.rdmsr(apic_msr(asm.APIC_ID))); id >= 255 {
			printk.Pr_warn("Apicid: %08x, cannot enforce nox2apic\n", printk.Int(id))
			x2apic_on("x2apic: enabled by BIOS, switching to x2apic ops")
			return
		}
		printk.Pr_warn("x2apic already enabled.\n")
		__x2apic_disable()
		X2apic_state = X2APIC_DISABLED
	case x2apic_enabled():
		x2apic_on("x2apic: enabled by BIOS, switching to x2apic ops")
	case !boot_cpu_has_x2apic():
		X2apic_state = X2APIC_DISABLED
		printk.Pr_info("x2apic: not available (CPUID.1:ECX bit 21 clear): xAPIC mode, registers through MMIO\n")
	case Nox2apic:
		X2apic_state = X2APIC_DISABLED
		printk.Pr_info("x2apic: disabled by nox2apic: xAPIC mode, registers through MMIO\n")
	case !hypervisor_present():
		X2apic_state = X2APIC_DISABLED
		printk.Pr_info("x2apic: IRQ remapping doesn't support X2APIC mode\n")
	default:
		__x2apic_enable()
		x2apic_on("x2apic enabled")
	}
}

// x2apic_on switches the driver to MSRs, and says so.
func x2apic_on(msg string) {
	X2apic_mode = true
	X2apic_state = X2APIC_ON
	printk.Pr_info("%s\n", printk.Str(msg))
	printk.Pr_info("Switched APIC routing to: physical x2apic\n")
}

// x2apic_setup puts an AP's APIC in the boot CPU's mode (Linux
// x2apic_setup, from setup_local_APIC): each CPU's IA32_APIC_BASE is its
// own.
func x2apic_setup() {
	if X2apic_state != X2APIC_ON {
		__x2apic_disable()
		return
	}
	__x2apic_enable()
}

// apic_id_valid: an APIC ID this mode can address (Linux apic_id_valid:
// apic->max_apic_id, 0xfe for xAPIC, where 0xff is the broadcast; all but
// 0xffffffff for x2APIC).
func apic_id_valid(id uint32) bool {
	if X2apic_mode {
		return id != 0xffffffff
	}
	return id <= 0xfe
}
