package sched

import "gokern/arch/amd64/asm"

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
func Complete(x *Completion) {
	flags := asm.Arch_local_irq_save()
	if x.Done != UINT_MAX_DONE {
		x.Done++
	}
	Wake_up(&x.Wait)
	asm.Arch_local_irq_restore(flags)
}

// Complete_all signals every waiter, now and later (Linux complete_all).
func Complete_all(x *Completion) {
	flags := asm.Arch_local_irq_save()
	x.Done = UINT_MAX_DONE
	Wake_up_all(&x.Wait)
	asm.Arch_local_irq_restore(flags)
}

// Wait_for_completion sleeps until x is completed, and consumes one
// completion (Linux wait_for_completion).
func Wait_for_completion(x *Completion) {
	var w Wait_queue_entry
	for {
		flags := asm.Arch_local_irq_save()
		if x.Done > 0 {
			if x.Done != UINT_MAX_DONE {
				x.Done--
			}
			asm.Arch_local_irq_restore(flags)
			break
		}
		Prepare_to_wait(&x.Wait, &w, TASK_UNINTERRUPTIBLE)
		asm.Arch_local_irq_restore(flags)
		Schedule()
	}
	Finish_wait(&x.Wait, &w)
}

// Completion_done reports whether x has a completion to consume (Linux
// completion_done).
func Completion_done(x *Completion) bool { return x.Done > 0 }
