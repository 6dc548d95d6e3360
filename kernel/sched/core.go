package sched

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/include/uapi"
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
// Locking (SMP): each CPU has its own Rq with its own lock, rq.Lock
// (Linux rq->__lock, a raw spinlock), taken with interrupts off, since
// the tick and wake-ups from interrupt handlers change the queue too.
// Whoever changes a queue, a task's On_rq or its Cpu holds that rq's
// lock; moving a task between CPUs holds both (double_rq_lock, lower CPU
// first). A wake-up first takes the task's Pi_lock, so two wakers of one
// task are serialised (Linux try_to_wake_up). __schedule holds the lock
// across the context switch; the next task releases it in
// finish_task_switch, so that no other CPU sees a task half switched.
// Lock order: a wait queue's lock, then Pi_lock, then rq locks.

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
	// Lock guards the queue, Nr_running, Curr and the tasks' On_rq and
	// Cpu (Linux rq->__lock).
	Lock asm.Spinlock_t
	// push_task: the task __schedule took off this CPU because its
	// affinity no longer allows it here; finish_task_switch moves it to a
	// CPU it may use once it is off this one (Linux: the stopper's
	// migration_cpu_stop → move_queued_task).
	push_task *Task_struct
	// Counters for the SMP tests and SysRq: remote wake-ups queued here
	// by another CPU (Linux ttwu_count and its remote part in schedstats),
	// tasks pulled here by the idle CPU's balance (pull_rt_task) and
	// pushed away by an affinity change.
	Nr_ttwu_remote, Nr_pulled, Nr_pushed uint64
}

// TASK_ON_RQ_QUEUED and TASK_ON_RQ_MIGRATING: On_rq's values (Linux
// kernel/sched/sched.h): a migrating task is on no queue and its Cpu is
// about to change; task_rq_lock waits until it is queued again.
const (
	TASK_ON_RQ_QUEUED    = 1
	TASK_ON_RQ_MIGRATING = 2
)

// raw_spin_rq_lock and raw_spin_rq_unlock take and release rq's lock,
// interrupts already off (Linux raw_spin_rq_lock). Without the preempt
// count (Do_raw_spin_lock): __schedule takes it in one task and
// finish_task_switch releases it in the next.
//
//go:nosplit
func raw_spin_rq_lock(rq *Rq) { rq.Lock.Do_raw_spin_lock(0) }

//go:nosplit
func raw_spin_rq_unlock(rq *Rq) { rq.Lock.Do_raw_spin_unlock() }

// __task_rq_lock locks the run queue p is on, interrupts already off
// (Linux __task_rq_lock): p may move between reading p.Cpu and getting
// the lock, so it checks again, and waits out a migration.
func __task_rq_lock(p *Task_struct) *Rq {
	for {
		rq := task_rq(p)
		raw_spin_rq_lock(rq)
		if rq == task_rq(p) && atomic.LoadInt32(&p.On_rq) != TASK_ON_RQ_MIGRATING {
			return rq
		}
		raw_spin_rq_unlock(rq)
		asm.Cpu_relax()
	}
}

// double_rq_lock locks two run queues, the lower CPU first, so that two
// CPUs locking the same pair never wait for each other (Linux
// double_rq_lock); interrupts already off.
func double_rq_lock(a, b *Rq) {
	if a == b {
		raw_spin_rq_lock(a)
		return
	}
	if a.Cpu > b.Cpu {
		a, b = b, a
	}
	raw_spin_rq_lock(a)
	raw_spin_rq_lock(b)
}

func double_rq_unlock(a, b *Rq) {
	raw_spin_rq_unlock(a)
	if a != b {
		raw_spin_rq_unlock(b)
	}
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

// Nr_context_switches sums the online CPUs' switches (Linux
// nr_context_switches).
func Nr_context_switches() uint64 {
	n := uint64(0)
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			n += atomic.LoadUint64(&Cpu_rq(cpu).Nr_switches)
		}
	}
	return n
}

// Nr_running is the number of runnable tasks on the online CPUs (Linux
// nr_running, kernel/sched/core.c). Only an online CPU has a run queue
// for certain: a CPU that is not possible has no per-CPU area at all.
func Nr_running() uint64 {
	n := uint64(0)
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			n += uint64(atomic.LoadUint32(&Cpu_rq(cpu).Nr_running))
		}
	}
	return n
}

