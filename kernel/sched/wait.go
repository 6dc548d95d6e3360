// Package sched holds what the rest of the kernel needs from the
// scheduler before there is one: wait queues (Linux kernel/sched/wait.c,
// include/linux/wait.h) and the primitives beneath them — the current
// task, set_current_state, schedule, wake_up_process, signal_pending —
// as hooks the scheduler will set (issue 14 item 1). The file side (pipes,
// the tty, FIFO opens) sleeps and wakes only through this package, so the
// scheduler can land under it without changing the callers.
//
// Sleeping follows Linux's pattern, which has no lost wake-up: the sleeper
// queues itself and sets its state to TASK_INTERRUPTIBLE before it tests
// the condition; a waker that makes the condition true after the test
// finds it queued and sets it running, so schedule() returns at once.
//
//	for {
//		sched.Prepare_to_wait(wq, &wait, sched.TASK_INTERRUPTIBLE)
//		if condition { break }
//		if sched.Signal_pending() { ret = -ERESTARTSYS; break }
//		sched.Schedule()
//	}
//	sched.Finish_wait(wq, &wait)
//
// Wait_event_interruptible does exactly that.
package sched

import "unsafe"

// Task states (include/linux/sched.h).
const (
	TASK_RUNNING         = 0
	TASK_INTERRUPTIBLE   = 1
	TASK_UNINTERRUPTIBLE = 2
)

// Hooks are the scheduler's primitives. Until they are set (no scheduler
// yet: one flow of control, the boot CPU's) nothing can sleep, and
// Wait_event_interruptible says so with -EAGAIN. Tasks are opaque words
// here (the scheduler's *task_struct as a uintptr).
var Hooks struct {
	// Current returns the running task (Linux current).
	Current func() uintptr
	// Set_current_state sets its state (Linux set_current_state).
	Set_current_state func(state int)
	// Schedule gives the CPU away until the task is running again
	// (Linux schedule).
	Schedule func()
	// Wake_up_process makes a sleeping task runnable (Linux
	// wake_up_process / try_to_wake_up).
	Wake_up_process func(task uintptr)
	// Signal_pending reports a signal for the current task (Linux
	// signal_pending(current)).
	Signal_pending func() bool
	// Schedule_timeout sleeps as Schedule does, but at most timeout
	// jiffies, and returns the jiffies left (0: the time ran out)
	// (Linux schedule_timeout). Nil: nothing can sleep with a timeout.
	Schedule_timeout func(timeout int64) int64
}

// EAGAIN, ERESTARTSYS: include/uapi (not imported: this package sits
// below everything).
const (
	eagain      = 11
	erestartsys = 512
)

// Wait_queue_entry is struct wait_queue_entry: one sleeper. It lives on
// the sleeper's kernel stack, as Linux's DEFINE_WAIT does, and the queue
// links entries by address (uintptr): a Go pointer from the queue to a
// stack would make the compiler move the entry to the Go heap. A kernel
// stack never moves, so the address stays good while the entry is
// queued (host tests that sleep on goroutines keep their stacks still).
type Wait_queue_entry struct {
	Private uintptr // the task
	next    uintptr // *Wait_queue_entry
	queued  bool
}

// Wait_queue_head is struct wait_queue_head: the sleepers on one event.
// The zero value is an empty queue.
type Wait_queue_head struct {
	head uintptr // *Wait_queue_entry
}

// entry is the queued entry at address a.
func entry(a uintptr) *Wait_queue_entry { return (*Wait_queue_entry)(unsafe.Add(nil, a)) }

// addr is e's address, hidden from escape analysis.
func addr(e *Wait_queue_entry) uintptr { return uintptr(unsafe.Pointer(e)) }

// Can_sleep reports whether a scheduler is there to sleep with.
func Can_sleep() bool {
	return Hooks.Current != nil && Hooks.Schedule != nil && Hooks.Set_current_state != nil && Hooks.Wake_up_process != nil
}

// Prepare_to_wait queues wait on wq (once) and sets the current task's
// state (Linux prepare_to_wait).
func Prepare_to_wait(wq *Wait_queue_head, wait *Wait_queue_entry, state int) {
	if !wait.queued {
		wait.Private = Hooks.Current()
		wait.next = wq.head
		wq.head = addr(wait)
		wait.queued = true
	}
	Hooks.Set_current_state(state)
}

// Finish_wait sets the task running and takes wait off wq (Linux
// finish_wait).
func Finish_wait(wq *Wait_queue_head, wait *Wait_queue_entry) {
	Hooks.Set_current_state(TASK_RUNNING)
	if !wait.queued {
		return
	}
	for pp := &wq.head; *pp != 0; pp = &entry(*pp).next {
		if *pp == addr(wait) {
			*pp = wait.next
			break
		}
	}
	wait.queued, wait.next = false, 0
}

// Wake_up_interruptible wakes every task on wq (Linux
// wake_up_interruptible; gokern has no exclusive waits, so all wake and
// re-test their conditions).
func Wake_up_interruptible(wq *Wait_queue_head) {
	if Hooks.Wake_up_process == nil {
		return
	}
	for w := wq.head; w != 0; w = entry(w).next {
		Hooks.Wake_up_process(entry(w).Private)
	}
}

// Wake_up is Wake_up_interruptible (gokern's sleepers are all
// interruptible).
func Wake_up(wq *Wait_queue_head) { Wake_up_interruptible(wq) }

// Waitqueue_active reports whether anyone sleeps on wq (Linux
// waitqueue_active).
func Waitqueue_active(wq *Wait_queue_head) bool { return wq.head != 0 }

// Signal_pending is Linux's signal_pending(current); false with no
// scheduler.
func Signal_pending() bool { return Hooks.Signal_pending != nil && Hooks.Signal_pending() }

// Wait_event_interruptible sleeps on wq until cond() holds: 0, or
// -ERESTARTSYS when a signal came first (Linux wait_event_interruptible).
// With no scheduler it cannot sleep and returns -EAGAIN at once, as a
// non-blocking call would.
func Wait_event_interruptible(wq *Wait_queue_head, cond func() bool) int {
	if cond() {
		return 0
	}
	if !Can_sleep() {
		return -eagain
	}
	var wait Wait_queue_entry
	ret := 0
	for {
		Prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE)
		if cond() {
			break
		}
		if Signal_pending() {
			ret = -erestartsys
			break
		}
		Hooks.Schedule()
	}
	Finish_wait(wq, &wait)
	return ret
}
