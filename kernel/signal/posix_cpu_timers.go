package signal

import (
	"sync/atomic"

	"gokern/include/uapi"
	"gokern/kernel/sched"
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
