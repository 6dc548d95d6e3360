package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/signal"
	ktime "gokern/kernel/time"
)

// The clock system calls: what the vDSO answers in user mode, and what
// it falls back to (a clock it does not read itself, or a counter user
// mode may not read). Linux: kernel/time/posix-timers.c
// (sys_clock_gettime, sys_clock_getres), kernel/time/time.c
// (sys_gettimeofday, sys_time), kernel/sys.c (sys_getcpu). The clocks
// are kernel/time's timekeeping, the same the vDSO reads.

// Kernel_old_timeval is struct __kernel_old_timeval (gettimeofday's).
type Kernel_old_timeval struct {
	Tv_sec, Tv_usec int64
}

// Timezone is struct timezone: gokern keeps UTC, as Linux does until
// settimeofday sets sys_tz.
type Timezone struct {
	Tz_minuteswest, Tz_dsttime int32
}

// put_timespec64 copies a timespec64 out (Linux put_timespec64).
func put_timespec64(ts *ktime.Timespec64, uts uint64) int64 {
	if asm.Copy_to_user(uintptr(uts), uintptr(unsafe.Pointer(ts)), unsafe.Sizeof(*ts)) != 0 {
		return -asm.EFAULT
	}
	return 0
}

// sys_clock_gettime(which, tp).
func sys_clock_gettime(r *asm.PtRegs) int64 {
	var ts ktime.Timespec64
	// The CPU-time clocks are the tasks' (Linux posix_cpu_clock_get).
	if ns, e, ok := signal.Posix_cpu_clock_get(int32(a1(r))); ok {
		if e != 0 {
			return int64(e)
		}
		ts = ktime.Ns_to_timespec64(int64(ns))
		return put_timespec64(&ts, a2(r))
	}
	if e := ktime.Posix_get_timespec(int(int32(a1(r))), &ts); e != 0 {
		return int64(e)
	}
	return put_timespec64(&ts, a2(r))
}

// sys_clock_getres(which, tp): tp may be NULL.
func sys_clock_getres(r *asm.PtRegs) int64 {
	var ts ktime.Timespec64
	if ns, e, ok := signal.Posix_cpu_clock_getres(int32(a1(r))); ok {
		if e != 0 {
			return int64(e)
		}
		ts = ktime.Ns_to_timespec64(int64(ns))
	} else if e := ktime.Posix_get_resolution(int(int32(a1(r))), &ts); e != 0 {
		return int64(e)
	}
	if a2(r) == 0 {
		return 0
	}
	return put_timespec64(&ts, a2(r))
}

// sys_gettimeofday(tv, tz): either may be NULL.
func sys_gettimeofday(r *asm.PtRegs) int64 {
	if tv := a1(r); tv != 0 {
		ts := ktime.Ktime_get_real_ts64()
		v := Kernel_old_timeval{ts.Tv_sec, ts.Tv_nsec / 1000}
		if asm.Copy_to_user(uintptr(tv), uintptr(unsafe.Pointer(&v)), unsafe.Sizeof(v)) != 0 {
			return -asm.EFAULT
		}
	}
	if tz := a2(r); tz != 0 {
		var z Timezone
		if asm.Copy_to_user(uintptr(tz), uintptr(unsafe.Pointer(&z)), unsafe.Sizeof(z)) != 0 {
			return -asm.EFAULT
		}
	}
	return 0
}

// sys_time(tloc): the seconds of CLOCK_REALTIME, also stored at tloc
// unless it is NULL (Linux's uses ktime_get_real_seconds).
func sys_time(r *asm.PtRegs) int64 {
	sec := ktime.Ktime_get_real_ts64().Tv_sec
	if t := a1(r); t != 0 {
		if asm.Put_user(sec, uintptr(t)) != 0 {
			return -asm.EFAULT
		}
	}
	return sec
}

// sys_getcpu(cpu, node, cache): the CPU the caller runs on and its
// node (0: one node); either pointer may be NULL.
func sys_getcpu(r *asm.PtRegs) int64 {
	if p := a1(r); p != 0 && asm.Put_user(uint32(asm.Smp_processor_id()), uintptr(p)) != 0 {
		return -asm.EFAULT
	}
	if p := a2(r); p != 0 && asm.Put_user(uint32(0), uintptr(p)) != 0 {
		return -asm.EFAULT
	}
	return 0
}
