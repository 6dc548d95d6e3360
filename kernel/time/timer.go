package time

import (
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
}

// Timer_base is a CPU's pending timers, soonest first (Linux struct
// timer_base).
type Timer_base struct {
	head *Timer_list
}

// Timer_bases: one per CPU (Linux DEFINE_PER_CPU timer_bases).
var Timer_bases [asm.NR_CPUS]Timer_base

// Timer_pending reports whether t is queued (Linux timer_pending).
func Timer_pending(t *Timer_list) bool { return t.pending }

// Add_timer queues t on this CPU (Linux add_timer). t may live on the
// caller's stack (schedule_timeout's does): it is linked through
// Noescape, and the caller deletes it before returning.
//
//go:noinline
func Add_timer(t *Timer_list) {
	flags := asm.Arch_local_irq_save()
	base := &Timer_bases[asm.Smp_processor_id()]
	tp := (*Timer_list)(asm.Noescape(unsafe.Pointer(t)))
	pp := &base.head
	for *pp != nil && !Time_after((*pp).Expires, tp.Expires) {
		pp = &(*pp).next
	}
	tp.next = *pp
	*pp = tp
	tp.pending = true
	asm.Arch_local_irq_restore(flags)
}

// Del_timer unqueues t if it is pending and reports whether it was
// (Linux del_timer; del_timer_sync is the same on one CPU).
//
//go:noinline
func Del_timer(t *Timer_list) bool {
	flags := asm.Arch_local_irq_save()
	found := false
	base := &Timer_bases[asm.Smp_processor_id()]
	for pp := &base.head; t.pending && *pp != nil; pp = &(*pp).next {
		if *pp == t {
			*pp = t.next
			t.next, t.pending = nil, false
			found = true
			break
		}
	}
	asm.Arch_local_irq_restore(flags)
	return found
}

// run_timers runs this CPU's expired timers (Linux run_timer_softirq →
// __run_timers → expire_timers).
func run_timers() {
	base := &Timer_bases[asm.Smp_processor_id()]
	now := Get_jiffies_64()
	for base.head != nil && !Time_after(base.head.Expires, now) {
		t := base.head
		base.head = t.next
		t.next, t.pending = nil, false
		t.Function(t)
	}
}

// Scheduler_tick_hook is the scheduler's tick, scheduler_tick (kernel/sched
// sets it in sched_init): a hook, since the scheduler sits above this
// package.
var Scheduler_tick_hook func()

// update_process_times is the per-CPU half of a tick (Linux
// update_process_times: run_local_timers, then scheduler_tick).
func update_process_times() {
	run_timers()
	if f := Scheduler_tick_hook; f != nil {
		f()
	}
}

// Msecs_to_jiffies converts, rounding up (Linux msecs_to_jiffies).
func Msecs_to_jiffies(m uint64) uint64 { return (m*HZ + 999) / 1000 }
