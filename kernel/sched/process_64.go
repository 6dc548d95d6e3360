package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
)

// The architecture's half of a context switch. Linux:
// arch/x86/kernel/process_64.c (__switch_to), arch/x86/include/asm/
// switch_to.h (switch_to), fpu/core.c (switch_fpu_prepare,
// switch_fpu_finish). The stack switch itself is __switch_to_asm in
// arch/amd64/entry (entry_64.s), as in Linux.

// Arch is what the scheduler needs from arch/amd64, which it may not
// import (DESIGN.md §1); arch/amd64 sets it before sched_init.
var Arch struct {
	// Load_sp0 writes this CPU's TSS.RSP0: the stack an interrupt from
	// user mode starts on (Linux update_task_stack → load_sp0).
	Load_sp0 func(sp0 uintptr)
	// Get_irq_regs is the interrupted context of the interrupt being
	// handled, nil outside one (Linux get_irq_regs): the tick asks it
	// whether it interrupted user or kernel mode.
	Get_irq_regs func() *asm.PtRegs
	// Smp_send_reschedule sends RESCHEDULE_VECTOR to a CPU (Linux
	// smp_ops.smp_send_reschedule); nil until the IPIs are ready.
	Smp_send_reschedule func(cpu int)
}

// Init_fpstate is the FPU state a new task starts with (Linux
// init_fpstate): x87 control word 0x37f (all exceptions masked, 64-bit
// precision, round to nearest), MXCSR 0x1f80 (all SSE exceptions masked,
// round to nearest), every register zero, the tag word empty.
var Init_fpstate [asm.FXSAVE_SIZE]byte

func fpstate_init() {
	Init_fpstate[asm.FXSAVE_FCW] = byte(asm.FCW_DEFAULT & 0xff)
	Init_fpstate[asm.FXSAVE_FCW+1] = byte(asm.FCW_DEFAULT >> 8)
	Init_fpstate[asm.FXSAVE_MXCSR] = byte(asm.MXCSR_DEFAULT & 0xff)
	Init_fpstate[asm.FXSAVE_MXCSR+1] = byte(asm.MXCSR_DEFAULT >> 8)
}

// fpu_clone gives a new task its FPU state (Linux fpu_clone): a kernel
// thread the initial one (init_fpstate), fork's child the parent's as it
// is now (FXSAVE of the live registers: the kernel's Go code changes
// neither the x87 state nor MXCSR; the XMM registers in the image are the
// kernel's, and the child's come from the entry frame copy_thread copies).
func fpu_clone(t *Task_struct, parent *Task_struct) {
	if parent != nil {
		asm.Fxsave64(t.Thread.Fpu.Fxsave_area())
		return
	}
	area := (*[asm.FXSAVE_SIZE]byte)(asm.KernelPtr(t.Thread.Fpu.Fxsave_area()))
	for i := range area {
		area[i] = Init_fpstate[i]
	}
}

// task_stack_info describes t's kernel stack for the per-CPU data: the
// entry code finds the g of the stack an interrupt arrives on there, and
// the #DF handler the guard page an overflow hit.
//
//go:nosplit
func task_stack_info(t *Task_struct) asm.Stack_info {
	return asm.Stack_info{Type: asm.STACK_TYPE_TASK, Begin: t.Stack, End: t.Stack + t.Stack_size,
		Guard: t.Stack - asm.PAGE_SIZE, G: t.G_ptr}
}

// X__switch_to switches from prev to next on this CPU (Linux switch_to
// → __switch_to_asm → __switch_to; gokern does the bookkeeping before the
// stack switch instead of after, with interrupts off either way):
//
//   - the FPU/SSE state: prev's saved with FXSAVE64, next's loaded with
//     FXRSTOR64 (Linux switch_fpu_prepare/finish; eagerly, as Linux does
//     since 4.6). Go code keeps nothing in X0-X14 across a call, but it
//     never saves MXCSR or the x87 state either, and user programs will
//     keep everything there;
//   - the user's FS and GS bases: save_fsgs(prev), x86_fsgsbase_load(next)
//     (see below);
//   - the per-CPU current task, top of stack and task stack (with its g:
//     PcpuHot.Task_stack), and the TSS's RSP0 (Linux
//     raw_cpu_write(pcpu_hot.current_task), update_task_stack);
//   - then __switch_to_asm: callee-saved registers, SP and the g.
func X__switch_to(prev, next *Task_struct) {
	asm.Fxsave64(prev.Thread.Fpu.Fxsave_area())
	asm.Fxrstor64(next.Thread.Fpu.Fxsave_area())
	save_fsgs(prev)
	x86_fsgsbase_load(next)
	p := asm.This_cpu()
	p.Current_task = uintptr(unsafe.Pointer(next))
	p.Top_of_stack = next.Thread.Sp0
	p.Task_stack = task_stack_info(next)
	if Arch.Load_sp0 != nil {
		Arch.Load_sp0(next.Thread.Sp0)
	}
	entry.X__switch_to_asm(&prev.Thread.Sp, next.Thread.Sp, next.G_ptr)
}

