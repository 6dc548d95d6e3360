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
//	pidfd     process descriptors (pidfd_open, clone's CLONE_PIDFD,
//	          pidfd_send_signal, waitid(P_PIDFD), poll): the Go os
//	          package's probe passes and os/exec's children are started,
//	          signalled and waited for through them; a pidfd polls
//	          readable only once its process has exited; the errors are
//	          Linux's.
//	itimer    setitimer and getitimer on the process's CPU clocks
//	          (ITIMER_VIRTUAL's SIGVTALRM, ITIMER_PROF's countdown, not
//	          inherited by a child, Linux's errors): the Go runtime's CPU
//	          profiler arms ITIMER_PROF.
//	timers    ITIMER_REAL's SIGALRM on an os/signal channel, a timerfd
//	          read through the netpoller (epoll), a CPU profile on the
//	          per-thread CPU-clock timers.
//	rusage    getrusage(RUSAGE_SELF) and times() are the whole process's
//	          CPU time, exited threads' too, from any thread;
//	          RUSAGE_THREAD the caller's own.
//	pidfdwait the main thread waits in waitid(P_PIDFD) for a sleeping
//	          child while another thread, after a line naming both, calls
//	          getppid (where internal/boottest TestGDBPidfd stops gdb to
//	          run gk-threads) and then kills the child through its pidfd.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const nrGetcpu = 309 // x86-64 getcpu (package syscall has no SYS_GETCPU)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "child" {
		child(os.Args[2])
	}
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
	case "pidfd":
		msg, ok = pidfd()
	case "pidfdwait":
		msg, ok = pidfdwait()
	case "itimer":
		msg, ok = itimer()
	case "rusage":
		msg, ok = rusage()
	case "timers":
		msg, ok = timers()
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

// child: what pidfd's children do: "sleep" sleeps a minute (to be
// killed), "exit3" exits 3; itimer's, "getitimer", prints its
// ITIMER_PROF.
func child(what string) {
	switch what {
	case "sleep":
		time.Sleep(time.Minute)
	case "exit3":
		os.Exit(3)
	case "getitimer":
		itimerChild()
	}
	os.Exit(0)
}

const (
	nrPidfdSendSignal = 424
	nrPidfdOpen       = 434
	pPidfd            = 3 // waitid's P_PIDFD
)

func pidfdOpen(pid, flags int) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(nrPidfdOpen, uintptr(pid), uintptr(flags), 0)
	return int(r), e
}

func pidfdSendSignal(fd int, sig syscall.Signal, flags int) syscall.Errno {
	_, _, e := syscall.RawSyscall6(nrPidfdSendSignal, uintptr(fd), uintptr(sig), 0, uintptr(flags), 0, 0)
	return e
}

// siginfo is waitid's siginfo_t, the SIGCHLD part.
type siginfo struct {
	Signo, Errno, Code, _ int32
	Pid                   int32
	Uid                   uint32
	Status                int32
	_                     [100]byte
}

func waitidPidfd(fd, options int) (siginfo, syscall.Errno) {
	var si siginfo
	_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPidfd, uintptr(fd), uintptr(unsafe.Pointer(&si)), uintptr(options), 0, 0)
	return si, e
}

// readable polls fd for POLLIN for up to ms milliseconds.
func readable(fd, ms int) (bool, error) {
	type pollfd struct {
		Fd             int32
		Events, Revent int16
	}
	p := pollfd{Fd: int32(fd), Events: 1}
	for {
		n, _, e := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(ms))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return false, e
		}
		return n == 1 && p.Revent&1 != 0, nil
	}
}

