package time

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// High-resolution timers, in Linux's low-resolution mode. Linux:
// kernel/time/hrtimer.c (struct hrtimer, hrtimer_start_range_ns,
// hrtimer_try_to_cancel, hrtimer_cancel, hrtimer_forward,
// __hrtimer_get_remaining, and hrtimer_run_queues, which expires them
// from the tick while the CPU has no high-resolution clock event
// device). gokern's clock event device is the periodic tick, so an
// hrtimer here is a Timer_list on the jiffies list whose expiry is a
// CLOCK_MONOTONIC time in ns: it is queued for the first jiffy whose
// period boundary is at or after that time, and its function runs from
// that tick, never before the time (hrtimer_run checks the clock and
// waits a jiffy more if the tick came early). The resolution is a tick:
// TICK_NSEC, 4 ms at HZ=250, what clock_getres reports (LOW_RES_NSEC);
// a timer fires up to a tick after its time, more when the tick itself
// is late. ITIMER_REAL, POSIX timers on the wall clocks and timerfd
// (kernel/signal, fs) run on these.

// hrtimer_restart: what a timer function returns (Linux enum
// hrtimer_restart): HRTIMER_RESTART queues it again at its Expires,
// which the function moved on (Hrtimer_forward).
const (
	HRTIMER_NORESTART = 0
	HRTIMER_RESTART   = 1
)

// Hrtimer is one timer (Linux struct hrtimer). Expires is the
// CLOCK_MONOTONIC time in ns it fires at (Linux node.expires; gokern has
// no separate soft expiry). Function runs in the tick interrupt, with
// interrupts off. The owner serialises starting and cancelling with its
// own lock, and waits for a running Function (Hrtimer_try_to_cancel's
// -1) before it changes the timer, as Linux's callers do.
type Hrtimer struct {
	node     Timer_list // first: hrtimer_run finds the Hrtimer from it
	Expires  uint64
	Function func(h *Hrtimer) int
}

// Hrtimer_init prepares h to run fn (Linux hrtimer_init, hrtimer_setup).
func Hrtimer_init(h *Hrtimer, fn func(h *Hrtimer) int) {
	h.node = Timer_list{Function: hrtimer_run}
	h.Expires = 0
	h.Function = fn
}

// hrtimer_jiffies is the jiffy at whose tick a timer due at monotonic
// time ns may fire: the first whose period boundary is at or after ns
// (jiffy j+k begins at last + k*TICK_NSEC, Get_jiffies_update). While
// the clock is jiffies themselves, the next tick counts.
func hrtimer_jiffies(ns uint64) uint64 {
	j, last := Get_jiffies_update()
	if clock_is_jiffies() || last == 0 {
		now := Ktime_get_ns()
		if ns <= now {
			return j + 1
		}
		return j + 1 + (ns-now+TICK_NSEC-1)/TICK_NSEC
	}
	return hrtimer_jiffies_after(ns, j, last)
}

// hrtimer_jiffies_after is hrtimer_jiffies' arithmetic: with jiffies j
// reached at the boundary last, the first jiffy whose boundary is at or
// after ns.
func hrtimer_jiffies_after(ns, j, last uint64) uint64 {
	if ns <= last {
		return j
	}
	return j + (ns-last+TICK_NSEC-1)/TICK_NSEC
}

// enqueue_hrtimer queues h for its Expires.
func enqueue_hrtimer(h *Hrtimer) {
	h.node.Expires = hrtimer_jiffies(h.Expires)
	Add_timer(&h.node)
}

// hrtimer_run is the jiffies timer's function (Linux __run_hrtimer, from
// hrtimer_run_queues): a tick that comes before Expires — the jiffy's
// boundary passed, the time not yet — queues the timer again for the
// next jiffy; otherwise Function runs and, if it asks, the timer is
// queued again at its new Expires. The tick's running_timer covers all
// of it: Hrtimer_try_to_cancel answers -1 meanwhile.
func hrtimer_run(t *Timer_list) {
	h := (*Hrtimer)(unsafe.Pointer(t))
	if Ktime_get_ns() < h.Expires {
		t.Expires = Get_jiffies_64() + 1
		Add_timer(t)
		return
	}
	if h.Function(h) == HRTIMER_RESTART {
		enqueue_hrtimer(h)
	}
}

// Hrtimer_start queues h to fire at the CLOCK_MONOTONIC time expires
// (Linux hrtimer_start with HRTIMER_MODE_ABS; a relative time is
// Ktime_get_ns()+rel). A timer still queued is moved. The caller made
// sure its function is not running (Hrtimer_try_to_cancel).
func Hrtimer_start(h *Hrtimer, expires uint64) {
	Del_timer(&h.node)
	h.Expires = expires
	enqueue_hrtimer(h)
}

// Hrtimer_try_to_cancel unqueues h (Linux hrtimer_try_to_cancel): 1 if
// it was queued, 0 if not, -1 if its function runs now.
func Hrtimer_try_to_cancel(h *Hrtimer) int {
	return Try_to_del_timer_sync(&h.node)
}

// Hrtimer_cancel_wait_running waits until h's function is not running
// (Linux hrtimer_cancel_wait_running); the caller holds no lock that
// function takes.
func Hrtimer_cancel_wait_running(h *Hrtimer) {
	for timer_running(&h.node) {
		asm.Cpu_relax()
	}
}

// Hrtimer_cancel unqueues h and waits for its function (Linux
// hrtimer_cancel); 1 if it was queued.
func Hrtimer_cancel(h *Hrtimer) int {
	for {
		if r := Hrtimer_try_to_cancel(h); r >= 0 {
			return r
		}
		Hrtimer_cancel_wait_running(h)
	}
}

// Hrtimer_active: h is queued or its function runs (Linux
// hrtimer_active).
func Hrtimer_active(h *Hrtimer) bool {
	return Timer_pending(&h.node) || timer_running(&h.node)
}

// Hrtimer_is_queued: h waits to fire (Linux hrtimer_is_queued).
func Hrtimer_is_queued(h *Hrtimer) bool { return Timer_pending(&h.node) }

// Hrtimer_forward moves Expires past now by whole intervals and returns
// how many it moved (Linux hrtimer_forward): 0 when Expires is still
// ahead; a timer that fired on time returns 1; one a late tick ran n
// periods after its time, n+1.
func Hrtimer_forward(h *Hrtimer, now, interval uint64) uint64 {
	if now < h.Expires || interval == 0 {
		return 0
	}
	orun := 1 + (now-h.Expires)/interval
	h.Expires += orun * interval
	return orun
}

// Hrtimer_get_remaining: Expires less now, in ns, negative once due
// (Linux __hrtimer_get_remaining).
func Hrtimer_get_remaining(h *Hrtimer) int64 {
	return int64(h.Expires - Ktime_get_ns())
}
