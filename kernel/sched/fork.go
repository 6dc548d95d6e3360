package sched

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/include/uapi"
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
	t.Static_prio = DEFAULT_PRIO
	t.Time_slice = RR_TIMESLICE
	t.Pi_lock.Owner_cpu, t.Pi_lock.Name = -1, "task->pi_lock"
	mm.INIT_LIST_HEAD(&t.Tasks)
	mm.INIT_LIST_HEAD(&t.Run_list)
	mm.INIT_LIST_HEAD(&t.Children)
	Init_completion(&t.Exited)
	init_rlimits(t)
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

// USER_XMM_SIZE: the room the entry code keeps below pt_regs for the
// interrupted code's X0-X15 (entry_64.s SAVE_XMM).
const USER_XMM_SIZE = 256

// Task_pt_regs is where t's user registers live: the pt_regs at the top
// of its kernel stack, where entry_SYSCALL_64 and the CPU's ring change
// (TSS.RSP0) put them (Linux task_pt_regs).
//
//go:nosplit
func Task_pt_regs(t *Task_struct) *asm.PtRegs {
	return (*asm.PtRegs)(asm.KernelPtr(t.Thread.Sp0 - unsafe.Sizeof(asm.PtRegs{})))
}

// copy_thread builds a new task's first frame (Linux copy_thread's
// fork_frame: inactive_task_frame, then pt_regs). Below the pt_regs at the
// top of the stack (task_pt_regs) lies the room of the user's SSE
// registers (SAVE_XMM's 256 bytes), then the frame the first switch to
// the task pops: zeroes (BP 0 ends a backtrace), its g into R14, and the
// return into ret_from_fork_asm. A kernel thread leaves pt_regs alone
// (kernel_init's program fills it at exec). A user task — fork's child —
// gets the parent's pt_regs and SSE registers as the parent's system call
// saved them, with RAX 0, the child's return value (and RSP the new
// stack, when clone gives one): ret_from_fork_asm leaves through them as
// the parent returns from fork.
func copy_thread(t *Task_struct, args *Kernel_clone_args) {
	top := t.Stack + t.Stack_size
	regs := top - unsafe.Sizeof(asm.PtRegs{})
	xmm := regs - USER_XMM_SIZE
	sp := xmm - unsafe.Sizeof(inactive_task_frame{})
	f := (*inactive_task_frame)(asm.KernelPtr(sp))
	*f = inactive_task_frame{R14: t.G_ptr, Ret_addr: entry.Ret_from_fork_PC()}
	t.Thread.Sp = sp
	if args.Fn != nil {
		return
	}
	cur := Get_current()
	child := (*asm.PtRegs)(asm.KernelPtr(regs))
	*child = *Task_pt_regs(cur)
	child.AX = 0
	if args.Stack != 0 {
		child.SP = args.Stack
	}
	*(*[USER_XMM_SIZE]byte)(asm.KernelPtr(xmm)) = *(*[USER_XMM_SIZE]byte)(asm.KernelPtr(cur.Thread.Sp0 - unsafe.Sizeof(asm.PtRegs{}) - USER_XMM_SIZE))
	// The user's FS and GS bases (Linux copy_thread: save_fsgs(current)
	// first, then the parent's, or CLONE_SETTLS's).
	save_fsgs(cur)
	t.Thread.Fsbase, t.Thread.Gsbase = cur.Thread.Fsbase, cur.Thread.Gsbase
	if args.Flags&CLONE_SETTLS != 0 {
		t.Thread.Fsbase = args.Tls
	}
}

// Tasklist_lock guards the task list, the pids, and every task's
// parent, children and sibling links (Linux tasklist_lock, an rwlock
// taken for writing with interrupts off). Walks that act on what they
// find (kill(-1) and kill of a group, /proc's pid list, the RLIMIT_NPROC
// count, setpgid's and the tty's group lookups) hold it around
// For_each_process, as Linux's hold it for reading: a walk without it
// that stands on a task as its reaper unlinks it stops early, and a
// kill(-1) racing a fork may miss the child. Linux's readers that only
// look a task up do so under rcu_read_lock, which keeps the task_struct
// from being freed until they are done; gokern has no RCU, so a lookup
// by pid either holds Tasklist_lock across its use of the task (kill,
// tgkill) or takes a reference under it (Find_get_task_by_pid, then
// Put_task_struct): a task is unlinked under the lock, and freed at its
// last reference.
var Tasklist_lock = asm.Spinlock_t{Owner_cpu: -1, Name: "tasklist_lock"}

