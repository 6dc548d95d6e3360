// Package tsc makes the time-stamp counter the kernel's clock: its
// frequency, and local_clock, the nanoseconds since startup_32 that printk
// stamps lines with. Linux: arch/x86/kernel/tsc.c (tsc_early_init,
// native_calibrate_tsc, pit_calibrate_tsc, native_sched_clock) behind
// include/linux/sched/clock.h (local_clock).
//
// It is its own package, below arch/amd64, because more than the
// orchestration needs the clock: arch/amd64/mm times init_mem_mapping, and
// traps and the timer code will stamp events with it. Subsystems may import
// it; it imports only asm, the PIT driver and printk.
package tsc

import (
	"math/bits"

	"gokern/arch/amd64/asm"
	"gokern/drivers/i8253"
	"gokern/drivers/rtc"
	"gokern/printk"
)

var (
	// Tsc_khz is the TSC frequency in kHz (Linux tsc_khz).
	Tsc_khz uint64
	// TscSource says how it was found: "CPUID 0x15", "CPUID 0x16", "PIT".
	TscSource string
	// Tsc_cal_pit_ticks: how many PIT ticks the PIT calibration spanned
	// (0 when CPUID gave the frequency): the TSC time it took is that
	// many 1/PIT_TICK_RATE seconds, by construction.
	Tsc_cal_pit_ticks uint64
	// tsc_zero is the TSC at startup_32: printk's time zero.
	tsc_zero uint64
)

// CAL_MS: how long pit_calibrate_tsc, the slow fallback, counts, in
// milliseconds (Linux CAL_MS).
const CAL_MS = 10

// MAX_QUICK_PIT_MS: quick_pit_calibrate gives up after this long; each of
// its steps is one change of the PIT count's high byte, 256 PIT ticks
// (214.5 us). Linux MAX_QUICK_PIT_MS, MAX_QUICK_PIT_ITERATIONS.
const (
	MAX_QUICK_PIT_MS         = 50
	MAX_QUICK_PIT_ITERATIONS = MAX_QUICK_PIT_MS * i8253.PIT_TICK_RATE / 1000 / 256
)

// native_calibrate_tsc reads the frequency from CPUID leaf 0x15 (TSC /
// crystal ratio and crystal Hz) or, failing that, leaf 0x16 (base MHz)
// (SDM Vol. 2A, CPUID leaves 15H and 16H).
func native_calibrate_tsc() (khz uint64, source string) {
	max, _, _, _ := asm.Cpuid(0)
	if max >= 0x15 {
		den, num, crystal, _ := asm.Cpuid(0x15)
		if den != 0 && num != 0 && crystal != 0 {
			return uint64(crystal) / 1000 * uint64(num) / uint64(den), "CPUID 0x15"
		}
	}
	if max >= 0x16 {
		mhz, _, _, _ := asm.Cpuid(0x16)
		if mhz&0xffff != 0 {
			return uint64(mhz&0xffff) * 1000, "CPUID 0x16"
		}
	}
	return 0, ""
}

// pit_verify_msb reads PIT channel 2's count and reports whether its high
// byte is val (Linux pit_verify_msb).
func pit_verify_msb(val uint8) bool { return i8253.Pit_read_ch2_msb() == val }

// pit_expect_msb reads the count while its high byte is val, and returns
// the TSC at the last read that still saw val, and how long the last two
// reads took: the uncertainty of that TSC value (Linux pit_expect_msb). It
// fails if val was seen fewer than six times: the reads are too slow to
// catch every change.
func pit_expect_msb(val uint8) (tsc, delta uint64, ok bool) {
	var prev uint64
	count := 0
	for ; count < 50000; count++ {
		if !pit_verify_msb(val) {
			break
		}
		prev = tsc
		tsc = asm.Rdtsc()
		if count == 3 && quick_pit_wrap_pending && val == 0xfd {
			// tsc_calibrate=quick_wrap: the host stops QEMU here for
			// one whole turn of the count, and it comes back to the
			// same high byte (see quick_pit_calibrate).
			quick_pit_wrap_pending = false
			for pit_verify_msb(val) {
			}
			for !pit_verify_msb(val) {
			}
		}
	}
	return tsc, asm.Rdtsc() - prev, count > 5
}

// quick_pit_wrap_pending: tsc_calibrate=quick_wrap's stall, still to come.
var quick_pit_wrap_pending bool

