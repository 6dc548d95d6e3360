package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Wait queues. Linux: kernel/sched/wait.c (prepare_to_wait, finish_wait,
// __wake_up), include/linux/wait.h (wait_event,
// wait_event_interruptible). A sleeper queues an entry naming itself and
// sets a sleeping state, then tests its condition once more, then calls
// schedule(); a waker makes the condition true, then wakes the queued
// tasks. Because the state is set before the last test, a wake-up between
// the test and schedule() is never lost: try_to_wake_up finds the task
// still on its run queue and sets it running, and its schedule() keeps it.
//
//	for {
//		sched.Prepare_to_wait(wq, &wait, sched.TASK_INTERRUPTIBLE)
//		if condition { break }
//		if sched.Signal_pending() { ret = -ERESTARTSYS; break }
//		sched.Schedule()
//	}
//	sched.Finish_wait(wq, &wait)
//
// The primitives underneath — the current task, set_current_state,
// schedule, wake_up_process — are reached through Hooks, which
// Sched_init points at the scheduler: so the file side's host tests
// (fs, drivers/tty) can run sleepers on goroutines with Hooks of their
// own, and code that sleeps before sched_init (none should) gets -EAGAIN
// from Wait_event_interruptible instead of a crash. Each queue has its
// lock (Linux wait_queue_head.lock, spin_lock_irqsave): sleepers and
// wakers on other CPUs change it at once, and interrupt handlers too (the
// tty's receive interrupt wakes readers), so it is taken with interrupts
// off, through Hooks.Irq_save/Irq_restore (nil in host tests, where the
// lock alone serves goroutines).

// Hooks are the scheduler's primitives, as the wait queues use them.
// Tasks are words here (the scheduler's *Task_struct as a uintptr).
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
	// signal_pending(current)); nil until there are signals.
	Signal_pending func() bool
	// Schedule_timeout sleeps as Schedule does, but at most timeout
	// jiffies, and returns the jiffies left (0: the time ran out)
	// (Linux schedule_timeout).
	Schedule_timeout func(timeout int64) int64
	// Irq_save and Irq_restore bracket every change to a queue (Linux's
	// wait_queue_head lock is spin_lock_irqsave).
	Irq_save    func() uint64
	Irq_restore func(flags uint64)
}

// EAGAIN, ERESTARTSYS (include/uapi is above this package).
const (
	eagain      = 11
	erestartsys = 512
)

// Wait_queue_entry is struct wait_queue_entry: one sleeper. It lives on
// the sleeper's kernel stack, as Linux's DEFINE_WAIT does, and the queue
// links entries by address (uintptr): a Go pointer from the queue to a
// stack would make the compiler move the entry to the Go heap. A kernel
// stack never moves (no stack growth), so the address stays good while
// the entry is queued.
type Wait_queue_entry struct {
	Private uintptr // the task
	// Func, if set, is called with the entry's address and the
	// wake-up's key instead of waking Private (Linux
	// wait_queue_entry.func: epoll's ep_poll_callback). The key is the
	// poll events the waker says changed (Linux wake_up_poll's
	// poll_to_key), 0 for "anything". It runs with the queue's lock
	// held, maybe in an interrupt handler, and returns 1 when it woke
	// someone (what an exclusive entry's wake-up counts). A
	// package-level function, so that it does not escape.
	Func   func(entry uintptr, key uint32) int
	Flags  uint32  // WQ_FLAG_EXCLUSIVE
	next   uintptr // *Wait_queue_entry
	queued bool
}

// WQ_FLAG_EXCLUSIVE: a wake-up that wakes one stops after the first
// exclusive entry that woke someone (Linux include/linux/wait.h).
// Exclusive entries are queued last, after every non-exclusive one.
const WQ_FLAG_EXCLUSIVE = 0x01

// Wait_queue_head is struct wait_queue_head: the sleepers on one event.
// The zero value is an empty queue.
type Wait_queue_head struct {
	lock asm.Arch_spinlock_t
	head uintptr // *Wait_queue_entry
}

// wq_entry is the queued entry at address a.
func wq_entry(a uintptr) *Wait_queue_entry { return (*Wait_queue_entry)(unsafe.Add(nil, a)) }