// The user's FS and GS bases. A 64-bit program sets them with
// arch_prctl (its TLS: glibc, musl and Go keep the thread pointer in FS),
// and they are per task, so a switch must carry them.
//
// Linux's kernel never uses FS, and reaches its per-CPU data through GS
// after SWAPGS, so while a task is in the kernel its user FS base is in
// MSR_FS_BASE and its user GS base in MSR_KERNEL_GS_BASE; __switch_to
// saves both MSRs into prev's thread_struct (save_fsgs) and loads next's
// (x86_fsgsbase_load).
//
// gokern's kernel is Go code, which finds the current g at FS:-8, so FS
// cannot keep the user's base while the kernel runs: the entry code
// (arch/amd64/entry SWITCH_TO_KERNEL_FS) saves it in the per-CPU
// User_fs_base on every entry from user mode and loads the CPU's TLS
// block, and every return to user mode loads User_fs_base back
// (SWITCH_TO_USER_FS). So User_fs_base plays the part of Linux's
// MSR_FS_BASE here: it holds the running task's user FS base whenever the
// CPU is in the kernel, and the switch saves and loads it as Linux saves
// and loads the MSR. The GS base works as in Linux: SWAPGS keeps the
// user's in MSR_KERNEL_GS_BASE while the kernel runs.
//
// A kernel thread has no user bases; saving and loading them anyway
// costs two MSR accesses and keeps the rule simple.

// save_fsgs stores the running task's user FS and GS bases in its
// thread_struct (Linux save_fsgs).
func save_fsgs(t *Task_struct) {
	t.Thread.Fsbase = asm.This_cpu().User_fs_base
	t.Thread.Gsbase = asm.Rdmsrl(asm.MSR_KERNEL_GS_BASE)
}

// x86_fsgsbase_load makes t's user bases the ones the return to user
// mode will load (Linux x86_fsgsbase_load).
func x86_fsgsbase_load(t *Task_struct) {
	asm.This_cpu().User_fs_base = t.Thread.Fsbase
	asm.Wrmsrl(asm.MSR_KERNEL_GS_BASE, t.Thread.Gsbase)
}

// arch_prctl's codes (arch/x86/include/uapi/asm/prctl.h).
const (
	ARCH_SET_GS = 0x1001
	ARCH_SET_FS = 0x1002
	ARCH_GET_FS = 0x1003
	ARCH_GET_GS = 0x1004
)

// Do_arch_prctl_64 is arch_prctl(option, arg2) for the current task
// (Linux arch/x86/kernel/process_64.c do_arch_prctl_64): SET_FS and
// SET_GS take a base below TASK_SIZE_MAX (-EPERM otherwise, as Linux),
// GET_FS and GET_GS store the base at the user address arg2 (-EFAULT),
// anything else is -EINVAL. The new FS base takes effect on the way out
// of this system call, when the entry code loads User_fs_base.
func Do_arch_prctl_64(option int, arg2 uint64) int {
	c := Get_current()
	p := asm.This_cpu()
	switch option {
	case ARCH_SET_FS:
		if arg2 >= asm.TASK_SIZE_MAX {
			return -asm.EPERM
		}
		c.Thread.Fsbase = arg2
		p.User_fs_base = arg2
		return 0
	case ARCH_SET_GS:
		if arg2 >= asm.TASK_SIZE_MAX {
			return -asm.EPERM
		}
		c.Thread.Gsbase = arg2
		asm.Wrmsrl(asm.MSR_KERNEL_GS_BASE, arg2)
		return 0
	case ARCH_GET_FS:
		return asm.Put_user(p.User_fs_base, uintptr(arg2))
	case ARCH_GET_GS:
		return asm.Put_user(asm.Rdmsrl(asm.MSR_KERNEL_GS_BASE), uintptr(arg2))
	}
	return -asm.EINVAL
}

// Start_thread_fsgs gives a program that exec starts no FS and GS bases
// (Linux start_thread_common: loadsegment(fs, 0), load_gs_index(0), and
// thread.fsbase = thread.gsbase = 0).
func Start_thread_fsgs(t *Task_struct) {
	t.Thread.Fsbase, t.Thread.Gsbase = 0, 0
	x86_fsgsbase_load(t)
}

// Flush_thread gives the current task, which execs, a clean FPU and SSE
// state (Linux flush_thread → fpu_flush_thread, which loads
// init_fpstate): x87 and MXCSR from Init_fpstate, and the user's XMM
// registers, which the entry code keeps below pt_regs until the return
// to user mode, zeroed. Nothing of the old program reaches the new one.
func Flush_thread(t *Task_struct) {
	fpu_clone(t, nil)
	asm.Fxrstor64(t.Thread.Fpu.Fxsave_area())
	*(*[USER_XMM_SIZE]byte)(asm.KernelPtr(t.Thread.Sp0 - unsafe.Sizeof(asm.PtRegs{}) - USER_XMM_SIZE)) = [USER_XMM_SIZE]byte{}
}
