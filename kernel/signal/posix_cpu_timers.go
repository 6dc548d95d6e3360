package signal

import (
	"sync/atomic"

	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
)

// Firing the process-wide CPU timers from the tick. Linux:
// kernel/time/posix-cpu-timers.c (run_posix_cpu_timers,
// fastpath_timer_check, check_process_timers, check_cpu_itimer): the
// itimers of setitimer (itimer.go) and timer_create's timers on the CPU
// clocks (posix_timers.go check_posix_cpu_timers); no RLIMIT_CPU.

// run_posix_cpu_timers checks the interrupted task's process timers
// after its tick has been charged (update_process_times, in the tick
// interrupt with interrupts off): each that is due sends its signal to
// the whole process, as from the kernel (SI_KERNEL), and is re-armed one
// period on or disarmed.
func run_posix_cpu_timers() {
	tsk := sched.Get_current()
	if !user_task(tsk) || tsk.Signal == nil {
		return
	}
	sig := tsk.Signal
	// fastpath_timer_check: nothing armed, nothing to lock.
	if atomic.LoadUint64(&sig.It[sched.CPUCLOCK_PROF].Expires) == 0 &&
		atomic.LoadUint64(&sig.It[sched.CPUCLOCK_VIRT].Expires) == 0 &&
		atomic.LoadUint32(&sig.Posix_cputimers_armed) == 0 {
		return
	}
	sh, flags := lock_task_sighand(tsk)
	if tsk.Exit_state == 0 {
		check_cpu_itimer(tsk, sched.CPUCLOCK_PROF, uapi.SIGPROF)
		check_cpu_itimer(tsk, sched.CPUCLOCK_VIRT, uapi.SIGVTALRM)
		if atomic.LoadUint32(&sig.Posix_cputimers_armed) != 0 {
			check_posix_cpu_timers(tsk)
		}
	}
	unlock_task_sighand(sh, flags)
}

// check_cpu_itimer fires one timer if the group's clock has reached it
// (Linux check_cpu_itimer: __group_send_sig_info(signo, SEND_SIG_PRIV)).
// Called with the siglock held.
func check_cpu_itimer(tsk *sched.Task_struct, clock, signo int) {
	it := &tsk.Signal.It[clock]
	if it.Expires == 0 || cpu_clock_sample_group(tsk.Signal, clock) < it.Expires {
		return
	}
	if it.Incr != 0 {
		atomic.StoreUint64(&it.Expires, it.Expires+it.Incr)
	} else {
		atomic.StoreUint64(&it.Expires, 0)
	}
	info := sched.Kernel_siginfo{Si_signo: int32(signo), Si_code: uapi.SI_KERNEL}
	send_signal_locked(signo, &info, tsk, true, false)
}

// The CPU-time clocks for clock_gettime and clock_getres (Linux
// posix_cpu_clock_get, posix_cpu_clock_getres, lookup_task). A clock id
// is CLOCK_PROCESS_CPUTIME_ID or CLOCK_THREAD_CPUTIME_ID (the caller's),
// or, negative, another task's as clock_getcpuclockid and
// pthread_getcpuclockid make it: ~pid << 3, bit 2 for a thread, the low
// two bits which clock (include/linux/posix-timers_types.h).
const (
	CPUCLOCK_SCHED          = 2
	CPUCLOCK_MAX            = 3
	CPUCLOCK_CLOCK_MASK     = 3
	CPUCLOCK_PERTHREAD_MASK = 4
)

// cpu_clock_decode: the pid (0 for the caller), whether it is a thread's
// clock, and which clock (CPUCLOCK_PROF, _VIRT or _SCHED) clock names;
// false if it names no CPU clock.
func cpu_clock_decode(clock int32) (pid int32, thread bool, which int, ok bool) {
	switch {
	case clock == 2: // CLOCK_PROCESS_CPUTIME_ID
		return 0, false, CPUCLOCK_SCHED, true
	case clock == 3: // CLOCK_THREAD_CPUTIME_ID
		return 0, true, CPUCLOCK_SCHED, true
	case clock < 0:
		which = int(clock & CPUCLOCK_CLOCK_MASK)
		return ^(clock >> 3), clock&CPUCLOCK_PERTHREAD_MASK != 0, which, which < CPUCLOCK_MAX
	}
	return 0, false, 0, false
}

// cpu_clock_task finds the task a CPU clock reads, with a reference
// (Linux lookup_task): the caller (its group's for a process clock), a
// thread of the caller's own process, or a process by its leader's pid
// (or the caller's own tid, for clock_gettime); nil otherwise.
func cpu_clock_task(pid int32, thread, gettime bool) *sched.Task_struct {
	cur := sched.Get_current()
	if pid == 0 {
		sched.Get_task_struct(cur)
		return cur
	}
	p := sched.Find_get_task_by_pid(pid)
	if p == nil {
		return nil
	}
	switch {
	case thread && p.Signal == cur.Signal,
		!thread && gettime && p == cur,
		!thread && sched.Thread_group_leader(p):
		return p
	}
	sched.Put_task_struct(p)
	return nil
}

// Posix_cpu_clock_get reads a CPU-time clock in ns into tp: the thread's
// ticks or its process's (every thread's, the exited ones' too), user
// and system for CPUCLOCK_PROF and _SCHED, user for _VIRT. 0, or -EINVAL
// for a clock of no task the caller may read; ok false if clock is no
// CPU clock at all. gokern charges CPU time a tick at a time
// (account_process_tick), so the clocks move in steps of 1/HZ where
// Linux's _SCHED clock counts every nanosecond run (sum_exec_runtime).
func Posix_cpu_clock_get(clock int32) (ns uint64, err int, ok bool) {
	pid, thread, which, valid := cpu_clock_decode(clock)
	if !valid {
		return 0, -uapi.EINVAL, clock < 0
	}
	p := cpu_clock_task(pid, thread, true)
	if p == nil {
		return 0, -uapi.EINVAL, true
	}
	switch {
	case thread && which == sched.CPUCLOCK_VIRT:
		ns = atomic.LoadUint64(&p.Utime) * ktime.TICK_NSEC
	case thread:
		ns = (atomic.LoadUint64(&p.Utime) + atomic.LoadUint64(&p.Stime)) * ktime.TICK_NSEC
	case p.Signal == nil:
		ns = 0
	case which == sched.CPUCLOCK_VIRT:
		ns = cpu_clock_sample_group(p.Signal, sched.CPUCLOCK_VIRT)
	default:
		ns = cpu_clock_sample_group(p.Signal, sched.CPUCLOCK_PROF)
	}
	sched.Put_task_struct(p)
	return ns, 0, true
}

// Posix_cpu_clock_getres is a CPU-time clock's resolution: a tick, how
// often gokern charges CPU time (Linux says 1 ns for its _SCHED clock,
// which is that precise, and a tick for the others). -EINVAL as
// Posix_cpu_clock_get's; ok false if clock is no CPU clock.
func Posix_cpu_clock_getres(clock int32) (ns uint64, err int, ok bool) {
	pid, thread, _, valid := cpu_clock_decode(clock)
	if !valid {
		return 0, -uapi.EINVAL, clock < 0
	}
	p := cpu_clock_task(pid, thread, false)
	if p == nil {
		return 0, -uapi.EINVAL, true
	}
	sched.Put_task_struct(p)
	return ktime.TICK_NSEC, 0, true
}
