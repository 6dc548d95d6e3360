// Package time is gokern's kernel/time: jiffies, the periodic tick that
// advances them, and the conversion between the two. The architecture
// owns the device that ticks (arch/amd64/time.go: the local APIC timer, or
// the PIT on IRQ 0) and calls Tick_handle_periodic from its interrupt.
//
// Linux: kernel/time/jiffies.c (jiffies_64), timekeeping.c (do_timer),
// tick-common.c (tick_handle_periodic, tick_periodic), include/linux/
// jiffies.h (HZ, time_after). Seeds: 000 and 002 on the timer interrupt
// and jiffies.
package time

import "sync/atomic"

// HZ: ticks per second (Linux CONFIG_HZ, 250 in the x86-64 defconfig): one
// jiffy is 4 ms.
const HZ = 250

// TICK_NSEC: a jiffy in nanoseconds (Linux TICK_NSEC).
const TICK_NSEC = 1000000000 / HZ

// Jiffies_64 counts ticks since the tick started (Linux jiffies_64, which
// starts at INITIAL_JIFFIES, five minutes before wrapping 32 bits, to
// catch wrap bugs early; gokern starts at 0 so that a student reads
// uptime in it directly). It is read with an atomic load: the tick
// interrupt writes it at any moment.
var Jiffies_64 uint64

// Get_jiffies_64 reads jiffies (Linux get_jiffies_64).
func Get_jiffies_64() uint64 { return atomic.LoadUint64(&Jiffies_64) }

// Jiffies_to_msecs converts (Linux jiffies_to_msecs).
func Jiffies_to_msecs(j uint64) uint64 { return j * (1000 / HZ) }

// Time_after reports whether a is after b, wrap-safe (Linux time_after).
func Time_after(a, b uint64) bool { return int64(b-a) < 0 }
