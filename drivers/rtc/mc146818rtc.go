// Package rtc is the PC's CMOS real-time clock, a Motorola MC146818
// behind index port 0x70 and data port 0x71. Linux:
// include/linux/mc146818rtc.h (the registers and bits), arch/x86/kernel/rtc.c
// (CMOS_READ), drivers/rtc/rtc-mc146818-lib.c. gokern uses
// only its seconds, counted from the RTC's own 32.768 kHz crystal: a time
// reference where a machine has no PIT (QEMU's microvm
// with pit=off), for arch/amd64/tsc's last calibration fallback.
package rtc

import "gokern/arch/amd64/asm"

const (
	RTC_PORT_INDEX = 0x70
	RTC_PORT_DATA  = 0x71

	RTC_SECONDS = 0  // the seconds, BCD or binary by register B's DM
	RTC_REG_B   = 11 // interrupt enables, format
	RTC_REG_D   = 13 // VRT: valid RAM and time

	RTC_DM_BINARY = 0x04 // register B: the time registers are binary, not BCD
	RTC_VRT       = 0x80 // register D: the only bit an MC146818 sets there
)

// CMOS_READ reads RTC register reg.
func CMOS_READ(reg uint8) uint8 {
	asm.Outb(RTC_PORT_INDEX, reg)
	return asm.Inb(RTC_PORT_DATA)
}

// Present reports whether an MC146818 answers: register D reads exactly
// VRT (its other bits read 0). Without one the ports float, 0xff or 0.
func Present() bool { return CMOS_READ(RTC_REG_D) == RTC_VRT }