//go:nosplit
func this_rq() *Rq { return asm.This_cpu_ptr(Runqueues) }

//go:nosplit
func task_rq(p *Task_struct) *Rq { return asm.Per_cpu_ptr(Runqueues, int(atomic.LoadInt32(&p.Cpu))) }

// init_rq makes rq an empty queue for cpu.
func init_rq(rq *Rq, cpu int) {
	rq.Cpu = cpu
	mm.INIT_LIST_HEAD(&rq.Queue)
	rq.Lock.Owner_cpu = -1
	rq.Lock.Name = "rq->__lock"
}

// enqueue_task puts p at the tail of rq's queue (Linux enqueue_task →
// enqueue_task_rt → __enqueue_rt_entity, list_add_tail).
func enqueue_task(rq *Rq, p *Task_struct) {
	mm.List_add_tail(&p.Run_list, &rq.Queue)
	atomic.AddUint32(&rq.Nr_running, 1)
	atomic.StoreInt32(&p.On_rq, TASK_ON_RQ_QUEUED)
	atomic.StoreInt32(&p.Cpu, int32(rq.Cpu))
	if p.Time_slice == 0 {
		p.Time_slice = task_timeslice(p)
	}
}

// dequeue_task takes p off rq's queue (Linux dequeue_task_rt).
func dequeue_task(rq *Rq, p *Task_struct) {
	mm.List_del(&p.Run_list)
	atomic.AddUint32(&rq.Nr_running, ^uint32(0))
	atomic.StoreInt32(&p.On_rq, 0)
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
		// Work here, or a queue elsewhere with a task waiting that this
		// idle CPU could pull (Linux's periodic balance, trigger_load_balance).
		return rq.Nr_running > 0 || rt_overloaded(rq)
	}
	if p.Time_slice > 0 {
		p.Time_slice--
	}
	if p.Time_slice > 0 {
		return false
	}
	p.Time_slice = task_timeslice(p)
	if p.On_rq == 0 || rq.Queue.Next == rq.Queue.Prev {
		return false
	}
	requeue_task(rq, p)
	return true
}

// set_tsk_need_resched, clear_tsk_need_resched, test_tsk_need_resched and
// need_resched: TIF_NEED_RESCHED (Linux include/linux/sched.h).
//
// Other CPUs set these bits too (a remote wake-up, a signal), so they
// change with LOCK-prefixed instructions (Linux set_bit).
//
//go:nosplit
func set_tsk_need_resched(p *Task_struct) { atomic.OrUint64(&p.Thread_info.Flags, 1<<TIF_NEED_RESCHED) }

//go:nosplit
func clear_tsk_need_resched(p *Task_struct) {
	atomic.AndUint64(&p.Thread_info.Flags, ^uint64(1<<TIF_NEED_RESCHED))
}

//go:nosplit
func test_tsk_need_resched(p *Task_struct) bool {
	return atomic.LoadUint64(&p.Thread_info.Flags)&(1<<TIF_NEED_RESCHED) != 0
}

// Need_resched reports whether the current task should call schedule().
//
//go:nosplit
func Need_resched() bool {
	c := Get_current()
	return c != nil && test_tsk_need_resched(c)
}

// resched_curr asks rq's CPU to reschedule (Linux resched_curr), with
// rq's lock held: TIF_NEED_RESCHED on its running task, and, on another
// CPU, the reschedule IPI (smp_send_reschedule), whose way out of the
// interrupt — or the idle loop it wakes from HLT — calls schedule()
// (Linux's scheduler_ipi has nothing more to do without a wake list).
func resched_curr(rq *Rq) {
	curr := rq.Curr
	if curr == nil || test_tsk_need_resched(curr) {
		return
	}
	set_tsk_need_resched(curr)
	if rq.Cpu != asm.Smp_processor_id() {
		smp_send_reschedule(rq.Cpu)
	}
}

// Kick_process makes p, if it runs on another CPU now, enter the kernel
// at once, through the reschedule IPI, so that it sees a signal just
// sent to it (Linux kick_process); the IPI's way out to user mode
// delivers it.
func Kick_process(p *Task_struct) {
	cpu := int(atomic.LoadInt32(&p.Cpu))
	if cpu != asm.Smp_processor_id() && atomic.LoadInt32(&p.On_cpu) != 0 && Cpu_rq(cpu).Curr == p {
		smp_send_reschedule(cpu)
	}
}

