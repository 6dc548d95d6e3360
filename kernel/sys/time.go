package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
)

// nanosleep and clock_nanosleep. Linux: kernel/time/hrtimer.c
// (hrtimer_nanosleep, do_nanosleep), posix-timers.c (clock_nanosleep).
// The clocks are kernel/time's timekeeping (the same the vDSO and
// clock_gettime read); the sleep is the scheduler's.

// The clock ids nanosleep takes (include/uapi/linux/time.h).
const (
	CLOCK_REALTIME           = 0
	CLOCK_MONOTONIC          = 1
	CLOCK_PROCESS_CPUTIME_ID = 2
	CLOCK_THREAD_CPUTIME_ID  = 3
	CLOCK_BOOTTIME           = 7
	TIMER_ABSTIME            = 1
)

// clock_ns reads clock clk in nanoseconds.
func clock_ns(clk int) uint64 {
	var ts ktime.Timespec64
	ktime.Posix_get_timespec(clk, &ts)
	return uint64(ts.Tv_sec)*NSEC_PER_SEC + uint64(ts.Tv_nsec)
}

func ns_to_timespec(ns uint64) Timespec {
	return Timespec{int64(ns / NSEC_PER_SEC), int64(ns % NSEC_PER_SEC)}
}

// do_nanosleep sleeps until clock clk reads deadline (nanoseconds), in
// the scheduler: TASK_INTERRUPTIBLE for the jiffies left, rounded up, so
// the tick's timer wakes it, never early (Linux hrtimer_nanosleep and
// do_nanosleep; gokern has the tick's resolution, 4 ms at HZ=250). A
// signal ends an absolute sleep with -ERESTARTNOHAND (a handler makes it
// -EINTR; otherwise the same call runs again), and a relative one with
// the time left at rmtp (unless 0) and -ERESTART_RESTARTBLOCK: a handler
// makes it -EINTR, and after a stop and SIGCONT restart_syscall goes on
// to the same deadline (nanosleep_restart).
func do_nanosleep(clk int, deadline uint64, rmtp uintptr, abs bool) int64 {
	for {
		now := clock_ns(clk)
		if now >= deadline {
			return 0
		}
		if sched.Signal_pending() {
			if abs {
				return -uapi.ERESTARTNOHAND
			}
			if rmtp != 0 {
				ts := ns_to_timespec(deadline - now)
				if err := copy_to_user_obj(rmtp, unsafe.Pointer(&ts), unsafe.Sizeof(ts)); err != 0 {
					return int64(err)
				}
			}
			sched.Get_current().Restart_block = sched.Restart_block{Fn: nanosleep_restart, Clockid: clk, Expires: deadline, Rmtp: rmtp}
			return -uapi.ERESTART_RESTARTBLOCK
		}
		j := int64((deadline - now + ktime.TICK_NSEC - 1) / ktime.TICK_NSEC)
		sched.Set_current_state(sched.TASK_INTERRUPTIBLE)
		sched.Schedule_timeout(j)
	}
}

// nanosleep_restart is restart_syscall's continuation of a relative
// sleep (Linux hrtimer_nanosleep_restart): on to the first deadline.
func nanosleep_restart(rb *sched.Restart_block) int64 {
	return do_nanosleep(rb.Clockid, rb.Expires, rb.Rmtp, false)
}

// sys_nanosleep: nanosleep(req, rem): -EINVAL for a bad timespec; rem,
// unless NULL, gets the time left when a signal interrupts.
func sys_nanosleep(r *asm.PtRegs) int64 {
	var req Timespec
	if err := get_timespec(&req, uintptr(a1(r))); err != 0 {
		return int64(err)
	}
	return do_nanosleep(CLOCK_MONOTONIC, clock_ns(CLOCK_MONOTONIC)+uint64(req.Tv_sec)*NSEC_PER_SEC+uint64(req.Tv_nsec), uintptr(a2(r)), false)
}

// sys_clock_nanosleep: clock_nanosleep(clockid, flags, req, rem) on
// CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME; TIMER_ABSTIME makes
// req a deadline (and rem unused). Sleeping on a CPU-time clock is
// -EOPNOTSUPP (Linux's answer for a thread's; a process's Linux
// supports, gokern not); an unknown clock -EINVAL.
func sys_clock_nanosleep(r *asm.PtRegs) int64 {
	clk, flags := int1(r), int2(r)
	switch clk {
	case CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID:
		return -uapi.EOPNOTSUPP
	default:
		return -asm.EINVAL
	}
	var req Timespec
	if err := get_timespec(&req, uintptr(a3(r))); err != 0 {
		return int64(err)
	}
	deadline := uint64(req.Tv_sec)*NSEC_PER_SEC + uint64(req.Tv_nsec)
	if flags&TIMER_ABSTIME == 0 {
		deadline += clock_ns(clk)
	}
	return do_nanosleep(clk, deadline, uintptr(a4(r)), flags&TIMER_ABSTIME != 0)
}
