// Command init is gokern's Go /init: an unmodified static Go program, built
// by the stock toolchain (CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build),
// that runs as pid 1 and exercises what the Go runtime needs of a kernel
// (docs/go-on-gokern.md). Each mode prints lines that say what happened,
// with the numbers behind them, so that the boot tests can check them.
//
// The mode comes from the kernel command line's init.mode= (read from
// /proc/cmdline, as Linux does not pass parameters with a dot to init)
// or from init's first argument (the words after -- on the command line):
//
//	hello       fmt, os.Getpid, runtime.NumCPU, runtime.Version
//	goroutines  1000 goroutines over channels and a WaitGroup; a parallel
//	            sum checked against the serial one
//	gc          allocate several times the RAM's worth; runtime.GC;
//	            runtime.ReadMemStats shows the collections
//	timers      time.Sleep, time.After, time.Ticker, with measured drift
//	files       read the initramfs, write a file and read it back
//	vfsstress   goroutines on every CPU create, link, rename, unlink,
//	            mkdir, rmdir, stat and list a few names at once; the tree
//	            and its link counts are checked, one O_EXCL winner a race
//	signals     os/signal catching SIGINT (^C on the console)
//	shell       hand over to busybox sh
//	preempt     a goroutine spinning in a loop with no calls, on one P,
//	            is preempted by SIGURG (sysmon's tgkill) so main runs again
//	exec        os/exec runs /init again as a multi-threaded child that
//	            writes on a pipe and exits: the read to EOF ends only
//	            when exit_group has ended every thread of the child
//	dethread    a child whose non-main thread calls syscall.Exec while
//	            DethreadThreads other threads block: the new program
//	            has the old pid, is its own leader (gettid == getpid),
//	            keeps its parent, and none of the old threads is left
//	reaper      orphans' new parents (find_new_reaper): another thread of
//	            the parent process, a PR_SET_CHILD_SUBREAPER ancestor,
//	            else init, which reaps them (no zombie left)
//	groupexit   GroupexitChildren children, each ending with exit_group
//	            while its threads go in and out of FUTEX_WAIT: every one
//	            is reaped with its status, none left behind
//	groupstop   SIGSTOP, SIGTSTP and SIGKILL stop and end every thread
//	            of a multi-threaded child (groupstop.go)
//	badbin      exec a Go program built for arm64 (ENOEXEC) and one
//	            dynamically linked (ENOENT: no /lib64/ld-linux-x86-64.so.2),
//	            as Linux answers; init goes on
//	oom         a child that allocates and touches memory until there is
//	            none: it dies (the kernel's OOM kill, or the runtime's
//	            "out of memory"), init goes on, and MemFree comes back
//	attrs       os.Chmod, os.Chown, os.Chtimes (utimensat), syscall.Mkfifo
//	            and os.Root.Chmod (fchmodat2), checked by Stat
//	rlimits     the process's limits: shared by its threads, inherited
//	            across fork and exec, RLIMIT_NOFILE, RLIMIT_STACK and
//	            RLIMIT_AS enforced
//	shm         shared memory: MAP_SHARED anonymous, /dev/zero and file
//	            mappings shared with a forked child, SIGBUS, truncate,
//	            msync, mprotect, noexec; /proc/self/fd/N opened (shm.go)
//	sigdf       a signal's rt_sigreturn gives back the direction flag:
//	            tgkill of its own thread after STD, a backward memmove
//	            under SIGURG
//	panic, nil, deadlock   the Go runtime's own fatal paths
//	bench       the figures: channel ping-pong, time.Sleep(1ms), GC pause
//
// After the mode, init exits with 0 if all went as expected and 1 if not:
// gokern turns init's exit status into QEMU's exit code.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// init keeps reaper-child's main goroutine on the main thread: a lock
// taken during initialisation lasts into main.main (runtime.main's
// promise). Its step (1) needs the forking goroutine on another thread,
// one that ends with it. Locked only in main.main, the main goroutine
// could already be on another thread (a preemption after the runtime's
// unlock moves it); the main thread was then free, the forking goroutine
// ran there, Go never ends that thread, and the step failed ("which
// ended (false)", the forking thread's id the pid): 4 times in 820 runs
// of that step at -smp 4, 0 in 760 with this lock.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "reaper-child" {
		runtime.LockOSThread()
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exec-child" {
		execChild()
	}
	if len(os.Args) > 1 && os.Args[1] == "rlimits-child" {
		os.Exit(rlimitsChild())
	}
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "reaper-") {
		os.Exit(reaperHelper(os.Args[1], os.Args[2:]))
	}
	if len(os.Args) > 2 && os.Args[1] == "groupexit-child" {
		groupexitChild(os.Args[2])
	}
	if len(os.Args) > 1 && os.Args[1] == "stopcont-child" {
		stopcontChild()
	}
	if len(os.Args) > 2 && os.Args[1] == "groupstop-child" {
		groupstopChild(os.Args[2])
	}
	if len(os.Args) > 1 && os.Args[1] == "oom-child" {
		oomChild()
	}
	if len(os.Args) > 2 && os.Args[1] == "chown-child" {
		os.Exit(chownChild(os.Args[2]))
	}
	if len(os.Args) > 1 && os.Args[1] == "dethread-child" {
		dethreadChild()
	}
	if len(os.Args) > 5 && os.Args[1] == "dethread-after" {
		os.Exit(dethreadAfter(os.Args[2:]))
	}
	start := time.Now()
	mode := initMode()
	fmt.Printf("goinit: %s on %s/%s, pid %d, %d CPUs, GOMAXPROCS %d, mode %s\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, os.Getpid(), runtime.NumCPU(), runtime.GOMAXPROCS(0), mode)
	ok := true
	switch mode {
	case "hello":
		ok = hello()
	case "goroutines":
		ok = goroutines()
	case "gc":
		ok = gc()
	case "timers":
		ok = timers()
	case "files":
		ok = files()
	case "vfsstress":
		ok = vfsstress()
	case "signals":
		ok = signals()
	case "shell":
		ok = shell()
	case "panic":
		panic("goinit: a panic on purpose")
	case "nil":
		var p *int
		fmt.Println(*p)
	case "deadlock":
		var ch chan int
		<-ch
	case "preempt":
		ok = preempt()
	case "exec":
		ok = execMode()
	case "dethread":
		ok = dethread()
	case "reaper":
		ok = reaper()
	case "groupexit":
		ok = groupexit()
	case "stopcont":
		ok = stopcont()
	case "groupstop":
		ok = groupstop()
	case "futexwait":
		ok = futexwait()
	case "badbin":
		ok = badbin()
	case "oom":
		ok = oom()
	case "attrs":
		ok = attrs()
	case "rlimits":
		ok = rlimits()
	case "shm":
		ok = shm()
	case "sigdf":
		ok = sigdf()
	case "bench":
		ok = bench()
	default:
		fmt.Printf("goinit: unknown mode %q\n", mode)
		ok = false
	}
	if !ok {
		fmt.Printf("goinit: mode %s FAILED after %v\n", mode, time.Since(start).Round(time.Millisecond))
		os.Exit(1)
	}
	fmt.Printf("goinit: mode %s ok after %v\n", mode, time.Since(start).Round(time.Millisecond))
}