// smp_send_reschedule sends RESCHEDULE_VECTOR to cpu (Linux
// smp_send_reschedule → native_smp_send_reschedule), through the hook
// arch/amd64 sets with the other IPIs.
func smp_send_reschedule(cpu int) {
	if f := Arch.Smp_send_reschedule; f != nil {
		f(cpu)
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
	raw_spin_rq_lock(rq)
	rq.Clock_ticks++
	account_process_tick(rq.Curr)
	if task_tick_rr(rq, rq.Curr) {
		resched_curr(rq)
	}
	raw_spin_rq_unlock(rq)
}

// account_process_tick charges the tick to p's user or system time, by
// the mode the tick interrupted (Linux account_process_tick with
// user_tick = user_mode(get_irq_regs()), tick-based accounting).
// The tick is also charged to the group's CPU clocks, which the itimers
// ITIMER_PROF and ITIMER_VIRTUAL count (Linux account_group_user_time,
// account_group_system_time).
func account_process_tick(p *Task_struct) {
	user := false
	if f := Arch.Get_irq_regs; f != nil {
		if r := f(); r != nil && r.CS&3 != 0 {
			user = true
		}
	}
	if user {
		p.Utime++
	} else {
		p.Stime++
	}
	if s := p.Signal; s != nil {
		atomic.AddUint64(&s.Cputime_prof, ktime.TICK_NSEC)
		if user {
			atomic.AddUint64(&s.Cputime_virt, ktime.TICK_NSEC)
		}
	}
}

// activate_task makes p runnable on rq, whose lock is held; a task woken
// while the idle task runs takes the CPU at once (Linux activate_task +
// check_preempt_curr: an RT task of the same priority does not preempt
// another).
func activate_task(rq *Rq, p *Task_struct) {
	enqueue_task(rq, p)
	if rq.Curr == rq.Idle {
		resched_curr(rq)
	}
}

// set_task_cpu records that p will run on cpu (Linux set_task_cpu):
// with p off every queue, or with both queues locked.
func set_task_cpu(p *Task_struct, cpu int) {
	if int(p.Cpu) != cpu {
		p.Nr_migrations++
		atomic.StoreInt32(&p.Cpu, int32(cpu))
	}
}

// Try_to_wake_up wakes p if its state is one of those in state, and
// reports whether it did (Linux try_to_wake_up). Under p's Pi_lock:
//
//   - p still on its run queue (it set a sleeping state and is on its way
//     to schedule(), maybe on another CPU): it only gets TASK_RUNNING
//     back, under its queue's lock, and that CPU's schedule() keeps it
//     (ttwu_runnable). The wake-up is not lost.
//   - p off every queue: its old CPU may still be switching away from it
//     (On_cpu); the waker waits until it has (Linux
//     smp_cond_load_acquire(&p->on_cpu, !VAL)): only then is p's stack
//     free to run on another CPU. Then select_task_rq picks the CPU and
//     ttwu_queue puts p there, with a reschedule IPI if that CPU must
//     switch.
func Try_to_wake_up(p *Task_struct, state uint32) bool {
	flags := p.Pi_lock.Spin_lock_irqsave(0)
	if atomic.LoadUint32(&p.State)&state == 0 {
		p.Pi_lock.Spin_unlock_irqrestore(flags)
		return false
	}
	if ttwu_runnable(p) {
		p.Pi_lock.Spin_unlock_irqrestore(flags)
		return true
	}
	for atomic.LoadInt32(&p.On_cpu) != 0 {
		asm.Cpu_relax()
	}
	cpu := select_task_rq(p, int(p.Cpu))
	set_task_cpu(p, cpu)
	ttwu_queue(p, cpu)
	p.Pi_lock.Spin_unlock_irqrestore(flags)
	return true
}

// ttwu_runnable: p is still queued; make it running again (Linux
// ttwu_runnable).
func ttwu_runnable(p *Task_struct) bool {
	rq := __task_rq_lock(p)
	queued := p.On_rq != 0
	if queued {
		atomic.StoreUint32(&p.State, TASK_RUNNING)
	}
	raw_spin_rq_unlock(rq)
	return queued
}

// ttwu_queue puts the woken p on cpu's queue (Linux ttwu_queue →
// ttwu_do_activate; Linux may instead hand it to cpu through its wake
// list and the IPI, TTWU_QUEUE; gokern always locks the remote queue).
func ttwu_queue(p *Task_struct, cpu int) {
	rq := Cpu_rq(cpu)
	raw_spin_rq_lock(rq)
	atomic.StoreUint32(&p.State, TASK_RUNNING)
	activate_task(rq, p)
	if cpu != asm.Smp_processor_id() {
		rq.Nr_ttwu_remote++
	}
	raw_spin_rq_unlock(rq)
}

// Wake_up_process wakes a sleeping task (Linux wake_up_process).
func Wake_up_process(p *Task_struct) bool {
	return Try_to_wake_up(p, TASK_INTERRUPTIBLE|TASK_UNINTERRUPTIBLE)
}

// wake_up_new_task makes a new task runnable for the first time (Linux
// wake_up_new_task).
// wake_up_new_task makes a new task runnable for the first time (Linux
// wake_up_new_task): on the least loaded CPU it may use (select_task_rq,
// as Linux's fork balancing).
func wake_up_new_task(p *Task_struct) {
	flags := p.Pi_lock.Spin_lock_irqsave(0)
	cpu := select_task_rq(p, asm.Smp_processor_id())
	set_task_cpu(p, cpu)
	ttwu_queue(p, cpu)
	p.Pi_lock.Spin_unlock_irqrestore(flags)
}

// Set_current_state sets the running task's state (Linux
// set_current_state, smp_store_mb): an atomic store, XCHG, a full
// barrier, so that the sleeper's next read of its condition cannot pass
// the store, and a waker on another CPU that changed the condition sees
// the state.
//
//go:nosplit
func Set_current_state(state uint32) { atomic.StoreUint32(&Get_current().State, state) }

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
// an interrupt (Linux irqentry_exit → irqentry_exit_cond_resched) into
// kernel code. On the way to user mode the exit loop
// (kernel/signal's Exit_to_user_mode_loop, Linux exit_to_user_mode_loop)
// calls schedule() instead, with the signals, and reads the flags with
// interrupts off.
func Irqentry_exit_cond_resched(regs *asm.PtRegs) {
	c := Get_current()
	if c == nil || !Scheduler_running || !test_tsk_need_resched(c) || regs.CS&3 != 0 {
		return
	}
	if c.Thread_info.Preempt_count == 0 && !asm.Arch_irqs_disabled_flags(regs.Flags) {
		preempt_schedule_irq()
	}
}

// signal_pending_state: a task about to sleep in state has a signal that
// state lets wake it, so it must not sleep (Linux signal_pending_state):
// any signal for an interruptible sleep, SIGKILL for a stopped one (Linux's
// TASK_STOPPED includes TASK_WAKEKILL). Without it, a signal sent between
// a waiter's last look and its state change (signal_wake_up found it still
// running, so woke nobody) was lost: exit_group's SIGKILL reached a Go
// thread on its way into FUTEX_WAIT, which then slept for ever and kept
// its dead group's leader a zombie nobody could reap (the reaper/smp4
// hang).
func signal_pending_state(state uint32, p *Task_struct) bool {
	if state&(TASK_INTERRUPTIBLE|TASK_STOPPED) == 0 || !Task_signal_pending(p) {
		return false
	}
	return state&TASK_INTERRUPTIBLE != 0 || p.Pending.Signal&(1<<(uapi.SIGKILL-1)) != 0
}

// __schedule picks the next task and switches to it (Linux __schedule).
// preempt: the task is being preempted (it stays runnable whatever state
// it set: it was interrupted on its way to sleep, and will get there
// itself).
func __schedule(preempt bool) {
	asm.Local_irq_disable()
	rq := this_rq()
	raw_spin_rq_lock(rq)
	prev := rq.Curr
	clear_tsk_need_resched(prev)
	if !preempt && prev.State != TASK_RUNNING && signal_pending_state(prev.State, prev) {
		// A signal came before the sleep: the task stays runnable
		// and its wait returns to the signal (Linux __schedule).
		atomic.StoreUint32(&prev.State, TASK_RUNNING)
	}
	if !preempt && prev.State != TASK_RUNNING && prev.On_rq != 0 {
		dequeue_task(rq, prev)
	} else if prev != rq.Idle && prev.On_rq == TASK_ON_RQ_QUEUED && prev.Cpus_mask&(1<<uint(rq.Cpu)) == 0 {
		// Its affinity no longer has this CPU: off the queue now, to
		// another CPU once the switch is done (finish_task_switch).
		dequeue_task(rq, prev)
		atomic.StoreInt32(&prev.On_rq, TASK_ON_RQ_MIGRATING)
		rq.push_task = prev
	}
	if rq.Nr_running == 0 {
		// Nothing to run here: pull a waiting task from a busier CPU
		// (Linux newidle balance; for SCHED_RR, pull_rt_task).
		pull_rt_task(rq)
	}
	next := pick_next_task(rq)
	if next == prev {
		raw_spin_rq_unlock(rq)
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
	atomic.AddUint64(&rq.Nr_switches, 1)
	rq.Curr = next
	// Linux prepare_task: from here until finish_task_switch on this
	// CPU, next is on a CPU and no other CPU may run it.
	atomic.StoreInt32(&next.On_cpu, 1)
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
		next.Active_mm = leave_mm(prev)
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
//
// It keeps mm_cpumask (Cpu_bitmap): this CPU joins next's before its CR3
// can cache next's entries, so that a flush on another CPU that changes
// them finds it, and leaves prev's after (Linux switch_mm_irqs_off's
// cpumask_set_cpu, and the clear of lazy CPUs).
func Switch_mm(prev, next *mm.MmStruct) {
	if prev == next || next == nil {
		return
	}
	Nr_switch_mm++
	bit := uint64(1) << uint(asm.Smp_processor_id())
	if next != &mm.Init_mm {
		now := atomic.OrUint64(&next.Cpu_bitmap, bit) | bit
		atomic.OrUint64(&next.Cpus_ran, bit)
		for n := int32(bits.OnesCount64(now)); ; {
			m := atomic.LoadInt32(&next.Max_cpus)
			if n <= m || atomic.CompareAndSwapInt32(&next.Max_cpus, m, n) {
				break
			}
		}
	}
	asm.Write_cr3(uint64(next.Pgd))
	if prev != nil && prev != &mm.Init_mm {
		atomic.AndUint64(&prev.Cpu_bitmap, ^bit)
	}
}

// Mmap_write_lock and Mmap_write_unlock take and release m's Mmap_lock
// with preemption off (Linux mmap_write_lock, an rwsem; a spinlock here,
// since nothing under it sleeps: the lock of a process whose threads run
// on several CPUs). Page faults take it too (Linux takes mmap_read_lock
// there; gokern has one kind). Interrupts stay on: a CPU waiting here
// must still take the TLB shootdown of the holder.
func Mmap_write_lock(m *mm.MmStruct) {
	Preempt_disable()
	m.Mmap_lock.Spin_lock(0)
}

func Mmap_write_unlock(m *mm.MmStruct) {
	m.Mmap_lock.Spin_unlock()
	Preempt_enable()
}

// leave_mm drops a user address space this CPU no longer runs a task
// of, for init_mm's page tables (Linux leave_mm, which x86 does when a
// lazy CPU is told of a TLB flush). gokern calls it at every switch from
// a user task to a kernel thread: a CPU that kept another CPU's process's
// page tables loaded (lazy TLB) could walk them after that process freed
// them, and would miss that process's TLB shootdowns.
func leave_mm(prev *Task_struct) *mm.MmStruct {
	if prev.Active_mm != nil && prev.Active_mm != &mm.Init_mm {
		Switch_mm(prev.Active_mm, &mm.Init_mm)
	}
	return &mm.Init_mm
}

// Nr_switch_mm counts CR3 writes by switch_mm.
var Nr_switch_mm uint64

// finish_task_switch completes a switch on the new task's stack (Linux
// finish_task_switch): prev is off this CPU (On_cpu 0: another CPU may
// now run it), the run queue's lock that __schedule took is released,
// interrupts on again; then a task that died in the switch gives its
// stack back (put_task_stack, vfree, which may wait for the other CPUs'
// TLB shootdown: never with a lock held or interrupts off) before its
// On_cpu goes to 0 and its reaper may free it (an autoreaped one is
// freed here), and a task whose affinity excludes this CPU is moved.
func finish_task_switch(prev *Task_struct) {
	rq := this_rq()
	var stack uintptr
	autoreap := false
	if prev.State == TASK_DEAD {
		if prev != &Init_task {
			stack = prev.Stack
		}
		prev.Stack, prev.G_ptr = 0, 0
	}
	push := rq.push_task
	rq.push_task = nil
	dead := prev.State == TASK_DEAD
	if !dead {
		atomic.StoreInt32(&prev.On_cpu, 0)
	}
	raw_spin_rq_unlock(rq)
	asm.Native_irq_enable()
	if push != nil {
		push_task_away(rq, push)
	}
	if stack != 0 {
		mm.Vfree(asm.KernelPtr(stack))
	}
	if dead {
		// Only now may its reaper free it: its stack is gone (a dead
		// task is never woken or pulled, so nobody else waits for this).
		// Under tasklist_lock, against exit_notify deciding at that
		// moment that a group leader is autoreaped: either it sees
		// On_cpu 0 and frees it, or this sees autoreap.
		flags := Tasklist_lock.Spin_lock_irqsave(0)
		autoreap = prev.autoreap
		atomic.StoreInt32(&prev.On_cpu, 0)
		Tasklist_lock.Spin_unlock_irqrestore(flags)
		if autoreap {
			free_task(prev)
		}
	}
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
	t.Cpus_mask = 1 << uint(cpu)
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
	t.Usage = 1 // never released: an idle task lives as long as its CPU
	t.Stack, t.Stack_size, t.G_ptr = s.Begin, s.End-s.Begin, s.G
	t.Thread.Sp0 = s.End
	t.Active_mm = &mm.Init_mm
	t.Static_prio = DEFAULT_PRIO
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
	raw_spin_rq_lock(rq)
	if c := rq.Curr; c != rq.Idle && c.On_rq == TASK_ON_RQ_QUEUED {
		requeue_task(rq, c)
	}
	raw_spin_rq_unlock(rq)
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

// The nice values (include/linux/sched/prio.h): -20 to 19, priorities
// 100 to 139, nice 0 at DEFAULT_PRIO.
const (
	MAX_NICE      = 19
	MIN_NICE      = -20
	MAX_PRIO      = 140
	DEFAULT_PRIO  = 120
	MAX_USER_PRIO = 40
)

// Task_nice is p's nice value (Linux task_nice).
func Task_nice(p *Task_struct) int { return int(atomic.LoadInt32(&p.Static_prio)) - DEFAULT_PRIO }

// Set_user_nice gives p the nice value nice, clamped to [MIN_NICE,
// MAX_NICE] (Linux set_user_nice); its next slice is the new one's.
func Set_user_nice(p *Task_struct, nice int) {
	nice = min(max(nice, MIN_NICE), MAX_NICE)
	atomic.StoreInt32(&p.Static_prio, int32(DEFAULT_PRIO+nice))
}

// CAP_SYS_NICE: raise priorities, anyone's (Linux capability.h).
const CAP_SYS_NICE = 23

// Can_nice: may the current task give p the nice value nice, lower than
// its own (Linux can_nice): RLIMIT_NICE allows 20-nice, or
// CAP_SYS_NICE.
func Can_nice(p *Task_struct, nice int) bool {
	return uint64(20-nice) <= Rlimit(uapi.RLIMIT_NICE) || Capable(CAP_SYS_NICE)
}

// task_timeslice is p's slice by its nice value, as Linux 2.6's O(1)
// scheduler gave it (kernel/sched.c task_timeslice, SCALE_PRIO): 100 ms
// at nice 0, down to one tick (4 ms) at 19, up to 800 ms at -20 — on a
// round-robin queue the nicer task gets the smaller share. (CFS, since
// 2.6.23, weighs nice into virtual time instead.)
func task_timeslice(p *Task_struct) uint32 {
	const DEF_TIMESLICE = RR_TIMESLICE
	const MIN_TIMESLICE = max(5*ktime.HZ/1000, 1)
	prio := atomic.LoadInt32(&p.Static_prio)
	x := uint32(DEF_TIMESLICE)
	if prio < DEFAULT_PRIO {
		x *= 4
	}
	return max(x*uint32(MAX_PRIO-prio)/(MAX_USER_PRIO/2), MIN_TIMESLICE)
}
