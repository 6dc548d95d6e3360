package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/i8259"
	"gokern/arch/amd64/tsc"
	"gokern/drivers/acpi"
	"gokern/printk"
)

// time_init: the interrupt mode, the local APIC timer's calibration, and
// a check of the TSC's calibration. Linux: arch/x86/kernel/time.c (time_init,
// x86_late_time_init, timer_interrupt, setup_default_timer_irq),
// apic/apic.c (apic_intr_mode_init, apic_bsp_setup,
// setup_boot_APIC_clock), apic/io_apic.c (check_timer), tsc.c
// (tsc_refine_calibration_work, against the PM timer).

// Time_init_ns: what time_init cost.
var Time_init_ns uint64

// apic_intr_mode_init chooses the interrupt mode and sets the controllers
// up for it (Linux apic_intr_mode_init → apic_bsp_setup):
//
//   - symmetric I/O: the 8259s masked for good, the local APIC on with
//     LINT0 masked, the I/O APIC programmed for the ISA IRQs, which move
//     to it in the IRQ layer;
//   - virtual wire: the local APIC on with LINT0 in ExtINT mode, the
//     8259s deliver through it;
//   - PIC: no local APIC; the 8259s drive the CPU directly.
func apic_intr_mode_init() {
	mode, why := apic.Apic_intr_mode_select(apic.Disable_apic, apic.Boot_cpu_has_apic(), apic.Smp_found_config,
		apic.Acpi_lapic, apic.Skip_ioapic_setup, apic.Nr_ioapics)
	apic.Apic_intr_mode = mode
	if why != "" {
		printk.Pr_info("%s\n", printk.Str(why))
	}
	printk.Pr_info("%s\n", printk.Str(apic.Apic_intr_mode_name(mode)))
	switch mode {
	case apic.APIC_SYMMETRIC_IO:
		i8259.Mask_8259A()
		apic.Setup_local_APIC(false)
		n := apic.Setup_IO_APIC()
		printk.Pr_info("IOAPIC: %d ISA IRQs routed through the I/O APIC; 8259A masked\n", printk.Int(n))
	case apic.APIC_VIRTUAL_WIRE, apic.APIC_VIRTUAL_WIRE_NO_CONFIG:
		apic.Setup_local_APIC(true)
	}
}

// Time_init sets the interrupt mode up and calibrates the local APIC
// timer against the TSC (Linux time_init → x86_late_time_init:
// apic_intr_mode_init, setup_boot_APIC_clock's calibrate_APIC_clock,
// tsc_init). Interrupts stay off.
func Time_init() {
	t0 := tsc.Local_clock()
	apic_intr_mode_init()
	if apic.Apic_intr_mode != apic.APIC_PIC {
		apic.Calibrate_APIC_clock(tsc.Tsc_khz)
	}
	tsc_refine_against_pmtimer()
	Time_init_ns = tsc.Local_clock() - t0
}

// The TSC's calibration checked against the ACPI PM timer over the time
// between the ACPI tables' parse and time_init, which costs nothing more
// (Linux tsc_refine_calibration_work compares against the HPET or the PM
// timer one second after boot; pit_hpet_ptimer_calibrate_cpu against
// them during the PIT calibration).
var (
	pm_ref_tsc uint64
	pm_ref     uint32
	// Tsc_pm_khz: the TSC frequency the PM timer measured (0: no PM
	// timer, or too short an interval).
	Tsc_pm_khz uint64
)

// tsc_pm_reference takes the starting point: a PM timer read between two
// TSC reads close together (Linux tsc_read_refs).
func tsc_pm_reference() (t uint64, pm uint32, ok bool) {
	for i := 0; i < 5; i++ {
		t1 := asm.Rdtsc()
		pm = acpi.Acpi_pm_read_early()
		t2 := asm.Rdtsc()
		if t2-t1 < tsc.Tsc_khz>>5 { // 31 us at most
			return t2, pm, true
		}
	}
	return 0, 0, false
}

// Tsc_pm_start is called once the FADT has been read.
func tsc_pm_start() {
	if acpi.Pmtmr_ioport == 0 {
		return
	}
	var ok bool
	if pm_ref_tsc, pm_ref, ok = tsc_pm_reference(); !ok {
		pm_ref_tsc = 0
	}
}

func tsc_refine_against_pmtimer() {
	if pm_ref_tsc == 0 {
		return
	}
	t, pm, ok := tsc_pm_reference()
	if !ok {
		return
	}
	ticks := uint64((pm - pm_ref) & acpi.ACPI_PM_MASK)
	if ticks < acpi.PMTMR_TICKS_PER_SEC/1000 { // under a millisecond: too coarse
		printk.Pr_info("tsc: PM timer check skipped: only %d PM timer ticks since the ACPI tables were read\n", printk.Int(ticks))
		return
	}
	Tsc_pm_khz = (t - pm_ref_tsc) * acpi.PMTMR_TICKS_PER_SEC / 1000 / ticks
	diff := int64(Tsc_pm_khz) - int64(tsc.Tsc_khz)
	ppm := diff * 1000000 / int64(tsc.Tsc_khz)
	printk.Pr_info("tsc: PM timer says %d.%03d MHz over %d us: %d ppm from the PIT calibration\n",
		printk.Int(Tsc_pm_khz/1000), printk.Int(Tsc_pm_khz%1000), printk.Int(ticks*1000000/acpi.PMTMR_TICKS_PER_SEC), printk.Int(ppm))
	// Within 1% the PIT's result stands (its own error bound is 500 ppm,
	// the PM timer's here about as large); beyond, the PIT calibration was
	// disturbed and the PM timer's measurement replaces it (Linux:
	// pit_hpet_ptimer_calibrate_cpu's "PIT calibration deviates from
	// PMTIMER", and the refined calibration).
	if ppm > 10000 || ppm < -10000 {
		printk.Pr_warn("tsc: PIT calibration deviates from PMTIMER: %d %d\n", printk.Int(tsc.Tsc_khz), printk.Int(Tsc_pm_khz))
		tsc.Tsc_refine(Tsc_pm_khz)
	}
}