// addr is e's address, hidden from escape analysis.
func addr(e *Wait_queue_entry) uintptr { return uintptr(unsafe.Pointer(e)) }

// wq_lock and wq_unlock take and release wq's lock with interrupts off
// (Linux spin_lock_irqsave(&wq_head->lock)).
func wq_lock(wq *Wait_queue_head) uint64 {
	var flags uint64
	if Hooks.Irq_save != nil {
		flags = Hooks.Irq_save()
	}
	wq.lock.Arch_spin_lock()
	return flags
}

// Lock takes wq's own lock with interrupts off, for state its wakers
// change under it (Linux spin_lock_irqsave(&wq_head->lock), as
// fs/eventfd.c does for its count); no wake-up of wq while it is held.
func (wq *Wait_queue_head) Lock() uint64 { return wq_lock(wq) }

// Unlock releases what Lock took.
func (wq *Wait_queue_head) Unlock(flags uint64) { wq_unlock(wq, flags) }

func wq_unlock(wq *Wait_queue_head, flags uint64) {
	wq.lock.Arch_spin_unlock()
	if Hooks.Irq_restore != nil {
		Hooks.Irq_restore(flags)
	}
}

// __add_wait_queue queues wait on wq once, wq's lock held (Linux
// __add_wait_queue).
func __add_wait_queue(wq *Wait_queue_head, wait *Wait_queue_entry) {
	if !wait.queued {
		wait.next = wq.head
		wq.head = addr(wait)
		wait.queued = true
	}
}

// Init_waitqueue_head makes wq empty (Linux init_waitqueue_head).
func Init_waitqueue_head(wq *Wait_queue_head) { wq.head = 0 }

// Can_sleep reports whether a scheduler is there to sleep with.
func Can_sleep() bool {
	return Hooks.Current != nil && Hooks.Schedule != nil && Hooks.Set_current_state != nil && Hooks.Wake_up_process != nil
}

// __add_wait_queue_entry_tail queues wait last on wq, its lock held
// (Linux __add_wait_queue_entry_tail), so that wakers that wake one find
// the longest waiter first.
func __add_wait_queue_entry_tail(wq *Wait_queue_head, wait *Wait_queue_entry) {
	pp := &wq.head
	for *pp != 0 {
		pp = &wq_entry(*pp).next
	}
	*pp = addr(wait)
	wait.next = 0
	wait.queued = true
}

// Prepare_to_wait queues wait on wq (once) and sets the current task's
// state (Linux prepare_to_wait).
func Prepare_to_wait(wq *Wait_queue_head, wait *Wait_queue_entry, state int) {
	flags := wq_lock(wq)
	if !wait.queued {
		wait.Private = Hooks.Current()
	}
	__add_wait_queue(wq, wait)
	Hooks.Set_current_state(state)
	wq_unlock(wq, flags)
}

// Add_wait_queue queues wait on wq without touching the task's state
// (Linux add_wait_queue): for entries with a Func, which stay queued
// across sleeps (epoll's, on the files it watches).
func Add_wait_queue(wq *Wait_queue_head, wait *Wait_queue_entry) {
	flags := wq_lock(wq)
	__add_wait_queue(wq, wait)
	wq_unlock(wq, flags)
}

// Add_wait_queue_exclusive queues wait last on wq as an exclusive entry
// (Linux add_wait_queue_exclusive): epoll's EPOLLEXCLUSIVE items.
func Add_wait_queue_exclusive(wq *Wait_queue_head, wait *Wait_queue_entry) {
	flags := wq_lock(wq)
	wait.Flags |= WQ_FLAG_EXCLUSIVE
	if !wait.queued {
		__add_wait_queue_entry_tail(wq, wait)
	}
	wq_unlock(wq, flags)
}

// Remove_wait_queue takes wait off wq (Linux remove_wait_queue).
func Remove_wait_queue(wq *Wait_queue_head, wait *Wait_queue_entry) {
	flags := wq_lock(wq)
	unlink_wait(wq, wait)
	wq_unlock(wq, flags)
}

func unlink_wait(wq *Wait_queue_head, wait *Wait_queue_entry) {
	if wait.queued {
		for pp := &wq.head; *pp != 0; pp = &wq_entry(*pp).next {
			if *pp == addr(wait) {
				*pp = wait.next
				break
			}
		}
		wait.queued, wait.next = false, 0
	}
}

