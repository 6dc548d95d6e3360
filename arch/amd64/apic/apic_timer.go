package apic

import (
	"math/bits"

	"gokern/arch/amd64/asm"
	"gokern/kernel/time"
	"gokern/printk"
)

// The local APIC timer: a 32-bit down-counter clocked by the APIC bus
// clock (through a divider), which raises LOCAL_TIMER_VECTOR when it
// reaches zero, and in periodic mode reloads (SDM Vol. 3A §11.5.4 "APIC
// Timer"). It is the tick of every CPU. Linux: arch/x86/kernel/apic/apic.c
// (calibrate_APIC_clock, setup_boot_APIC_clock, __setup_APIC_LVTT,
// local_apic_timer_interrupt, sysvec_apic_timer_interrupt; the same file
// as apic.go there).

const (
	// APIC_DIVISOR: the timer counts bus clocks divided by 16 (Linux
	// APIC_DIVISOR), so that a jiffy fits 32 bits at any bus speed.
	APIC_DIVISOR = 16
	// LAPIC_CAL_US: how long the calibration counts. Linux counts for
	// LAPIC_CAL_LOOPS = HZ/10 jiffies (100 ms) against the PIT or the
	// TSC; the TSC is already calibrated and both are read in one
	// instruction each, so 2 ms give a few hundred ppm, enough for a tick.
	LAPIC_CAL_US = 2000
)

var (
	// Lapic_timer_period: APIC bus clocks per jiffy (Linux
	// lapic_timer_period).
	Lapic_timer_period uint64
	// Lapic_timer_running: Setup_APIC_timer started the periodic tick.
	Lapic_timer_running bool
	// Lapic_cal_tsc, Lapic_cal_apic: the calibration's TSC cycles and
	// timer counts, for the boot log and the selftest.
	Lapic_cal_tsc, Lapic_cal_apic uint64
)

// Calibrate_APIC_clock measures the APIC bus clock against the TSC: the
// timer counts down from 0xffffffff, one-shot and masked, while the TSC
// counts LAPIC_CAL_US; each end reads the TSC and the timer in the same
// order, so that the time one MMIO read takes cancels out (Linux
// calibrate_APIC_clock, which counts jiffies of the PIT or of the TSC). It
// returns false when the timer does not count.
func Calibrate_APIC_clock(tsc_khz uint64) bool {
	Apic_write(asm.APIC_LVTT, asm.APIC_LVT_MASKED|asm.LOCAL_TIMER_VECTOR)
	Apic_write(asm.APIC_TDCR, asm.APIC_TDR_DIV_16)
	// One read first: under QEMU's TCG the first run of code is
	// translated, a stall that must not fall between a TSC read and its
	// timer read.
	lapic_cal_read()
	Apic_write(asm.APIC_TMICT, 0xffffffff)
	t0, c0 := lapic_cal_read()
	for asm.Rdtsc()-t0 < tsc_khz*LAPIC_CAL_US/1000 {
	}
	t1, c1 := lapic_cal_read()
	Apic_write(asm.APIC_TMICT, 0)
	Lapic_cal_tsc, Lapic_cal_apic = t1-t0, uint64(c0-c1)
	if c1 >= c0 || Lapic_cal_tsc == 0 {
		printk.Pr_err("APIC timer: does not count (%#x then %#x): no local APIC tick\n", printk.Int(c0), printk.Int(c1))
		return false
	}
	bus_hz, ok := lapic_bus_hz(Lapic_cal_apic, Lapic_cal_tsc, tsc_khz)
	if !ok {
		printk.Pr_err("APIC timer: %d counts in %d TSC cycles is not a clock\n", printk.Int(Lapic_cal_apic), printk.Int(Lapic_cal_tsc))
		return false
	}
	Lapic_timer_period = bus_hz / time.HZ
	printk.Pr_info("APIC timer: host bus clock speed is %d.%04d MHz, %d bus clocks per tick (calibrated against the TSC over %d us)\n",
		printk.Int(bus_hz/1000000), printk.Int(bus_hz%1000000/100), printk.Int(Lapic_timer_period), printk.Int(LAPIC_CAL_US))
	return Lapic_timer_period >= APIC_DIVISOR
}

// lapic_bus_hz turns counts of the timer (divided by APIC_DIVISOR)
// during tsc_cycles of a TSC at tsc_khz into the bus clock in Hz: counts *
// divisor * TSC Hz / TSC cycles, in 128 bits; false if it does not fit
// (no timer is that fast).
func lapic_bus_hz(counts, tsc_cycles, tsc_khz uint64) (uint64, bool) {
	hi, lo := bits.Mul64(counts*APIC_DIVISOR, tsc_khz*1000)
	if tsc_cycles == 0 || hi >= tsc_cycles {
		return 0, false
	}
	hz, _ := bits.Div64(hi, lo, tsc_cycles)
	return hz, true
}

// lapic_cal_read reads the TSC, then the timer's current count.
//
//go:noinline
func lapic_cal_read() (uint64, uint32) {
	t := asm.Rdtsc()
	return t, Apic_read(asm.APIC_TMCCT)
}

// Setup_APIC_timer starts the timer periodic at HZ on LOCAL_TIMER_VECTOR
// (Linux __setup_APIC_LVTT(lapic_timer_period, 0, 1), via
// lapic_timer_set_periodic).
func Setup_APIC_timer() {
	X__setup_APIC_LVTT()
	Lapic_timer_running = true
	printk.Pr_info("APIC timer: periodic at HZ=%d on vector 0x%02x, initial count %d\n",
		printk.Int(time.HZ), printk.Int(asm.LOCAL_TIMER_VECTOR), printk.Int(Lapic_timer_period/APIC_DIVISOR))
}

// X__setup_APIC_LVTT programs this CPU's timer periodic at HZ with the
// boot CPU's calibration (Linux __setup_APIC_LVTT).
func X__setup_APIC_LVTT() {
	Apic_write(asm.APIC_LVTT, asm.APIC_LVT_TIMER_PERIODIC|asm.LOCAL_TIMER_VECTOR)
	Apic_write(asm.APIC_TDCR, asm.APIC_TDR_DIV_16)
	Apic_write(asm.APIC_TMICT, uint32(Lapic_timer_period/APIC_DIVISOR))
}

// Setup_secondary_APIC_clock starts an AP's own tick, the boot CPU's
// calibration reused: every local APIC timer runs on the same bus clock
// (Linux setup_secondary_APIC_clock, from start_secondary). Nothing when
// the boot CPU has no local APIC tick (the PIT ticks instead).
func Setup_secondary_APIC_clock() {
	if Lapic_timer_running {
		X__setup_APIC_LVTT()
	}
}

// Apic_timer_irqs is cpu's count of local timer interrupts (the LOC row
// of /proc/interrupts: irq_stat.apic_timer_irqs).
func Apic_timer_irqs(cpu int) uint64 { return asm.Per_cpu_read(asm.Irq_stat_loc, cpu) }

// Sysvec_apic_timer_interrupt handles LOCAL_TIMER_VECTOR: acknowledge,
// then the tick (Linux sysvec_apic_timer_interrupt →
// local_apic_timer_interrupt → the clock event's handler,
// tick_handle_periodic).
func Sysvec_apic_timer_interrupt() {
	Apic_eoi()
	asm.This_cpu_inc(asm.Irq_stat_loc)
	time.Tick_handle_periodic()
}