// quick_pit_calibrate is Linux's fast TSC calibration: PIT channel 2
// counts down from 0xffff, and the TSC is read at each change of the
// count's high byte. After i changes the window is exactly i*256 PIT
// ticks, and the TSC values at its two ends are known to within the time
// of two reads (d1, d2); the loop stops as soon as that uncertainty is
// below 1/2048 of the window (500 ppm) — a few milliseconds where a read
// takes a microsecond — instead of always counting 10 ms. It returns the
// frequency in kHz and the window in PIT ticks, or 0 when the reads are
// too slow for the error to ever get under 500 ppm (Linux
// quick_pit_calibrate).
func quick_pit_calibrate() (khz, pit_ticks uint64) {
	// Under QEMU's TCG the first run of any code is translated first, a
	// stall longer than one 214 us step; the first attempt then misses a
	// change of the high byte and fails. Linux tries once; gokern tries
	// up to QUICK_PIT_ATTEMPTS times, each failed attempt leaving more of
	// the loop translated (a failure costs a millisecond or two).
	//
	// And gokern takes a window only when the next one agrees with it:
	// a host that stops QEMU for a whole turn of the count (65536 ticks,
	// 54.9 ms) between two reads of one high byte brings it back to the
	// same byte, a turn that the high byte cannot show. The window then
	// holds 55 ms more than its ticks say, and every check above passes:
	// a clean-clone run detected a 120059.896 MHz processor so (acpi=off:
	// no HPET or PM timer to check it against later). Each window is
	// within 1/2048 of the truth, so two honest ones agree to within
	// QUICK_PIT_AGREE_PPM; a stalled one is off by tens of times.
	var last uint64
	for attempt := 0; attempt < QUICK_PIT_ATTEMPTS; attempt++ {
		khz, pit_ticks = quick_pit_calibrate_once()
		if khz == 0 {
			// tsc_calibrate=quick_wrap: a stall in a window that failed
			// anyway proves nothing; the next window stalls again.
			if Tsc_calibrate == CAL_QUICK_WRAP && last == 0 {
				quick_pit_wrap_pending = true
			}
			continue
		}
		if last != 0 && ppmApart(khz, last) <= QUICK_PIT_AGREE_PPM {
			printk.Pr_info("tsc: Fast TSC calibration using PIT\n")
			return khz, pit_ticks
		}
		if last != 0 {
			printk.Pr_info("tsc: Fast TSC calibration: two windows disagree (%d and %d kHz): another\n", printk.Int(last), printk.Int(khz))
		}
		last = khz
	}
	printk.Pr_info("tsc: Fast TSC calibration failed\n")
	return 0, 0
}

// QUICK_PIT_ATTEMPTS and QUICK_PIT_AGREE_PPM: see quick_pit_calibrate.
const (
	QUICK_PIT_ATTEMPTS  = 8    // a failed one costs 1-2 ms; two must agree
	QUICK_PIT_AGREE_PPM = 1000 // two windows, each within 1/2048 (488 ppm)
)

// ppmApart: how far a is from b, in parts per million of b.
func ppmApart(a, b uint64) uint64 {
	d := a - b
	if a < b {
		d = b - a
	}
	return d * 1000000 / b
}

func quick_pit_calibrate_once() (khz, pit_ticks uint64) {
	// The count's high byte alone, one port read each (Linux reads both
	// bytes): under TCG a port read is a trip into QEMU, and the two
	// reads around each change of the high byte are the calibration's
	// uncertainty, so halving them halves the window that reaches 500
	// ppm (1.3-1.9 ms instead of 2.1-10.7 ms, and fewer failed attempts).
	i8253.StartChannel2_msb()
	// The PIT starts counting at its next clock edge, from 65536 (high
	// byte 0) down to 0xffff: the high byte reads 0 until then (Linux
	// loads 0xffff in lobyte/hibyte mode and lets one read pass).
	for k := 0; k < 1000 && pit_verify_msb(0); k++ {
	}
	tsc, d1, ok := pit_expect_msb(0xff)
	if !ok {
		return 0, 0
	}
	for i := 1; i <= MAX_QUICK_PIT_ITERATIONS; i++ {
		t2, d2, ok := pit_expect_msb(uint8(0xff - i))
		if !ok {
			return 0, 0
		}
		delta := t2 - tsc
		// Fail fast if the error will never get below 500 ppm.
		if i == 1 && d1+d2 >= (delta*MAX_QUICK_PIT_ITERATIONS)>>11 {
			return 0, 0
		}
		if d1+d2 >= delta>>11 {
			continue
		}
		// One more read: every TSC read was stable against the PIT.
		if !pit_verify_msb(uint8(0xfe - i)) {
			return 0, 0
		}
		ticks := uint64(i) * 256
		return delta * i8253.PIT_TICK_RATE / (ticks * 1000), ticks
	}
	return 0, 0
}

