// Command schedtest checks, from user mode, what the kernel promises a
// thread about scheduling, signals and process descriptors, each the way
// Linux keeps it; it runs as init on gokern (internal/boottest
// TestSchedtest) and as an ordinary program on the host's Linux
// (internal/userprog TestSchedtestOnLinux), so that every expectation is
// Linux's own. One mode a run (the first argument, or init.mode= from
// /proc/cmdline as init); it prints "schedtest: MODE ok: ..." or
// "schedtest: MODE FAIL: ..." and exits 0 or 1.
//
//	affinity  sched_setaffinity to a CPU other than the caller's moves
//	          the caller before the call returns: getcpu, the next
//	          system call, already answers the new CPU (Linux
//	          __set_cpus_allowed_ptr_locked → affine_move_task). On gokern
//	          the move is a schedule() on the way back to user mode,
//	          which the exit loop must make when TIF_NEED_RESCHED is set.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const nrGetcpu = 309 // x86-64 getcpu (package syscall has no SYS_GETCPU)

func main() {
	mode := "affinity"
	if os.Getpid() == 1 {
		if _, err := os.Stat("/proc/self"); err != nil {
			if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
				fmt.Printf("schedtest: mount proc on /proc: %v\n", err)
			}
		}
		if b, err := os.ReadFile("/proc/cmdline"); err == nil {
			for _, w := range strings.Fields(string(b)) {
				if v, ok := strings.CutPrefix(w, "init.mode="); ok {
					mode = v
				}
			}
		}
	} else if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	var msg string
	var ok bool
	switch mode {
	case "affinity":
		msg, ok = affinity()
	default:
		msg, ok = fmt.Sprintf("unknown mode %q", mode), false
	}
	if !ok {
		fmt.Printf("schedtest: %s FAIL: %s\n", mode, msg)
		os.Exit(1)
	}
	fmt.Printf("schedtest: %s ok: %s\n", mode, msg)
}

func getcpu() int {
	var cpu uint32
	if _, _, e := syscall.RawSyscall(nrGetcpu, uintptr(unsafe.Pointer(&cpu)), 0, 0); e != 0 {
		return -int(e)
	}
	return int(cpu)
}

func setaffinity(mask uint64) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, 8, uintptr(unsafe.Pointer(&mask)))
	return e
}

// affinity: 500 times, move the thread to the next CPU with
// sched_setaffinity and ask getcpu where it runs. Without a schedule()
// on the way out of the system call the thread stays where it was until
// the next tick, and getcpu answers the old CPU.
func affinity() (string, bool) {
	n := runtime.NumCPU()
	if n < 2 {
		return fmt.Sprintf("%d CPU: run with 2 or more", n), false
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const moves = 500
	wrong := 0
	first := ""
	for i := 0; i < moves; i++ {
		from := getcpu()
		if from < 0 {
			return fmt.Sprintf("getcpu: errno %d", -from), false
		}
		to := (from + 1) % n
		if e := setaffinity(1 << to); e != 0 {
			return fmt.Sprintf("sched_setaffinity(0, 8, {%d}): %v", to, e), false
		}
		if got := getcpu(); got != to {
			wrong++
			if first == "" {
				first = fmt.Sprintf("move %d: sched_setaffinity from CPU %d to {%d} returned, and getcpu says CPU %d", i+1, from, to, got)
			}
		}
	}
	setaffinity(1<<n - 1)
	if wrong != 0 {
		return fmt.Sprintf("%d of %d moves still on the old CPU after the call (%s)", wrong, moves, first), false
	}
	return fmt.Sprintf("%d moves across %d CPUs, each on its new CPU when sched_setaffinity returned", moves, n), true
}