// CPU_MASK_ALL: every CPU (Linux CPU_MASK_ALL).
const CPU_MASK_ALL = ^uint64(0)

// alloc_pid hands out the next free pid (Linux alloc_pid), with
// Tasklist_lock held.
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
// find_task_by_pid_ns). Pid 0 is init_task. The caller holds
// Tasklist_lock across its use of the task, or knows it cannot go away
// (itself, init, a kernel thread it will stop); others take a reference:
// Find_get_task_by_pid.
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

// Find_get_task_by_pid returns the task with pid nr with a reference
// taken, or nil (Linux find_get_task_by_vpid); the caller drops it with
// Put_task_struct. The task may die meanwhile (Pid_alive says whether it
// is still on the task list) but its task_struct stays.
func Find_get_task_by_pid(nr int32) *Task_struct {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	t := Find_task_by_pid(nr)
	if t != nil {
		Get_task_struct(t)
	}
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	return t
}

// Get_task_struct takes a reference to t (Linux get_task_struct): t must
// be held already, by the caller's own reference or Tasklist_lock with t
// on the list.
//
//go:nosplit
func Get_task_struct(t *Task_struct) { atomic.AddInt32(&t.Usage, 1) }

// Put_task_struct drops a reference; the last one frees the task_struct
// (Linux put_task_struct → __put_task_struct → free_task). The task is
// off the task list by then: only its release drops the reference
// copy_process took. init_task is static and never freed.
func Put_task_struct(t *Task_struct) {
	if t == &Init_task {
		return
	}
	switch n := atomic.AddInt32(&t.Usage, -1); {
	case n == 0:
		s := t.Pid_successor
		task_struct_cachep.Free(t)
		if s != nil {
			Put_task_struct(s)
		}
	case n < 0:
		printk.Pr_err("BUG: put_task_struct of %s/%d with no reference left\n", printk.Str(t.Name()), printk.Int(t.Pid))
	}
}

// Pidfd_task returns, with a reference, the task that now leads the
// process whose leader was t when a pidfd was made for it: t, or the
// thread that took its place in an exec (Pid_successor), and so on.
func Pidfd_task(t *Task_struct) *Task_struct {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	for t.Pid_successor != nil {
		t = t.Pid_successor
	}
	Get_task_struct(t)
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	return t
}

// Pid_alive: t is still on the task list (Linux pid_alive), with
// Tasklist_lock held or t referenced.
func Pid_alive(t *Task_struct) bool { return t == &Init_task || !t.Unhashed }

// For_each_process calls fn for every task, init_task first (Linux
// for_each_process, which skips init_task; ps wants it). The caller
// holds Tasklist_lock for a walk that must see every task (above); fn
// then runs with interrupts off and must not sleep.
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

// clone's flags (include/uapi/linux/sched.h).
const (
	CSIGNAL              = 0x000000ff // the signal to send the parent at exit
	CLONE_VM             = 0x00000100
	CLONE_FS             = 0x00000200
	CLONE_FILES          = 0x00000400
	CLONE_SIGHAND        = 0x00000800
	CLONE_VFORK          = 0x00004000
	CLONE_PARENT         = 0x00008000
	CLONE_THREAD         = 0x00010000
	CLONE_SETTLS         = 0x00080000
	CLONE_PARENT_SETTID  = 0x00100000
	CLONE_CHILD_CLEARTID = 0x00200000
	CLONE_CHILD_SETTID   = 0x01000000
)

// SIGCHLD: what fork's child sends its parent at exit (Linux's x86
// number), the only exit signal wait4 reports without __WCLONE.
const SIGCHLD = 17

// Kernel_clone_args is what fork, vfork, clone and kernel_thread ask of
// kernel_clone (Linux struct kernel_clone_args).
type Kernel_clone_args struct {
	Flags       uint64 // CLONE_* (CSIGNAL's bits moved to Exit_signal)
	Exit_signal int32
	// Fn and Fn_arg: a kernel thread's function (Linux's fn, fn_arg);
	// nil for a user task, which returns to user mode as a copy of the
	// caller. Name names a kernel thread (empty: the creator's name).
	Fn     func(uintptr) int
	Fn_arg uintptr
	Name   string
	// Stack: the child's user stack pointer (clone's newsp; 0: the
	// parent's). Tls: the child's FS base with CLONE_SETTLS.
	Stack, Tls uint64
	// Parent_tid: where CLONE_PARENT_SETTID stores the child's id in
	// the parent's memory; Child_tid: where CLONE_CHILD_SETTID stores it
	// and CLONE_CHILD_CLEARTID clears it at the child's exit.
	Parent_tid, Child_tid uintptr
}