// pit_calibrate_tsc counts TSC cycles while PIT channel 2 counts down
// CAL_MS milliseconds: the slow way, for when quick_pit_calibrate fails.
// It returns the frequency and its uncertainty in ppm (0, 0: the count
// did not move).
//
// Linux's pit_calibrate_tsc starts channel 2, reads the TSC, and waits
// for OUT2: a stall between the start and the first TSC read (an SMI; a
// host that preempts QEMU, for milliseconds under load) shortens the
// window it measures and goes unnoticed; Linux covers that by reading the
// HPET or the PM timer alongside (pit_hpet_ptimer_calibrate_cpu). gokern
// instead anchors both ends of the window to the count itself: each end
// is a latched read of the count between two TSC reads, the narrowest of
// PIT_STAMP_TRIES, so a stall anywhere else costs nothing, and one inside
// a read shows as a wide pair and is not kept.
func pit_calibrate_tsc() (khz, ppm uint64) {
	const ticks_wanted = i8253.PIT_TICK_RATE * CAL_MS / 1000
	i8253.StartChannel2(0xffff)
	t0, u0, c0 := pit_stamp()
	for loops := 0; c0-i8253.Pit_read_ch2() < ticks_wanted; loops++ {
		if loops > 1<<24 {
			return 0, 0
		}
	}
	t1, u1, c1 := pit_stamp()
	ticks := uint64(c0 - c1)
	// OUT2 high: the count went through 0 (a stall of 55 ms), and the
	// difference of the two counts lost 65536 ticks.
	if ticks == 0 || t1 <= t0 || i8253.Channel2Done() {
		return 0, 0
	}
	Tsc_cal_pit_ticks = ticks
	span := t1 - t0
	// Each end is known to within its TSC pair and one PIT tick.
	ppm = (u0+u1)*1000000/span + 2*1000000/ticks
	return span * i8253.PIT_TICK_RATE / (ticks * 1000), ppm
}

// PIT_STAMP_TRIES: how many reads of the count pit_stamp chooses from.
const PIT_STAMP_TRIES = 5

// pit_stamp reads channel 2's latched count between two TSC reads,
// PIT_STAMP_TRIES times, and returns the narrowest pair: the TSC in its
// middle, its half-width, and the count.
func pit_stamp() (tsc, unc uint64, count uint16) {
	best := ^uint64(0)
	for i := 0; i < PIT_STAMP_TRIES; i++ {
		t1 := asm.Rdtsc()
		c := i8253.Pit_read_ch2()
		t2 := asm.Rdtsc()
		if t2-t1 < best {
			best, tsc, count = t2-t1, t1+(t2-t1)/2, c
		}
	}
	return tsc, best / 2, count
}

// CAL_TRIES: how many times the slow calibration is tried (Linux
// pit_hpet_ptimer_calibrate_cpu's three loops); CAL_PPM: the uncertainty
// a try must be under to be taken at once.
const (
	CAL_TRIES = 3
	CAL_PPM   = 500
)

// The command line's say over the calibration, taken at startup_64 (the
// EARLY_REPORT options of arch/amd64/setup.go), before Tsc_early_init.
var (
	// Tsc_early_khz: Linux's tsc_early_khz=, the frequency given, no
	// calibration.
	Tsc_early_khz uint64
	// Tsc_calibrate: gokern's tsc_calibrate= (a debugging knob Linux does
	// not have): CAL_AUTO tries every method in Linux's order, CAL_SLOW
	// starts at the slow PIT method as if quick_pit_calibrate had failed,
	// CAL_RTC at the RTC as if there were no PIT.
	Tsc_calibrate = CAL_AUTO
	// Tsc_unknown: no reference clock was found; Tsc_khz is a placeholder
	// that the boot said it assumed, and nothing may be calibrated
	// against it.
	Tsc_unknown bool
)

