package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/kernel/cpumask"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/printk"
)

// The core scheduler. Linux: kernel/sched/core.c (struct rq's use:
// scheduler_tick, resched_curr, try_to_wake_up, wake_up_process,
// wake_up_new_task, __schedule, schedule, preempt_schedule_irq,
// context_switch, finish_task_switch, schedule_tail, sched_init,
// init_idle), kernel/sched/rt.c (SCHED_RR: enqueue_task_rt,
// requeue_task_rt, task_tick_rt, pick_next_task_rt) and
// kernel/sched/sched.h (struct rq).
//
// One policy, round robin, as SCHED_RR at a single priority: every
// runnable task waits on its CPU's queue in arrival order; the tick takes
// a tick off the running task's time slice, and when the slice is used up
// the task goes to the tail and TIF_NEED_RESCHED is set, so that the way
// out of the interrupt switches to the head of the queue. The idle task
// is on no queue: it runs when the queue is empty.
//
// Locking: one CPU runs today, so the run queue is protected by turning
// interrupts off (what raw_spin_rq_lock_irqsave does on top of the lock).
// Each CPU has its own Rq, indexed by CPU number, so that the smp work
// adds only the lock and the remote wake-up.

// Rq is a CPU's run queue (Linux struct rq, with struct rt_rq's queue).
type Rq struct {
	Cpu        int
	Nr_running uint32 // tasks on Queue (the running one included, not the idle task)
	// Queue: the runnable tasks in the order they will run; the running
	// task stays at its place until its slice ends or it sleeps (Linux
	// rt_prio_array.queue[prio]).
	Queue       mm.ListHead
	Curr, Idle  *Task_struct
	Nr_switches uint64
	// Clock_ticks counts scheduler ticks (Linux rq->clock, in ticks).
	Clock_ticks uint64
	// prev is the task the last context switch left (what Linux's
	// switch_to returns as `last`), for finish_task_switch.
	prev *Task_struct
}

// Runqueues holds each CPU's run queue, a per-CPU variable that
// sched_init allocates (Linux DEFINE_PER_CPU_SHARED_ALIGNED runqueues).
var Runqueues asm.Ptr[Rq]

// Scheduler_running is set once sched_init has made the boot CPU's flow
// the idle task and the tick may call into the scheduler.
var Scheduler_running bool

// Cpu_rq, this_rq, task_rq: Linux's macros of the same names.
//
//go:nosplit
func Cpu_rq(cpu int) *Rq { return asm.Per_cpu_ptr(Runqueues, cpu) }

// Nr_running is the number of runnable tasks on the online CPUs (Linux
// nr_running, kernel/sched/core.c). Only an online CPU has a run queue
// for certain: a CPU that is not possible has no per-CPU area at all.
func Nr_running() uint64 {
	n := uint64(0)
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			n += uint64(Cpu_rq(cpu).Nr_running)
		}
	}
	return n
}

//go:nosplit
func this_rq() *Rq { return asm.This_cpu_ptr(Runqueues) }

//go:nosplit
func task_rq(p *Task_struct) *Rq { return asm.Per_cpu_ptr(Runqueues, int(p.Cpu)) }

// init_rq makes rq an empty queue for cpu.
func init_rq(rq *Rq, cpu int) {
	rq.Cpu = cpu
	mm.INIT_LIST_HEAD(&rq.Queue)
}

// enqueue_task puts p at the tail of rq's queue (Linux enqueue_task →
// enqueue_task_rt → __enqueue_rt_entity, list_add_tail).
func enqueue_task(rq *Rq, p *Task_struct) {
	mm.List_add_tail(&p.Run_list, &rq.Queue)
	rq.Nr_running++
	p.On_rq = 1
	p.Cpu = int32(rq.Cpu)
	if p.Time_slice == 0 {
		p.Time_slice = RR_TIMESLICE
	}
}

// dequeue_task takes p off rq's queue (Linux dequeue_task_rt).
func dequeue_task(rq *Rq, p *Task_struct) {
	mm.List_del(&p.Run_list)
	rq.Nr_running--
	p.On_rq = 0
}

// requeue_task moves p to the tail of rq's queue (Linux requeue_task_rt).
func requeue_task(rq *Rq, p *Task_struct) {
	mm.List_del(&p.Run_list)
	mm.List_add_tail(&p.Run_list, &rq.Queue)
}

