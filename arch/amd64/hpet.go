package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/arch/amd64/tsc"
	"gokern/printk"
)

// The HPET as a second reference for the TSC's calibration. Linux:
// arch/x86/kernel/hpet.c (hpet_enable, hpet_readl, hpet_start_counter),
// and tsc.c's pit_hpet_ptimer_calibrate_cpu, which checks the PIT's
// result against the HPET where there is one and the PM timer otherwise.
// gokern keeps the PM timer as the reference that may replace a disturbed
// calibration (time_init's tsc_refine_against_pmtimer) and reads the HPET
// over the same interval as a second, independent opinion.

// HPET registers (IA-PC HPET Specification 1.0a, §2.3.1 "Register
// Overview"; Linux asm/hpet.h).
const (
	HPET_ID         = 0x000 // general capabilities and ID, low half
	HPET_PERIOD     = 0x004 // its high half: the counter's period in femtoseconds
	HPET_CFG        = 0x010 // general configuration
	HPET_COUNTER    = 0x0f0 // main counter value (low 32 bits)
	HPET_CFG_ENABLE = 0x001 // ENABLE_CNF: the main counter runs
	// HPET_MAX_PERIOD: the specification's upper bound on the period,
	// 100 ns (§2.3.4: "less than or equal to 0x05F5E100").
	HPET_MAX_PERIOD = 100000000
	FSEC_PER_SEC    = 1000000000000000
)

var (
	hpet_virt_address uintptr
	// Hpet_period: femtoseconds per HPET tick (0: no HPET in use).
	Hpet_period  uint64
	hpet_ref_tsc uint64
	hpet_ref     uint32
	// Tsc_hpet_khz: the TSC frequency the HPET measured (0: none).
	Tsc_hpet_khz uint64
)

func hpet_readl(reg uintptr) uint32     { return asm.Readl(hpet_virt_address + reg) }
func hpet_writel(v uint32, reg uintptr) { asm.Writel(v, hpet_virt_address+reg) }

// hpet_enable maps the HPET the ACPI table named, checks its period and
// starts its main counter if the firmware left it stopped (Linux
// hpet_enable → hpet_start_counter; the comparators stay off). Then it
// takes the starting point of the TSC's check.
func hpet_enable() {
	if apic.Hpet_address == 0 {
		return
	}
	x86mm.Set_fixmap_nocache(asm.FIX_HPET_BASE, apic.Hpet_address&^(asm.PAGE_SIZE-1))
	hpet_virt_address = x86mm.Fix_to_virt(asm.FIX_HPET_BASE) + uintptr(apic.Hpet_address&(asm.PAGE_SIZE-1))
	period := uint64(hpet_readl(HPET_PERIOD))
	if period == 0 || period > HPET_MAX_PERIOD {
		printk.Pr_warn("hpet: invalid period %d fs at %#x: not used\n", printk.Int(period), printk.Int(apic.Hpet_address))
		return
	}
	if cfg := hpet_readl(HPET_CFG); cfg&HPET_CFG_ENABLE == 0 {
		hpet_writel(cfg|HPET_CFG_ENABLE, HPET_CFG)
	}
	Hpet_period = period
	printk.Pr_info("hpet: %d.%06d MHz counter at %#x\n", printk.Int(FSEC_PER_SEC/period/1000000), printk.Int(FSEC_PER_SEC/period%1000000),
		printk.Int(apic.Hpet_address))
	hpet_ref_tsc, hpet_ref = tsc_hpet_reference()
}

// tsc_hpet_reference: an HPET read between two TSC reads close together
// (Linux tsc_read_refs); 0 if none came out close.
func tsc_hpet_reference() (t uint64, c uint32) {
	for i := 0; i < 5; i++ {
		t1 := asm.Rdtsc()
		c = hpet_readl(HPET_COUNTER)
		t2 := asm.Rdtsc()
		if t2-t1 < tsc.Tsc_khz>>5 { // 31 us at most
			return t2, c
		}
	}
	return 0, 0
}

// Hpet_tsc_khz is the TSC frequency from dtsc cycles over dticks HPET
// ticks of period_fs each (Linux calc_hpet_ref: the HPET's time in ns,
// the cycles per ms), 0 if the interval is empty.
func Hpet_tsc_khz(dtsc, dticks, period_fs uint64) uint64 {
	ns := dticks * period_fs / 1000000
	if ns == 0 {
		return 0
	}
	return dtsc * 1000000 / ns
}

// tsc_check_against_hpet says what the HPET makes of the TSC's frequency
// over the time since hpet_enable, as the PM timer's check does.
func tsc_check_against_hpet() {
	if Hpet_period == 0 || hpet_ref_tsc == 0 {
		return
	}
	t, c := tsc_hpet_reference()
	if t == 0 {
		return
	}
	ticks := uint64(c - hpet_ref) // the low 32 bits wrap after 42 s at 100 MHz
	us := ticks * Hpet_period / 1000000000
	// A host that stalled the boot for longer than the low 32 bits take
	// to wrap leaves only the remainder counted: the TSC, by its own
	// calibration, dates the interval (as the PM timer's check does).
	if wrap_us := uint64(1<<32) * Hpet_period / 1000000000; tsc_interval_past(t-hpet_ref_tsc, wrap_us) {
		printk.Pr_info("tsc: HPET check skipped: %d us since the HPET was enabled, past its 32-bit counter's %d us wrap\n",
			printk.Int(tsc_us(t-hpet_ref_tsc)), printk.Int(wrap_us))
		return
	}
	if us < 1000 {
		printk.Pr_info("tsc: HPET check skipped: only %d us since the HPET was enabled\n", printk.Int(us))
		return
	}
	Tsc_hpet_khz = Hpet_tsc_khz(t-hpet_ref_tsc, ticks, Hpet_period)
	ppm := (int64(Tsc_hpet_khz) - int64(tsc.Tsc_khz)) * 1000000 / int64(max(tsc.Tsc_khz, 1))
	printk.Pr_info("tsc: HPET says %d.%03d MHz over %d us: %d ppm from the %s calibration\n",
		printk.Int(Tsc_hpet_khz/1000), printk.Int(Tsc_hpet_khz%1000), printk.Int(us), printk.Int(ppm), printk.Str(tsc.TscSource))
}
