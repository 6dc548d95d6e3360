// Package sched is gokern's scheduler and its tasks: task_struct, the
// per-CPU run queues, schedule() and the context switch, kernel threads,
// wait queues and sleeping on jiffies. docs/sched.md walks it.
//
// Linux: include/linux/sched.h (struct task_struct, TASK_* states),
// kernel/sched/core.c (schedule, context_switch, scheduler_tick,
// try_to_wake_up), kernel/sched/rt.c (SCHED_RR's time slices),
// kernel/sched/wait.c, completion.c, idle.c, kernel/fork.c
// (copy_process, kernel_thread), kernel/kthread.c, kernel/time/timer.c
// (schedule_timeout, msleep), arch/x86/kernel/process_64.c (__switch_to)
// and arch/x86/include/asm/current.h (current). Each file here names the
// Linux file it follows. Seeds: 002 "cpu_idle()", "Process Switch" and
// the slides on the timer interrupt.
//
// A task is not a goroutine. The Go runtime is not running (DESIGN.md §4):
// a task is a kernel stack, a task_struct, and a g of its own whose
// stack bounds describe that stack, since every Go prologue compares SP
// with g.stackguard0 (R14, reloaded from the TLS slot at FS:-8 by every
// ABI wrapper). __switch_to_asm (arch/amd64/entry) switches the g with
// the stack, as Biscuit and gVisor's ring0 switch whole goroutine
// contexts: one g per task, never shared, so the stack check is always
// against the right bounds.
package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// Task states (Linux include/linux/sched.h: TASK_RUNNING, ...). A task is
// TASK_RUNNING while it runs or waits on a run queue; it sets one of the
// sleeping states itself before it calls schedule(), which then takes it
// off the run queue, and try_to_wake_up puts it back.
const (
	TASK_RUNNING         = 0x0000
	TASK_INTERRUPTIBLE   = 0x0001
	TASK_UNINTERRUPTIBLE = 0x0002
	TASK_DEAD            = 0x0080
	TASK_NEW             = 0x0800 // being created, not yet woken (wake_up_new_task)
	EXIT_DEAD            = 0x0010 // exit_state: reaped (or nobody will wait), being freed
	EXIT_ZOMBIE          = 0x0020 // exit_state: dead, not yet reaped
)

// Task flags (Linux PF_*).
const (
	PF_IDLE    = 0x00000002 // the idle task of a CPU
	PF_EXITING = 0x00000004 // in do_exit
	PF_KTHREAD = 0x00200000 // a kernel thread
)

// Thread-info flags (Linux arch/x86/include/asm/thread_info.h).
const (
	TIF_NEED_RESCHED = 3 // rescheduling necessary: set by the tick or a wake-up
)

// TASK_COMM_LEN: the size of a task's name (Linux, 16 with the NUL).
const TASK_COMM_LEN = 16

// THREAD_SIZE: a kernel thread's stack (Linux: 16 KiB on x86-64). Go
// frames are larger than C's, and a -N -l build larger still; the boot
// stack is 128 KiB (arch/amd64 BOOT_STACK_SIZE). kernel_init runs the
// selftests on its stack, so it takes that much too (KERNEL_INIT_STACK).
const (
	THREAD_SIZE       = 32 << 10
	KERNEL_INIT_STACK = 128 << 10
)

// RR_TIMESLICE: a task's time slice, in ticks (Linux
// include/linux/sched/rt.h: 100 ms, for SCHED_RR; gokern's one policy is
// round robin).
const RR_TIMESLICE = 100 * ktime.HZ / 1000

// G_SIZE: the room of a task's g, as arch/amd64's static g's (the DWARF
// test of the image compares the runtime's g with both).
const G_SIZE = 1024

// STACK_SMALL: see arch/amd64 g.go; the g's stack check sits this far
// above the bottom of the guard page, so that a frame of up to
// STACK_SMALL bytes, which Go checks only against the guard, still lands
// in the guard page.
const STACK_SMALL = 128