// initMode is init.mode= from /proc/cmdline, else the first argument,
// else hello.
func initMode() string {
	if _, err := os.Stat("/proc/self"); err != nil {
		// As any init: procfs is mounted by init, not by the kernel.
		if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
			fmt.Printf("goinit: mount proc on /proc: %v\n", err)
		}
	}
	if b, err := os.ReadFile("/proc/cmdline"); err == nil {
		for _, w := range strings.Fields(string(b)) {
			if v, ok := strings.CutPrefix(w, "init.mode="); ok {
				return v
			}
		}
	}
	if len(os.Args) > 1 {
		return os.Args[1]
	}
	return "hello"
}

func hello() bool {
	fmt.Printf("goinit: hello, world: pid %d ppid %d tid %d, args %q\n", os.Getpid(), os.Getppid(), syscall.Gettid(), os.Args)
	return os.Getpid() == 1
}

// goroutines: 1000 goroutines each sum a slice of 0..n-1 and send the
// part on a channel; the parts add up to the serial sum.
func goroutines() bool {
	const workers, n = 1000, 1000000
	var serial int64
	for i := int64(0); i < n; i++ {
		serial += i
	}
	parts := make(chan int64, workers)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var s int64
			for i := int64(w); i < n; i += workers {
				s += i
			}
			parts <- s
		}(w)
	}
	wg.Wait()
	close(parts)
	var parallel int64
	got := 0
	for s := range parts {
		parallel += s
		got++
	}
	fmt.Printf("goinit: goroutines: %d finished, parallel sum %d, serial sum %d, %v\n",
		got, parallel, serial, time.Since(t0).Round(time.Microsecond))
	return got == workers && parallel == serial
}

// memTotal is the RAM in bytes from /proc/meminfo, or 128 MiB.
func memTotal() uint64 {
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kb uint64
				fmt.Sscan(v, &kb)
				return kb << 10
			}
		}
	}
	return 128 << 20
}

var sink [][]byte

// gc allocates three times the RAM in 1 MiB pieces, keeping only the
// last 8 alive: without collections it could not finish.
func gc() bool {
	total := 3 * memTotal()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	for done := uint64(0); done < total; done += 1 << 20 {
		b := make([]byte, 1<<20)
		b[0], b[len(b)-1] = 1, 1
		sink = append(sink, b)
		if len(sink) > 8 {
			sink = sink[1:]
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("goinit: gc: allocated %d MiB (3x RAM %d MiB) in %v, %d collections, heap now %d KiB, last pause %v\n",
		(after.TotalAlloc-before.TotalAlloc)>>20, memTotal()>>20, time.Since(t0).Round(time.Millisecond),
		after.NumGC-before.NumGC, after.HeapAlloc>>10, time.Duration(after.PauseNs[(after.NumGC+255)%256]))
	return after.NumGC-before.NumGC >= 2 && after.TotalAlloc-before.TotalAlloc >= total
}

// timers: time.Sleep, time.After and a Ticker, each measured on the
// monotonic clock.
func timers() bool {
	ok := true
	t0 := time.Now()
	time.Sleep(50 * time.Millisecond)
	slept := time.Since(t0)
	fmt.Printf("goinit: timers: time.Sleep(50ms) took %v\n", slept.Round(time.Microsecond))
	ok = ok && slept >= 50*time.Millisecond
	t0 = time.Now()
	<-time.After(30 * time.Millisecond)
	after := time.Since(t0)
	fmt.Printf("goinit: timers: time.After(30ms) fired after %v\n", after.Round(time.Microsecond))
	ok = ok && after >= 30*time.Millisecond
	ok = pollTimeouts() && ok
	tk := time.NewTicker(20 * time.Millisecond)
	t0 = time.Now()
	for i := 0; i < 10; i++ {
		<-tk.C
	}
	tk.Stop()
	el := time.Since(t0)
	fmt.Printf("goinit: timers: 10 ticks of 20ms in %v, drift %v\n", el.Round(time.Microsecond), (el - 200*time.Millisecond).Round(time.Microsecond))
	return ok && el >= 180*time.Millisecond
}

// pollTimeouts: poll, ppoll, select and pselect6 with no descriptors and
// a 4 ms timeout (one jiffy at HZ=250), 20 times each, never return
// before the 4 ms have passed by the clock (Linux sleeps on an hrtimer).
// Before, the wait was that one jiffy, which ends at the next tick: a
// call made late in a jiffy returned early (shortest of 20: 1.2-3 ms).
func pollTimeouts() bool {
	const d = 4 * time.Millisecond
	ts := syscall.Timespec{Nsec: int64(d)}
	calls := []struct {
		name string
		call func() syscall.Errno
	}{
		{"poll", func() syscall.Errno {
			_, _, e := syscall.Syscall(syscall.SYS_POLL, 0, 0, uintptr(d/time.Millisecond))
			return e
		}},
		{"ppoll", func() syscall.Errno {
			t := ts // the time left is written back
			_, _, e := syscall.Syscall6(syscall.SYS_PPOLL, 0, 0, uintptr(unsafe.Pointer(&t)), 0, 8, 0)
			return e
		}},
		{"select", func() syscall.Errno {
			tv := syscall.Timeval{Usec: int64(d / time.Microsecond)}
			_, _, e := syscall.Syscall6(syscall.SYS_SELECT, 0, 0, 0, 0, uintptr(unsafe.Pointer(&tv)), 0)
			return e
		}},
		{"pselect6", func() syscall.Errno {
			t := ts
			_, _, e := syscall.Syscall6(syscall.SYS_PSELECT6, 0, 0, 0, 0, uintptr(unsafe.Pointer(&t)), 0)
			return e
		}},
	}
	ok := true
	var line []string
	interrupted := 0
	for _, c := range calls {
		shortest := time.Hour
		// 20 calls that ended by their timeout: a signal to this thread
		// ends one early with EINTR, on Linux too (select and poll are
		// not restarted after a handler ran), and it is tried again.
		n := 0
		for tries := 0; n < 20 && tries < 100; tries++ {
			t0 := time.Now()
			e := c.call()
			el := time.Since(t0)
			if e == syscall.EINTR {
				interrupted++
				continue
			}
			if e != 0 {
				fmt.Printf("goinit: timers: %s: %v\n", c.name, e)
				ok = false
			}
			shortest = min(shortest, el)
			n++
		}
		if n < 20 {
			// Signals ended 80 calls of 100: nothing was measured.
			fmt.Printf("goinit: timers: %s: only %d of 100 calls ended by their timeout\n", c.name, n)
			ok = false
		}
		line = append(line, fmt.Sprintf("%s %v", c.name, shortest.Round(time.Microsecond)))
		ok = ok && shortest >= d
	}
	fmt.Printf("goinit: timers: %v timeouts, shortest of 20: %s (none early: %v; %d ended by a signal, tried again)\n", d, strings.Join(line, ", "), ok, interrupted)
	return ok
}

// files reads /init back against its size, then writes a file in a
// writable directory and reads it back.
func files() bool {
	self, err := os.ReadFile("/init")
	if err != nil {
		fmt.Printf("goinit: files: %v\n", err)
		return false
	}
	st, err := os.Stat("/init")
	if err != nil {
		fmt.Printf("goinit: files: %v\n", err)
		return false
	}
	fmt.Printf("goinit: files: /init is %d bytes, read %d, starts %q\n", st.Size(), len(self), self[:4])
	dir := "/tmp"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Printf("goinit: files: %v\n", err)
		return false
	}
	want := bytes.Repeat([]byte("gokern "), 1000)
	name := dir + "/goinit.txt"
	if err := os.WriteFile(name, want, 0o644); err != nil {
		fmt.Printf("goinit: files: %v\n", err)
		return false
	}
	got, err := os.ReadFile(name)
	if err != nil {
		fmt.Printf("goinit: files: %v\n", err)
		return false
	}
	wrong := concurrentWrites(dir)
	ents, _ := os.ReadDir(dir)
	fmt.Printf("goinit: files: wrote %d bytes to %s, read back %d, equal %v, %d entries in %s\n",
		len(want), name, len(got), bytes.Equal(got, want), len(ents), dir)
	return st.Size() == int64(len(self)) && string(self[:4]) == "\x7fELF" && bytes.Equal(got, want) && wrong == 0
}

// concurrentWrites: 16 goroutines each pwrite one byte of a new file at
// once, as io's TestOffsetWriter_WriteAt does, 200 times; it prints and
// returns how many files did not read back whole. On several CPUs the
// writes meet in the file's first page: before the inode lock
// (fs.Inode_lock) two of them could each add a page for it, and the
// bytes written to the one replaced were lost.
func concurrentWrites(dir string) int {
	const files, writers = 200, 16
	want := []byte("0123456789ABCDEF")[:writers]
	wrong := 0
	for i := 0; i < files; i++ {
		name := fmt.Sprintf("%s/pwrite%d", dir, i)
		f, err := os.Create(name)
		if err != nil {
			fmt.Printf("goinit: files: %v\n", err)
			return files
		}
		var wg sync.WaitGroup
		for b := range want {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.WriteAt(want[b:b+1], int64(b))
			}()
		}
		wg.Wait()
		got := make([]byte, len(want)+1)
		n, _ := f.ReadAt(got, 0)
		if n != len(want) || !bytes.Equal(got[:n], want) {
			wrong++
			if wrong == 1 {
				fmt.Printf("goinit: files: %s reads %q, want %q\n", name, got[:n], want)
			}
		}
		f.Close()
		os.Remove(name)
	}
	fmt.Printf("goinit: files: %d files written by %d goroutines a byte each at once: %d wrong\n", files, writers, wrong)
	return wrong
}

