// Package i8253 is the PC's programmable interval timer, an Intel 8254
// (the 8253's successor, same ports). Linux: drivers/clocksource/i8253.c
// and include/linux/i8253.h (PIT_MODE, PIT_CH2, PIT_TICK_RATE), and the
// channel-2 timing of arch/x86/kernel/tsc.c pit_calibrate_tsc, which is
// what gokern uses it for: a known interval to count TSC cycles against.
package i8253

import "gokern/arch/amd64/asm"

const (
	// PIT_TICK_RATE: the PIT's input clock, 1.193182 MHz (Linux
	// PIT_TICK_RATE, include/linux/timex.h).
	PIT_TICK_RATE = 1193182
	PIT_CH0       = 0x40 // channel 0: the timer interrupt
	PIT_CH2       = 0x42 // channel 2: the speaker, gated by port 0x61
	PIT_MODE      = 0x43 // mode/command register

	// PORT_B is the system control port B (0x61): bit 0 gates channel 2,
	// bit 1 enables the speaker, bit 5 reads channel 2's OUT pin.
	PORT_B        = 0x61
	PORT_B_GATE2  = 0x01
	PORT_B_SPKR   = 0x02
	PORT_B_OUT2   = 0x20
	MODE_CH2_ONCE = 0xb0 // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count), binary
	MODE_CH2_MSB  = 0xa0 // channel 2, high byte only, mode 0, binary
	LATCH_CH2     = 0x80 // channel 2, counter latch command
)

// StartChannel2 starts channel 2 counting latch ticks down in mode 0, with
// the speaker off: OUT2 goes high when the count reaches zero (Intel 8254
// datasheet, "Mode 0: Interrupt on Terminal Count"; Linux
// pit_calibrate_tsc's first four port writes).
func StartChannel2(latch uint16) {
	asm.Outb(PORT_B, asm.Inb(PORT_B)&^PORT_B_SPKR|PORT_B_GATE2)
	asm.Outb(PIT_MODE, MODE_CH2_ONCE)
	asm.Outb(PIT_CH2, uint8(latch))
	asm.Outb(PIT_CH2, uint8(latch>>8))
}

// Channel2Done reports whether channel 2 has counted down (OUT2 high).
func Channel2Done() bool { return asm.Inb(PORT_B)&PORT_B_OUT2 != 0 }

// Pit_read_ch2 latches channel 2's count and reads it, low byte then high
// byte: the latch makes the two bytes one value (8254 datasheet, "Counter
// Latch Command": 0x80 selects channel 2, access bits 00).
func Pit_read_ch2() uint16 {
	asm.Outb(PIT_MODE, LATCH_CH2)
	lo := asm.Inb(PIT_CH2)
	return uint16(lo) | uint16(asm.Inb(PIT_CH2))<<8
}

// StartChannel2_msb starts channel 2 counting down from 65536 in mode 0
// with its access mode "high byte only" (8254 datasheet, control word
// RW1 RW0 = 10: a write loads the high byte, the low byte being 0; a read
// returns the count's high byte), so that Pit_read_ch2_msb takes one port
// read where Linux's lobyte/hibyte mode takes two.
func StartChannel2_msb() {
	asm.Outb(PORT_B, asm.Inb(PORT_B)&^PORT_B_SPKR|PORT_B_GATE2)
	asm.Outb(PIT_MODE, MODE_CH2_MSB)
	asm.Outb(PIT_CH2, 0) // a count of 0 is 65536
}

// Pit_read_ch2_msb reads the high byte of channel 2's count, after
// StartChannel2_msb: one inb (Linux's pit_verify_msb reads two, the low
// byte first, in lobyte/hibyte mode).
func Pit_read_ch2_msb() uint8 { return asm.Inb(PIT_CH2) }

// Channel 0 drives IRQ 0: the PC's timer interrupt. Linux:
// drivers/clocksource/i8253.c (clockevent_i8253: pit_set_periodic,
// pit_set_oneshot, pit_shutdown).
const (
	MODE_CH0_RATEGEN = 0x34 // channel 0, lobyte/hibyte, mode 2 (rate generator), binary
	MODE_CH0_ONESHOT = 0x30 // channel 0, lobyte/hibyte, mode 0 (interrupt on terminal count)
)

// PIT_LATCH is the channel-0 count for hz interrupts a second (Linux
// PIT_LATCH, rounded to nearest).
func PIT_LATCH(hz uint32) uint16 { return uint16((PIT_TICK_RATE + hz/2) / hz) }

// Pit_set_periodic makes channel 0 raise IRQ 0 hz times a second.
func Pit_set_periodic(hz uint32) {
	latch := PIT_LATCH(hz)
	asm.Outb(PIT_MODE, MODE_CH0_RATEGEN)
	asm.Outb(PIT_CH0, uint8(latch))
	asm.Outb(PIT_CH0, uint8(latch>>8))
}

// Pit_set_oneshot makes channel 0 raise IRQ 0 once, after count PIT ticks.
func Pit_set_oneshot(count uint16) {
	asm.Outb(PIT_MODE, MODE_CH0_ONESHOT)
	asm.Outb(PIT_CH0, uint8(count))
	asm.Outb(PIT_CH0, uint8(count>>8))
}

// Pit_shutdown stops channel 0's periodic interrupts, as Linux's
// pit_shutdown does: mode 0 with a count of 0, which ends in one last
// IRQ 0 after 65536 ticks (55 ms).
func Pit_shutdown() {
	asm.Outb(PIT_MODE, MODE_CH0_ONESHOT)
	asm.Outb(PIT_CH0, 0)
	asm.Outb(PIT_CH0, 0)
}

// Pit_absent: Probe found no PIT (QEMU's microvm with pit=off; hardware
// that dropped the legacy timer).
var Pit_absent bool

// PROBE_READS: how many reads of the count Probe makes. A PIT counts at
// 1.19 MHz, and one port read takes at least a bus cycle, so a few
// hundred reads span many counts even on the fastest machine; under
// QEMU's TCG a read is an exit to the device model, microseconds.
const PROBE_READS = 1000

// Probe reports whether channel 2 counts: started at 0xffff, its count
// must read back changing within PROBE_READS reads. Where there is no
// PIT, the ports float (every read the same byte, 0x00 or 0xff) and a
// calibration loop waiting for OUT2 would wait forever. Linux trusts the
// firmware's description instead (pit_timer_init, the ACPI FADT's
// hardware-reduced flag); gokern asks the hardware, as Linux's
// probe_8259A does for the PIC (gokern-only).
func Probe() bool {
	StartChannel2(0xffff)
	first := Pit_read_ch2()
	for i := 0; i < PROBE_READS; i++ {
		if c := Pit_read_ch2(); c != first {
			Pit_absent = false
			return true
		}
	}
	Pit_absent = true
	return false
}
