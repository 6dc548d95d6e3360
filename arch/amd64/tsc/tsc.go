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
	}
	return tsc, asm.Rdtsc() - prev, count > 5
}

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
	// QUICK_PIT_ATTEMPTS times, each failed attempt leaving more of the
	// loop translated (a failure costs a millisecond or two).
	for attempt := 0; attempt < QUICK_PIT_ATTEMPTS; attempt++ {
		if khz, pit_ticks = quick_pit_calibrate_once(); khz != 0 {
			printk.Pr_info("tsc: Fast TSC calibration using PIT\n")
			return khz, pit_ticks
		}
	}
	printk.Pr_info("tsc: Fast TSC calibration failed\n")
	return 0, 0
}

// QUICK_PIT_ATTEMPTS: see quick_pit_calibrate.
const QUICK_PIT_ATTEMPTS = 3

func quick_pit_calibrate_once() (khz, pit_ticks uint64) {
	i8253.StartChannel2(0xffff)
	// The PIT starts counting at its next clock edge: one read lets that
	// pass.
	pit_verify_msb(0)
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
// CAL_MS milliseconds (Linux pit_calibrate_tsc): the slow way, for when
// quick_pit_calibrate fails.
func pit_calibrate_tsc() (khz uint64, checked bool) {
	const latch = i8253.PIT_TICK_RATE / (1000 / CAL_MS)
	i8253.StartChannel2(latch)
	t1 := asm.Rdtsc()
	t2, prev := t1, t1
	tscmin, tscmax := ^uint64(0), uint64(0)
	loops := 0
	for ; !i8253.Channel2Done(); loops++ {
		t2 = asm.Rdtsc()
		d := t2 - prev
		prev = t2
		tscmin, tscmax = min(tscmin, d), max(tscmax, d)
		if loops > 1<<28 {
			return 0, false // OUT2 never rose: no working PIT
		}
	}
	// Linux's sanity checks: too few reads, or one read ten times slower
	// than the fastest, means the loop was stalled (an SMI on hardware; a
	// translation or a host preemption under QEMU) and the edge may have
	// been seen late. checked reports whether the result passed them.
	return (t2 - t1) / CAL_MS, loops >= CAL_PIT_LOOPS && tscmax <= 10*tscmin
}

// CAL_PIT_LOOPS: the fewest PIT reads a good pit_calibrate_tsc makes
// (Linux CAL_PIT_LOOPS); CAL_TRIES: how many times it is tried, the
// lowest result kept (Linux pit_hpet_ptimer_calibrate_cpu's three loops).
const (
	CAL_PIT_LOOPS = 1000
	CAL_TRIES     = 3
)

// Tsc_early_init finds the TSC frequency and makes the TSC printk's clock,
// counting from tsc0 (the TSC at startup_32). Linux calibrates in
// setup_arch and prints [0.000000] until then; gokern does it before
// start_kernel so that the boot's own time stamps can be read as the time
// since startup_32.
func Tsc_early_init(tsc0 uint64) {
	if now := asm.Rdtsc(); tsc0 == 0 || tsc0 > now {
		tsc0 = now // entered without the boot stage's value
	}
	tsc_zero = tsc0
	cyc2ns_base = tsc0
	Tsc_khz, TscSource = native_calibrate_tsc()
	if Tsc_khz == 0 {
		Tsc_khz, Tsc_cal_pit_ticks = quick_pit_calibrate()
		TscSource = "PIT"
	}
	// The slow way, as Linux's pit_hpet_ptimer_calibrate_cpu: up to
	// CAL_TRIES runs, the first that passes its checks. If none does, the
	// median of the three is kept and said to be unchecked: a stall before
	// the loop's first read makes a result too small, one before it sees
	// OUT2 rise too large, and one of three is most likely neither
	// (time_init compares it with the PM timer and replaces it if it is far
	// off).
	if Tsc_khz == 0 {
		var tries [CAL_TRIES]uint64
		for try := range tries {
			khz, checked := pit_calibrate_tsc()
			Tsc_cal_pit_ticks = i8253.PIT_TICK_RATE / (1000 / CAL_MS)
			if checked {
				Tsc_khz = khz
				break
			}
			tries[try] = khz
		}
		if Tsc_khz == 0 {
			a, b, c := tries[0], tries[1], tries[2]
			Tsc_khz = max(min(a, b), min(max(a, b), c)) // the median
			printk.Pr_warn("tsc: PIT calibration disturbed in %d tries (%d, %d, %d kHz): using %d kHz unchecked\n",
				printk.Int(CAL_TRIES), printk.Int(a), printk.Int(b), printk.Int(c), printk.Int(Tsc_khz))
		}
	}
	if Tsc_khz == 0 {
		Tsc_khz, TscSource, Tsc_cal_pit_ticks = 1000000, "assumed (no CPUID leaf, no PIT)", 0
	}
	printk.Clock = Local_clock
	printk.Pr_info("tsc: Detected %d.%03d MHz processor\n", printk.Int(Tsc_khz/1000), printk.Int(Tsc_khz%1000))
	if Tsc_cal_pit_ticks != 0 {
		printk.Pr_debug("tsc: calibrated over %d PIT ticks (%d us)\n", printk.Int(Tsc_cal_pit_ticks),
			printk.Int(Tsc_cal_pit_ticks*1000000/i8253.PIT_TICK_RATE))
	}
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
	Tsc_khz = khz
	printk.Pr_info("tsc: Refined TSC clocksource calibration: %d.%03d MHz\n", printk.Int(khz/1000), printk.Int(khz%1000))
}