// signals waits for SIGINT: ^C typed on the console (the tty's ISIG),
// or, with init.mode=signals and argument self, one sent by kill.
func signals() bool {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	fmt.Println("goinit: signals: waiting for SIGINT (press ^C)")
	if len(os.Args) > 2 && os.Args[2] == "self" {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}
	select {
	case s := <-c:
		fmt.Printf("goinit: signals: caught %v\n", s)
		return s == os.Interrupt
	case <-time.After(60 * time.Second):
		fmt.Println("goinit: signals: no SIGINT in 60s")
		return false
	}
}

// shell hands pid 1 over to busybox sh.
func shell() bool {
	for _, sh := range []string{"/bin/sh", "/bin/busybox"} {
		if _, err := os.Stat(sh); err == nil {
			fmt.Printf("goinit: shell: exec %s\n", sh)
			err := syscall.Exec(sh, []string{"sh"}, os.Environ())
			fmt.Printf("goinit: shell: exec %s: %v\n", sh, err)
			return false
		}
	}
	fmt.Println("goinit: shell: no /bin/sh in the initramfs")
	return false
}

var spins atomic.Uint64

// preempt: with GOMAXPROCS 1, a goroutine that loops without a function
// call can only be taken off its thread by asynchronous preemption: the
// runtime's sysmon sends SIGURG with tgkill, the kernel delivers it on
// the alternate stack, the handler switches goroutines. If that does not
// work, main never runs again and the test times out.
func preempt() bool {
	runtime.GOMAXPROCS(1)
	go func() {
		for {
			spins.Add(1)
		}
	}()
	// Give the P to the spinner first: from here on main runs again only
	// if the spinner is preempted (once to leave Gosched, once after the
	// sleep), whichever thread or CPU the kernel runs them on.
	for spins.Load() == 0 {
		runtime.Gosched()
	}
	t0 := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Printf("goinit: preempt: main ran again after %v, the spinning goroutine counted %d\n",
		time.Since(t0).Round(time.Millisecond), spins.Load())
	return spins.Load() > 0
}

