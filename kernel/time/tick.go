package time

import "sync/atomic"

// The periodic tick. Linux: kernel/time/tick-common.c
// (tick_handle_periodic, tick_periodic) and timekeeping.c (do_timer).

// Tick_stamp, when set, is called on every tick with nothing; the
// architecture uses it to record the tick's TSC time (for the jitter
// figure) — a hook, nil until set.
var Tick_stamp func()

// Do_timer advances jiffies by ticks (Linux do_timer).
func Do_timer(ticks uint64) { atomic.AddUint64(&Jiffies_64, ticks) }

// tick_periodic is one tick of the one CPU that keeps time (Linux
// tick_periodic: do_timer, update_wall_time, then update_process_times: the expired timers
// and the scheduler's tick).
func tick_periodic() {
	Do_timer(1)
	Update_wall_time()
	if Tick_stamp != nil {
		Tick_stamp()
	}
	update_process_times()
}

// Tick_handle_periodic is the clock event handler of a periodic tick
// device (Linux tick_handle_periodic), called from its interrupt.
func Tick_handle_periodic() { tick_periodic() }