// Max_threads caps the tasks that may exist, idle tasks aside (Linux
// max_threads, /proc/sys/kernel/threads-max, set by set_max_threads in
// fork_init). Past it, fork fails with -EAGAIN: a fork bomb stops there
// instead of eating the memory the kernel needs.
var Max_threads int

// MIN_THREADS, MAX_THREADS: Linux's bounds of max_threads (kernel/fork.c;
// MAX_THREADS is FUTEX_TID_MASK).
const (
	MIN_THREADS = 20
	MAX_THREADS = 0x3fffffff
)

// Set_max_threads sizes Max_threads to the memory (Linux set_max_threads:
// the thread structures may use at most an eighth of RAM,
// totalram_pages * PAGE_SIZE / (8 * THREAD_SIZE), clamped to
// [MIN_THREADS, MAX_THREADS]). Pid numbers bound it too: one pid per task.
func Set_max_threads(totalram_pages uint64) {
	n := totalram_pages * asm.PAGE_SIZE / (8 * THREAD_SIZE)
	n = max(min(n, MAX_THREADS, PID_MAX-1), MIN_THREADS)
	Max_threads = int(n)
	// Linux fork_init: init's RLIMIT_NPROC and RLIMIT_SIGPENDING are
	// half of it, and every task inherits them (the caller, kernel_init,
	// already exists: it gets them too).
	for _, t := range [2]*Task_struct{&Init_task, Get_current()} {
		if t != nil {
			t.Rlim[uapi.RLIMIT_NPROC] = uapi.Rlimit64{Rlim_cur: n / 2, Rlim_max: n / 2}
			t.Rlim[uapi.RLIMIT_SIGPENDING] = t.Rlim[uapi.RLIMIT_NPROC]
		}
	}
}

// Copy_hooks: the parts of a process that live above the scheduler (the
// descriptor table and the fs_struct are fs's, which imports this
// package, DESIGN.md §1). kernel/exec sets them at boot. Each returns 0
// or a negative errno and undoes nothing of the others: Exit_* undo a
// successful copy.
var Copy_hooks struct {
	Copy_files func(clone_flags uint64, t *Task_struct) int
	Copy_fs    func(clone_flags uint64, t *Task_struct) int
	// Copy_sighand: the handlers, mask and process group, copied or, for
	// a thread, shared (kernel/signal Copy_sighand); it cannot fail.
	Copy_sighand func(parent, child *Task_struct, thread bool)
	Exit_files   func(t *Task_struct)
	Exit_fs      func(t *Task_struct)
}

// copy_mm gives a user task its address space (Linux copy_mm): the
// parent's, shared, with CLONE_VM (a thread, or vfork in Linux), else a
// copy-on-write copy (dup_mm). A kernel thread has none.
func copy_mm(clone_flags uint64, t *Task_struct) int {
	cur := Get_current()
	t.Mm, t.Active_mm = nil, nil
	if cur.Mm == nil {
		return 0
	}
	if clone_flags&CLONE_VM != 0 {
		mm.Mmget(cur.Mm)
		t.Mm, t.Active_mm = cur.Mm, cur.Mm
		return 0
	}
	// Under the parent's Mmap_lock: another thread of it may fault or
	// mmap on another CPU meanwhile (Linux dup_mmap: mmap_write_lock).
	Mmap_write_lock(cur.Mm)
	m, r := mm.Dup_mm(cur.Mm)
	Mmap_write_unlock(cur.Mm)
	if r != 0 {
		return r
	}
	t.Mm, t.Active_mm = m, m
	return 0
}

