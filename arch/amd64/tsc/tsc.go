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
	// tsc_zero is the TSC at startup_32: printk's time zero.
	tsc_zero uint64
)

// CAL_MS: how long pit_calibrate_tsc counts, in milliseconds.
const CAL_MS = 10

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

// pit_calibrate_tsc counts TSC cycles while PIT channel 2 counts down
// CAL_MS milliseconds (Linux pit_calibrate_tsc).
func pit_calibrate_tsc() uint64 {
	const latch = i8253.PIT_TICK_RATE / (1000 / CAL_MS)
	i8253.StartChannel2(latch)
	t1 := asm.Rdtsc()
	t2 := t1
	for loops := 0; !i8253.Channel2Done(); loops++ {
		t2 = asm.Rdtsc()
		if loops > 1<<28 {
			return 0 // OUT2 never rose: no working PIT
		}
	}
	return (t2 - t1) / CAL_MS
}

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
	Tsc_khz, TscSource = native_calibrate_tsc()
	if Tsc_khz == 0 {
		Tsc_khz, TscSource = pit_calibrate_tsc(), "PIT"
	}
	if Tsc_khz == 0 {
		Tsc_khz, TscSource = 1000000, "assumed (no CPUID leaf, no PIT)"
	}
	printk.Clock = Local_clock
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

// Local_clock is nanoseconds since startup_32 (Linux local_clock).
func Local_clock() uint64 { return Cycles_2_ns(asm.Rdtsc()-tsc_zero, Tsc_khz) }
