package entry

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// The entry code's side of the scheduler: the context switch's stack
// switch, a new task's first steps, and preemption on the way out of an
// interrupt. Linux: arch/x86/entry/entry_64.S (__switch_to_asm,
// ret_from_fork_asm), kernel/entry/common.c (irqentry_exit,
// irqentry_exit_cond_resched). The scheduler (kernel/sched) sits above
// this package, so the entry code reaches it through hooks it sets in
// sched_init (DESIGN.md §1).

var (
	// Ret_from_fork_hook runs a new task: schedule_tail, then a kernel
	// thread's function and do_exit (it never returns then); for fork's
	// child it returns, and ret_from_fork_asm goes to user mode.
	Ret_from_fork_hook func()
	// Irqentry_exit_hook is called on the way out of every device
	// interrupt that did not interrupt another interrupt handler, on the
	// interrupted task's stack with interrupts off: it may schedule
	// when it returns to kernel code (to user mode, the exit hook does).
	Irqentry_exit_hook func(regs *asm.PtRegs)
)

// X__switch_to_asm switches stacks (entry_64.s): it saves the callee-saved
// registers on the current stack, stores SP in *prev_sp, and continues on
// next_sp with next_g as the current g. It returns when the previous task
// is switched back to.
//
//go:noescape
func X__switch_to_asm(prev_sp *uintptr, next_sp, next_g uintptr)

// ret_from_fork_asm is where a new task starts (entry_64.s); Go never
// calls it. Ret_from_fork_PC is its address, for copy_thread's first
// frame.
func ret_from_fork_asm()

// Ret_from_fork_PC returns the address of ret_from_fork_asm.
func Ret_from_fork_PC() uintptr { return ret_from_fork_pc }

// ret_from_fork_pc holds ret_from_fork_asm's address (entry_64.s DATA).
var ret_from_fork_pc uintptr

// ret_from_fork_call is what ret_from_fork_asm calls: the scheduler's hook.
//
//go:nosplit
func ret_from_fork_call() {
	if h := Ret_from_fork_hook; h != nil {
		h()
		// Fork's child, on its way to user mode (Linux ret_from_fork →
		// syscall_exit_to_user_mode): a signal may already wait.
		exit_to_user_mode(top_regs())
		return
	}
	for {
		asm.Local_irq_disable()
		asm.Native_halt()
	}
}

// irqentry_exit_call is what common_interrupt calls once it is back on the
// interrupted stack.
//
//go:nosplit
func irqentry_exit_call(regs *asm.PtRegs) {
	if h := Irqentry_exit_hook; h != nil {
		h(regs)
	}
	if regs.CS&3 != 0 {
		exit_to_user_mode(regs)
	}
}

// top_regs: the user registers at the top of the current kernel stack
// (Linux task_pt_regs).
//
//go:nosplit
func top_regs() *asm.PtRegs {
	return (*asm.PtRegs)(asm.KernelPtr(asm.This_cpu().Top_of_stack - unsafe.Sizeof(asm.PtRegs{})))
}
