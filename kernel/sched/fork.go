package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/kernel"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/paging"
	"gokern/printk"
)

// Creating tasks. Linux: kernel/fork.c (copy_process, dup_task_struct,
// alloc_thread_stack_node with CONFIG_VMAP_STACK, kernel_clone,
// kernel_thread, free_task), init/init_task.c (init_task),
// kernel/pid.c (alloc_pid, find_task_by_pid_ns), kernel/exit.c
// (release_task) and arch/x86/kernel/process.c (copy_thread).

// Init_task is pid 0: the boot CPU's flow from startup_64 on, which
// sched_init turns into the boot CPU's idle task (Linux init_task,
// "swapper/0"). Its stack is the boot stack, its g the boot stack's
// static g.
var Init_task Task_struct

// task_struct_cachep: task_structs come from a typed slab cache (Linux
// task_struct_cachep).
var task_struct_cachep slab.Cache[Task_struct]

// last_pid is the last pid handed out (Linux pid_namespace's idr cursor;
// pids are not reused here until they wrap at PID_MAX).
var last_pid int32

// PID_MAX: Linux's PID_MAX_DEFAULT.
const PID_MAX = 0x8000

// Nr_threads counts live tasks but the idle tasks (Linux nr_threads).
var Nr_threads int

// init_task_setup fills init_task from the running state: the boot stack
// and its g, as the per-CPU data describe them (arch/amd64 set them up
// in startup_64), the kernel's address space, and the task list.
func init_task_setup() {
	t := &Init_task
	s := &asm.This_cpu().Stacks[asm.STACK_TYPE_TASK]
	t.Stack, t.Stack_size, t.G_ptr = s.Begin, s.End-s.Begin, s.G
	t.Thread.Sp0 = s.End
	t.Active_mm = &mm.Init_mm
	t.Pid = 0
	t.Time_slice = RR_TIMESLICE
	mm.INIT_LIST_HEAD(&t.Tasks)
	mm.INIT_LIST_HEAD(&t.Run_list)
	Init_completion(&t.Exited)
	fpstate_init()
}

func task_cachep_init() {
	task_struct_cachep = slab.NewCache[Task_struct]("task_struct", 0)
}

// alloc_thread_stack_node gives t a kernel stack of size bytes from
// vmalloc, whose areas each end in an unmapped guard page, so the page
// below a stack is the guard of the area before it or an unused hole
// (Linux CONFIG_VMAP_STACK). The hole is checked in the page tables: a
// stack overflow must fault there, not run into another task's memory.
func alloc_thread_stack_node(t *Task_struct, size uintptr) bool {
	p := mm.Vmalloc(uint64(size))
	if p == nil {
		return false
	}
	lo := uintptr(p)
	if _, _, _, ok := paging.Walk(&asm.DirectMap, mm.Init_mm.Pgd, paging.VirtAddr(lo-asm.PAGE_SIZE)); ok {
		kernel.Panic("fork: the page below the stack %#x of a new task is mapped: no guard page", printk.Int(lo))
	}
	t.Stack, t.Stack_size = lo, size
	t.Thread.Sp0 = lo + size
	// The task's g: its stack's bounds, and the stack check on the guard
	// page, as arch/amd64's Setup_cpu_entry_areas places the other stacks'.
	g := &t.G
	g.Stack_lo, g.Stack_hi = lo, lo+size
	g.Stackguard0 = lo - asm.PAGE_SIZE + STACK_SMALL
	g.Stackguard1 = g.Stackguard0
	t.G_ptr = uintptr(unsafe.Pointer(g))
	return true
}

// put_task_stack frees a dead task's stack (Linux put_task_stack →
// free_thread_stack, vfree_atomic); its g goes with it.
func put_task_stack(t *Task_struct) {
	if t.Stack == 0 || t == &Init_task {
		return
	}
	mm.Vfree(asm.KernelPtr(t.Stack))
	t.Stack, t.G_ptr = 0, 0
}

// inactive_task_frame is the frame __switch_to_asm pops, lowest address
// first (Linux struct inactive_task_frame).
type inactive_task_frame struct {
	R15, R14, R13, R12, Bx, Bp uintptr
	Ret_addr                   uintptr
}

