package time

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Timers on jiffies. Linux: kernel/time/timer.c (struct timer_list,
// add_timer, del_timer, run_timers, update_process_times), in the 2.6
// form with a data word. Linux keeps each CPU's timers in a hierarchical
// wheel and runs them from the TIMER softirq; gokern keeps each CPU's
// pending timers in one list sorted by expiry and runs them in the tick
// interrupt itself: it has a handful of timers, and no softirqs.

// Timer_list is one timer (Linux struct timer_list). Function runs in the
// tick interrupt, with interrupts off, once jiffies reach Expires.
type Timer_list struct {
	next     *Timer_list
	Expires  uint64
	Function func(t *Timer_list)
	Data     uintptr
	pending  bool
	// base is the CPU's base the timer is queued on (Linux keeps its CPU
	// in timer->flags): the task that queued it may have moved to
	// another CPU by the time it deletes it.
	base *Timer_base
}

// Timer_base is a CPU's pending timers, soonest first (Linux struct
// timer_base), and its lock: a timer is deleted from whichever CPU its
// owner runs on now, while its own CPU's tick may be expiring it.
type Timer_base struct {
	lock asm.Spinlock_t
	head *Timer_list
	// running_timer is the timer whose function this base's CPU runs
	// now, outside the lock (Linux running_timer): del_timer_sync waits
	// for it.
	running_timer atomic.Uintptr
}

// Timer_bases: one per CPU (Linux DEFINE_PER_CPU timer_bases).
var Timer_bases [asm.NR_CPUS]Timer_base

// Timer_pending reports whether t is queued (Linux timer_pending).
func Timer_pending(t *Timer_list) bool { return t.pending }

// Add_timer queues t on this CPU (Linux add_timer). t may live on the
// caller's stack (schedule_timeout's does): it is linked through
// Noescape, and the caller deletes it (Del_timer_sync) before returning.
//
//go:noinline
func Add_timer(t *Timer_list) {
	base := &Timer_bases[asm.Smp_processor_id()]
	flags := base.lock.Spin_lock_irqsave(0)
	tp := (*Timer_list)(asm.Noescape(unsafe.Pointer(t)))
	pp := &base.head
	for *pp != nil && !Time_after((*pp).Expires, tp.Expires) {
		pp = &(*pp).next
	}
	tp.next = *pp
	*pp = tp
	tp.pending = true
	tp.base = (*Timer_base)(asm.Noescape(unsafe.Pointer(base)))
	base.lock.Spin_unlock_irqrestore(flags)
}

// lock_timer_base locks the base t is queued on, or was last queued on
// (Linux lock_timer_base); nil and no lock for a timer never queued.
func lock_timer_base(t *Timer_list) (*Timer_base, uint64) {
	for {
		base := t.base
		if base == nil {
			return nil, 0
		}
		flags := base.lock.Spin_lock_irqsave(0)
		if t.base == base {
			return base, flags
		}
		base.lock.Spin_unlock_irqrestore(flags)
	}
}

// Del_timer unqueues t if it is pending and reports whether it was
// (Linux del_timer). Its function may still be running on its CPU:
// Del_timer_sync waits for that.
//
//go:noinline
func Del_timer(t *Timer_list) bool {
	base, flags := lock_timer_base(t)
	if base == nil {
		return false
	}
	found := false
	for pp := &base.head; t.pending && *pp != nil; pp = &(*pp).next {
		if *pp == t {
			*pp = t.next
			t.next, t.pending = nil, false
			found = true
			break
		}
	}
	base.lock.Spin_unlock_irqrestore(flags)
	return found
}

// Del_timer_sync is Del_timer, and then waits until t's function is not
// running on any CPU (Linux del_timer_sync): after it, t may be freed or
// go out of scope (schedule_timeout's on-stack timer).
//
//go:noinline
func Del_timer_sync(t *Timer_list) bool {
	found := Del_timer(t)
	if base := t.base; base != nil {
		for base.running_timer.Load() == uintptr(unsafe.Pointer(t)) {
			asm.Cpu_relax()
		}
	}
	return found
}

// run_timers runs this CPU's expired timers (Linux run_timer_softirq →
// __run_timers → expire_timers): each is taken off under the base's
// lock and its function runs without it, marked running_timer.
func run_timers() {
	base := &Timer_bases[asm.Smp_processor_id()]
	now := Get_jiffies_64()
	base.lock.Spin_lock(0)
	for base.head != nil && !Time_after(base.head.Expires, now) {
		t := base.head
		base.head = t.next
		t.next, t.pending = nil, false
		fn := t.Function
		base.running_timer.Store(uintptr(unsafe.Pointer(t)))
		base.lock.Spin_unlock()
		fn(t)
		base.lock.Spin_lock(0)
		base.running_timer.Store(0)
	}
	base.lock.Spin_unlock()
}

// Scheduler_tick_hook is the scheduler's tick, scheduler_tick (kernel/sched
// sets it in sched_init): a hook, since the scheduler sits above this
// package.
var Scheduler_tick_hook func()

// Run_posix_cpu_timers_hook fires the interrupted task's process-wide
// CPU timers (kernel/signal sets it: run_posix_cpu_timers sends signals).
var Run_posix_cpu_timers_hook func()

// update_process_times is the per-CPU half of a tick (Linux
// update_process_times: run_local_timers, then scheduler_tick, then
// run_posix_cpu_timers).
func update_process_times() {
	run_timers()
	if f := Scheduler_tick_hook; f != nil {
		f()
	}
	if f := Run_posix_cpu_timers_hook; f != nil {
		f()
	}
}

// Msecs_to_jiffies converts, rounding up (Linux msecs_to_jiffies).
func Msecs_to_jiffies(m uint64) uint64 { return (m*HZ + 999) / 1000 }

// Try_to_del_timer_sync unqueues t unless its function runs now (Linux
// try_to_del_timer_sync): 1 when it was pending, 0 when it was not, -1
// when its function is running on its CPU (the caller drops the locks
// that function may need and tries again).
//
//go:noinline
func Try_to_del_timer_sync(t *Timer_list) int {
	base, flags := lock_timer_base(t)
	if base == nil {
		return 0
	}
	ret := -1
	if base.running_timer.Load() != uintptr(unsafe.Pointer(t)) {
		ret = 0
		for pp := &base.head; t.pending && *pp != nil; pp = &(*pp).next {
			if *pp == t {
				*pp = t.next
				t.next, t.pending = nil, false
				ret = 1
				break
			}
		}
	}
	base.lock.Spin_unlock_irqrestore(flags)
	return ret
}

// timer_running reports whether t's function runs now on its CPU.
func timer_running(t *Timer_list) bool {
	base := t.base
	return base != nil && base.running_timer.Load() == uintptr(unsafe.Pointer(t))
}
