package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/time"
	"gokern/printk"
)

// The TSC as the timekeeper's clocksource. Linux: arch/x86/kernel/tsc.c
// (clocksource_tsc, read_tsc, init_tsc_clocksource).

// read_tsc is the TSC as a clocksource reads it (Linux read_tsc, which
// uses rdtsc_ordered: LFENCE first; a plain RDTSC here, and the readers
// clamp a count behind the last update to 0).
func read_tsc() uint64 { return asm.Rdtsc() }

// clocksource_tsc: the vDSO reads this one in user mode.
var clocksource_tsc = time.Clocksource{Name: "tsc", Read: read_tsc, Vdso_clock_mode: time.VDSO_CLOCKMODE_TSC}

// Init_tsc_clocksource makes the TSC the timekeeper's clock once its
// frequency is known (Linux init_tsc_clocksource → clocksource_register_khz;
// "clocksource: Switched to clocksource tsc"). Without a known frequency
// the clocks stay on jiffies and the vDSO falls back to system calls.
func Init_tsc_clocksource() {
	if tsc.Tsc_unknown || tsc.Tsc_khz == 0 {
		printk.Pr_info("clocksource: the TSC's frequency is unknown: timekeeping stays on jiffies\n")
		return
	}
	time.Clocksource_register_hz(&clocksource_tsc, tsc.Tsc_khz*1000)
	printk.Pr_info("clocksource: Switched to clocksource tsc (mult %d, shift %d)\n",
		printk.Int(clocksource_tsc.Mult), printk.Int(clocksource_tsc.Shift))
}