const (
	CAL_AUTO = iota
	CAL_SLOW
	CAL_RTC
	// CAL_QUICK_WRAP: CAL_AUTO, with a stall of one whole turn of the PIT
	// count inside the first fast window (quick_pit_calibrate's case).
	CAL_QUICK_WRAP
)

// Tsc_early_init finds the TSC frequency and makes the TSC printk's clock,
// counting from tsc0 (the TSC at startup_32). Linux calibrates in
// setup_arch and prints [0.000000] until then; gokern does it before
// start_kernel so that the boot's own time stamps can be read as the time
// since startup_32.
//
// The order is Linux's native_calibrate_tsc, then quick_pit_calibrate,
// then pit_hpet_ptimer_calibrate_cpu's slow PIT loop; where Linux's slow
// loop reads the HPET or the PM timer alongside, gokern checks against the
// PM timer in time_init, once the ACPI tables are read. Where there is no
// PIT (microvm with pit=off) the RTC's seconds are the reference
// (gokern-only: Linux has no RTC calibration, and on such a machine takes
// the frequency from CPUID or the hypervisor). A frequency is never
// assumed silently: with no reference at all the boot says so, and
// time_init then starts no tick.
func Tsc_early_init(tsc0 uint64) {
	if now := asm.Rdtsc(); tsc0 == 0 || tsc0 > now {
		tsc0 = now // entered without the boot stage's value
	}
	tsc_zero = tsc0
	cyc2ns_base = tsc0
	Tsc_khz, TscSource, Tsc_cal_pit_ticks, Tsc_unknown = 0, "", 0, false
	if Tsc_early_khz != 0 {
		Tsc_khz, TscSource = Tsc_early_khz, "tsc_early_khz="
	}
	if Tsc_khz == 0 && Tsc_calibrate == CAL_AUTO {
		Tsc_khz, TscSource = native_calibrate_tsc()
	}
	pit := false
	if Tsc_khz == 0 && Tsc_calibrate != CAL_RTC {
		if pit = i8253.Probe(); !pit {
			printk.Pr_info("tsc: no PIT (channel 2 does not count): no PIT calibration\n")
		}
	}
	quick_pit_wrap_pending = Tsc_calibrate == CAL_QUICK_WRAP
	if Tsc_khz == 0 && pit && (Tsc_calibrate == CAL_AUTO || Tsc_calibrate == CAL_QUICK_WRAP) {
		Tsc_khz, Tsc_cal_pit_ticks = quick_pit_calibrate()
		TscSource = "PIT"
	}
	if Tsc_khz == 0 && pit {
		if Tsc_calibrate == CAL_SLOW {
			printk.Pr_info("tsc: tsc_calibrate=slow: the fast PIT calibration skipped\n")
		}
		Tsc_khz = pit_calibrate_tsc_tries()
		TscSource = "slow PIT"
	}
	if Tsc_khz == 0 {
		if Tsc_calibrate == CAL_RTC {
			printk.Pr_info("tsc: tsc_calibrate=rtc: the PIT calibrations skipped\n")
		}
		Tsc_khz = rtc_calibrate_tsc()
		TscSource = "RTC"
	}
	if Tsc_khz == 0 {
		// Something must convert cycles to time for printk; the boot says
		// which value it is and that it is not measured.
		Tsc_khz, TscSource, Tsc_unknown = TSC_KHZ_PLACEHOLDER, "unknown", true
		printk.Pr_err("tsc: no reference clock to calibrate against (no CPUID 0x15/0x16 frequency, no PIT, no RTC): the TSC frequency is unknown; time stamps assume %d MHz\n",
			printk.Int(TSC_KHZ_PLACEHOLDER/1000))
	}
	printk.Clock = Local_clock
	if Tsc_unknown {
		return
	}
	printk.Pr_info("tsc: Detected %d.%03d MHz processor\n", printk.Int(Tsc_khz/1000), printk.Int(Tsc_khz%1000))
	if Tsc_cal_pit_ticks != 0 {
		printk.Pr_debug("tsc: calibrated over %d PIT ticks (%d us)\n", printk.Int(Tsc_cal_pit_ticks),
			printk.Int(Tsc_cal_pit_ticks*1000000/i8253.PIT_TICK_RATE))
	}
}

