package signal

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
)

// The interval timers of setitimer(2) and getitimer(2). Linux:
// kernel/time/itimer.c (sys_setitimer, sys_getitimer, get_cpu_itimer,
// set_cpu_itimer) with posix-cpu-timers.c's set_process_cpu_timer. Two
// of the three are served: ITIMER_PROF, which the Go runtime arms for
// runtime/pprof's CPU profile (SIGPROF), and ITIMER_VIRTUAL (SIGVTALRM),
// both on the process's CPU time as the tick counts it
// (Signal_struct.Cputime_prof, Cputime_virt), fired from the tick by
// run_posix_cpu_timers (posix_cpu_timers.go). ITIMER_REAL, a wall-clock
// timer, is not: -EINVAL.

// x86-64 numbers (syscall_64.tbl).
const (
	X__NR_getitimer = 36
	X__NR_setitimer = 38
)

// setitimer's which (include/uapi/linux/time.h).
const (
	ITIMER_REAL    = 0
	ITIMER_VIRTUAL = 1
	ITIMER_PROF    = 2
)

// Kernel_old_timeval is struct __kernel_old_timeval.
type Kernel_old_timeval struct {
	Tv_sec, Tv_usec int64
}

// Kernel_old_itimerval is struct __kernel_old_itimerval: the period
// first, then the time left.
type Kernel_old_itimerval struct {
	It_interval, It_value Kernel_old_timeval
}

const (
	nsec_per_usec = 1000
	usec_per_sec  = 1000000
	nsec_per_sec  = 1000000000
)

// timeval_valid: a timeval setitimer accepts (Linux timeval_valid):
// seconds not negative, microseconds within [0, 1000000).
func timeval_valid(tv *Kernel_old_timeval) bool {
	return tv.Tv_sec >= 0 && tv.Tv_usec >= 0 && tv.Tv_usec < usec_per_sec
}

func timeval_to_ns(tv *Kernel_old_timeval) uint64 {
	return uint64(tv.Tv_sec)*nsec_per_sec + uint64(tv.Tv_usec)*nsec_per_usec
}

// ns_to_timeval: microseconds, rounded down (Linux
// ns_to_kernel_old_timeval).
func ns_to_timeval(ns uint64) Kernel_old_timeval {
	return Kernel_old_timeval{int64(ns / nsec_per_sec), int64(ns % nsec_per_sec / nsec_per_usec)}
}

// which_clock maps ITIMER_PROF and ITIMER_VIRTUAL to their clock and
// signal; false for any other which.
func which_clock(which int) (clock int, sig int, ok bool) {
	switch which {
	case ITIMER_PROF:
		return sched.CPUCLOCK_PROF, uapi.SIGPROF, true
	case ITIMER_VIRTUAL:
		return sched.CPUCLOCK_VIRT, uapi.SIGVTALRM, true
	}
	return 0, 0, false
}

// cpu_clock_sample_group is the group's CPU clock now, in ns (Linux
// cpu_clock_sample_group).
func cpu_clock_sample_group(sig *sched.Signal_struct, clock int) uint64 {
	if clock == sched.CPUCLOCK_PROF {
		return atomic.LoadUint64(&sig.Cputime_prof)
	}
	return atomic.LoadUint64(&sig.Cputime_virt)
}

// get_cpu_itimer reads a CPU timer as time left and period (Linux
// get_cpu_itimer): one already due but not yet fired has a tick left.
func get_cpu_itimer(tsk *sched.Task_struct, clock int) (val, interval uint64) {
	sh, flags := lock_task_sighand(tsk)
	it := &tsk.Signal.It[clock]
	val, interval = it.Expires, it.Incr
	if val != 0 {
		if t := cpu_clock_sample_group(tsk.Signal, clock); val < t {
			val = ktime.TICK_NSEC // about to fire
		} else {
			val -= t
		}
	}
	unlock_task_sighand(sh, flags)
	return val, interval
}

// set_cpu_itimer arms (nval > 0) or disarms a CPU timer and returns
// what it was (Linux set_cpu_itimer and set_process_cpu_timer): the
// time given is relative and made absolute on the group's clock, one
// tick later, since the tick that counts the first nanosecond may be
// almost over (Linux adds TICK_NSEC).
func set_cpu_itimer(tsk *sched.Task_struct, clock int, nval, ninterval uint64) (oval, ointerval uint64) {
	sh, flags := lock_task_sighand(tsk)
	it := &tsk.Signal.It[clock]
	oval, ointerval = it.Expires, it.Incr
	if oval != 0 || nval != 0 {
		if nval > 0 {
			nval += ktime.TICK_NSEC
		}
		now := cpu_clock_sample_group(tsk.Signal, clock)
		if oval != 0 {
			if oval <= now {
				oval = ktime.TICK_NSEC // just about to fire
			} else {
				oval -= now
			}
		}
		if nval != 0 {
			nval += now
		}
	}
	atomic.StoreUint64(&it.Expires, nval)
	it.Incr = ninterval
	unlock_task_sighand(sh, flags)
	return oval, ointerval
}

// do_getitimer (Linux do_getitimer).
func do_getitimer(which int, value *Kernel_old_itimerval) int {
	clock, _, ok := which_clock(which)
	if !ok {
		return -uapi.EINVAL
	}
	val, interval := get_cpu_itimer(sched.Get_current(), clock)
	value.It_value, value.It_interval = ns_to_timeval(val), ns_to_timeval(interval)
	return 0
}

// sys_getitimer: getitimer(which, value).
func sys_getitimer(r *asm.PtRegs) int64 {
	var v Kernel_old_itimerval
	if e := do_getitimer(int(int32(a1(r))), &v); e != 0 {
		return int64(e)
	}
	if !copy_out(a2(r), &v) {
		return -uapi.EFAULT
	}
	return 0
}

// sys_setitimer: setitimer(which, value, ovalue). A NULL value disarms
// the timer, as Linux still allows (with a warning there); a NULL
// ovalue is not written.
func sys_setitimer(r *asm.PtRegs) int64 {
	var v Kernel_old_itimerval
	if a2(r) != 0 {
		if !copy_in(&v, a2(r)) {
			return -uapi.EFAULT
		}
		if !timeval_valid(&v.It_value) || !timeval_valid(&v.It_interval) {
			return -uapi.EINVAL
		}
	}
	clock, _, ok := which_clock(int(int32(a1(r))))
	if !ok {
		return -uapi.EINVAL
	}
	oval, ointerval := set_cpu_itimer(sched.Get_current(), clock, timeval_to_ns(&v.It_value), timeval_to_ns(&v.It_interval))
	if a3(r) != 0 {
		o := Kernel_old_itimerval{It_interval: ns_to_timeval(ointerval), It_value: ns_to_timeval(oval)}
		if !copy_out(a3(r), &o) {
			return -uapi.EFAULT
		}
	}
	return 0
}
