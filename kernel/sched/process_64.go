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

// fpu_clone gives a new task the initial FPU state (Linux fpu_clone for a
// kernel thread: init_fpstate).
func fpu_clone(t *Task_struct) {
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
//   - the per-CPU current task, top of stack and task stack (with its g:
//     PcpuHot.Task_stack),
//     and the TSS's RSP0 (Linux raw_cpu_write(pcpu_hot.current_task),
//     update_task_stack);
//   - then __switch_to_asm: callee-saved registers, SP and the g.
//
// FS and GS: in gokern the FS base is the Go runtime's TLS block (the
// current g is at FS:-8) and GS the per-CPU data, both per CPU, not per
// task; the user FS/GS bases arrive with user mode (Linux saves them here
// in save_fsgs and loads them in x86_fsgsbase_load).
func X__switch_to(prev, next *Task_struct) {
	asm.Fxsave64(prev.Thread.Fpu.Fxsave_area())
	asm.Fxrstor64(next.Thread.Fpu.Fxsave_area())
	p := asm.This_cpu()
	p.Current_task = uintptr(unsafe.Pointer(next))
	p.Top_of_stack = next.Thread.Sp0
	p.Task_stack = task_stack_info(next)
	if Arch.Load_sp0 != nil {
		Arch.Load_sp0(next.Thread.Sp0)
	}
	entry.X__switch_to_asm(&prev.Thread.Sp, next.Thread.Sp, next.G_ptr)
}
