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
	// LAPIC_CAL_MAX_PPM: the calibration counts until its error bound,
	// the two reference samples' uncertainty over the window, is below
	// this (Linux's quick_pit_calibrate stops at 500 ppm the same way;
	// Linux counts the APIC timer for LAPIC_CAL_LOOPS = HZ/10 jiffies).
	LAPIC_CAL_MAX_PPM = 500
	// LAPIC_CAL_MIN_US, LAPIC_CAL_MAX_US: the window's bounds. Under
	// the minimum the counts themselves are too few; past the maximum
	// the references stay too uncertain and the calibration fails.
	LAPIC_CAL_MIN_US = 1000
	LAPIC_CAL_MAX_US = 50000
	// LAPIC_CAL_TRIES: reference samples taken per end (the narrowest
	// bracket is kept; Linux tsc_read_refs' MAX_RETRIES).
	LAPIC_CAL_TRIES = 5
)

var (
	// Lapic_timer_period: APIC bus clocks per jiffy (Linux
	// lapic_timer_period).
	Lapic_timer_period uint64
	// Lapic_timer_running: Setup_APIC_timer started the periodic tick.
	Lapic_timer_running bool
	// Lapic_cal is the boot's calibration, for the boot log and the
	// selftest.
	Lapic_cal Lapic_cal_result
	// Lapic_cal_stall_us: lapic_cal_stall=, a stall put into the boot
	// calibration's first sample.
	Lapic_cal_stall_us uint64
)

// Lapic_cal_result is one calibration: TSC cycles and timer counts
// between the two reference samples, and the error bound in TSC cycles
// (half the sum of the two samples' brackets, and one count).
type Lapic_cal_result struct {
	Tsc, Counts, Bound uint64
}

// Ppm is the result's error bound in parts per million of the window.
func (r *Lapic_cal_result) Ppm() uint64 {
	if r.Tsc == 0 {
		return 1000000
	}
	return r.Bound * 1000000 / r.Tsc
}

// lapic_cal_ref is one reference sample: the TSC, the timer's current
// count, the TSC again. The count was read somewhere inside the bracket
// [t1, t2]; its TSC is taken as the middle, within (t2-t1)/2 either way.
// Under TCG the MMIO read may wait for QEMU's global lock, and the host
// may preempt the vCPU thread between any two instructions: both widen
// the bracket, never hide in it (Linux tsc_read_refs brackets the PM timer
// and HPET reads against SMIs the same way). Of LAPIC_CAL_TRIES samples
// the narrowest is kept (a few microseconds in all); stall_first cycles
// of delay are put inside the first bracket (the selftest's model of a
// host hiccup; 0 at boot).
func lapic_cal_ref(stall_first uint64) (tsc uint64, count uint32, width uint64) {
	width = ^uint64(0)
	for i := 0; i < LAPIC_CAL_TRIES; i++ {
		t1 := asm.Rdtsc()
		if i == 0 && stall_first != 0 {
			for asm.Rdtsc()-t1 < stall_first {
			}
		}
		c := Apic_read(asm.APIC_TMCCT)
		t2 := asm.Rdtsc()
		if w := t2 - t1; w < width {
			tsc, count, width = t1+w/2, c, w
		}
	}
	return
}

// Lapic_cal_measure counts the timer, one-shot from 0xffffffff and
// masked, between two bracketed reference samples, until the error bound
// is under LAPIC_CAL_MAX_PPM (at least LAPIC_CAL_MIN_US, at most
// LAPIC_CAL_MAX_US of TSC time). It leaves the timer stopped. ok is false
// when the timer does not count or the bound was never met. stall_first
// goes into the window's opening sample only (a stall at both ends would
// cancel out even without the brackets).
func Lapic_cal_measure(tsc_khz, stall_first uint64) (r Lapic_cal_result, ok bool) {
	Apic_write(asm.APIC_LVTT, asm.APIC_LVT_MASKED|asm.LOCAL_TIMER_VECTOR)
	Apic_write(asm.APIC_TDCR, asm.APIC_TDR_DIV_16)
	// One sample first: under QEMU's TCG the first run of code is
	// translated, a stall better taken before the window opens.
	lapic_cal_ref(0)
	Apic_write(asm.APIC_TMICT, 0xffffffff)
	t0, c0, w0 := lapic_cal_ref(stall_first)
	min := tsc_khz * LAPIC_CAL_MIN_US / 1000
	max := tsc_khz * LAPIC_CAL_MAX_US / 1000
	for {
		for asm.Rdtsc()-t0 < min {
		}
		t1, c1, w1 := lapic_cal_ref(0)
		r.Tsc, r.Bound = t1-t0, (w0+w1)/2
		if c1 >= c0 { // not counting down
			r.Counts = 0
			break
		}
		r.Counts = uint64(c0 - c1)
		// One count of the timer's own granularity, too.
		r.Bound += r.Tsc/r.Counts + 1
		if r.Bound*1000000 <= r.Tsc*LAPIC_CAL_MAX_PPM {
			ok = true
			break
		}
		if r.Tsc >= max {
			break
		}
		// Count on: the same bound over a longer window.
		min = r.Tsc + r.Tsc/2
	}
	Apic_write(asm.APIC_TMICT, 0)
	return r, ok
}

// Calibrate_APIC_clock measures the APIC bus clock against the TSC
// (Lapic_cal_measure) and sets the tick's period from it (Linux
// calibrate_APIC_clock, which counts jiffies of the PIT or of the TSC). It
// returns false when the timer does not count or cannot be measured.
func Calibrate_APIC_clock(tsc_khz uint64) bool {
	if Lapic_cal_stall_us != 0 {
		printk.Pr_info("APIC timer: lapic_cal_stall=%d: the first reference sample stalls %d us between its TSC read and its timer read\n",
			printk.Int(Lapic_cal_stall_us), printk.Int(Lapic_cal_stall_us))
	}
	r, ok := Lapic_cal_measure(tsc_khz, tsc_khz*Lapic_cal_stall_us/1000)
	Lapic_cal = r
	if r.Counts == 0 {
		printk.Pr_err("APIC timer: does not count (%d counts in %d TSC cycles): no local APIC tick\n", printk.Int(r.Counts), printk.Int(r.Tsc))
		return false
	}
	if !ok {
		printk.Pr_err("APIC timer: calibration uncertain: +-%d TSC cycles over %d (%d ppm, want %d): no local APIC tick\n",
			printk.Int(r.Bound), printk.Int(r.Tsc), printk.Int(r.Ppm()), printk.Int(LAPIC_CAL_MAX_PPM))
		return false
	}
	bus_hz, ok := lapic_bus_hz(r.Counts, r.Tsc, tsc_khz)
	if !ok {
		printk.Pr_err("APIC timer: %d counts in %d TSC cycles is not a clock\n", printk.Int(r.Counts), printk.Int(r.Tsc))
		return false
	}
	Lapic_timer_period = bus_hz / time.HZ
	printk.Pr_info("APIC timer: host bus clock speed is %d.%04d MHz, %d bus clocks per tick (calibrated against the TSC over %d us, to within %d ppm)\n",
		printk.Int(bus_hz/1000000), printk.Int(bus_hz%1000000/100), printk.Int(Lapic_timer_period), printk.Int(r.Tsc*1000/tsc_khz),
		printk.Int(r.Ppm()))
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