// pick_next_task returns the task to run next: the head of the queue, or
// the idle task when nothing is runnable (Linux pick_next_task, the RT
// class then the idle class).
func pick_next_task(rq *Rq) *Task_struct {
	if mm.List_empty(&rq.Queue) {
		return rq.Idle
	}
	return tasklist_entry(rq.Queue.Next, runListOffset)
}

// task_tick_rr is one tick of the running task p (Linux task_tick_rt for
// SCHED_RR): it reports whether p must give up the CPU — its slice is
// used up and another task waits. The used-up slice is refilled and p
// goes to the tail, as Linux does, also when nothing else waits (then it
// simply carries on).
func task_tick_rr(rq *Rq, p *Task_struct) bool {
	p.Sum_exec_ticks++
	if p == rq.Idle {
		return rq.Nr_running > 0
	}
	if p.Time_slice > 0 {
		p.Time_slice--
	}
	if p.Time_slice > 0 {
		return false
	}
	p.Time_slice = RR_TIMESLICE
	if p.On_rq == 0 || rq.Queue.Next == rq.Queue.Prev {
		return false
	}
	requeue_task(rq, p)
	return true
}

// set_tsk_need_resched, clear_tsk_need_resched, test_tsk_need_resched and
// need_resched: TIF_NEED_RESCHED (Linux include/linux/sched.h).
//
//go:nosplit
func set_tsk_need_resched(p *Task_struct) { p.Thread_info.Flags |= 1 << TIF_NEED_RESCHED }

//go:nosplit
func clear_tsk_need_resched(p *Task_struct) { p.Thread_info.Flags &^= 1 << TIF_NEED_RESCHED }

//go:nosplit
func test_tsk_need_resched(p *Task_struct) bool {
	return p.Thread_info.Flags&(1<<TIF_NEED_RESCHED) != 0
}

// Need_resched reports whether the current task should call schedule().
//
//go:nosplit
func Need_resched() bool {
	c := Get_current()
	return c != nil && test_tsk_need_resched(c)
}

// resched_curr asks rq's CPU to reschedule (Linux resched_curr; on
// another CPU it would send the reschedule IPI).
func resched_curr(rq *Rq) {
	if rq.Curr != nil {
		set_tsk_need_resched(rq.Curr)
	}
}

// Scheduler_tick is the scheduler's part of the tick (Linux
// scheduler_tick, from update_process_times): in interrupt context, with
// interrupts off.
func Scheduler_tick() {
	if !Scheduler_running {
		return
	}
	rq := this_rq()
	if rq.Curr == nil {
		// A CPU with no idle task of its own (an AP whose Fork_idle
		// failed).
		return
	}
	rq.Clock_ticks++
	account_process_tick(rq.Curr)
	if task_tick_rr(rq, rq.Curr) {
		resched_curr(rq)
	}
}

// account_process_tick charges the tick to p's user or system time, by
// the mode the tick interrupted (Linux account_process_tick with
// user_tick = user_mode(get_irq_regs()), tick-based accounting).
func account_process_tick(p *Task_struct) {
	if f := Arch.Get_irq_regs; f != nil {
		if r := f(); r != nil && r.CS&3 != 0 {
			p.Utime++
			return
		}
	}
	p.Stime++
}

// activate_task makes p runnable on rq; a task woken while the idle task
// runs takes the CPU at once (Linux activate_task + check_preempt_curr:
// an RT task of the same priority does not preempt another).
func activate_task(rq *Rq, p *Task_struct) {
	enqueue_task(rq, p)
	if rq.Curr == rq.Idle {
		resched_curr(rq)
	}
}

// Try_to_wake_up wakes p if its state is one of those in state, and
// reports whether it did (Linux try_to_wake_up). A task that set a
// sleeping state but has not left the run queue yet (it is on its way to
// schedule()) only gets TASK_RUNNING back, so its schedule() keeps it:
// the wake-up is not lost.
func Try_to_wake_up(p *Task_struct, state uint32) bool {
	flags := asm.Arch_local_irq_save()
	if p.State&state == 0 {
		asm.Arch_local_irq_restore(flags)
		return false
	}
	p.State = TASK_RUNNING
	if p.On_rq == 0 {
		activate_task(task_rq(p), p)
	}
	asm.Arch_local_irq_restore(flags)
	return true
}

