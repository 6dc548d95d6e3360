package sched

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// The task list as ps shows it, from inside the kernel ("ps" on the
// command line) and from gdb (gk-ps, tools/gdb/gokern.py, prints the same
// columns). Linux: kernel/sched/core.c (show_state_filter,
// sched_show_task: SysRq-T), get_wchan and in_sched_functions
// (arch/x86/kernel/process.c), fs/proc/array.c (the state letter).

// Get_wchan returns where a sleeping task waits: the first caller on its
// stack outside the scheduler, found by walking the frame pointers from
// the BP __switch_to_asm saved (Linux get_wchan). 0 for the running task,
// a task that never ran, or one without a stack.
func Get_wchan(t *Task_struct) uintptr {
	if t.On_cpu != 0 || t.Stack == 0 || t.State == TASK_NEW || t.Thread.Sp == 0 {
		return 0
	}
	lo, hi := t.Stack, t.Stack+t.Stack_size
	// inactive_task_frame: R15 R14 R13 R12 BX BP, then the return address.
	bp := *(*uintptr)(asm.KernelPtr(t.Thread.Sp + 5*8))
	for i := 0; i < 32 && bp >= lo && bp+16 <= hi; i++ {
		ret := *(*uintptr)(asm.KernelPtr(bp + 8))
		if !In_sched_functions(ret) {
			return ret
		}
		bp = *(*uintptr)(asm.KernelPtr(bp))
	}
	return 0
}

// In_sched_functions reports whether pc is in the scheduler's own code
// — schedule, the switch, the wait primitives — which wchan looks past
// (Linux in_sched_functions: the .sched.text section).
func In_sched_functions(pc uintptr) bool {
	sym, ok := kallsyms.Lookup(pc - 1)
	if !ok {
		return false
	}
	switch sym.Name {
	case "gokern/kernel/sched.Schedule", "gokern/kernel/sched.__schedule", "gokern/kernel/sched.context_switch",
		"gokern/kernel/sched.X__switch_to", "gokern/arch/amd64/entry.X__switch_to_asm",
		"gokern/kernel/sched.Schedule_timeout", "gokern/kernel/sched.Schedule_timeout_uninterruptible",
		"gokern/kernel/sched.Wait_for_completion", "gokern/kernel/sched.Wait_event",
		"gokern/kernel/sched.Wait_event_interruptible", "gokern/kernel/sched.Yield",
		"gokern/kernel/sched.preempt_schedule_irq", "gokern/kernel/sched.preempt_schedule",
		"gokern/kernel/sched.Schedule_preempt_disabled", "gokern/kernel/sched.Schedule_idle",
		// Preempted on the way out of an interrupt: the frame chain goes
		// on through the interrupt's entry into the interrupted function,
		// which is where the task was (rest_init, when a tick comes
		// between Schedule_preempt_disabled's count and its schedule).
		"gokern/kernel/sched.Irqentry_exit_cond_resched", "gokern/arch/amd64/entry.irqentry_exit_call",
		"gokern/arch/amd64/entry.common_interrupt":
		return true
	}
	return false
}

// Show_state prints every task, one line each: pid, parent's pid, state
// letter, name, kernel stack, voluntary and involuntary switches, and
// where it waits (Linux show_state, as a ps table).
func Show_state() { Show_state_filter(0) }

// Show_state_filter prints the tasks whose state has a bit of
// state_filter, every task for 0 (Linux show_state_filter: SysRq-W asks
// for TASK_UNINTERRUPTIBLE, the tasks blocked in D state).
func Show_state_filter(state_filter uint32) {
	printk.Pr_info("  PID  PPID S COMM             STACK                                  NVCSW NIVCSW WCHAN\n")
	For_each_process(func(t *Task_struct) bool {
		if state_filter != 0 && t.State&state_filter == 0 {
			return true
		}
		ppid := int32(0)
		if t.Real_parent != nil {
			ppid = t.Real_parent.Pid
		}
		var wchan [96]byte
		n := 0
		if pc := Get_wchan(t); pc != 0 {
			if sym, ok := kallsyms.Lookup(pc - 1); ok {
				n = copy(wchan[:], sym.Name)
			}
		}
		if n == 0 {
			wchan[0] = '-'
			n = 1
		}
		printk.Pr_info("%5d %5d %c %-16s %016x-%016x %6d %6d %s\n", printk.Int(t.Pid), printk.Int(ppid),
			printk.Int(State_char(t)), printk.Str(t.Name()), printk.Int(t.Stack), printk.Int(t.Stack+t.Stack_size-1),
			printk.Int(t.Nvcsw), printk.Int(t.Nivcsw), printk.Bytes(wchan[:n]))
		return true
	})
}