// bench prints the figures: a channel ping-pong between two goroutines
// locked to two threads, time.Sleep(1ms) accuracy, and the GC pause.
func bench() bool {
	const rounds = 10000
	ping, pong := make(chan int), make(chan int)
	go func() {
		runtime.LockOSThread()
		for v := range ping {
			pong <- v + 1
		}
	}()
	runtime.LockOSThread()
	t0 := time.Now()
	for i := 0; i < rounds; i++ {
		ping <- i
		if <-pong != i+1 {
			return false
		}
	}
	rt := time.Since(t0) / rounds
	close(ping)
	var worst, sum time.Duration
	for i := 0; i < 20; i++ {
		t := time.Now()
		time.Sleep(time.Millisecond)
		d := time.Since(t)
		sum += d
		worst = max(worst, d)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("goinit: bench: channel ping-pong round trip %v; time.Sleep(1ms) mean %v worst %v; GC pause %v\n",
		rt, (sum / 20).Round(time.Microsecond), worst.Round(time.Microsecond), time.Duration(ms.PauseNs[(ms.NumGC+255)%256]))
	return true
}

// execMode: os/exec starts /init again (the runtime's vfork-style clone,
// then execve) with its stdout on a pipe, reads the pipe to EOF, then
// waits. The child (execChild) holds several threads and calls
// exit_group; the pipe's write end, in the descriptor table its threads
// share, closes only when the kernel has ended all of them (Linux
// zap_other_threads), so a kernel that ended only the calling thread
// leaves this read waiting for ever.
func execMode() bool {
	exe, err := os.Executable()
	if err != nil {
		fmt.Printf("goinit: exec: os.Executable: %v\n", err)
		return false
	}
	t0 := time.Now()
	cmd := exec.Command(exe, "exec-child")
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr // no /dev/null in this initramfs
	out, err := cmd.Output()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	fmt.Printf("goinit: exec: %s exec-child wrote %q and exited with status %d (%v) after %v\n",
		exe, out, code, err, time.Since(t0).Round(time.Millisecond))
	ok := code == 7 && strings.HasPrefix(string(out), "exec-child: pid ") && strings.Contains(string(out), " threads locked")
	return waitOtherThread(exe) && ok
}

// waitOtherThread: one thread forks a child and another waits for it,
// as a Go program's goroutines do when they move between Ms. wait4 and
// waitid look at the children of every thread of the process and sleep
// where any child's exit wakes them (Linux do_wait; gokern once looked
// only at the waiting thread's own children: "wait: no child
// processes").
func waitOtherThread(exe string) bool {
	cmd := exec.Command(exe, "exec-child")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, io.Discard, os.Stderr
	started, done := make(chan int, 1), make(chan struct{})
	go func() {
		runtime.LockOSThread() // kept: this thread stays the child's parent
		if err := cmd.Start(); err != nil {
			fmt.Printf("goinit: exec: start: %v\n", err)
			started <- 0
			return
		}
		started <- syscall.Gettid()
		<-done
	}()
	forker := <-started
	if forker == 0 {
		return false
	}
	type result struct {
		tid  int
		err  error
		code int
	}
	res := make(chan result)
	go func() {
		runtime.LockOSThread() // another thread: the forker's is locked
		err := cmd.Wait()
		code := -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
		res <- result{syscall.Gettid(), err, code}
	}()
	r := <-res
	close(done)
	fmt.Printf("goinit: exec: forked on thread %d, waited on thread %d: status %d (%v)\n", forker, r.tid, r.code, r.err)
	return r.tid != forker && r.code == 7
}

// execChild is the child of execMode: four goroutines each locked to a
// thread of its own and blocked, so the process has at least five
// threads, then a line and exit_group(7) from the main thread.
func execChild() {
	blockThreads(4)
	fmt.Printf("exec-child: pid %d, 4 threads locked\n", os.Getpid())
	os.Exit(7)
}

// reaper: a child process (reaper-child) checks that orphans stay in
// the process or go to it as a subreaper; two of its own children,
// one still running and one already a zombie, are orphaned when it
// exits, and init (this process) must be their parent then and reap
// them; no zombie is left.
func reaper() bool {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "reaper-child")
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	out, err := cmd.Output()
	fmt.Printf("%s", out)
	if err != nil {
		fmt.Printf("goinit: reaper: reaper-child: %v\n", err)
		return false
	}
	var running, zombie int
	if _, err := fmt.Sscanf(lastLine(string(out)), "reaper-child: orphans %d %d", &running, &zombie); err != nil {
		fmt.Printf("goinit: reaper: no orphans line: %v\n", err)
		return false
	}
	ok := true
	for _, c := range []struct {
		pid, status int
	}{{running, 11}, {zombie, 12}} {
		ppid, _ := procStat(c.pid)
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(c.pid, &ws, 0, nil)
		fmt.Printf("goinit: reaper: orphan %d: ppid %d, reaped by init: %d status %d (%v)\n", c.pid, ppid, got, ws.ExitStatus(), err)
		ok = ok && ppid == 1 && got == c.pid && ws.ExitStatus() == c.status
	}
	z := zombies()
	fmt.Printf("goinit: reaper: zombies left: %d\n", len(z))
	return ok && len(z) == 0
}

// futexWord is the word futexwait's thread waits on.
var futexWord uint32 = 0x2a

// futexwait puts a thread to sleep in FUTEX_WAIT on futexWord while it
// holds 0x2a, with a 1000 s timeout, and once /proc shows that thread
// asleep calls getppid (which the Go runtime never does) on the main
// thread: TestGDBThreads stops the kernel in sys_getppid and gk-threads
// must show both threads' system calls, the word's address and value and
// the timeout. Then it wakes the thread and ends.
func futexwait() bool {
	const futexWaitPrivate, futexWakePrivate = 0 | 128, 1 | 128
	runtime.LockOSThread() // getppid from the thread the line names
	defer runtime.UnlockOSThread()
	tidc := make(chan int)
	done := make(chan syscall.Errno)
	go func() {
		runtime.LockOSThread()
		tidc <- syscall.Gettid()
		ts := syscall.Timespec{Sec: 1000}
		for {
			_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&futexWord)), futexWaitPrivate, 0x2a,
				uintptr(unsafe.Pointer(&ts)), 0, 0)
			if e != syscall.EINTR {
				done <- e
				return
			}
		}
	}()
	tid := <-tidc
	// Asleep twice 20 ms apart: in the wait, not on its way to it.
	for asleep, i := 0, 0; asleep < 2; i++ {
		if _, st := procStat(tid); st == 'S' {
			asleep++
		} else {
			asleep = 0
		}
		if i == 500 {
			fmt.Printf("goinit: futexwait: thread %d never slept\n", tid)
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("goinit: futexwait: thread %d waits on %#x (0x2a, timeout 1000 s); getppid from thread %d\n",
		tid, uintptr(unsafe.Pointer(&futexWord)), syscall.Gettid())
	syscall.Getppid()
	atomic.StoreUint32(&futexWord, 0)
	syscall.Syscall(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&futexWord)), futexWakePrivate, 1)
	e := <-done
	fmt.Printf("goinit: futexwait: woken (%v)\n", e)
	return e == 0 || e == syscall.EAGAIN
}

// StopcontRounds is how many times the stopcont mode stops and continues
// its child.
const StopcontRounds = 1000

