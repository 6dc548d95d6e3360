package sched

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
)

// Completions: "this has happened" with a count, over a wait queue.
// Linux: kernel/sched/completion.c (complete, complete_all,
// wait_for_completion), include/linux/completion.h.

// Completion is one event (Linux struct completion).
type Completion struct {
	Done uint32
	Wait Wait_queue_head
}

// UINT_MAX_DONE: complete_all's "done for everyone" (Linux UINT_MAX).
const UINT_MAX_DONE = ^uint32(0)

// Init_completion makes x not done (Linux init_completion).
func Init_completion(x *Completion) {
	x.Done = 0
	Init_waitqueue_head(&x.Wait)
}

// Complete signals one waiter (Linux complete; the wait queue wakes
// every waiter, and those that find no completion left sleep again).
// Done is counted under the wait queue's lock (Linux: x->wait.lock), so
// a completion on one CPU and a waiter on another agree on it.
func Complete(x *Completion) {
	flags := wq_lock(&x.Wait)
	if x.Done != UINT_MAX_DONE {
		x.Done++
	}
	complete_wake(x, 1)
	wq_unlock(&x.Wait, flags)
}

// complete_wake wakes nr waiters of x (all for nr < 0), the queue's lock
// held, in the order they came (Linux complete → swake_up_locked, which
// wakes one: a completion is consumed by one waiter, so waking them all,
// as a wait queue's wake_up does, only has the others find nothing and
// sleep again — on several CPUs, a herd that fights for the lock). A
// waiter already woken and not yet back (TASK_RUNNING) does not count.
func complete_wake(x *Completion, nr int) {
	for w := x.Wait.head; w != 0 && nr != 0; w = wq_entry(w).next {
		if Try_to_wake_up((*Task_struct)(asm.KernelPtr(wq_entry(w).Private)), TASK_INTERRUPTIBLE|TASK_UNINTERRUPTIBLE) {
			nr--
		}
	}
}

// Complete_all signals every waiter, now and later (Linux complete_all).
func Complete_all(x *Completion) {
	flags := wq_lock(&x.Wait)
	x.Done = UINT_MAX_DONE
	complete_wake(x, -1)
	wq_unlock(&x.Wait, flags)
}

// Wait_for_completion sleeps until x is completed, and consumes one
// completion (Linux wait_for_completion → do_wait_for_common): the test
// of Done, the queueing and the sleeping state under the queue's lock,
// so a Complete between them is seen.
func Wait_for_completion(x *Completion) {
	var w Wait_queue_entry
	for {
		flags := wq_lock(&x.Wait)
		if x.Done > 0 {
			if x.Done != UINT_MAX_DONE {
				x.Done--
			}
			wq_unlock(&x.Wait, flags)
			break
		}
		if !w.queued {
			w.Private = Hooks.Current()
			__add_wait_queue_entry_tail(&x.Wait, &w)
		}
		Set_current_state(TASK_UNINTERRUPTIBLE)
		wq_unlock(&x.Wait, flags)
		Schedule()
	}
	Finish_wait(&x.Wait, &w)
}

// Completion_done reports whether x has a completion to consume (Linux
// completion_done).
func Completion_done(x *Completion) bool { return atomic.LoadUint32(&x.Done) > 0 }