// Wake_up_process wakes a sleeping task (Linux wake_up_process).
func Wake_up_process(p *Task_struct) bool {
	return Try_to_wake_up(p, TASK_INTERRUPTIBLE|TASK_UNINTERRUPTIBLE)
}

// wake_up_new_task makes a new task runnable for the first time (Linux
// wake_up_new_task).
func wake_up_new_task(p *Task_struct) {
	flags := asm.Arch_local_irq_save()
	p.State = TASK_RUNNING
	activate_task(this_rq(), p)
	asm.Arch_local_irq_restore(flags)
}

// Set_current_state sets the running task's state (Linux
// set_current_state; its barrier is a compiler barrier here, the call).
//
//go:nosplit
func Set_current_state(state uint32) { Get_current().State = state }

// Preempt_disable and Preempt_enable nest; while the count is above 0 an
// interrupt never switches tasks (Linux preempt_disable, preempt_enable
// → preempt_schedule). Preempt_count is the current task's count.
//
//go:nosplit
func Preempt_disable() { Get_current().Thread_info.Preempt_count++ }

func Preempt_enable() {
	c := Get_current()
	c.Thread_info.Preempt_count--
	if c.Thread_info.Preempt_count == 0 && test_tsk_need_resched(c) && !asm.Arch_irqs_disabled_flags(asm.Native_save_fl()) {
		preempt_schedule()
	}
}

//go:nosplit
func Preempt_count() int32 { return Get_current().Thread_info.Preempt_count }

// preempt_schedule: preempt_enable found a reschedule pending (Linux
// preempt_schedule).
func preempt_schedule() {
	c := Get_current()
	for test_tsk_need_resched(c) {
		c.Thread_info.Preempt_count++
		__schedule(true)
		c.Thread_info.Preempt_count--
	}
}

// Schedule gives the CPU to the next task (Linux schedule). The running
// task either set a sleeping state first (it leaves the run queue until
// woken) or stays runnable (it runs again in its turn).
func Schedule() {
	c := Get_current()
	if c.Thread_info.Preempt_count != 0 {
		printk.Pr_err("BUG: scheduling while atomic: %s/%d/0x%08x\n", printk.Str(c.Name()), printk.Int(c.Pid), printk.Int(c.Thread_info.Preempt_count))
	}
	__schedule(false)
}

// preempt_schedule_irq: the way out of an interrupt into kernel code
// found TIF_NEED_RESCHED with a preempt count of 0 (Linux
// preempt_schedule_irq). Interrupts are off and stay off around it, on
// again during the switch.
func preempt_schedule_irq() {
	c := Get_current()
	for test_tsk_need_resched(c) {
		c.Thread_info.Preempt_count++
		asm.Native_irq_enable()
		__schedule(true)
		asm.Local_irq_disable()
		c.Thread_info.Preempt_count--
	}
}

// Irqentry_exit_cond_resched is the entry code's hook on the way out of
// an interrupt (Linux irqentry_exit → irqentry_exit_cond_resched for
// kernel mode, exit_to_user_mode_loop's schedule() for user mode).
func Irqentry_exit_cond_resched(regs *asm.PtRegs) {
	c := Get_current()
	if c == nil || !Scheduler_running || !test_tsk_need_resched(c) {
		return
	}
	if regs.CS&3 != 0 {
		// Back to user mode: nothing of the kernel's is interrupted.
		asm.Native_irq_enable()
		Schedule()
		asm.Local_irq_disable()
		return
	}
	if c.Thread_info.Preempt_count == 0 && !asm.Arch_irqs_disabled_flags(regs.Flags) {
		preempt_schedule_irq()
	}
}

// __schedule picks the next task and switches to it (Linux __schedule).
// preempt: the task is being preempted (it stays runnable whatever state
// it set: it was interrupted on its way to sleep, and will get there
// itself).
func __schedule(preempt bool) {
	asm.Local_irq_disable()
	rq := this_rq()
	prev := rq.Curr
	clear_tsk_need_resched(prev)
	if !preempt && prev.State != TASK_RUNNING && prev.On_rq != 0 {
		dequeue_task(rq, prev)
	}
	next := pick_next_task(rq)
	if next == prev {
		asm.Native_irq_enable()
		return
	}
	// Voluntary: the task gave the CPU up to sleep. A runnable task
	// that leaves — preempted, yielding, or rescheduled on its way back to
	// user mode — is an involuntary switch (Linux __schedule's
	// switch_count: nvcsw only for a task with a sleeping state).
	if preempt || prev.State == TASK_RUNNING {
		prev.Nivcsw++
	} else {
		prev.Nvcsw++
	}
	rq.Nr_switches++
	rq.Curr = next
	last := context_switch(rq, prev, next)
	finish_task_switch(last)
}