// stopcont stops its child with SIGSTOP and continues it with SIGCONT
// at once, StopcontRounds times, as os/exec's TestWaitid does once; after
// each SIGCONT the child, blocked in a read of its stdin pipe when the
// SIGSTOP came, must echo a byte within 10 s. A SIGCONT that came while
// the child's thread was between dequeuing the SIGSTOP and stopping was
// lost, and the thread stayed stopped for ever (TestWaitid hung at
// -smp 4). On a timeout the child's threads' states (/proc/<pid>/task)
// are printed and the mode fails.
func stopcont() bool {
	exe, _ := os.Executable()
	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	if err1 != nil || err2 != nil {
		fmt.Printf("goinit: stopcont: pipe: %v %v\n", err1, err2)
		return false
	}
	c := exec.Command(exe, "stopcont-child")
	c.Stdin, c.Stdout, c.Stderr = inR, outW, os.Stderr
	if err := c.Start(); err != nil {
		fmt.Printf("goinit: stopcont: start: %v\n", err)
		return false
	}
	inR.Close()
	outW.Close()
	pid := c.Process.Pid
	start := time.Now()
	stopped := 0
	var b [1]byte
	for i := 0; i < StopcontRounds; i++ {
		syscall.Kill(pid, syscall.SIGSTOP)
		// Most rounds send SIGCONT at once; some wait a little, so
		// that it lands anywhere on the child's way into its stop.
		for spin := 0; spin < (i%8)*2000; spin++ {
		}
		if _, st := procStat(pid); st == 'T' {
			stopped++
		}
		syscall.Kill(pid, syscall.SIGCONT)
		b[0] = byte(i)
		if _, err := inW.Write(b[:]); err != nil {
			fmt.Printf("goinit: stopcont: round %d: write: %v\n", i, err)
			c.Process.Kill()
			c.Wait()
			return false
		}
		outR.SetReadDeadline(time.Now().Add(10 * time.Second))
		b[0] = 0
		if _, err := io.ReadFull(outR, b[:]); err != nil || b[0] != byte(i) {
			fmt.Printf("goinit: stopcont: round %d: no echo of %d 10 s after SIGCONT (read %d, %v); the child's threads:", i, byte(i), b[0], err)
			ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
			for _, e := range ents {
				tid, _ := strconv.Atoi(e.Name())
				_, st := procStat(tid)
				fmt.Printf(" %d %c", tid, st)
			}
			fmt.Println()
			c.Process.Kill()
			c.Wait()
			return false
		}
	}
	inW.Close()
	err := c.Wait()
	fmt.Printf("goinit: stopcont: %d rounds of SIGSTOP, SIGCONT and an echo in %v (%d seen stopped), child's exit: %v\n",
		StopcontRounds, time.Since(start).Round(time.Millisecond), stopped, err)
	return err == nil
}

// stopcontChild echoes its stdin to its stdout, a byte at a time, until
// EOF, in blocking reads on the main thread.
func stopcontChild() {
	var b [1]byte
	for {
		n, err := syscall.Read(0, b[:])
		if n == 1 {
			syscall.Write(1, b[:])
			continue
		}
		if err == syscall.EINTR {
			continue
		}
		os.Exit(0)
	}
}

// GroupexitChildren is how many children the groupexit mode runs.
const GroupexitChildren = 64

// groupexit runs GroupexitChildren children, two at a time, each a Go
// program whose goroutines sleep and wake on every P, so that its threads
// are always going in and out of FUTEX_WAIT, when its main goroutine ends
// it with exit_group after 1 to 5 ms. Each must die with its own status
// and be reaped by the wait: a thread that missed the group's SIGKILL
// (one that was on its way into FUTEX_WAIT when it came, before the
// scheduler's signal_pending_state check) slept for ever and kept its
// zombie leader from being reaped, and the wait never ended (the
// reaper/smp4 hang). A child not reaped after 20 s is reported (its
// /proc/<pid>/stat), and the wait goes on.
func groupexit() bool {
	exe, _ := os.Executable()
	start := time.Now()
	var bad atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < GroupexitChildren; i += 2 {
				cmd := exec.Command(exe, "groupexit-child", strconv.Itoa(i))
				cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
				if err := cmd.Start(); err != nil {
					fmt.Printf("goinit: groupexit: child %d: %v\n", i, err)
					bad.Add(1)
					continue
				}
				pid := cmd.Process.Pid
				slow := time.AfterFunc(20*time.Second, func() {
					b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
					fmt.Printf("goinit: groupexit: child %d (pid %d) not reaped after 20s: %s\n", i, pid, strings.TrimSpace(string(b)))
				})
				err := cmd.Wait()
				slow.Stop()
				if want := 1 + i%100; cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != want {
					fmt.Printf("goinit: groupexit: child %d (pid %d): %v, want exit status %d\n", i, pid, err, want)
					bad.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	z := zombies()
	fmt.Printf("goinit: groupexit: %d children ended by exit_group in %v, %d wrong, zombies left: %d\n",
		GroupexitChildren, time.Since(start).Round(time.Millisecond), bad.Load(), len(z))
	return bad.Load() == 0 && len(z) == 0
}

// groupexitChild is a groupexit child: two goroutines per P sleep 20 to
// 90 us in a loop and wake each other over a channel, and after 1 to 5 ms
// main ends the process with exit_group, status 1 + i%100.
func groupexitChild(arg string) {
	i, _ := strconv.Atoi(arg)
	ping := make(chan int)
	for g := 0; g < 2*runtime.GOMAXPROCS(0); g++ {
		go func(g int) {
			for {
				time.Sleep(time.Duration(20+g*10%70) * time.Microsecond)
				select {
				case ping <- g:
				case <-ping:
				default:
				}
			}
		}(g)
	}
	time.Sleep(time.Duration(1+i%5) * time.Millisecond)
	os.Exit(1 + i%100)
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

// procStat is /proc/<pid>/stat's ppid and state, or -1 and 0.
func procStat(pid int) (int, byte) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1, 0
	}
	i := strings.LastIndexByte(string(b), ')')
	var state byte
	var ppid int
	if i < 0 {
		return -1, 0
	}
	if _, err := fmt.Sscanf(string(b[i+1:]), " %c %d", &state, &ppid); err != nil {
		return -1, 0
	}
	return ppid, state
}

// zombies lists the pids /proc shows in state Z.
func zombies() []int {
	ents, _ := os.ReadDir("/proc")
	var z []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, st := procStat(pid); st == 'Z' {
			z = append(z, pid)
		}
	}
	return z
}

// startSleeper starts /init reaper-sleeper ms status: a child that
// sleeps ms milliseconds and exits with status.
func startSleeper(ms, status int) *exec.Cmd {
	exe, _ := os.Executable()
	c := exec.Command(exe, "reaper-sleeper", strconv.Itoa(ms), strconv.Itoa(status))
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stderr, os.Stderr
	if err := c.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "reaper: start: %v\n", err)
		return nil
	}
	return c
}

// reaperHelper runs the reaper mode's processes: reaper-sleeper,
// reaper-middle (starts a sleeper, prints its pid, exits at once) and
// reaper-child (the checks; its last line names its two orphans).
func reaperHelper(role string, args []string) int {
	switch role {
	case "reaper-sleeper":
		ms, _ := strconv.Atoi(args[0])
		st, _ := strconv.Atoi(args[1])
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return st
	case "reaper-middle":
		c := startSleeper(300, 14)
		if c == nil {
			return 1
		}
		fmt.Println(c.Process.Pid)
		return 0
	case "reaper-child":
		return reaperChild()
	}
	return 1
}