// Finish_wait sets the task running and takes wait off wq (Linux
// finish_wait).
func Finish_wait(wq *Wait_queue_head, wait *Wait_queue_entry) {
	Hooks.Set_current_state(TASK_RUNNING)
	flags := wq_lock(wq)
	unlink_wait(wq, wait)
	wq_unlock(wq, flags)
}

// Wake_up_interruptible wakes every non-exclusive entry of wq and the
// first exclusive one that takes the wake-up (Linux
// wake_up_interruptible: __wake_up(wq, TASK_INTERRUPTIBLE, 1, NULL)).
// Sleepers re-test their conditions.
func Wake_up_interruptible(wq *Wait_queue_head) { __wake_up(wq, 1, 0) }

// Wake_up_interruptible_poll is Wake_up_interruptible with the poll
// events that changed as the key (Linux wake_up_interruptible_poll):
// an epoll item that wants none of them stays quiet (ep_poll_callback).
func Wake_up_interruptible_poll(wq *Wait_queue_head, key uint32) { __wake_up(wq, 1, key) }

// __wake_up wakes wq's entries under its lock (Linux __wake_up).
func __wake_up(wq *Wait_queue_head, nr_exclusive int, key uint32) {
	flags := wq_lock(wq)
	__wake_up_common(wq, nr_exclusive, key)
	wq_unlock(wq, flags)
}

// __wake_up_common wakes the entries of wq in order, its lock held,
// until nr_exclusive exclusive entries have woken someone (0: all)
// (Linux __wake_up_common). A Func runs under the lock and must not take
// its own queue's lock (ep_poll_callback takes the epoll's).
func __wake_up_common(wq *Wait_queue_head, nr_exclusive int, key uint32) {
	for w := wq.head; w != 0; {
		e := wq_entry(w)
		next := e.next
		ret := 1
		if e.Func != nil {
			ret = e.Func(w, key)
		} else if Hooks.Wake_up_process != nil {
			Hooks.Wake_up_process(e.Private)
		}
		if ret != 0 && e.Flags&WQ_FLAG_EXCLUSIVE != 0 {
			if nr_exclusive--; nr_exclusive == 0 {
				break
			}
		}
		w = next
	}
}

// Wake_up is Wake_up_interruptible: it wakes interruptible and
// uninterruptible sleepers alike (Linux wake_up).
func Wake_up(wq *Wait_queue_head) { Wake_up_interruptible(wq) }

// Wake_up_all wakes every entry of wq, exclusive ones too (Linux
// wake_up_all).
func Wake_up_all(wq *Wait_queue_head) { __wake_up(wq, 0, 0) }

// Waitqueue_active reports whether anyone sleeps on wq (Linux
// waitqueue_active).
func Waitqueue_active(wq *Wait_queue_head) bool { return wq.head != 0 }

// Signal_pending is Linux's signal_pending(current); false with no
// signals.
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

// Wait_event sleeps, uninterruptibly, until cond() is true (Linux
// wait_event). cond must not escape: the closure stays on the caller's
// stack.
func Wait_event(wq *Wait_queue_head, cond func() bool) {
	if cond() {
		return
	}
	var wait Wait_queue_entry
	for {
		Prepare_to_wait(wq, &wait, TASK_UNINTERRUPTIBLE)
		if cond() {
			break
		}
		Hooks.Schedule()
	}
	Finish_wait(wq, &wait)
}

// The scheduler's side of Hooks (set by Sched_init).

func hook_current() uintptr { return asm.This_cpu().Current_task }

func hook_set_current_state(state int) { Set_current_state(uint32(state)) }

func hook_wake_up_process(task uintptr) { Wake_up_process((*Task_struct)(asm.KernelPtr(task))) }

// set_wait_hooks points Hooks at the scheduler.
func set_wait_hooks() {
	Hooks.Current = hook_current
	Hooks.Set_current_state = hook_set_current_state
	Hooks.Schedule = Schedule
	Hooks.Wake_up_process = hook_wake_up_process
	Hooks.Schedule_timeout = Schedule_timeout
	Hooks.Irq_save = asm.Arch_local_irq_save
	Hooks.Irq_restore = asm.Arch_local_irq_restore
}