// context_switch switches the address space, then the stack and registers
// (Linux context_switch). A kernel thread has no mm of its own and keeps
// the one its CPU has (lazy TLB): switching between kernel threads never
// writes CR3. It returns, on prev's stack when prev runs again, the task
// that ran just before.
func context_switch(rq *Rq, prev, next *Task_struct) *Task_struct {
	if next.Mm == nil {
		next.Active_mm = prev.Active_mm
	} else {
		Switch_mm(prev.Active_mm, next.Mm)
		next.Active_mm = next.Mm
	}
	if prev.Mm == nil && prev != next {
		// Linux drops the borrowed mm in finish_task_switch (mmdrop);
		// gokern counts no references yet.
		prev.Active_mm = nil
	}
	rq.prev = prev
	X__switch_to(prev, next)
	return this_rq().prev
}

// Switch_mm loads next's page tables if they differ from prev's (Linux
// switch_mm_irqs_off: CR3; no PCID, so the TLB's non-global entries go).
func Switch_mm(prev, next *mm.MmStruct) {
	if prev == next || next == nil {
		return
	}
	Nr_switch_mm++
	asm.Write_cr3(uint64(next.Pgd))
}

// Nr_switch_mm counts CR3 writes by switch_mm.
var Nr_switch_mm uint64

// finish_task_switch completes a switch on the new task's stack (Linux
// finish_task_switch): interrupts on again, and a task that died in the
// switch gives its stack back (put_task_stack), now that nothing runs on
// it.
//
// A dead prev is settled before On_cpu is cleared and interrupts come
// back on: once On_cpu is 0 its waiter may reap and free it (Linux reads
// prev_state before finish_task clears on_cpu). Clearing On_cpu first let
// a tick preempt this function after it, the parent's wait4 free the
// zombie, and this function then free it a second time (a fork bomb's
// children oopsed in free_task).
func finish_task_switch(prev *Task_struct) {
	Get_current().On_cpu = 1
	if prev.State == TASK_DEAD {
		put_task_stack(prev)
		if prev.Exit_state == EXIT_DEAD {
			free_task(prev) // autoreaped: nobody will wait4 for it
		} else {
			prev.On_cpu = 0
		}
	} else {
		prev.On_cpu = 0
	}
	asm.Native_irq_enable()
}

// schedule_tail is a new task's first step (Linux schedule_tail, called
// from ret_from_fork_asm): the end of the switch that started it.
func schedule_tail() {
	finish_task_switch(this_rq().prev)
	if c := Get_current(); c.Set_child_tid != 0 {
		// A bad address is the child's problem, as in Linux: the store
		// fails through put_user's fixup and the child runs on.
		asm.Put_user(uint32(c.Pid), c.Set_child_tid)
	}
}

// ret_from_fork runs a new task on its own stack, called from
// ret_from_fork_asm: the end of its first switch, then a kernel thread's
// function and exit with what it returned; fork's child returns, to leave
// for user mode (Linux arch/x86/kernel/process.c ret_from_fork:
// schedule_tail, then the function in BX with the argument in R12, then
// do_exit through kthread()).
func ret_from_fork() {
	schedule_tail()
	c := Get_current()
	if c.Threadfn == nil {
		return // fork's child: to user mode (ret_from_fork_asm)
	}
	Do_exit(c.Threadfn(c.Data))
}