// pidfd: the system calls one by one, then os/exec on top of them.
func pidfd() (string, bool) {
	self, e := pidfdOpen(os.Getpid(), 0)
	if e != 0 {
		return fmt.Sprintf("pidfd_open(getpid(), 0): %v", e), false
	}
	if fl, err := fcntl(self, syscall.F_GETFD); err != nil || fl&syscall.FD_CLOEXEC == 0 {
		return fmt.Sprintf("pidfd_open's descriptor: F_GETFD %#x (%v), want FD_CLOEXEC", fl, err), false
	}
	// os.checkPidfd's probe.
	if _, e := waitidPidfd(self, syscall.WEXITED); e != syscall.ECHILD {
		return fmt.Sprintf("waitid(P_PIDFD, own pidfd, WEXITED): %v, want ECHILD", e), false
	}
	if e := pidfdSendSignal(self, 0, 0); e != 0 {
		return fmt.Sprintf("pidfd_send_signal(own pidfd, 0): %v", e), false
	}
	if ok, err := readable(self, 0); ok || err != nil {
		return fmt.Sprintf("a live process's pidfd polls readable (%v)", err), false
	}
	// Linux's errors.
	for _, c := range []struct {
		what string
		got  syscall.Errno
		want syscall.Errno
	}{
		{"pidfd_open(getpid(), 1)", errnoOf(pidfdOpen(os.Getpid(), 1)), syscall.EINVAL},
		{"pidfd_open(0, 0)", errnoOf(pidfdOpen(0, 0)), syscall.EINVAL},
		{"pidfd_open(4000000, 0)", errnoOf(pidfdOpen(4000000, 0)), syscall.ESRCH},
		{"pidfd_send_signal(0, 0, NULL, 0) (stdin is no pidfd)", pidfdSendSignal(0, 0, 0), syscall.EBADF},
		{"pidfd_send_signal(pidfd, 0, NULL, 0x100)", pidfdSendSignal(self, 0, 0x100), syscall.EINVAL},
		{"waitid(P_PIDFD, 0 (stdin), WEXITED)", errnoOf(waitidPidfd(0, syscall.WEXITED)), syscall.EBADF},
	} {
		if c.got != c.want {
			return fmt.Sprintf("%s: %v, want %v", c.what, c.got, c.want), false
		}
	}
	syscall.Close(self)

	// A child started with CLONE_PIDFD (os/exec, SysProcAttr.PidFD),
	// killed through its pidfd, seen exiting by poll, reaped by waitid.
	pidfd := -1
	cmd := command("sleep")
	cmd.SysProcAttr = &syscall.SysProcAttr{PidFD: &pidfd}
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("start a child with SysProcAttr.PidFD: %v", err), false
	}
	if pidfd < 0 {
		return "clone(CLONE_PIDFD) gave no pidfd", false
	}
	if fl, err := fcntl(pidfd, syscall.F_GETFD); err != nil || fl&syscall.FD_CLOEXEC == 0 {
		return fmt.Sprintf("CLONE_PIDFD's descriptor: F_GETFD %#x (%v), want FD_CLOEXEC", fl, err), false
	}
	nb, e := pidfdOpen(cmd.Process.Pid, syscall.O_NONBLOCK)
	if e != 0 {
		return fmt.Sprintf("pidfd_open(child, PIDFD_NONBLOCK): %v", e), false
	}
	if _, e := waitidPidfd(nb, syscall.WEXITED); e != syscall.EAGAIN {
		return fmt.Sprintf("waitid on a running child's PIDFD_NONBLOCK pidfd: %v, want EAGAIN", e), false
	}
	syscall.Close(nb)
	if ok, err := readable(pidfd, 50); ok || err != nil {
		return fmt.Sprintf("a running child's pidfd polls readable (%v)", err), false
	}
	if e := pidfdSendSignal(pidfd, syscall.SIGTERM, 0); e != 0 {
		return fmt.Sprintf("pidfd_send_signal(child, SIGTERM): %v", e), false
	}
	t0 := time.Now()
	if ok, err := readable(pidfd, 20000); !ok || err != nil {
		return fmt.Sprintf("the killed child's pidfd did not poll readable in 20 s (%v)", err), false
	}
	pollWait := time.Since(t0)
	// Exited but not reaped: a zombie's pid is still there, and Linux
	// answers 0 to signals for it (they do nothing); -ESRCH only after
	// the wait.
	for _, c := range []struct {
		what string
		got  syscall.Errno
	}{
		{"pidfd_send_signal(zombie, 0)", pidfdSendSignal(pidfd, 0, 0)},
		{"pidfd_send_signal(zombie, SIGTERM)", pidfdSendSignal(pidfd, syscall.SIGTERM, 0)},
		{"kill(zombie, 0)", errnoOf(0, errnoErr(syscall.Kill(cmd.Process.Pid, 0)))},
		{"kill(zombie, SIGKILL)", errnoOf(0, errnoErr(syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)))},
	} {
		if c.got != 0 {
			return fmt.Sprintf("%s before the wait: %v, want 0 (the zombie is not reaped yet)", c.what, c.got), false
		}
	}
	si, e := waitidPidfd(pidfd, syscall.WEXITED)
	if e != 0 || si.Pid != int32(cmd.Process.Pid) || si.Code != 2 || si.Status != int32(syscall.SIGTERM) {
		return fmt.Sprintf("waitid(P_PIDFD, child): %v, pid %d code %d status %d, want pid %d CLD_KILLED SIGTERM", e, si.Pid, si.Code, si.Status, cmd.Process.Pid), false
	}
	if e := pidfdSendSignal(pidfd, syscall.SIGTERM, 0); e != syscall.ESRCH {
		return fmt.Sprintf("pidfd_send_signal to a reaped child: %v, want ESRCH", e), false
	}
	if _, e := waitidPidfd(pidfd, syscall.WEXITED); e != syscall.ECHILD {
		return fmt.Sprintf("waitid on a reaped child's pidfd: %v, want ECHILD", e), false
	}
	syscall.Close(pidfd)

	// os/exec on its own: the os package found pidfds working and uses
	// them (Process.Signal, Process.Wait), as on Linux.
	c2 := command("exit3")
	err := c2.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		return fmt.Sprintf("os/exec child exit3: %v, want exit status 3", err), false
	}
	c3 := command("sleep")
	if err := c3.Start(); err != nil {
		return fmt.Sprintf("os/exec start: %v", err), false
	}
	if err := c3.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Sprintf("Process.Signal(SIGKILL): %v", err), false
	}
	err = c3.Wait()
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		return fmt.Sprintf("os/exec child killed: %v, want signal: killed", err), false
	}
	if err := c3.Process.Signal(syscall.SIGKILL); !errors.Is(err, os.ErrProcessDone) {
		return fmt.Sprintf("Process.Signal after Wait: %v, want os: process already finished", err), false
	}
	return fmt.Sprintf("pidfd_open, CLONE_PIDFD, pidfd_send_signal, waitid(P_PIDFD) and poll as on Linux; the killed child's pidfd polled readable after %v; os/exec's children through pidfds", pollWait.Round(time.Millisecond)), true
}

