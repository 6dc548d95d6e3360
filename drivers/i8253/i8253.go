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