// check_clone_flags refuses the combinations Linux refuses (copy_process:
// a thread shares the signal handlers, which share the address space),
// and the flags gokern does not implement (logged once).
func check_clone_flags(f uint64) int {
	if f&CLONE_THREAD != 0 && f&CLONE_SIGHAND == 0 || f&CLONE_SIGHAND != 0 && f&CLONE_VM == 0 {
		return -asm.EINVAL
	}
	// A pidfd is a process's, not a thread's (Linux before 6.9's
	// PIDFD_THREAD), and clone's parent_tid argument holds either the
	// pidfd or the child's tid, not both (Linux kernel_clone, legacy
	// clone).
	if f&CLONE_PIDFD != 0 && f&(CLONE_THREAD|CLONE_DETACHED|CLONE_PARENT_SETTID) != 0 {
		return -asm.EINVAL
	}
	if f&^CLONE_SUPPORTED != 0 {
		report_unsupported_clone(f &^ CLONE_SUPPORTED)
		return -asm.EINVAL
	}
	return 0
}

// copy_process makes a new task from the current one (Linux
// copy_process): a task_struct with its own kernel stack, g and pid
// (dup_task_struct, alloc_pid); for a user task the descriptor table,
// the fs_struct and the address space, copied or shared as the flags say
// (copy_files, copy_fs, copy_mm), and the registers to return to user
// mode with (copy_thread); its place among its parent's children. It is
// TASK_NEW until wake_up_new_task. -EAGAIN past Max_threads, -ENOMEM
// when memory runs out, -EINVAL for flags it does not take; nothing is
// left of the task then.
func copy_process(args *Kernel_clone_args) (*Task_struct, int) {
	cur := Get_current()
	clone_flags := args.Flags
	if args.Fn == nil {
		if r := check_clone_flags(clone_flags); r != 0 {
			return nil, r
		}
		if cur.Mm == nil {
			// A kernel thread (a selftest's int $0x80) has no user
			// registers to copy.
			return nil, -uapi.EINVAL
		}
	}
	if Nr_threads >= Max_threads && Max_threads != 0 {
		Fork_refused++
		return nil, -uapi.EAGAIN
	}
	t := task_struct_cachep.Zalloc(mm.GFP_KERNEL)
	if t == nil {
		return nil, -asm.ENOMEM
	}
	if !alloc_thread_stack_node(t, THREAD_SIZE) {
		task_struct_cachep.Free(t)
		return nil, -asm.ENOMEM
	}
	t.State = TASK_NEW
	t.Usage = 1 // the release's (Release_task, free_task)
	t.Comm = cur.Comm
	t.Rlim = rlim_owner(cur).Rlim
	t.Cred = cur.Cred
	if args.Name != "" {
		Set_task_comm(t, args.Name)
	}
	// The nice value is inherited (Linux sched_fork keeps static_prio).
	t.Static_prio = cur.Static_prio
	t.Time_slice = task_timeslice(t)
	t.Cpu = cur.Cpu
	// The creator's CPUs; the idle task's children (rest_init's
	// kernel_init and kthreadd) get every CPU, as Linux's
	// sched_init_smp gives init the housekeeping CPUs once they are up.
	t.Cpus_mask = cur.Cpus_mask
	if cur.Flags&PF_IDLE != 0 {
		t.Cpus_mask = CPU_MASK_ALL
	}
	t.Pi_lock.Owner_cpu, t.Pi_lock.Name = -1, "task->pi_lock"
	t.Exit_signal = args.Exit_signal
	Init_completion(&t.Exited)
	mm.INIT_LIST_HEAD(&t.Children)
	if args.Fn != nil {
		t.Flags = PF_KTHREAD
		t.Threadfn, t.Data = args.Fn, args.Fn_arg
		fpu_clone(t, nil)
	} else {
		fpu_clone(t, cur)
		if r := copy_user_parts(clone_flags, t); r != 0 {
			put_task_stack(t)
			task_struct_cachep.Free(t)
			return nil, r
		}
	}
	copy_thread(t, args)
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	// A task made while the caller's group dies would miss exit_group's
	// SIGKILL: Zap_other_threads walks the threads under the siglock, so
	// the new one joins under it too, and not at all once the group is
	// exiting or the caller has SIGKILL pending (Linux copy_process:
	// "A fatal signal pending means that current will exit, so the new
	// thread can't slip out of an OOM kill (or normal SIGKILL)", then
	// -ERESTARTNOINTR).
	sh := cur.Sighand
	if args.Fn != nil {
		sh = nil // a kernel thread: no signals
	}
	if sh != nil {
		sh.Siglock.Spin_lock(0)
		if cur.Signal != nil && cur.Signal.Flags&SIGNAL_GROUP_EXIT != 0 || cur.Pending.Signal&(1<<(uapi.SIGKILL-1)) != 0 {
			sh.Siglock.Spin_unlock()
			Tasklist_lock.Spin_unlock_irqrestore(flags)
			exit_user_parts(t)
			put_task_stack(t)
			task_struct_cachep.Free(t)
			return nil, -uapi.ERESTARTNOINTR
		}
	}
	// RLIMIT_NPROC is checked here, under the lock that links the
	// child: checked before the copy, as it was, two forks of one user
	// (one preempted in the copy, or on two CPUs) each saw room for one
	// more, and the bomb of TestBusyboxForkBomb had 13 processes under
	// a limit of 12. Linux counts the child first (inc_rlimit_ucounts in
	// copy_creds), then checks, to the same effect.
	if args.Fn == nil && rlimit_nproc_exceeded(cur) {
		if sh != nil {
			sh.Siglock.Spin_unlock()
		}
		Tasklist_lock.Spin_unlock_irqrestore(flags)
		exit_user_parts(t)
		put_task_stack(t)
		task_struct_cachep.Free(t)
		Nr_refused_nproc++
		return nil, -uapi.EAGAIN
	}
	t.Pid = alloc_pid()
	if t.Pid < 0 {
		if sh != nil {
			sh.Siglock.Spin_unlock()
		}
		Tasklist_lock.Spin_unlock_irqrestore(flags)
		if args.Fn == nil {
			exit_user_parts(t)
		}
		put_task_stack(t)
		task_struct_cachep.Free(t)
		printk.Pr_warn("fork: no pid left\n")
		return nil, -uapi.EAGAIN
	}
	t.Tgid = t.Pid
	// CLONE_PARENT and CLONE_THREAD: the child is the caller's sibling
	// (Linux); a thread joins the caller's group and is on no children
	// list.
	parent := cur
	if clone_flags&(CLONE_PARENT|CLONE_THREAD) != 0 && cur.Real_parent != nil {
		parent = cur.Real_parent
	}
	t.Real_parent, t.Parent = parent, parent
	if clone_flags&CLONE_THREAD != 0 {
		join_thread_group(t, cur)
		if sh != nil {
			task_join_group_stop(t, cur)
		}
	} else {
		init_thread_group(t)
		mm.List_add_tail(&t.Sibling, &parent.Children)
	}
	if clone_flags&CLONE_CHILD_CLEARTID != 0 {
		t.Clear_child_tid = args.Child_tid
	}
	if clone_flags&CLONE_CHILD_SETTID != 0 && clone_flags&CLONE_VM == 0 {
		// A fork's child has its own (copy-on-write) memory: it stores
		// its pid there itself, in schedule_tail. glibc's fork() asks
		// for this (CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD).
		t.Set_child_tid = args.Child_tid
	}
	mm.List_add_tail(&t.Tasks, &Init_task.Tasks)
	Nr_threads++
	Total_forks++
	if sh != nil {
		sh.Siglock.Spin_unlock()
	}
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	return t, 0
}