// reaperChild: (1) a thread forks a child and ends; the child's parent
// is still this process (another thread of it), whose wait4 reaps it;
// (2) as a child subreaper it adopts the child of a child that exited;
// (3) it leaves one running child and one zombie to init.
func reaperChild() int {
	pid := os.Getpid()
	fail := 0
	// (1) The forking thread ends: a goroutine locked to its thread
	// that returns without unlocking takes the thread with it (the main
	// goroutine holds the main thread, which Go never ends: init above).
	runtime.LockOSThread()
	pidc := make(chan [2]int)
	go func() {
		runtime.LockOSThread()
		c := startSleeper(300, 13)
		if c == nil {
			pidc <- [2]int{-1, -1}
			return
		}
		pidc <- [2]int{c.Process.Pid, syscall.Gettid()}
	}()
	r := <-pidc
	g1, forker := r[0], r[1]
	gone := false
	for i := 0; i < 100 && !gone; i++ {
		time.Sleep(10 * time.Millisecond) // the thread's exit
		gone = !exists(fmt.Sprintf("/proc/%d", forker))
	}
	ppid, _ := procStat(g1)
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(g1, &ws, 0, nil)
	fmt.Printf("reaper-child: pid %d: child %d of thread %d, which ended (%v): ppid %d, wait4 %d status %d (%v)\n", pid, g1, forker, gone, ppid, got, ws.ExitStatus(), err)
	if forker == pid || !gone || ppid != pid || got != g1 || ws.ExitStatus() != 13 {
		fail |= 1
	}
	// (2) A child subreaper adopts its orphaned grandchild.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0); e != 0 {
		fmt.Printf("reaper-child: PR_SET_CHILD_SUBREAPER: %v\n", e)
		fail |= 2
	}
	var is int32
	syscall.RawSyscall(syscall.SYS_PRCTL, 37 /* PR_GET_CHILD_SUBREAPER */, uintptr(unsafe.Pointer(&is)), 0)
	exe, _ := os.Executable()
	mid := exec.Command(exe, "reaper-middle")
	mid.Stdin, mid.Stderr = os.Stdin, os.Stderr
	out, err := mid.Output()
	g2, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	ppid, _ = procStat(g2)
	got, err2 := syscall.Wait4(g2, &ws, 0, nil)
	fmt.Printf("reaper-child: subreaper %d: grandchild %d (middle: %v): ppid %d, wait4 %d status %d (%v)\n", is, g2, err, ppid, got, ws.ExitStatus(), err2)
	if is != 1 || ppid != pid || got != g2 || ws.ExitStatus() != 14 {
		fail |= 4
	}
	// (3) Orphans for init: one running, one a zombie.
	run := startSleeper(500, 11)
	zom := startSleeper(0, 12)
	if run == nil || zom == nil {
		return 8
	}
	for i := 0; i < 200; i++ {
		if _, st := procStat(zom.Process.Pid); st == 'Z' {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, st := procStat(zom.Process.Pid)
	fmt.Printf("reaper-child: leaving child %d running and child %d in state %c to init\n", run.Process.Pid, zom.Process.Pid, st)
	fmt.Printf("reaper-child: orphans %d %d\n", run.Process.Pid, zom.Process.Pid)
	if st != 'Z' {
		fail |= 16
	}
	return fail
}

// badbin execs the bad programs the test put in the initramfs, each
// named after what is wrong with it, and checks Linux's errors.
func badbin() bool {
	ok := true
	for _, c := range []struct {
		path string
		want syscall.Errno
	}{{"/arm64", syscall.ENOEXEC}, {"/dynamic", syscall.ENOENT}} {
		cmd := exec.Command(c.path)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr // no /dev/null here
		err := cmd.Run()
		fmt.Printf("goinit: badbin: %s: %v (want %v: %v)\n", c.path, err, c.want, errors.Is(err, c.want))
		ok = ok && errors.Is(err, c.want)
	}
	return ok
}

// oom runs oomChild and checks that it died and that its memory came
// back: MemFree after its end is at least MemFree before it, less 1 MiB
// for this process's own allocations (the child ate tens of MiB).
func oom() bool {
	exe, _ := os.Executable()
	runtime.GC()
	before := memFree()
	cmd := exec.Command(exe, "oom-child")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	runtime.GC()
	after := memFree()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	died := ws.Signaled() && ws.Signal() == syscall.SIGKILL || ws.Exited() && ws.ExitStatus() == 2
	fmt.Printf("goinit: oom: child: %v (killed by SIGKILL or the runtime's exit 2: %v); MemFree %d kB before, %d kB after\n",
		err, died, before, after)
	return died && before > 0 && after+1024 >= before
}

// memFree is /proc/meminfo's MemFree in kB, or 0.
func memFree() int {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MemFree:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// oomChild allocates 1 MiB blocks and touches every page, keeping them
// all, until the kernel or the runtime stops it.
func oomChild() {
	var keep [][]byte
	for i := 0; ; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
		if i%16 == 0 {
			fmt.Printf("oom-child: %d MiB\n", len(keep))
		}
	}
}

// DethreadThreads: the threads the dethread child blocks before its
// exec, more than a new Go program starts with, so that any left over
// shows in the new program's Threads count.
const DethreadThreads = 12

// dethread runs dethreadChild and checks what it reports after its exec
// (Linux fs/exec.c de_thread): the exit status says which check failed.
func dethread() bool {
	exe, err := os.Executable()
	if err != nil {
		fmt.Printf("goinit: dethread: os.Executable: %v\n", err)
		return false
	}
	cmd := exec.Command(exe, "dethread-child")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Printf("goinit: dethread: start: %v\n", err)
		return false
	}
	pid := cmd.Process.Pid
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	fmt.Printf("goinit: dethread: child %d exited with status %d (%v)\n", pid, code, err)
	return code == 0
}

// dethreadChild: the main goroutine keeps the main thread (locked), so
// the goroutine that execs runs on another thread; DethreadThreads more
// goroutines hold threads of their own, blocked, when it does.
func dethreadChild() {
	runtime.LockOSThread()
	blockThreads(DethreadThreads)
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		pid, tid := syscall.Getpid(), syscall.Gettid()
		fmt.Printf("dethread-child: pid %d, exec from thread %d (not the leader: %v), %d threads\n",
			pid, tid, tid != pid, threadCount())
		exe, _ := os.Executable()
		errc <- syscall.Exec(exe, []string{exe, "dethread-after", strconv.Itoa(pid), strconv.Itoa(syscall.Getppid()),
			strconv.Itoa(tid), strconv.FormatBool(tid != pid)}, os.Environ())
	}()
	fmt.Printf("dethread-child: exec: %v\n", <-errc)
	os.Exit(3)
}