// Task_g is a task's g: the head of the Go runtime's g, as arch/amd64's
// gStatic lays it out (stack.lo, stack.hi, stackguard0, stackguard1,
// _panic, _defer, m), zero-padded to G_SIZE so that runtime code reading
// a later field reads zero. m stays nil: a Go panic or a failed stack
// check faults at once on it and ends in an oops.
type Task_g struct {
	Stack_lo, Stack_hi       uintptr
	Stackguard0, Stackguard1 uintptr
	X_panic, X_defer, M      uintptr
	_                        [G_SIZE/8 - 7]uintptr
}

// Fpu holds a task's x87/MMX/SSE state in the FXSAVE format (Linux struct
// fpu, with fpstate's fxregs_state). FXSAVE wants 16-byte alignment,
// which Go cannot ask of a field: Fxsave_area returns the aligned 512
// bytes inside State.
type Fpu struct {
	State [asm.FXSAVE_SIZE + 16]byte
}

// Fxsave_area is the 16-byte aligned FXSAVE image inside f.
func (f *Fpu) Fxsave_area() uintptr {
	return (uintptr(unsafe.Pointer(&f.State[0])) + 15) &^ 15
}

// Thread_struct is the architecture's part of a task (Linux
// arch/x86/include/asm/processor.h struct thread_struct): where its
// stack pointer was when it was switched out, its FPU state, and the top
// of its kernel stack (the TSS's RSP0 while it runs).
type Thread_struct struct {
	Sp  uintptr // saved by __switch_to_asm (Linux thread.sp)
	Sp0 uintptr // top of the kernel stack (Linux task_top_of_stack)
	// Fsbase and Gsbase: the user's FS and GS bases while the task is
	// switched out (Linux thread.fsbase, thread.gsbase); process_64.go
	// says where they are while it runs.
	Fsbase, Gsbase uint64
	Fpu            Fpu
}

// Thread_info is what the entry code and the scheduler test on every
// interrupt (Linux struct thread_info: flags; preempt_count is per-CPU on
// x86 since 4.x and per-thread on most other architectures — gokern keeps
// it per task, so that it needs no save and restore around a switch).
type Thread_info struct {
	Flags         uint64
	Preempt_count int32
}