// TSC_KHZ_PLACEHOLDER: the frequency time stamps assume when nothing
// measured it (Tsc_unknown).
const TSC_KHZ_PLACEHOLDER = 1000000

// pit_calibrate_tsc_tries is the slow way, as Linux's
// pit_hpet_ptimer_calibrate_cpu: up to CAL_TRIES runs, the first under
// CAL_PPM; if none is, the one with the smallest uncertainty, said so
// (time_init then compares it with the PM timer).
func pit_calibrate_tsc_tries() uint64 {
	var best_khz, best_ppm, best_ticks uint64
	for try := 0; try < CAL_TRIES; try++ {
		khz, ppm := pit_calibrate_tsc()
		if khz != 0 && (best_khz == 0 || ppm < best_ppm) {
			best_khz, best_ppm, best_ticks = khz, ppm, Tsc_cal_pit_ticks
		}
		if best_khz != 0 && best_ppm <= CAL_PPM {
			break
		}
	}
	Tsc_cal_pit_ticks = best_ticks
	if best_khz == 0 {
		printk.Pr_err("tsc: Unable to calibrate against PIT: channel 2's count did not move\n")
		return 0
	}
	if best_ppm > CAL_PPM {
		printk.Pr_warn("tsc: PIT calibration disturbed in %d tries: the best is within %d ppm\n", printk.Int(CAL_TRIES), printk.Int(best_ppm))
	} else {
		printk.Pr_info("tsc: PIT calibration to within %d ppm\n", printk.Int(best_ppm))
	}
	return best_khz
}

// RTC_CAL_READS bounds each wait for the RTC's seconds to change: a
// second is a few hundred thousand reads under QEMU's TCG, about a
// million on hardware; no change in this many means the RTC is stopped.
// RTC_CAL_EDGES: at most this many changes are watched (RTC_CAL_EDGES-1
// seconds); RTC_CAL_PPM: the uncertainty that ends the watch earlier.
const (
	RTC_CAL_READS = 1 << 24
	RTC_CAL_EDGES = 5
	RTC_CAL_PPM   = 500
)

// An edge of the RTC's seconds: the TSC in the middle of the window in
// which the register changed, the window's half-width, and the seconds
// since the first edge.
type rtc_edge struct{ tsc, unc, sec uint64 }

var rtc_edges [RTC_CAL_EDGES]rtc_edge

// rtc_next_second waits for the seconds register to change from sec and
// returns the edge (sec its new value, 0xff: no change).
func rtc_next_second(sec uint8) (e rtc_edge, now uint8) {
	last := asm.Rdtsc() // the start of the last read that saw sec
	for reads := 0; reads < RTC_CAL_READS; reads++ {
		t1 := asm.Rdtsc()
		if now = rtc.CMOS_READ(rtc.RTC_SECONDS); now != sec {
			t2 := asm.Rdtsc()
			return rtc_edge{tsc: last + (t2-last)/2, unc: (t2 - last) / 2}, now
		}
		last = t1
	}
	return e, 0xff
}

// rtc_calibrate_tsc counts TSC cycles between changes of the RTC's
// seconds register (gokern-only). Each change is known to within the two
// reads around it; a read delayed (a host that preempts QEMU) widens that
// window but cannot lose a second, the register counts them. Of the edges
// seen, the pair with the smallest relative uncertainty gives the
// frequency, as soon as it is under RTC_CAL_PPM: one to two seconds
// usually. The RTC's periodic flag would be faster, but QEMU sets it from
// a timer callback that runs late, or drops periods, when the host is
// busy. It only runs on a machine with no CPUID frequency and no PIT. 0:
// no RTC, or it does not run.
func rtc_calibrate_tsc() uint64 {
	if !rtc.Present() {
		printk.Pr_info("tsc: no RTC (register D reads %#x): no RTC calibration\n", printk.Int(rtc.CMOS_READ(rtc.RTC_REG_D)))
		return 0
	}
	bcd := rtc.CMOS_READ(rtc.RTC_REG_B)&rtc.RTC_DM_BINARY == 0
	sec := rtc.CMOS_READ(rtc.RTC_SECONDS)
	prev, total := uint64(0), uint64(0)
	var best_khz, best_ppm uint64
	for n := 0; n < RTC_CAL_EDGES; n++ {
		e, now := rtc_next_second(sec)
		if now == 0xff {
			printk.Pr_err("tsc: the RTC's seconds did not change in %d reads: no RTC calibration\n", printk.Int(RTC_CAL_READS))
			return 0
		}
		v := uint64(now)
		if bcd {
			v = uint64(now>>4)*10 + uint64(now&0xf)
		}
		if n > 0 {
			total += (v + 60 - prev) % 60
		}
		prev, sec = v, now
		e.sec = total
		rtc_edges[n] = e
		for j := 0; j < n; j++ {
			a := &rtc_edges[j]
			if e.sec <= a.sec || e.tsc <= a.tsc {
				continue
			}
			span := e.tsc - a.tsc
			ppm := (a.unc + e.unc) * 1000000 / span
			if best_khz == 0 || ppm < best_ppm {
				best_khz, best_ppm = span/(e.sec-a.sec)/1000, ppm
			}
		}
		if best_khz != 0 && best_ppm < RTC_CAL_PPM {
			break
		}
	}
	if best_khz == 0 {
		return 0
	}
	printk.Pr_info("tsc: calibrated against the RTC's seconds, to within %d ppm\n", printk.Int(best_ppm))
	return best_khz
}

