package asm

import "unsafe"

// Per-CPU data, reached through the GS base. Linux:
// arch/x86/include/asm/percpu.h (this_cpu_read, this_cpu_ptr,
// this_cpu_off), current.h (struct pcpu_hot: the fields the entry code
// reads on every interrupt) and stacktrace.h (struct stack_info).
//
// Every CPU has its own PcpuHot, and its GS base points at it (MSR_GS_BASE,
// SDM Vol. 3A §3.4.4 "Segment Loading Instructions in IA-32e Mode"), so
// the same instruction, MOVQ off(GS), reads a different CPU's copy on each
// CPU. The first word holds the structure's own address (Linux
// this_cpu_off), so Go code gets a pointer with one load (This_cpu) and
// reads the fields as usual; the entry assembly reads single fields
// through GS directly. The Go runtime keeps its TLS at FS, so GS is free,
// as in Linux.

// NR_CPUS bounds the CPUs gokern can run (Linux CONFIG_NR_CPUS). Only the
// boot CPU runs today; the per-CPU arrays are indexed by CPU number so
// that secondary CPUs need only their own entries.
const NR_CPUS = 8

// Stack types, Linux enum stack_type (stacktrace.h); the exception stacks
// follow in ESTACK order (STACK_TYPE_EXCEPTION + ESTACK_DF, ...).
const (
	STACK_TYPE_UNKNOWN        = 0
	STACK_TYPE_TASK           = 1 // the boot (idle task) stack
	STACK_TYPE_IRQ            = 2 // the hard-interrupt stack
	STACK_TYPE_EXCEPTION      = 3
	STACK_TYPE_EXCEPTION_LAST = STACK_TYPE_EXCEPTION + N_EXCEPTION_STACKS - 1
	NR_STACK_TYPES            = STACK_TYPE_EXCEPTION_LAST + 1
)

// Stack_info describes one stack of a CPU (Linux struct stack_info, with
// what gokern needs besides).
type Stack_info struct {
	Type       uint64
	Begin, End uintptr // the stack is [Begin, End); it grows down from End
	// Guard is the first byte of the unmapped guard page below Begin (0:
	// none yet). A push into it faults, and the fault's own push then
	// double-faults onto the #DF stack (traps: exc_double_fault).
	Guard uintptr
	// G is the static g (arch/amd64/g.go) whose bounds describe this
	// stack: Go code running on it must find that g in the TLS slot, since
	// every non-nosplit function compares SP with g.stackguard0. The
	// entry code switches to it (arch/amd64/entry).
	G uintptr
}

// PcpuHot is the per-CPU data the entry code and the trap handlers use
// (Linux struct pcpu_hot, plus the CPU's stacks). Field order is free: the
// assembly takes the offsets from this type.
type PcpuHot struct {
	This_cpu_off uintptr // this structure's own address: GS:0
	Cpu_number   int
	// Current_task is the task running on this CPU, a *sched.Task_struct
	// (Linux pcpu_hot.current_task, read by get_current). The scheduler
	// writes it in __switch_to.
	Current_task uintptr
	// Top_of_stack is the top of the kernel stack of what runs on this CPU
	// (Linux cpu_current_top_of_stack), also the TSS's RSP0.
	Top_of_stack uintptr
	// Hardirq_stack_ptr is the top of the hard-interrupt stack;
	// Hardirq_stack_inuse is nonzero while an interrupt handler runs on it
	// (a nested interrupt then stays where it is). Linux: same names.
	Hardirq_stack_ptr   uintptr
	Hardirq_stack_inuse uint64
	// Rsp_scratch holds the user RSP for the few instructions of
	// entry_SYSCALL_64 between SYSCALL and the push of pt_regs (Linux
	// 4.x rsp_scratch; since 4.17 the TSS's unused sp2).
	Rsp_scratch uintptr
	// Kernel_fs_base is this CPU's FS base in the kernel: its TLS block,
	// whose last word is the current g (arch/amd64/g.go), which every
	// ABI wrapper reads at FS:-8. User_fs_base is the running task's user
	// FS base while the CPU is in the kernel. Linux leaves the user's FS
	// base in MSR_FS_BASE across kernel entries, since its kernel never
	// uses FS; gokern's Go code does, so the entry code swaps: on every
	// entry from user mode it saves MSR_FS_BASE here and loads
	// Kernel_fs_base, on every return to user mode it loads this back
	// (entry_64.s SWITCH_TO_KERNEL_FS, SWITCH_TO_USER_FS), and
	// __switch_to moves it to and from the tasks' thread.fsbase
	// (kernel/sched process_64.go), where Linux's save_fsgs reads the MSR.
	Kernel_fs_base, User_fs_base uint64
	// Stacks: this CPU's stacks, indexed by STACK_TYPE_*; the
	// STACK_TYPE_TASK entry is the boot (idle task's) stack, a fixed part
	// of the layout like the others.
	Stacks [NR_STACK_TYPES]Stack_info
	// Task_stack: the kernel stack of the task running on this CPU, with
	// its g (Linux task_stack_page(current)); the scheduler rewrites it at
	// every switch (kernel/sched __switch_to). Zero until then:
	// Get_stack_info falls back on Stacks.
	Task_stack Stack_info
}