// dethreadAfter is the program dethreadChild's thread exec'd; args: the
// pid, ppid and tid before the exec, and whether that thread was not
// the leader. It exits 0 if the process kept its pid and parent, is its
// own leader, and has fewer threads than the old program's blocked ones.
func dethreadAfter(args []string) int {
	pid, tid, ppid := syscall.Getpid(), syscall.Gettid(), syscall.Getppid()
	n := threadCount()
	fmt.Printf("dethread-after: pid %d (was %s), tid %d, ppid %d (was %s), exec'd by thread %s (not the leader: %s), %d threads now\n",
		pid, args[0], tid, ppid, args[1], args[2], args[3], n)
	switch {
	case args[3] != "true":
		return 4 // the exec did not come from a non-leader thread: no test
	case strconv.Itoa(pid) != args[0] || strconv.Itoa(ppid) != args[1]:
		return 5
	case tid != pid:
		return 6
	case n <= 0 || n >= DethreadThreads:
		return 7
	}
	return 0
}

// threadCount is the Threads line of /proc/self/status, or -1.
func threadCount() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// blockThreads starts n goroutines, each locked to a thread of its own
// and blocked for ever, and returns once all of them run: the process
// then has at least n threads besides the caller's.
func blockThreads(n int) {
	var ready sync.WaitGroup
	block := make(chan struct{})
	for i := 0; i < n; i++ {
		ready.Add(1)
		go func() {
			runtime.LockOSThread()
			ready.Done()
			<-block
		}()
	}
	ready.Wait()
}

// attrs: the attribute calls the os package makes, each checked by
// reading the inode back with stat — chmod, chown (-1 keeps the group),
// utimensat with two times, with UTIME_OMIT for one, and with NULL
// (now), mknodat of a FIFO, and os.Root.Chmod, which is fchmodat2 with
// AT_SYMLINK_NOFOLLOW and must refuse a symbolic link.
func attrs() bool {
	dir, err := os.MkdirTemp("", "attrs")
	if err != nil {
		fmt.Printf("goinit: attrs: %v\n", err)
		return false
	}
	name := dir + "/f"
	ok := true
	check := func(what string, good bool, got any) {
		fmt.Printf("goinit: attrs: %s: %v (%v)\n", what, good, got)
		ok = ok && good
	}
	st := func(p string) *syscall.Stat_t {
		var s syscall.Stat_t
		if err := syscall.Lstat(p, &s); err != nil {
			fmt.Printf("goinit: attrs: lstat %s: %v\n", p, err)
			return &syscall.Stat_t{}
		}
		return &s
	}
	err = os.WriteFile(name, []byte("x"), 0o644)
	check("create", err == nil, err)
	err = syscall.Chmod(name, 0o4751)
	check("chmod 04751", err == nil && st(name).Mode&0o7777 == 0o4751, fmt.Sprintf("%v mode %o", err, st(name).Mode&0o7777))
	err = os.Chown(name, 1000, -1)
	s := st(name)
	check("chown 1000 -1", err == nil && s.Uid == 1000 && s.Gid == 0, fmt.Sprintf("%v uid %d gid %d", err, s.Uid, s.Gid))
	// A change of owner clears set-user-ID, and set-group-ID with
	// group execute, even by root; set-group-ID without group execute
	// (a mandatory-locking mark) and a directory's bits stay (Linux
	// chown_common: ATTR_KILL_SUID, setattr_should_drop_sgid).
	check("chown cleared set-user-ID (04751 -> 0751)", s.Mode&0o7777 == 0o751, fmt.Sprintf("mode %o", s.Mode&0o7777))
	for _, c := range []struct {
		mode, want uint32
		how        string
	}{{0o2755, 0o755, "chown"}, {0o2745, 0o2745, "chown"}, {0o6711, 0o711, "fchown"}, {0o4644, 0o644, "lchown"}} {
		syscall.Chmod(name, c.mode)
		switch c.how {
		case "chown":
			err = syscall.Chown(name, -1, 0)
		case "fchown":
			if f, e := os.Open(name); e == nil {
				err = f.Chown(-1, 0)
				f.Close()
			} else {
				err = e
			}
		case "lchown":
			err = syscall.Lchown(name, 0, -1)
		}
		m := st(name).Mode & 0o7777
		check(fmt.Sprintf("%s of a %#o file leaves %#o", c.how, c.mode, c.want), err == nil && m == c.want, fmt.Sprintf("%v mode %#o", err, m))
	}
	os.Mkdir(dir+"/sgid", 0o755)
	syscall.Chmod(dir+"/sgid", 0o2775)
	err = syscall.Chown(dir+"/sgid", -1, 0)
	m := st(dir+"/sgid").Mode & 0o7777
	check("chown of a 02775 directory leaves 02775", err == nil && m == 0o2775, fmt.Sprintf("%v mode %#o", err, m))
	at, mt := time.Unix(1000000000, 123456789), time.Unix(2000000000, 987654321)
	err = os.Chtimes(name, at, mt)
	s = st(name)
	check("utimensat", err == nil && s.Atim.Sec == 1000000000 && s.Atim.Nsec == 123456789 && s.Mtim.Sec == 2000000000 && s.Mtim.Nsec == 987654321,
		fmt.Sprintf("%v atime %d.%09d mtime %d.%09d", err, s.Atim.Sec, s.Atim.Nsec, s.Mtim.Sec, s.Mtim.Nsec))
	err = os.Chtimes(name, time.Time{}, time.Unix(3, 0)) // zero Time: UTIME_OMIT
	s = st(name)
	check("utimensat UTIME_OMIT atime", err == nil && s.Atim.Sec == 1000000000 && s.Mtim.Sec == 3, fmt.Sprintf("%v atime %d mtime %d", err, s.Atim.Sec, s.Mtim.Sec))
	err = utimensatNow(name)
	check("utimensat NULL (now)", err == nil && st(name).Mtim.Sec != 3, fmt.Sprintf("%v mtime %d", err, st(name).Mtim.Sec))
	fifo := dir + "/fifo"
	err = syscall.Mkfifo(fifo, 0o600)
	check("mkfifo", err == nil && st(fifo).Mode&syscall.S_IFMT == syscall.S_IFIFO, fmt.Sprintf("%v mode %o", err, st(fifo).Mode))
	root, err := os.OpenRoot(dir)
	if err != nil {
		check("OpenRoot", false, err)
		return false
	}
	defer root.Close()
	err = root.Chmod("f", 0o600)
	check("Root.Chmod (fchmodat2)", err == nil && st(name).Mode&0o7777 == 0o600, fmt.Sprintf("%v mode %o", err, st(name).Mode&0o7777))
	os.Symlink("f", dir+"/link")
	err = syscall.Fchmodat(int(rootFd(root)), "link", 0o644, 0x100) // AT_SYMLINK_NOFOLLOW
	check("fchmodat2 on a symlink is EOPNOTSUPP", err == syscall.EOPNOTSUPP, err)
	// The chown family's credentials (Linux chown_ok, chgrp_ok), from a
	// child of uid 1000, groups 1000 and 2000, on its own file and on
	// root's.
	os.Chmod(dir, 0o777)
	err = os.WriteFile(dir+"/roots", nil, 0o644)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "chown-child", dir)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1000, Gid: 1000, Groups: []uint32{2000}}}
	if err == nil {
		err = cmd.Run()
	}
	check("chown as uid 1000 with groups 1000 and 2000 (chown-child's checks)", err == nil, err)
	return ok
}