// Cycles_2_ns converts a TSC delta with a 128-bit intermediate product, so
// that it never overflows (Linux cycles_2_ns uses a mult/shift pair
// instead; a division is fine here).
func Cycles_2_ns(cycles, khz uint64) uint64 {
	hi, lo := bits.Mul64(cycles, 1000000)
	if hi >= khz {
		return ^uint64(0)
	}
	ns, _ := bits.Div64(hi, lo, khz)
	return ns
}

// The clock is cyc2ns_offset nanoseconds at TSC value cyc2ns_base, and
// counts on from there at Tsc_khz; a change of Tsc_khz moves both, so
// that the clock never jumps (Linux cyc2ns_data's offset, set_cyc2ns_scale).
var cyc2ns_base, cyc2ns_offset uint64

// Local_clock is nanoseconds since startup_32 (Linux local_clock).
func Local_clock() uint64 { return cyc2ns_offset + Cycles_2_ns(asm.Rdtsc()-cyc2ns_base, Tsc_khz) }

// Tsc_refine replaces the TSC frequency with a better measurement, khz,
// from now on (Linux tsc_refine_calibration_work: "Refined TSC
// clocksource calibration"). Interrupts must be off.
func Tsc_refine(khz uint64) {
	now := asm.Rdtsc()
	cyc2ns_offset += Cycles_2_ns(now-cyc2ns_base, Tsc_khz)
	cyc2ns_base = now
	Tsc_khz, Tsc_unknown = khz, false
	printk.Pr_info("tsc: Refined TSC clocksource calibration: %d.%03d MHz\n", printk.Int(khz/1000), printk.Int(khz%1000))
}

// Run_budget bounds a wait by the TSC time the guest ran, not the TSC time
// that passed: a host that deschedules QEMU's vCPU threads moves the TSC
// on by seconds between two instructions, and a wait bounded by raw TSC
// time then gives up at once, with what it waits for — another CPU, an
// interrupt — held back by the same stall. Each step between two checks
// counts at most RUN_BUDGET_MAX_STEP_MS: a longer one was the host's (a
// loop that checks its budget at least every few milliseconds, as every
// wait of the selftests does, never takes such a step itself). A wait for
// something that never comes still ends, after the budget's time plus the
// host's stalls. gokern's own helper; Linux's soft-lockup watchdog
// discounts a stalled guest the same way (kvm_check_and_clear_guest_paused).
type Run_budget struct {
	left, last uint64
}

// RUN_BUDGET_MAX_STEP_MS: see Run_budget.
const RUN_BUDGET_MAX_STEP_MS = 50

// New_run_budget starts a budget of ms milliseconds of running time.
func New_run_budget(ms uint64) Run_budget {
	return Run_budget{left: ms * Tsc_khz, last: asm.Rdtsc()}
}

// Spent counts the time since the last call (capped) and reports whether
// the budget is used up.
func (b *Run_budget) Spent() bool {
	now := asm.Rdtsc()
	step := min(now-b.last, RUN_BUDGET_MAX_STEP_MS*Tsc_khz)
	if now < b.last { // another CPU's TSC, slightly behind
		step = 0
	}
	b.last = now
	if step >= b.left {
		b.left = 0
		return true
	}
	b.left -= step
	return false
}
