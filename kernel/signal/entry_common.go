package signal

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/kernel/sched"
)

// The way back to user mode. Linux: kernel/entry/common.c
// (exit_to_user_mode_loop, called from syscall_exit_to_user_mode and
// irqentry_exit_to_user_mode, include/linux/entry-common.h
// exit_to_user_mode_prepare): with interrupts off, read the work flagged
// in the task's thread_info — TIF_NEED_RESCHED and TIF_SIGPENDING — and
// while there is some, do it with interrupts on and read the flags again
// with them off. The entry code calls Exit_to_user_mode_loop after every
// system call, after every exception taken in user mode, and after every
// interrupt that interrupted user mode (arch/amd64/entry's
// Exit_to_user_mode_hook), and returns with interrupts still off: the
// last read of the flags and SYSRET or IRETQ see the same state. A
// wake-up that sets TIF_NEED_RESCHED, or a signal whose sender sets
// TIF_SIGPENDING and kicks this CPU (the reschedule IPI), after that read
// finds interrupts off: the IPI waits, and is taken on the first user
// instruction, whose way out of the interrupt does the work. Read with
// interrupts on, a flag set between the read and the return waited for
// the next tick (4 ms), or for ever on a CPU whose task never enters the
// kernel again; and TIF_NEED_RESCHED set by the task's own system call
// (sched_setaffinity leaving this CPU, resched_curr with no IPI) was not
// read at all on the way out of a system call.

// EXIT_TO_USER_MODE_WORK: the flags the loop acts on (Linux
// include/linux/entry-common.h, less the ones gokern has no use for:
// notify-resume, uprobes, patching, user-return notifiers).
const EXIT_TO_USER_MODE_WORK = 1<<sched.TIF_SIGPENDING | 1<<sched.TIF_NEED_RESCHED

// Exit_to_user_mode_loop does the current task's exit work: schedule()
// while TIF_NEED_RESCHED is set, and its pending signals delivered into
// regs, the pt_regs IRETQ or SYSRET will return to user mode with. It
// returns with interrupts off.
func Exit_to_user_mode_loop(regs *asm.PtRegs) {
	t := sched.Get_current()
	if t == nil || regs.CS&3 == 0 || !on_task_stack(regs) {
		return
	}
	asm.Local_irq_disable()
	for {
		ti_work := atomic.LoadUint64(&t.Thread_info.Flags)
		if ti_work&EXIT_TO_USER_MODE_WORK == 0 {
			if !t.Restore_sigmask {
				break
			}
			// rt_sigsuspend's or ppoll's mask, and no signal
			// came for a handler to take it (Linux
			// restore_saved_sigmask at the end of
			// arch_do_signal_or_restart): the old mask back, and
			// the flags read again, since it may unblock a
			// pending signal.
			restore_saved_sigmask(t)
			continue
		}
		// Interrupts on while the work is done (Linux
		// local_irq_enable_exit_to_user): schedule() switches with
		// them on, and the signal frame is written to user memory,
		// whose page may be absent. The fault then takes the process's
		// mmap lock, whose holder may be waiting in a TLB shootdown
		// for this CPU's answer (madvise's zap_page_range →
		// flush_tlb_mm_range): with interrupts off here the two CPUs
		// waited for each other for good (oom/smp4, after the OOM
		// kill: a frame for init's thread on one CPU, init's madvise
		// on another).
		asm.Native_irq_enable()
		if ti_work&(1<<sched.TIF_NEED_RESCHED) != 0 && sched.Scheduler_running {
			sched.Schedule()
		}
		if ti_work&(1<<sched.TIF_SIGPENDING) != 0 {
			arch_do_signal_or_restart(regs)
		}
		asm.Local_irq_disable()
	}
}

// on_task_stack: regs are the user registers at the top of the task's
// kernel stack (Linux task_pt_regs). The #DB, NMI and #MC gates run on IST
// stacks, where the task's registers are not; a signal raised there waits
// for the next return from the task's own stack.
func on_task_stack(regs *asm.PtRegs) bool {
	return uintptr(unsafe.Pointer(regs)) == asm.This_cpu().Top_of_stack-unsafe.Sizeof(asm.PtRegs{})
}

// entry_hooks_init points the entry code's exit hook here.
func entry_hooks_init() {
	entry.Exit_to_user_mode_hook = Exit_to_user_mode_loop
}
