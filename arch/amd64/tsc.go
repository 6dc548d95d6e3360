package amd64

import (
	"math/bits"

	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// The time-stamp counter as printk's clock, Linux arch/x86/kernel/tsc.c
// (tsc_early_init, native_calibrate_tsc, pit_calibrate_tsc).

var (
	// Tsc_khz is the TSC frequency in kHz (Linux tsc_khz).
	Tsc_khz uint64
	// Tsc_source says how it was found: "CPUID 0x15", "CPUID 0x16", "PIT".
	Tsc_source string
	// tsc_zero is the TSC at startup_32: printk's time zero.
	tsc_zero uint64
)

// PIT (Intel 8254) ports and the speaker gate (port 0x61) used to time
// channel 2, as Linux's pit_calibrate_tsc.
const (
	PIT_TICK_RATE = 1193182 // Hz
	PIT_CH2       = 0x42
	PIT_MODE      = 0x43
	PORT_B        = 0x61 // bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2
	CAL_MS        = 10
)

// native_calibrate_tsc reads the frequency from CPUID leaf 0x15 (TSC /
// crystal ratio and crystal Hz) or, failing that, leaf 0x16 (base MHz)
// (SDM Vol. 2A, CPUID leaves 15H and 16H).
func native_calibrate_tsc() (khz uint64, source string) {
	max, _, _, _ := asm.Cpuid_count(0, 0)
	if max >= 0x15 {
		den, num, crystal, _ := asm.Cpuid_count(0x15, 0)
		if den != 0 && num != 0 && crystal != 0 {
			return uint64(crystal) / 1000 * uint64(num) / uint64(den), "CPUID 0x15"
		}
	}
	if max >= 0x16 {
		mhz, _, _, _ := asm.Cpuid_count(0x16, 0)
		if mhz&0xffff != 0 {
			return uint64(mhz&0xffff) * 1000, "CPUID 0x16"
		}
	}
	return 0, ""
}

// pit_calibrate_tsc counts TSC cycles while PIT channel 2 counts down
// CAL_MS milliseconds in mode 0 (interrupt on terminal count: OUT2 goes
// high at zero, visible in port 0x61 bit 5). Intel 8254 datasheet, "Mode
// 0"; Linux pit_calibrate_tsc.
func pit_calibrate_tsc() uint64 {
	const latch = PIT_TICK_RATE / (1000 / CAL_MS)
	asm.Outb(PORT_B, asm.Inb(PORT_B)&^0x02|0x01) // gate on, speaker off
	asm.Outb(PIT_MODE, 0xb0)                     // channel 2, lobyte/hibyte, mode 0, binary
	asm.Outb(PIT_CH2, latch&0xff)
	asm.Outb(PIT_CH2, latch>>8)
	t1 := asm.Rdtsc()
	t2 := t1
	for loops := 0; asm.Inb(PORT_B)&0x20 == 0; loops++ {
		t2 = asm.Rdtsc()
		if loops > 1<<28 {
			return 0 // OUT2 never rose: no working PIT
		}
	}
	return (t2 - t1) / CAL_MS
}

// tsc_early_init finds the TSC frequency and makes the TSC printk's clock,
// counting from tsc0 (the TSC at startup_32). Linux calibrates in
// setup_arch and prints [0.000000] until then; gokern does it before
// start_kernel so that the boot's own time stamps can be read as the time
// since startup_32.
func tsc_early_init(tsc0 uint64) {
	if now := asm.Rdtsc(); tsc0 == 0 || tsc0 > now {
		tsc0 = now // entered without the boot stage's value
	}
	tsc_zero = tsc0
	Tsc_khz, Tsc_source = native_calibrate_tsc()
	if Tsc_khz == 0 {
		Tsc_khz, Tsc_source = pit_calibrate_tsc(), "PIT"
	}
	if Tsc_khz == 0 {
		Tsc_khz, Tsc_source = 1000000, "assumed (no CPUID leaf, no PIT)"
	}
	printk.Clock = local_clock
}

// Cycles_to_ns converts a TSC delta with a 128-bit intermediate product,
// so that it never overflows (Linux uses mult/shift; the division is fine
// here).
func Cycles_to_ns(cycles, khz uint64) uint64 {
	hi, lo := bits.Mul64(cycles, 1000000)
	if hi >= khz {
		return ^uint64(0)
	}
	ns, _ := bits.Div64(hi, lo, khz)
	return ns
}

// local_clock is nanoseconds since startup_32 (Linux local_clock).
func local_clock() uint64 { return Cycles_to_ns(asm.Rdtsc()-tsc_zero, Tsc_khz) }