// Task_struct is a task (Linux struct task_struct). Kernel threads have
// Mm == nil and borrow the previous task's address space in Active_mm
// (lazy TLB), as in Linux.
type Task_struct struct {
	Thread_info Thread_info
	State       uint32 // TASK_* (Linux __state)
	Exit_state  uint32
	Flags       uint32 // PF_*
	On_rq       int32  // queued on a run queue
	On_cpu      int32  // running on a CPU
	Cpu         int32
	Pid         int32
	Exit_code   int32
	Prio        int32
	// Static_prio is the nice value's priority, DEFAULT_PRIO (120) + nice
	// (Linux static_prio): setpriority sets it, fork copies it, and
	// task_timeslice gives the task a slice by it.
	Static_prio int32
	Time_slice  uint32 // ticks left (Linux sched_rt_entity.time_slice)
	// Cpus_mask: the CPUs the task may run on (Linux cpus_mask, a
	// cpumask; gokern's NR_CPUS fits a word), set by sched_setaffinity,
	// inherited at fork. Nr_migrations counts its moves between CPUs
	// (Linux se.nr_migrations).
	Cpus_mask     uint64
	Nr_migrations uint64
	// Pi_lock serialises wake-ups of this task (Linux pi_lock): two CPUs
	// waking it at once must not queue it twice.
	Pi_lock asm.Spinlock_t
	// autoreap: nobody will wait4 for this task (a thread, or a child
	// whose parent ignores SIGCHLD): the switch away from it after its
	// death frees it. Decided by exit_notify, read only by that switch
	// (Linux releases such a task in exit_notify and frees the
	// task_struct through RCU; gokern has no RCU).
	autoreap bool
	// Usage counts the references to this task_struct (Linux usage,
	// refcount_t): 1 from copy_process, dropped when the task is
	// released (Release_task, free_task, an autoreap), and one more for
	// each holder that looked the task up by pid (Find_get_task_by_pid,
	// a pidfd). The memory goes back to the slab at the last put
	// (Put_task_struct), so a holder never reads a freed task, though the
	// task may have left the task list meanwhile (Pid_alive).
	Usage int32
	// Unhashed: the task is off the task list (Linux __unhash_process
	// detaches its pid: pid_alive turns false), set under Tasklist_lock.
	Unhashed bool
	// Stack is the lowest address of the kernel stack, Stack_size its
	// size; the page below Stack is an unmapped guard page (vmalloc'd, as
	// Linux's CONFIG_VMAP_STACK).
	Stack      uintptr
	Stack_size uintptr
	Comm       [TASK_COMM_LEN]byte
	// Tasks links every task from init_task (Linux tasks); Run_list the
	// run queue (Linux sched_rt_entity.run_list).
	Tasks    mm.ListHead
	Run_list mm.ListHead
	// The process: a user process is a task with an Mm (Linux has no
	// separate process structure either). Tgid is the thread group's id,
	// what getpid returns (the pid of its first thread; every task is
	// its own group until CLONE_THREAD). Real_parent is the task that
	// created this one (kthreadd for kthreads), Parent the one wait4 and
	// SIGCHLD report to (the same without ptrace; both become init when
	// the parent dies first: forget_original_parent). Children heads the
	// list of this task's children, linked through their Sibling.
	// Exit_signal is what the parent gets when this task dies: SIGCHLD
	// for fork's children, 0 for kernel threads and threads (Linux's
	// exit_signal; wait4 without __WCLONE looks only at SIGCHLD ones).
	Tgid              int32
	Exit_signal       int32
	Real_parent       *Task_struct
	Parent            *Task_struct
	Children, Sibling mm.ListHead
	// Mm is the task's address space (nil for a kernel thread), Active_mm
	// the one its CPU runs on: for a kernel thread, the last user's.
	Mm, Active_mm *mm.MmStruct
	// Files and Fs are the descriptor table and the root, cwd and umask
	// (Linux files, fs): a *fs.Files_struct and a *fs.Fs_struct, which
	// this package cannot name (fs sits above the scheduler, DESIGN.md
	// §1; kernel/exec's Task_files and Task_fs give them their types). nil: the
	// boot task's, fs.Init_files and fs.Init_fs, as every kernel thread
	// has in Linux.
	Files, Fs unsafe.Pointer
	// Wait_chldexit: where wait4 sleeps until a child changes state
	// (Linux signal_struct.wait_chldexit, per process).
	Wait_chldexit Wait_queue_head
	// Wait_pidfd: pollers of a pidfd of this process, woken when it
	// exits with its threads and when it is reaped (Linux
	// pid->wait_pidfd; gokern's pidfd holds the leader's task_struct).
	Wait_pidfd Wait_queue_head
	// Pid_successor: the thread that took this leader's place when it
	// exec'd (Exchange_leader), with a reference, dropped when this
	// task_struct is freed. Linux moves the leader's struct pid to that
	// thread, so a pidfd follows the process across the exec; gokern's
	// pidfd holds the old leader's task_struct and follows this link
	// (Pidfd_task).
	Pid_successor *Task_struct
	// Utime and Stime: ticks this task was interrupted at in user and in
	// kernel mode (Linux utime, stime with tick-based accounting:
	// account_process_tick): the thread's own (RUSAGE_THREAD); the
	// process's are its Signal_struct's.
	Utime, Stime uint64
	// Min_flt: page faults this task resolved without I/O (Linux
	// min_flt), for getrusage.
	Min_flt uint64
	// Counters (Linux nvcsw, nivcsw: voluntary and involuntary switches).
	Nvcsw, Nivcsw uint64
	// Sum_exec_ticks: ticks this task was current at (Linux
	// se.sum_exec_runtime, in ticks).
	Sum_exec_ticks uint64
	// Threadfn and Data: a kernel thread's function and argument (Linux
	// keeps them in struct kthread and in pt_regs' BX/R12).
	Threadfn func(data uintptr) int
	Data     uintptr
	// Vfork_done / exit notification: woken when the task exits (Linux
	// kthread's exited completion).
	Exited Completion
	// Vfork_done: the vfork parent's completion, signalled when the child
	// execs or exits (Linux vfork_done); Vfork is that completion, in
	// the parent.
	Vfork_done *Completion
	Vfork      Completion
	// The thread group (CLONE_THREAD): Group_leader is its first task,
	// whose pid is the group's Tgid; Thread_node links every task of the
	// group in a ring (Linux thread_node on signal->thread_head). A task
	// outside any group is its own leader on a ring of one.
	// Clear_child_tid: CLONE_CHILD_CLEARTID's word, zeroed and futex-woken
	// when the task exits (Linux clear_child_tid). Set_child_tid:
	// CLONE_CHILD_SETTID's word, where a forked child stores its own pid
	// in its own memory before its first return to user mode (Linux
	// set_child_tid, stored by schedule_tail).
	Group_leader    *Task_struct
	Thread_node     mm.ListHead
	Clear_child_tid uintptr
	Set_child_tid   uintptr
	// Restart_block: how an interrupted call goes on (restart_block.go).
	Restart_block Restart_block
	// Robust_list: set_robust_list's head, the user's list of futexes
	// it holds, released at its exit (Linux robust_list).
	Robust_list uintptr
	// Rlim: the resource limits (Linux signal->rlim, one per process;
	// gokern keeps a copy per task, inherited at clone).
	Rlim [uapi.RLIM_NLIMITS]uapi.Rlimit64
	// Cred: the ids (Linux's real_cred and cred, one here: cred.go).
	Cred   Cred
	Thread Thread_struct
	// Signals: Linux's task_struct fields (signal, sighand, blocked,
	// pending, sas_ss_sp, ...), promoted from kernel/sched/signal.go.
	Task_sigstate
	// G is the task's g (see the package doc); init_task uses the boot
	// stack's static g instead, so G_ptr says which is current.
	G     Task_g
	G_ptr uintptr
}

