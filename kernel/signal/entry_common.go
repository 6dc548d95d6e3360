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
		arch_do_signal_or_restart(regs)
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
