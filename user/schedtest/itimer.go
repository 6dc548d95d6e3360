package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// itimerval is struct __kernel_old_itimerval: the period, then the
// time left.
type itimerval struct {
	interval, value syscall.Timeval
}

const (
	itimerReal    = 0
	itimerVirtual = 1
	itimerProf    = 2
)

func setitimer(which int, v, old *itimerval) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_SETITIMER, uintptr(which), uintptr(unsafe.Pointer(v)), uintptr(unsafe.Pointer(old)))
	return e
}

func getitimer(which int, v *itimerval) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_GETITIMER, uintptr(which), uintptr(unsafe.Pointer(v)), 0)
	return e
}

func tvDur(tv syscall.Timeval) time.Duration {
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
}

// cpuTime is the process's user and system time (getrusage).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return tvDur(ru.Utime) + tvDur(ru.Stime)
}

var spinSink uint64

// spin burns CPU in user mode for about d of wall time.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 100000; i++ {
			spinSink += uint64(i) * 2654435761
		}
	}
}

// itimer: setitimer and getitimer on the process's CPU clocks, as the Go
// runtime's CPU profiler arms ITIMER_PROF (runtime/pprof). The errors
// (EINVAL for an unknown timer or a bad timeval, EFAULT); ITIMER_VIRTUAL
// at 20 ms a period sends SIGVTALRM again and again while the process
// computes in user mode, and reads back its period and less than a
// period left; ITIMER_PROF counts down with the CPU time used; a child
// does not inherit the timers; disarming returns the old setting.
func itimer() (string, bool) {
	var v itimerval
	if e := getitimer(5, &v); e != syscall.EINVAL {
		return fmt.Sprintf("getitimer(5): %v, want EINVAL", e), false
	}
	if e := setitimer(5, &v, nil); e != syscall.EINVAL {
		return fmt.Sprintf("setitimer(5): %v, want EINVAL", e), false
	}
	bad := itimerval{value: syscall.Timeval{Usec: 1000000}}
	if e := setitimer(itimerProf, &bad, nil); e != syscall.EINVAL {
		return fmt.Sprintf("setitimer(ITIMER_PROF, it_value.tv_usec 1000000): %v, want EINVAL", e), false
	}
	bad = itimerval{interval: syscall.Timeval{Sec: -1}}
	if e := setitimer(itimerProf, &bad, nil); e != syscall.EINVAL {
		return fmt.Sprintf("setitimer(ITIMER_PROF, it_interval.tv_sec -1): %v, want EINVAL", e), false
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_GETITIMER, itimerProf, 8, 0); e != syscall.EFAULT {
		return fmt.Sprintf("getitimer(ITIMER_PROF, 8): %v, want EFAULT", e), false
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_SETITIMER, itimerProf, 8, 0); e != syscall.EFAULT {
		return fmt.Sprintf("setitimer(ITIMER_PROF, 8, NULL): %v, want EFAULT", e), false
	}
	if e := getitimer(itimerVirtual, &v); e != 0 || v != (itimerval{}) {
		return fmt.Sprintf("getitimer(ITIMER_VIRTUAL) before any setitimer: %+v, %v; want zero", v, e), false
	}

	// ITIMER_VIRTUAL, 20 ms a period: 5 SIGVTALRMs while computing.
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGVTALRM)
	defer signal.Stop(c)
	period := 20 * time.Millisecond
	arm := itimerval{interval: syscall.Timeval{Usec: 20000}, value: syscall.Timeval{Usec: 20000}}
	if e := setitimer(itimerVirtual, &arm, nil); e != 0 {
		return fmt.Sprintf("setitimer(ITIMER_VIRTUAL, 20 ms): %v", e), false
	}
	got := 0
	cpu0 := cpuTime()
	deadline := time.Now().Add(60 * time.Second) // a hang guard
	for got < 5 && time.Now().Before(deadline) {
		spin(5 * time.Millisecond)
		for len(c) > 0 {
			<-c
			got++
		}
	}
	used := cpuTime() - cpu0
	if got < 5 {
		return fmt.Sprintf("ITIMER_VIRTUAL at 20 ms: %d SIGVTALRM in %v of CPU time (60 s of wall time), want 5", got, used), false
	}
	if e := getitimer(itimerVirtual, &v); e != 0 || tvDur(v.interval) != period || tvDur(v.value) <= 0 || tvDur(v.value) > period+10*time.Millisecond {
		return fmt.Sprintf("getitimer(ITIMER_VIRTUAL) while armed at 20 ms: %v interval %v value, %v; want 20ms and (0, 30ms]", tvDur(v.interval), tvDur(v.value), e), false
	}
	var old itimerval
	if e := setitimer(itimerVirtual, &itimerval{}, &old); e != 0 || tvDur(old.interval) != period || tvDur(old.value) <= 0 {
		return fmt.Sprintf("setitimer(ITIMER_VIRTUAL, 0) returned old %v interval %v value, %v; want 20ms and more than 0", tvDur(old.interval), tvDur(old.value), e), false
	}
	if e := getitimer(itimerVirtual, &v); e != 0 || v != (itimerval{}) {
		return fmt.Sprintf("getitimer(ITIMER_VIRTUAL) after disarming: %+v, %v; want zero", v, e), false
	}

	// ITIMER_PROF, 100 s once: it counts down with the CPU time.
	long := itimerval{value: syscall.Timeval{Sec: 100}}
	if e := setitimer(itimerProf, &long, nil); e != 0 {
		return fmt.Sprintf("setitimer(ITIMER_PROF, 100 s): %v", e), false
	}
	cpu0 = cpuTime()
	for cpuTime()-cpu0 < 100*time.Millisecond && time.Now().Before(deadline.Add(60*time.Second)) {
		spin(5 * time.Millisecond)
	}
	if e := getitimer(itimerProf, &v); e != 0 || v.interval != (syscall.Timeval{}) || tvDur(v.value) >= 100*time.Second || tvDur(v.value) < 90*time.Second {
		return fmt.Sprintf("getitimer(ITIMER_PROF) 100 s after %v of CPU time: %v interval %v value, %v; want 0 and [90s, 100s)", cpuTime()-cpu0, tvDur(v.interval), tvDur(v.value), e), false
	}
	left := tvDur(v.value)
	// A child does not inherit it (fork(2)).
	cmd := exec.Command(os.Args[0], "child", "getitimer")
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	out, err := cmd.Output()
	if err != nil || string(out) != "ITIMER_PROF 0 0\n" {
		return fmt.Sprintf("a child's getitimer(ITIMER_PROF): %q, %v; want \"ITIMER_PROF 0 0\"", out, err), false
	}
	if e := setitimer(itimerProf, nil, &old); e != 0 || tvDur(old.value) <= 0 || tvDur(old.value) > left {
		return fmt.Sprintf("setitimer(ITIMER_PROF, NULL) returned old value %v, %v; want (0, %v]", tvDur(old.value), e, left), false
	}
	if e := getitimer(itimerProf, &v); e != 0 || v != (itimerval{}) {
		return fmt.Sprintf("getitimer(ITIMER_PROF) after setitimer(NULL): %+v, %v; want zero", v, e), false
	}
	return fmt.Sprintf("ITIMER_VIRTUAL 20 ms: %d SIGVTALRM in %v of CPU time; ITIMER_PROF 100 s: %v left after 100+ ms of CPU time, not inherited; errors as Linux's", got, used.Round(time.Millisecond), left), true
}