// Total_forks counts the tasks made (Linux total_forks); Fork_refused the
// forks refused at Max_threads.
var Total_forks, Fork_refused uint64

// copy_user_parts is copy_process's middle for a user task: files, fs,
// mm, each undone if a later one fails.
func copy_user_parts(clone_flags uint64, t *Task_struct) int {
	h := &Copy_hooks
	if h.Copy_sighand != nil {
		h.Copy_sighand(Get_current(), t, clone_flags&CLONE_THREAD != 0)
	}
	if h.Copy_files != nil {
		if r := h.Copy_files(clone_flags, t); r != 0 {
			return r
		}
	}
	if h.Copy_fs != nil {
		if r := h.Copy_fs(clone_flags, t); r != 0 {
			if h.Exit_files != nil {
				h.Exit_files(t)
			}
			return r
		}
	}
	if r := copy_mm(clone_flags, t); r != 0 {
		if h.Exit_fs != nil {
			h.Exit_fs(t)
		}
		if h.Exit_files != nil {
			h.Exit_files(t)
		}
		return r
	}
	return 0
}

// exit_user_parts drops what copy_user_parts took (a fork that fails
// after it; exit_mm, exit_files and exit_fs at exit are the process
// layer's, which runs them before do_exit).
func exit_user_parts(t *Task_struct) {
	if t.Mm != nil {
		m := t.Mm
		t.Mm, t.Active_mm = nil, nil
		mm.Mmput(m)
	}
	if h := &Copy_hooks; h.Exit_fs != nil {
		h.Exit_fs(t)
	}
	if h := &Copy_hooks; h.Exit_files != nil {
		h.Exit_files(t)
	}
}

