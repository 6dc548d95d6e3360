package signal

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/kernel/sched"
)

// The way back to user mode. Linux: kernel/entry/common.c
// (exit_to_user_mode_loop, called from syscall_exit_to_user_mode and
// irqentry_exit_to_user_mode): while the task has work flagged in its
// thread_info — here TIF_SIGPENDING — do it before the registers are
// restored. The entry code calls Exit_to_user_mode_loop after every
// system call, after every exception taken in user mode, and after every
// interrupt that interrupted user mode (arch/amd64/entry's
// Exit_to_user_mode_hook); the scheduler's own part, schedule() when
// TIF_NEED_RESCHED is set, stays in its interrupt-exit hook.

// Exit_to_user_mode_loop delivers the current task's pending signals into
// regs, the pt_regs IRETQ or SYSRET will return to user mode with.
func Exit_to_user_mode_loop(regs *asm.PtRegs) {
	t := sched.Get_current()
	if t == nil || regs.CS&3 == 0 || !on_task_stack(regs) {
		return
	}
	for sched.Task_signal_pending(t) {
		// Interrupts on while the work is done (Linux
		// exit_to_user_mode_loop's local_irq_enable_exit_to_user, off
		// again before the flags are read once more): the signal frame
		// is written to user memory, and its page may be absent. The
		// fault then takes the process's mmap lock, whose holder may be
		// waiting in a TLB shootdown for this CPU's answer (madvise's
		// zap_page_range → flush_tlb_mm_range): with interrupts off
		// here the two CPUs waited for each other for good (oom/smp4,
		// after the OOM kill: a frame for init's thread on one CPU,
		// init's madvise on another). The entry code turns them off
		// before the return (error_return, entry_SYSCALL_64's CLI).
		asm.Native_irq_enable()
		arch_do_signal_or_restart(regs)
		asm.Local_irq_disable()
	}
	restore_saved_sigmask(t)
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
