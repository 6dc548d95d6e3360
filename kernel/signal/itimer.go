package signal

import (
	"sync/atomic"
	"unsafe"

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
// run_posix_cpu_timers (posix_cpu_timers.go). ITIMER_REAL counts down
// CLOCK_MONOTONIC on an hrtimer (Signal_struct.Real_timer, kernel/time
// hrtimer.go: a tick's resolution) and sends SIGALRM to the process;
// alarm(2) is ITIMER_REAL in whole seconds.

// x86-64 numbers (syscall_64.tbl).
const (
	X__NR_getitimer = 36
	X__NR_alarm     = 37
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
	if which == ITIMER_REAL {
		tsk := sched.Get_current()
		sh, flags := lock_task_sighand(tsk)
		val := itimer_get_remtime(&tsk.Signal.Real_timer)
		interval := tsk.Signal.It_real_incr
		unlock_task_sighand(sh, flags)
		value.It_value, value.It_interval = ns_to_timeval(val), ns_to_timeval(interval)
		return 0
	}
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
	var oval, ointerval uint64
	if which := int(int32(a1(r))); which == ITIMER_REAL {
		oval, ointerval = do_setitimer_real(sched.Get_current(), timeval_to_ns(&v.It_value), timeval_to_ns(&v.It_interval))
	} else {
		clock, _, ok := which_clock(which)
		if !ok {
			return -uapi.EINVAL
		}
		oval, ointerval = set_cpu_itimer(sched.Get_current(), clock, timeval_to_ns(&v.It_value), timeval_to_ns(&v.It_interval))
	}
	if a3(r) != 0 {
		o := Kernel_old_itimerval{It_interval: ns_to_timeval(ointerval), It_value: ns_to_timeval(oval)}
		if !copy_out(a3(r), &o) {
			return -uapi.EFAULT
		}
	}
	return 0
}

// itimer_get_remtime is the time an hrtimer has left, in ns (Linux
// itimer_get_remtime): 0 when it is not active; 1 us when it is due or
// firing, so that an armed timer never reads as disarmed.
func itimer_get_remtime(h *ktime.Hrtimer) uint64 {
	if !ktime.Hrtimer_active(h) {
		return 0
	}
	if rem := ktime.Hrtimer_get_remaining(h); rem > 0 {
		return uint64(rem)
	}
	return nsec_per_usec
}

// signal_of_real_timer is the signal_struct whose Real_timer h is
// (Linux container_of(timer, struct signal_struct, real_timer)).
func signal_of_real_timer(h *ktime.Hrtimer) *sched.Signal_struct {
	return (*sched.Signal_struct)(unsafe.Add(unsafe.Pointer(h), -int(unsafe.Offsetof(sched.Signal_struct{}.Real_timer))))
}

// signal_owner is the task whose task_struct holds sig: the group's
// leader (gokern keeps a group's signal_struct in its leader's
// Sig_storage; End_group_exec moves it with the leader's place).
func signal_owner(sig *sched.Signal_struct) *sched.Task_struct {
	return (*sched.Task_struct)(unsafe.Add(unsafe.Pointer(sig), -int(unsafe.Offsetof(sched.Task_struct{}.Sig_storage)+unsafe.Offsetof(sched.Task_signal{}.Signal))))
}

// it_real_fn is ITIMER_REAL's expiry (Linux it_real_fn): SIGALRM to the
// process, from the kernel (SEND_SIG_PRIV: si_code SI_KERNEL), and no
// restart here: a periodic timer is started again when the SIGALRM is
// dequeued (itimer_real_rearm), as Linux does, so that a process that
// does not take its signals is not sent a stream of them.
func it_real_fn(h *ktime.Hrtimer) int {
	tsk := signal_owner(signal_of_real_timer(h))
	sh, flags := lock_task_sighand(tsk)
	info := sched.Kernel_siginfo{Si_signo: uapi.SIGALRM, Si_code: uapi.SI_KERNEL}
	send_signal_locked(uapi.SIGALRM, &info, tsk, true, false)
	unlock_task_sighand(sh, flags)
	return ktime.HRTIMER_NORESTART
}

// itimer_real_rearm starts a periodic ITIMER_REAL again when a SIGALRM
// is taken off the group's pending set (Linux dequeue_signal's "itimer
// signal ?" block): a whole number of periods after its last expiry,
// the first of them after now. Called with the siglock held.
func itimer_real_rearm(sig *sched.Signal_struct) {
	h := &sig.Real_timer
	if h.Function == nil || ktime.Hrtimer_is_queued(h) || sig.It_real_incr == 0 {
		return
	}
	ktime.Hrtimer_forward(h, ktime.Ktime_get_ns(), sig.It_real_incr)
	ktime.Hrtimer_start(h, h.Expires)
}

// do_setitimer_real arms ITIMER_REAL to fire value ns from now, then
// every interval ns (0: once), or disarms it (value 0), and returns the
// time it had left and its period (Linux do_setitimer's ITIMER_REAL
// case: the timer is cancelled under the siglock it_real_fn takes, and
// when it_real_fn runs just then, the siglock is dropped until it ends).
func do_setitimer_real(tsk *sched.Task_struct, value, interval uint64) (oval, ointerval uint64) {
	for {
		sh, flags := lock_task_sighand(tsk)
		sig := tsk.Signal
		h := &sig.Real_timer
		if h.Function == nil {
			ktime.Hrtimer_init(h, it_real_fn)
		}
		oval, ointerval = itimer_get_remtime(h), sig.It_real_incr
		if ktime.Hrtimer_try_to_cancel(h) < 0 {
			unlock_task_sighand(sh, flags)
			ktime.Hrtimer_cancel_wait_running(h)
			continue
		}
		if value != 0 {
			sig.It_real_incr = interval
			ktime.Hrtimer_start(h, ktime.Ktime_get_ns()+value)
		} else {
			sig.It_real_incr = 0
		}
		unlock_task_sighand(sh, flags)
		return oval, ointerval
	}
}

// sys_alarm: alarm(seconds) is ITIMER_REAL for that many seconds, once,
// and answers the seconds the previous alarm had left, rounded to the
// nearest second but never 0 for an alarm still pending (Linux
// alarm_setitimer).
func sys_alarm(r *asm.PtRegs) int64 {
	seconds := uint64(uint32(a1(r)))
	oval, _ := do_setitimer_real(sched.Get_current(), seconds*nsec_per_sec, 0)
	return int64(alarm_seconds(oval))
}

// alarm_seconds rounds the ns an alarm had left as alarm_setitimer does:
// to the nearest second, half up, and a remainder under a second to 1.
func alarm_seconds(ns uint64) uint64 {
	sec, nsec := ns/nsec_per_sec, ns%nsec_per_sec
	if (sec == 0 && nsec != 0) || nsec >= nsec_per_sec/2 {
		sec++
	}
	return sec
}