// Task_thread_info returns t's thread_info (Linux task_thread_info).
//
//go:nosplit
func Task_thread_info(t *Task_struct) *Thread_info { return &t.Thread_info }

// Get_current returns the task running on this CPU (Linux get_current,
// the `current` macro: this_cpu_read(pcpu_hot.current_task)). Before
// sched_init it is nil.
//
//go:nosplit
func Get_current() *Task_struct {
	return (*Task_struct)(asm.KernelPtr(asm.This_cpu().Current_task))
}

// Name returns t's comm as a string (it shares comm's bytes).
func (t *Task_struct) Name() string {
	n := 0
	for n < len(t.Comm) && t.Comm[n] != 0 {
		n++
	}
	return unsafe.String(&t.Comm[0], n)
}

// Set_task_comm sets t's name, truncated to TASK_COMM_LEN-1 bytes (Linux
// __set_task_comm).
func Set_task_comm(t *Task_struct, name string) {
	n := copy(t.Comm[:TASK_COMM_LEN-1], name)
	for i := n; i < TASK_COMM_LEN; i++ {
		t.Comm[i] = 0
	}
}

// State_char is t's state as ps and /proc/<pid>/stat print it (Linux
// task_state_to_char: R S D T Z X, I for an idle kernel thread).
func State_char(t *Task_struct) byte {
	switch {
	case t.Exit_state&EXIT_ZOMBIE != 0:
		return 'Z'
	case t.State == TASK_RUNNING:
		return 'R'
	case t.State&TASK_INTERRUPTIBLE != 0:
		return 'S'
	case t.State&TASK_UNINTERRUPTIBLE != 0:
		return 'D'
	case t.State&TASK_STOPPED != 0:
		return 'T'
	case t.State&TASK_DEAD != 0:
		return 'X'
	case t.State&TASK_NEW != 0:
		return 'N'
	}
	return '?'
}

// tasklist_entry returns the task whose field at off is l (container_of).
//
//go:nosplit
func tasklist_entry(l *mm.ListHead, off uintptr) *Task_struct {
	return (*Task_struct)(unsafe.Add(unsafe.Pointer(l), -int(off)))
}

var (
	tasksOffset   = unsafe.Offsetof(Task_struct{}.Tasks)
	runListOffset = unsafe.Offsetof(Task_struct{}.Run_list)
)

// uintptrOf and unsafeOffset: pointer arithmetic for container_of.
func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

func unsafeOffset(l *mm.ListHead, off uintptr) uintptr { return uintptr(unsafe.Pointer(l)) - off }

var kciListOffset = unsafe.Offsetof(kthread_create_info{}.list)
