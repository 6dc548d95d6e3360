package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// GroupstopSpinners is how many threads of the groupstop mode's child
// spin on its counters; GroupstopRounds how many times it is stopped and
// continued; GroupstopInterval how long the counters are watched.
const (
	GroupstopSpinners = 4
	GroupstopRounds   = 4
	GroupstopInterval = 300 * time.Millisecond
)

// groupstopPage is the layout of the file page the parent and the child
// share: one counter per spinning thread, and its thread id.
type groupstopPage struct {
	count [GroupstopSpinners]uint64
	tid   [GroupstopSpinners]uint64
}

// groupstop stops a multi-threaded child and checks that the whole
// thread group stops, as on Linux (do_signal_stop's group stop): the
// child's GroupstopSpinners threads each add to their own counter in a
// MAP_SHARED page of a /tmp file, in a loop with no system calls. Each
// round sends a stop signal (SIGSTOP, or SIGTSTP every other round),
// waits for wait4(WUNTRACED) to report the stop, once (a second
// WUNTRACED|WNOHANG wait finds nothing), then watches the counters for
// GroupstopInterval: none may move, and every /proc/<pid>/task/<tid>/stat
// must say T. Then SIGCONT, wait4(WCONTINUED), and the counters must move
// again. Last, SIGKILL ends a stop: wait4 reports the kill. When a stop
// signal stopped only the thread that took it, the spinners counted on
// through the stop.
func groupstop() bool {
	exe, _ := os.Executable()
	name := "/tmp/groupstop"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		fmt.Printf("goinit: groupstop: %v\n", err)
		return false
	}
	defer os.Remove(name)
	defer f.Close()
	if err := f.Truncate(4096); err != nil {
		fmt.Printf("goinit: groupstop: truncate: %v\n", err)
		return false
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		fmt.Printf("goinit: groupstop: mmap: %v\n", err)
		return false
	}
	defer syscall.Munmap(m)
	page := (*groupstopPage)(unsafe.Pointer(&m[0]))
	c := exec.Command(exe, "groupstop-child", name)
	// Stdin: exec opens /dev/null for a nil one, and the initramfs has none.
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		fmt.Printf("goinit: groupstop: start: %v\n", err)
		return false
	}
	pid := c.Process.Pid
	kill := func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}
	snapshot := func() (s [GroupstopSpinners]uint64) {
		for i := range s {
			s[i] = atomic.LoadUint64(&page.count[i])
		}
		return s
	}
	// Every spinner running first.
	for i := 0; ; i++ {
		s := snapshot()
		all := true
		for j := range s {
			all = all && s[j] != 0 && atomic.LoadUint64(&page.tid[j]) != 0
		}
		if all {
			break
		}
		if i == 1000 {
			fmt.Printf("goinit: groupstop: the child's spinners did not start in 20 s: %v\n", s)
			kill()
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	ok := true
	threads := 0
	for round := 0; round < GroupstopRounds; round++ {
		sig := syscall.SIGSTOP
		if round%2 == 1 {
			sig = syscall.SIGTSTP
		}
		syscall.Kill(pid, sig)
		var ws syscall.WaitStatus
		wpid, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED, nil)
		if wpid != pid || err != nil || !ws.Stopped() || ws.StopSignal() != sig {
			fmt.Printf("goinit: groupstop: round %d: wait4(WUNTRACED) after %v: %d %v status %#x\n", round, sig, wpid, err, uint32(ws))
			kill()
			return false
		}
		again, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED|syscall.WNOHANG, nil)
		before := snapshot()
		time.Sleep(GroupstopInterval)
		after := snapshot()
		states := groupstopStates(pid)
		moved := uint64(0)
		for i := range before {
			moved += after[i] - before[i]
		}
		allT := states != "" && strings.Trim(states, "T") == ""
		threads = len(states)
		fmt.Printf("goinit: groupstop: round %d: %s: stopped, reported once (%d %v), counters moved by %d in %v while stopped, thread states %s\n",
			round, groupstopSigName(sig), again, err, moved, GroupstopInterval, states)
		if again != 0 || moved != 0 || !allT {
			ok = false
		}
		syscall.Kill(pid, syscall.SIGCONT)
		wpid, err = syscall.Wait4(pid, &ws, syscall.WCONTINUED, nil)
		if wpid != pid || err != nil || !ws.Continued() {
			fmt.Printf("goinit: groupstop: round %d: wait4(WCONTINUED): %d %v status %#x\n", round, wpid, err, uint32(ws))
			kill()
			return false
		}
		before = snapshot()
		time.Sleep(GroupstopInterval)
		after = snapshot()
		counting := 0
		for i := range before {
			if after[i] != before[i] {
				counting++
			}
		}
		fmt.Printf("goinit: groupstop: round %d: continued, %d of %d spinners counting\n", round, counting, GroupstopSpinners)
		if counting == 0 {
			ok = false
		}
	}
	// SIGKILL ends a stop.
	syscall.Kill(pid, syscall.SIGSTOP)
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, syscall.WUNTRACED, nil)
	stopped := ws.Stopped()
	syscall.Kill(pid, syscall.SIGKILL)
	wpid, err := syscall.Wait4(pid, &ws, 0, nil)
	killed := stopped && wpid == pid && err == nil && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	fmt.Printf("goinit: groupstop: %d rounds of a stop and SIGCONT of a child of %d threads: all still and T while stopped, counting after: %v; SIGKILL ended a stop: %v\n",
		GroupstopRounds, threads, ok, killed)
	return ok && killed
}

func groupstopSigName(sig syscall.Signal) string {
	if sig == syscall.SIGTSTP {
		return "SIGTSTP"
	}
	return "SIGSTOP"
}

// groupstopStates is the state letter of every thread of pid, from
// /proc/<pid>/task/<tid>/stat, in the directory's order.
func groupstopStates(pid int) string {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range ents {
		s, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, e.Name()))
		i := strings.LastIndexByte(string(s), ')')
		if err != nil || i < 0 || i+2 >= len(s) {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(s[i+2])
	}
	return b.String()
}

// groupstopChild runs GroupstopSpinners threads, each locked to its
// goroutine and adding to its counter in the shared page of file name
// without a system call, until it is killed.
func groupstopChild(name string) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		fmt.Printf("groupstop-child: %v\n", err)
		os.Exit(1)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		fmt.Printf("groupstop-child: mmap: %v\n", err)
		os.Exit(1)
	}
	page := (*groupstopPage)(unsafe.Pointer(&m[0]))
	for i := 0; i < GroupstopSpinners; i++ {
		go func(i int) {
			runtime.LockOSThread()
			atomic.StoreUint64(&page.tid[i], uint64(syscall.Gettid()))
			for {
				atomic.AddUint64(&page.count[i], 1)
			}
		}(i)
	}
	select {}
}