// Sched_init sets the scheduler up on the boot CPU (Linux sched_init):
// the run queues, and the code running now — start_kernel on the boot
// stack — becomes init_task, pid 0, the boot CPU's idle task. The entry
// code and the tick get their hooks.
func Sched_init() {
	Runqueues = asm.Alloc_percpu[Rq]()
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if asm.X__per_cpu_offset[cpu] != 0 { // a possible CPU
			init_rq(Cpu_rq(cpu), cpu)
		}
	}
	init_task_setup()
	Init_idle(&Init_task, 0)
	entry.Ret_from_fork_hook = ret_from_fork
	entry.Irqentry_exit_hook = Irqentry_exit_cond_resched
	ktime.Scheduler_tick_hook = Scheduler_tick
	set_wait_hooks()
	task_cachep_init()
	Scheduler_running = true
	printk.Pr_info("sched_init: init_task pid 0 (%s) is CPU 0's idle task on the boot stack %#x-%#x; round robin, %d ticks (%d ms) a slice\n",
		printk.Str(Init_task.Name()), printk.Int(Init_task.Stack), printk.Int(Init_task.Stack+Init_task.Stack_size-1),
		printk.Int(RR_TIMESLICE), printk.Int(RR_TIMESLICE*1000/ktime.HZ))
}

// Init_idle makes t cpu's idle task and its current task (Linux
// init_idle; __set_task_cpu and the per-CPU current).
func Init_idle(t *Task_struct, cpu int) {
	rq := Cpu_rq(cpu)
	t.State = TASK_RUNNING
	t.Flags |= PF_IDLE | PF_KTHREAD
	// The idle task runs with preemption off: it gives the CPU up itself,
	// in schedule_idle (Linux init_idle_preempt_count).
	t.Thread_info.Preempt_count = 1
	t.Cpu = int32(cpu)
	t.On_cpu = 1
	rq.Idle = t
	rq.Curr = t
	var name [TASK_COMM_LEN]byte
	n := printk.Snprintf(name[:], "swapper/%d", printk.Int(cpu))
	Set_task_comm(t, unsafe.String(&name[0], n))
	if cpu == asm.Smp_processor_id() {
		p := asm.This_cpu()
		p.Current_task = uintptr(unsafe.Pointer(t))
		p.Task_stack = task_stack_info(t)
	}
}

// Fork_idle makes cpu's idle task, swapper/cpu, pid 0, for an AP about to
// start: its flow will run on the stack s, with s's g (Linux fork_idle,
// from idle_threads_init: copy_process, then init_idle). The AP makes it
// current with Idle_task_start.
func Fork_idle(cpu int, s *asm.Stack_info) *Task_struct {
	t := task_struct_cachep.Zalloc(mm.GFP_KERNEL)
	if t == nil {
		return nil
	}
	t.Stack, t.Stack_size, t.G_ptr = s.Begin, s.End-s.Begin, s.G
	t.Thread.Sp0 = s.End
	t.Active_mm = &mm.Init_mm
	t.Time_slice = RR_TIMESLICE
	mm.INIT_LIST_HEAD(&t.Tasks)
	mm.INIT_LIST_HEAD(&t.Run_list)
	Init_completion(&t.Exited)
	Init_idle(t, cpu)
	return t
}

// Idle_task_start is an AP's first step in the scheduler: its idle task
// (Fork_idle) becomes the current task (Linux: start_secondary already
// runs as it, current being set by do_boot_cpu).
func Idle_task_start() {
	t := this_rq().Idle
	if t == nil {
		return
	}
	p := asm.This_cpu()
	p.Current_task = uintptr(unsafe.Pointer(t))
	p.Task_stack = task_stack_info(t)
}

// Schedule_idle is the idle loop's schedule (Linux schedule_idle).
func Schedule_idle() { __schedule(false) }

// Cond_resched switches if the tick asked for it (Linux cond_resched).
func Cond_resched() {
	if Need_resched() && Preempt_count() == 0 {
		__schedule(true)
	}
}

// Yield puts the current task at the tail of its queue and schedules
// (Linux sched_yield → yield_task_rt).
func Yield() {
	flags := asm.Arch_local_irq_save()
	rq := this_rq()
	if c := rq.Curr; c != rq.Idle && c.On_rq != 0 {
		requeue_task(rq, c)
	}
	asm.Arch_local_irq_restore(flags)
	Schedule()
}

// Schedule_preempt_disabled schedules from a flow that runs with
// preemption disabled, as the boot CPU's does until it idles (Linux
// schedule_preempt_disabled).
func Schedule_preempt_disabled() {
	c := Get_current()
	c.Thread_info.Preempt_count--
	Schedule()
	c.Thread_info.Preempt_count++
}