// chownChild runs as uid 1000, gid 1000, groups 2000 (attrs' child):
// only root may give a file away; the owner may change its group to
// one of its own; a file of root's it may not change. Exit 0 if every
// answer is Linux's.
func chownChild(dir string) int {
	fail := 0
	mine, roots := dir+"/mine", dir+"/roots"
	if err := os.WriteFile(mine, nil, 0o644); err != nil {
		fmt.Printf("chown-child: create: %v\n", err)
		return 1
	}
	for _, c := range []struct {
		what     string
		name     string
		uid, gid int
		want     error
	}{
		{"give my file to root", mine, 0, -1, syscall.EPERM},
		{"give my file to myself", mine, 1000, -1, nil},
		{"my file to supplementary group 2000", mine, -1, 2000, nil},
		{"my file back to my group 1000", mine, -1, 1000, nil},
		{"my file to group 3000, not mine", mine, -1, 3000, syscall.EPERM},
		{"root's file to my group 2000", roots, -1, 2000, syscall.EPERM},
		{"root's file to me", roots, 1000, -1, syscall.EPERM},
	} {
		err := os.Chown(c.name, c.uid, c.gid)
		good := errors.Is(err, c.want) || err == nil && c.want == nil
		fmt.Printf("chown-child: %s: %v (%v)\n", c.what, good, err)
		if !good {
			fail = 1
		}
	}
	var s syscall.Stat_t
	syscall.Stat(mine, &s)
	fmt.Printf("chown-child: my file is %d:%d\n", s.Uid, s.Gid)
	if s.Uid != 1000 || s.Gid != 1000 {
		fail = 1
	}
	return fail
}

// rootFd opens the root's directory again for a raw *at call.
func rootFd(r *os.Root) uintptr {
	f, err := r.Open(".")
	if err != nil {
		return ^uintptr(0)
	}
	return f.Fd()
}

// utimensatNow is utimensat(AT_FDCWD, name, NULL, 0): both times now
// (the syscall package always passes two times).
func utimensatNow(name string) error {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return err
	}
	const atFdcwd = -100
	if _, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(atFdcwd&(1<<64-1)), uintptr(unsafe.Pointer(p)), 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// rlimits: the resource limits are the process's. RLIMIT_NOFILE set
// to 16 from another thread holds for main's (the threads share them);
// opens stop at 16 descriptors (-EMFILE), dup2 to 16 is -EBADF and
// F_DUPFD from 16 -EINVAL; a child started by os/exec inherits the
// limit, and RLIMIT_STACK 1 MiB gives it a 1 MiB stack, where RLIMIT_AS
// then stops an mmap that would pass it.
func rlimits() bool {
	// main stays on its thread, the setter on another of its own.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	done := make(chan error)
	setter := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		setter <- syscall.Gettid()
		done <- syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 16, Max: 16})
	}()
	ok := true
	check := func(what string, good bool, got any) {
		fmt.Printf("goinit: rlimits: %s: %v (%v)\n", what, good, got)
		ok = ok && good
	}
	err := <-done
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	tid := <-setter
	check("RLIMIT_NOFILE set on another thread, read on main's", err == nil && tid != syscall.Gettid() && rl.Cur == 16 && rl.Max == 16,
		fmt.Sprintf("%v, set on thread %d, read on %d: %d/%d", err, tid, syscall.Gettid(), rl.Cur, rl.Max))
	maxfd, n := -1, 0
	var eno error
	for i := 0; i < 100; i++ {
		fd, err := syscall.Open("/init", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			eno = err
			break
		}
		n++
		maxfd = max(maxfd, fd)
	}
	check("opens stop below 16 with EMFILE", eno == syscall.EMFILE && maxfd == 15, fmt.Sprintf("%d opened, highest fd %d, then %v", n, maxfd, eno))
	err = syscall.Dup2(0, 16)
	check("dup2(0, 16) is EBADF", err == syscall.EBADF, err)
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, 0, syscall.F_DUPFD, 16)
	check("fcntl(0, F_DUPFD, 16) is EINVAL", e == syscall.EINVAL, e)
	for fd := 3; fd <= maxfd; fd++ {
		if fd > 4 { // keep the runtime's epoll and eventfd (3, 4)
			syscall.Close(fd)
		}
	}
	err = syscall.Setrlimit(syscall.RLIMIT_STACK, &syscall.Rlimit{Cur: 1 << 20, Max: 1<<64 - 1})
	check("setrlimit(RLIMIT_STACK, 1 MiB)", err == nil, err)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "rlimits-child")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	check("the child's checks", err == nil, err)
	return ok
}

// rlimitsChild runs in the child of rlimits: its limits came from the
// parent, its stack VMA is RLIMIT_STACK's size, and an RLIMIT_AS just
// above its address space's size refuses a larger mmap. It exits 0 if
// all held.
func rlimitsChild() int {
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	bad := 0
	say := func(what string, good bool, got any) {
		fmt.Printf("goinit: rlimits-child: %s: %v (%v)\n", what, good, got)
		if !good {
			bad = 1
		}
	}
	say("RLIMIT_NOFILE inherited", rl.Cur == 16 && rl.Max == 16, fmt.Sprintf("%d/%d", rl.Cur, rl.Max))
	maps, _ := os.ReadFile("/proc/self/maps")
	var stack, total uint64
	for _, l := range strings.Split(string(maps), "\n") {
		var lo, hi uint64
		if _, err := fmt.Sscanf(l, "%x-%x", &lo, &hi); err != nil {
			continue
		}
		total += hi - lo
		if strings.HasSuffix(l, "[stack]") {
			stack = hi - lo
		}
	}
	say("the stack VMA is RLIMIT_STACK's 1 MiB", stack == 1<<20, fmt.Sprintf("%d bytes", stack))
	err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: total + 8<<20, Max: 1<<64 - 1})
	_, err1 := syscall.Mmap(-1, 0, 64<<20, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	b, err2 := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err2 == nil {
		syscall.Munmap(b)
	}
	say("RLIMIT_AS at the size + 8 MiB: 64 MiB mmap is ENOMEM, 1 MiB is not", err == nil && err1 == syscall.ENOMEM && err2 == nil,
		fmt.Sprintf("setrlimit %v, 64 MiB %v, 1 MiB %v, address space %d MiB", err, err1, err2, total>>20))
	return bad
}