// Get_stack_info finds the stack of this CPU that holds sp (Linux
// get_stack_info, dumpstack_64.c). The guard page below a stack counts as
// that stack's, so that a fault in it is blamed on the right stack.
//
//go:nosplit
func (p *PcpuHot) Get_stack_info(sp uintptr) (info *Stack_info, ok bool) {
	if s := &p.Task_stack; s.End != 0 && sp >= s.Guard && sp < s.End {
		return s, true
	}
	for i := range p.Stacks {
		s := &p.Stacks[i]
		if s.End == 0 {
			continue
		}
		lo := s.Begin
		if s.Guard != 0 {
			lo = s.Guard
		}
		if sp >= lo && sp < s.End {
			return s, true
		}
	}
	return nil, false
}

// Is_guard_page reports whether va is in one of this CPU's unmapped guard
// pages: below each stack, and above the last exception stack (Linux's
// IST_top_guard).
func (p *PcpuHot) Is_guard_page(va uintptr) bool {
	for i := range p.Stacks {
		s := &p.Stacks[i]
		if s.Guard != 0 && va >= s.Guard && va < s.Guard+PAGE_SIZE {
			return true
		}
	}
	last := &p.Stacks[STACK_TYPE_EXCEPTION_LAST]
	return last.Guard != 0 && va >= last.End && va < last.End+PAGE_SIZE
}

// Stack_type_name names a stack type as Linux's stack_type_name does.
func Stack_type_name(t uint64) string {
	switch {
	case t == STACK_TYPE_TASK:
		return "TASK"
	case t == STACK_TYPE_IRQ:
		return "IRQ"
	case t == STACK_TYPE_EXCEPTION+ESTACK_DF:
		return "#DF"
	case t == STACK_TYPE_EXCEPTION+ESTACK_NMI:
		return "NMI"
	case t == STACK_TYPE_EXCEPTION+ESTACK_DB:
		return "#DB"
	case t == STACK_TYPE_EXCEPTION+ESTACK_MCE:
		return "#MC"
	}
	return "UNKNOWN"
}

// PcpuHot field offsets, for the assembly of other packages (which see
// only their own package's constants through go_asm.h and name these).
const (
	PCPU_this_cpu_off        = unsafe.Offsetof(PcpuHot{}.This_cpu_off)
	PCPU_hardirq_stack_ptr   = unsafe.Offsetof(PcpuHot{}.Hardirq_stack_ptr)
	PCPU_hardirq_stack_inuse = unsafe.Offsetof(PcpuHot{}.Hardirq_stack_inuse)
	PCPU_top_of_stack        = unsafe.Offsetof(PcpuHot{}.Top_of_stack)
	PCPU_rsp_scratch         = unsafe.Offsetof(PcpuHot{}.Rsp_scratch)
	PCPU_kernel_fs_base      = unsafe.Offsetof(PcpuHot{}.Kernel_fs_base)
	PCPU_user_fs_base        = unsafe.Offsetof(PcpuHot{}.User_fs_base)
)