// copy_thread builds a new task's first frame below the pt_regs at the
// top of its stack (where an entry from user mode saves the user's
// registers, task_pt_regs: kernel_init's user program will need them), so
// that the first switch to it pops zeroes (BP 0 ends a backtrace), its g
// into R14, and returns into ret_from_fork_asm (Linux copy_thread's
// fork_frame: inactive_task_frame, then pt_regs).
func copy_thread(t *Task_struct) {
	sp := t.Stack + t.Stack_size - unsafe.Sizeof(asm.PtRegs{}) - unsafe.Sizeof(inactive_task_frame{})
	f := (*inactive_task_frame)(asm.KernelPtr(sp))
	*f = inactive_task_frame{R14: t.G_ptr, Ret_addr: entry.Ret_from_fork_PC()}
	t.Thread.Sp = sp
}

// alloc_pid hands out the next free pid (Linux alloc_pid).
func alloc_pid() int32 {
	for i := 0; i < PID_MAX; i++ {
		last_pid++
		if last_pid >= PID_MAX {
			last_pid = 1
		}
		if Find_task_by_pid(last_pid) == nil {
			return last_pid
		}
	}
	return -1
}

// Find_task_by_pid returns the task with pid nr, or nil (Linux
// find_task_by_pid_ns). Pid 0 is init_task.
func Find_task_by_pid(nr int32) *Task_struct {
	if nr == 0 {
		return &Init_task
	}
	for l := Init_task.Tasks.Next; l != nil && l != &Init_task.Tasks; l = l.Next {
		if t := tasklist_entry(l, tasksOffset); t.Pid == nr {
			return t
		}
	}
	return nil
}

// For_each_process calls fn for every task, init_task first (Linux
// for_each_process, which skips init_task; ps wants it).
func For_each_process(fn func(t *Task_struct) bool) {
	if !fn(&Init_task) {
		return
	}
	for l := Init_task.Tasks.Next; l != nil && l != &Init_task.Tasks; l = l.Next {
		if !fn(tasklist_entry(l, tasksOffset)) {
			return
		}
	}
}

// copy_process makes a new task, a copy of the current one in what a
// kernel thread inherits (name, address space), with its own stack, g,
// pid and first frame; it is TASK_NEW until wake_up_new_task (Linux
// copy_process → dup_task_struct, copy_thread, alloc_pid).
func copy_process(fn func(uintptr) int, arg uintptr, name string) *Task_struct {
	cur := Get_current()
	t := task_struct_cachep.Zalloc(mm.GFP_KERNEL)
	if t == nil {
		return nil
	}
	if !alloc_thread_stack_node(t, THREAD_SIZE) {
		task_struct_cachep.Free(t)
		return nil
	}
	t.State = TASK_NEW
	t.Flags = PF_KTHREAD
	t.Comm = cur.Comm
	if name != "" {
		Set_task_comm(t, name)
	}
	t.Real_parent = cur
	t.Active_mm = nil
	t.Threadfn, t.Data = fn, arg
	t.Time_slice = RR_TIMESLICE
	t.Cpu = cur.Cpu
	Init_completion(&t.Exited)
	fpu_clone(t)
	copy_thread(t)
	flags := asm.Arch_local_irq_save()
	t.Pid = alloc_pid()
	if t.Pid < 0 {
		asm.Arch_local_irq_restore(flags)
		put_task_stack(t)
		task_struct_cachep.Free(t)
		printk.Pr_warn("fork: no pid left\n")
		return nil
	}
	mm.List_add_tail(&t.Tasks, &Init_task.Tasks)
	Nr_threads++
	asm.Arch_local_irq_restore(flags)
	return t
}

// Kernel_thread starts fn(arg) as a new kernel thread named name (the
// creator's name if empty) and returns its pid, or -1 (Linux
// kernel_thread → kernel_clone → copy_process, wake_up_new_task).
func Kernel_thread(fn func(uintptr) int, arg uintptr, name string) int32 {
	t := copy_process(fn, arg, name)
	if t == nil {
		return -1
	}
	wake_up_new_task(t)
	return t.Pid
}

// Release_task frees a dead task: off the task list, its task_struct
// back to the slab (Linux release_task → put_task_struct → free_task).
func Release_task(t *Task_struct) {
	if t.Exit_state&EXIT_ZOMBIE == 0 || t == &Init_task {
		printk.Pr_err("BUG: release_task of %s/%d, which has not exited\n", printk.Str(t.Name()), printk.Int(t.Pid))
		return
	}
	// Wait until it is off the CPU: its last switch frees the stack.
	for t.State != TASK_DEAD || t.On_cpu != 0 {
		Yield()
	}
	flags := asm.Arch_local_irq_save()
	mm.List_del(&t.Tasks)
	Nr_threads--
	asm.Arch_local_irq_restore(flags)
	task_struct_cachep.Free(t)
}