// Kernel_clone makes and starts a task and returns its pid, or a negative
// errno (Linux kernel_clone): copy_process, CLONE_PARENT_SETTID's store,
// wake_up_new_task; with CLONE_VFORK the caller then waits until the
// child has exec'd or exited (Linux wait_for_vfork_done), which is all
// vfork promises.
func Kernel_clone(args *Kernel_clone_args) int {
	// CLONE_PIDFD: the descriptor is made and its number stored before
	// the child exists, and installed once it does (Linux copy_process:
	// pidfd_prepare, put_user, fd_install at the end).
	pidfd, pidfile := -1, uintptr(0)
	if args.Flags&CLONE_PIDFD != 0 {
		if r := check_clone_flags(args.Flags); r != 0 {
			return r
		}
		if Pidfd_hooks.Prepare == nil {
			return -asm.EINVAL
		}
		var r int
		if pidfd, pidfile, r = Pidfd_hooks.Prepare(); r != 0 {
			return r
		}
		if asm.Put_user(int32(pidfd), args.Parent_tid) != 0 {
			Pidfd_hooks.Abort(pidfd, pidfile)
			return -asm.EFAULT
		}
	}
	t, r := copy_process(args)
	if r != 0 {
		if pidfile != 0 {
			Pidfd_hooks.Abort(pidfd, pidfile)
		}
		return r
	}
	if pidfile != 0 {
		Pidfd_hooks.Install(pidfd, pidfile, t)
	}
	pid := t.Pid
	if args.Flags&CLONE_PARENT_SETTID != 0 {
		asm.Put_user(uint32(pid), args.Parent_tid)
	}
	if args.Flags&CLONE_CHILD_SETTID != 0 {
		// With CLONE_VM the child's memory is the caller's, and the store
		// is made here, before the child runs; without it the child makes
		// it (Set_child_tid, schedule_tail), as Linux does for both.
		if args.Flags&CLONE_VM != 0 {
			asm.Put_user(uint32(pid), args.Child_tid)
		}
	}
	if args.Flags&CLONE_VFORK != 0 {
		// Linux keeps the completion on the parent's stack; a Go pointer
		// to a stack variable stored in a task would move it to the heap,
		// so the parent's task_struct holds it.
		cur := Get_current()
		Init_completion(&cur.Vfork)
		t.Vfork_done = &cur.Vfork
	}
	wake_up_new_task(t)
	if args.Flags&CLONE_VFORK != 0 {
		Wait_for_completion(&Get_current().Vfork)
	}
	return int(pid)
}

// Pidfd_hooks: clone's CLONE_PIDFD reaches the pidfd code (kernel/exec
// pid.go, which has the files; DESIGN.md §1's hooks): Prepare reserves a
// descriptor and makes its file, with no task yet; Install gives the
// file the new task (a reference) and installs the descriptor; Abort
// undoes Prepare.
var Pidfd_hooks struct {
	Prepare func() (fd int, file uintptr, err int)
	Install func(fd int, file uintptr, t *Task_struct)
	Abort   func(fd int, file uintptr)
}

// Mm_release tells a vfork parent that its child no longer uses its
// memory (Linux mm_release → complete_vfork_done): at exec and at exit.
func Mm_release(t *Task_struct) {
	if d := t.Vfork_done; d != nil {
		t.Vfork_done = nil
		Complete(d)
	}
}

// Kernel_thread starts fn(arg) as a new kernel thread named name (the
// creator's name if empty) and returns its pid, or -1 (Linux
// kernel_thread → kernel_clone → copy_process, wake_up_new_task).
func Kernel_thread(fn func(uintptr) int, arg uintptr, name string) int32 {
	args := Kernel_clone_args{Fn: fn, Fn_arg: arg, Name: name}
	t, r := copy_process(&args)
	if r != 0 {
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
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	unlink_task(t)
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	Put_task_struct(t)
}