// itimerChild prints the ITIMER_PROF it inherited (none, on Linux).
func itimerChild() {
	var v itimerval
	if e := getitimer(itimerProf, &v); e != 0 {
		fmt.Printf("getitimer: %v\n", e)
		return
	}
	fmt.Printf("ITIMER_PROF %v %v\n", tvDur(v.interval).Microseconds(), tvDur(v.value).Microseconds())
}

// threadCPU is the calling thread's own user and system time
// (getrusage(RUSAGE_THREAD)).
func threadCPU() (time.Duration, syscall.Errno) {
	var ru syscall.Rusage
	if _, _, e := syscall.RawSyscall(syscall.SYS_GETRUSAGE, 1, uintptr(unsafe.Pointer(&ru)), 0); e != 0 {
		return 0, e
	}
	return tvDur(ru.Utime) + tvDur(ru.Stime), 0
}

// rusage: getrusage(RUSAGE_SELF) is the whole process's CPU time, that of
// threads that have exited too, whichever thread asks, and times() the
// same; RUSAGE_THREAD the caller's own. Another thread computes for
// 200 ms of its own CPU time (RUSAGE_THREAD there) and exits; the main
// thread's RUSAGE_SELF must have grown by at least that much.
func rusage() (string, bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := cpuTime()
	type res struct {
		own time.Duration
		err syscall.Errno
	}
	c := make(chan res)
	go func() {
		// Locked and never unlocked: the thread exits with the goroutine.
		runtime.LockOSThread()
		t0, e := threadCPU()
		if e != 0 {
			c <- res{0, e}
			return
		}
		deadline := time.Now().Add(60 * time.Second) // a hang guard
		for {
			spin(5 * time.Millisecond)
			t, _ := threadCPU()
			if t-t0 >= 200*time.Millisecond || time.Now().After(deadline) {
				c <- res{t - t0, 0}
				return
			}
		}
	}()
	r := <-c
	if r.err != 0 {
		return fmt.Sprintf("getrusage(RUSAGE_THREAD): %v", r.err), false
	}
	time.Sleep(100 * time.Millisecond) // let the thread exit
	after := cpuTime()
	if after-before < r.own {
		return fmt.Sprintf("another thread used %v of CPU time (RUSAGE_THREAD) and exited, and this thread's getrusage(RUSAGE_SELF) grew by %v (from %v to %v): the process's time must hold it", r.own, after-before, before, after), false
	}
	var tms syscall.Tms
	if _, err := syscall.Times(&tms); err != nil {
		return fmt.Sprintf("times: %v", err), false
	}
	// times() is in USER_HZ (100) clock ticks.
	if got := time.Duration(tms.Utime+tms.Stime) * 10 * time.Millisecond; got < after-20*time.Millisecond {
		return fmt.Sprintf("times() says %v of user and system time, getrusage(RUSAGE_SELF) %v", got, after), false
	}
	own, _ := threadCPU()
	return fmt.Sprintf("another thread's %v (RUSAGE_THREAD) are in RUSAGE_SELF after it exited: %v -> %v; this thread's own %v", r.own, before, after, own), true
}
