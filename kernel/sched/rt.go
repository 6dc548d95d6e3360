package sched

import (
	"math/bits"
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/cpumask"
)

// Spreading tasks over the CPUs. Linux: kernel/sched/rt.c, the SCHED_RR
// class gokern's one policy follows (select_task_rq_rt → find_lowest_rq,
// pull_rt_task, rt_overloaded), and kernel/sched/core.c (select_task_rq,
// select_fallback_rq, move_queued_task, __set_cpus_allowed_ptr). Every
// task has one priority, so "the lowest run queue" is the one with the
// fewest runnable tasks, and a CPU is "overloaded" when a task waits on
// it behind the running one.

// select_task_rq picks the CPU a woken or new task p is to run on (Linux
// select_task_rq → select_task_rq_rt/find_lowest_rq): among the online
// CPUs of its Cpus_mask, the one with the fewest runnable tasks, prev (the
// CPU it last ran on, cache-warm) on a tie. With no allowed CPU online it
// may run on any (Linux select_fallback_rq).
func select_task_rq(p *Task_struct, prev int) int {
	online := cpumask.Cpu_online_mask.Bits()
	if online == 0 {
		return prev // before the boot CPU is marked online
	}
	allowed := p.Cpus_mask & online
	if allowed == 0 {
		allowed = online
	}
	best, load := -1, ^uint32(0)
	if prev >= 0 && prev < asm.NR_CPUS && allowed&(1<<uint(prev)) != 0 {
		best, load = prev, rq_load(Cpu_rq(prev))
	}
	for m := allowed; m != 0 && load != 0; m &= m - 1 {
		cpu := bits.TrailingZeros64(m)
		if l := rq_load(Cpu_rq(cpu)); l < load {
			best, load = cpu, l
		}
	}
	return best
}

// rq_load: the tasks that want rq's CPU, read without its lock (a hint).
//
//go:nosplit
func rq_load(rq *Rq) uint32 { return atomic.LoadUint32(&rq.Nr_running) }

// rt_overloaded reports whether another online CPU has a task waiting
// behind its running one, which this idle CPU could take (Linux
// rt_overloaded, read from the root domain's rto_mask).
func rt_overloaded(this *Rq) bool {
	for m := cpumask.Cpu_online_mask.Bits() &^ (1 << uint(this.Cpu)); m != 0; m &= m - 1 {
		if rq_load(Cpu_rq(bits.TrailingZeros64(m))) >= 2 {
			return true
		}
	}
	return false
}

// pull_rt_task: this CPU has nothing to run; take a waiting task from the
// busiest other CPU (Linux pull_rt_task, newidle balance). Called by
// __schedule with this rq's lock held; it may drop and retake that lock
// to take the other in CPU order (Linux double_lock_balance), so it
// checks again that this queue is still empty.
func pull_rt_task(this *Rq) {
	var busiest *Rq
	most := uint32(1)
	for m := cpumask.Cpu_online_mask.Bits() &^ (1 << uint(this.Cpu)); m != 0; m &= m - 1 {
		rq := Cpu_rq(bits.TrailingZeros64(m))
		if l := rq_load(rq); l > most {
			busiest, most = rq, l
		}
	}
	if busiest == nil {
		return
	}
	if busiest.Cpu < this.Cpu {
		raw_spin_rq_unlock(this)
		raw_spin_rq_lock(busiest)
		raw_spin_rq_lock(this)
	} else {
		raw_spin_rq_lock(busiest)
	}
	if this.Nr_running == 0 {
		for l := busiest.Queue.Next; l != &busiest.Queue; l = l.Next {
			p := tasklist_entry(l, runListOffset)
			// Not the running task, nor one still switching out
			// (On_cpu), and one allowed here.
			if p == busiest.Curr || atomic.LoadInt32(&p.On_cpu) != 0 || p.Cpus_mask&(1<<uint(this.Cpu)) == 0 {
				continue
			}
			dequeue_task(busiest, p)
			set_task_cpu(p, this.Cpu)
			enqueue_task(this, p)
			this.Nr_pulled++
			break
		}
	}
	raw_spin_rq_unlock(busiest)
}

// push_task_away moves p, which src's CPU may no longer run (its
// affinity changed), to a CPU it may: p is off every queue and off its
// CPU (On_rq MIGRATING, so wake-ups wait for it). Linux: move_queued_task
// from migration_cpu_stop.
func push_task_away(src *Rq, p *Task_struct) {
	dest := Cpu_rq(select_task_rq(p, -1))
	flags := asm.Arch_local_irq_save()
	double_rq_lock(src, dest)
	set_task_cpu(p, dest.Cpu)
	activate_task(dest, p)
	src.Nr_pushed++
	double_rq_unlock(src, dest)
	asm.Arch_local_irq_restore(flags)
}

// Set_cpus_allowed_ptr sets the CPUs p may run on (Linux
// set_cpus_allowed_ptr → __set_cpus_allowed_ptr): -EINVAL when
// new_mask has no online CPU. A queued task that may no longer stay where
// it is moves at once if it is not running; a running one is told to
// reschedule, and its CPU moves it after the switch (__schedule,
// finish_task_switch).
func Set_cpus_allowed_ptr(p *Task_struct, new_mask uint64) int {
	if new_mask&cpumask.Cpu_online_mask.Bits() == 0 || p.Flags&PF_IDLE != 0 {
		return -uapi.EINVAL
	}
	flags := p.Pi_lock.Spin_lock_irqsave(0)
	rq := __task_rq_lock(p)
	p.Cpus_mask = new_mask
	var dest *Rq
	if new_mask&(1<<uint(rq.Cpu)) == 0 && p.On_rq == TASK_ON_RQ_QUEUED {
		if rq.Curr == p || atomic.LoadInt32(&p.On_cpu) != 0 {
			resched_curr(rq)
		} else {
			dequeue_task(rq, p)
			atomic.StoreInt32(&p.On_rq, TASK_ON_RQ_MIGRATING)
			dest = rq
		}
	}
	raw_spin_rq_unlock(rq)
	if dest != nil {
		push_task_away(dest, p)
	}
	p.Pi_lock.Spin_unlock_irqrestore(flags)
	return 0
}