// command runs this program's child mode what, on the caller's
// standard files (as init there is no /dev/null for os/exec to open).
func command(what string) *exec.Cmd {
	c := exec.Command(os.Args[0], "child", what)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	return c
}

func errnoOf[T any](_ T, e syscall.Errno) syscall.Errno { return e }

// errnoErr is err's Errno, 0 for nil.
func errnoErr(err error) syscall.Errno {
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return 0
}

func fcntl(fd, cmd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// pidfdwait: see the package comment.
func pidfdwait() (string, bool) {
	pidfd := -1
	cmd := command("sleep")
	cmd.SysProcAttr = &syscall.SysProcAttr{PidFD: &pidfd}
	if err := cmd.Start(); err != nil || pidfd < 0 {
		return fmt.Sprintf("start a child with SysProcAttr.PidFD: %v (pidfd %d)", err, pidfd), false
	}
	done := make(chan syscall.Errno, 1)
	go func() {
		runtime.LockOSThread()
		time.Sleep(300 * time.Millisecond)
		fmt.Printf("schedtest: pidfdwait: waitid on pidfd %d for child %d; getppid from thread %d\n", pidfd, cmd.Process.Pid, syscall.Gettid())
		syscall.Getppid()
		done <- pidfdSendSignal(pidfd, syscall.SIGKILL, 0)
	}()
	runtime.LockOSThread()
	si, e := waitidPidfd(pidfd, syscall.WEXITED)
	if e != 0 || si.Pid != int32(cmd.Process.Pid) || si.Code != 2 || si.Status != int32(syscall.SIGKILL) {
		return fmt.Sprintf("waitid(P_PIDFD): %v, pid %d code %d status %d, want %d killed by SIGKILL", e, si.Pid, si.Code, si.Status, cmd.Process.Pid), false
	}
	if e := <-done; e != 0 {
		return fmt.Sprintf("pidfd_send_signal(SIGKILL): %v", e), false
	}
	syscall.Close(pidfd)
	return fmt.Sprintf("child %d killed through its pidfd while waitid(P_PIDFD) waited", cmd.Process.Pid), true
}
