package time

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
)

// The periodic tick. Linux: kernel/time/tick-common.c
// (tick_handle_periodic, tick_periodic) and timekeeping.c (do_timer).

// Tick_stamp, when set, is called on every tick with nothing; the
// architecture uses it to record the tick's TSC time (for the jitter
// figure) — a hook, nil until set.
var Tick_stamp func()

// Do_timer advances jiffies by ticks (Linux do_timer).
func Do_timer(ticks uint64) { atomic.AddUint64(&Jiffies_64, ticks) }

// Tick_do_timer_cpu is the CPU that advances jiffies (Linux
// tick_do_timer_cpu): the boot CPU. Every CPU ticks; only this one counts
// time, or jiffies would run as many times too fast as there are CPUs.
const Tick_do_timer_cpu = 0

// tick_periodic is one tick of a CPU (Linux tick_periodic): the
// timekeeping CPU advances jiffies and the wall time (do_timer,
// update_wall_time), then every CPU does its own half,
// update_process_times: its expired timers and its scheduler's tick.
func tick_periodic() {
	if asm.Smp_processor_id() == Tick_do_timer_cpu {
		Do_timer(1)
		Update_wall_time()
		if Tick_stamp != nil {
			Tick_stamp()
		}
	}
	update_process_times()
}

// Tick_handle_periodic is the clock event handler of a periodic tick
// device (Linux tick_handle_periodic), called from its interrupt.
func Tick_handle_periodic() { tick_periodic() }
