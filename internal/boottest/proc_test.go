package boottest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of issue 14's processes: user/proctest runs as init
// (rdinit=/proctest -- <mode>) and checks what the system calls return;
// its lines say what it saw, and the kernel's line at init's exit says
// what is left behind (every user page freed, no process left, the COW
// counts), which the tests check too.

// procExit matches the kernel's line at init's exit (kernel/exec
// init_exit).
var procExit = regexp.MustCompile(`exit: init \(pid 1\) exits after (\d+) forks \((\d+) refused at threads-max (\d+), \d+ at RLIMIT_NPROC\); copy-on-write: (\d+) pages shared, (\d+) copied, (\d+) reused; (\d+) user pages and (\d+) other processes left`)

// procRun boots proctest in mode and checks it passed, its lines, and the
// exit line: no user page and no other process left. It returns the exit
// line's numbers: forks, refused, threads-max, shared, copied, reused.
func procRun(t *testing.T, mode, mem string, want ...string) (*q.Result, [6]int) {
	t.Helper()
	r := q.Boot(t, q.Config{Initrd: initInitrd(t), Mem: mem, Append: "rdinit=/proctest -- " + mode})
	if strings.Contains(r.Output, "proctest: FAIL") || !strings.Contains(r.Output, "proctest: PASS") {
		t.Fatalf("proctest %s failed\n%s", mode, r.Describe())
	}
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, want...)
	m := procExit.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no exit line\n%s", r.Describe())
	}
	t.Logf("%s", m[0])
	var n [8]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	if n[6] != 0 || n[7] != 0 {
		t.Errorf("after every process exited: %d user pages and %d processes left\n%s", n[6], n[7], r.Describe())
	}
	return r, [6]int(n[:6])
}

// TestProcTLS: arch_prctl's four codes and three errors; the user's FS
// and GS bases survive system calls, ticks taken in user mode (the
// program's user time, from getrusage, grows by 40 ms while it only
// reads %fs:0 and %gs:0), and context switches between a parent and a
// child with different bases (each is preempted at least 3 times while
// the other runs). Without the entry code's FS switch the kernel reads
// its g through the user's FS and dies at the first system call; without
// __switch_to's save_fsgs/x86_fsgsbase_load the child's base leaks into
// the parent and the parent fails check 20.
func TestProcTLS(t *testing.T) {
	t.Parallel()
	r, _ := procRun(t, "tls", "", "proctest: arch_prctl: SET_FS/GET_FS, SET_GS/GET_GS; a kernel address -EPERM, a bad pointer -EFAULT, a bad code -EINVAL",
		"proctest: %fs:0 and %gs:0 survived 1000 system calls",
		"proctest: %fs:0 and %gs:0 survived ticks in user mode, user time ",
		"proctest: parent and child kept their own %fs:0 and %gs:0 across context switches, involuntary switches ")
	m := regexp.MustCompile(`involuntary switches (\d+)`).FindStringSubmatch(r.Output)
	if n, _ := strconv.Atoi(m[1]); n < 3 {
		t.Errorf("%d involuntary switches", n)
	}
}

// TestProcFork: copy-on-write seen from both sides, wait4's statuses
// (exit(7) 0x700, SIGSEGV 11), WNOHANG, waitid's siginfo, -ECHILD, and an
// orphan reparented to init and reaped by it; behind them, the kernel
// shared pages copy-on-write at each fork, copied on the parent's write
// and reused on the last writer's, and freed every user page.
func TestProcFork(t *testing.T) {
	t.Parallel()
	_, n := procRun(t, "fork", "", "proctest: fork: parent and child each see their own write (copy-on-write)",
		"proctest: wait4: exit(7) gives status 0x700",
		"proctest: wait4: a NULL dereference gives status 11 (SIGSEGV)",
		"proctest: wait4 WNOHANG 0 while the child runs; waitid: SIGCHLD, CLD_EXITED, the pid, status 5",
		"proctest: wait4 with no children: -ECHILD",
		"proctest: an orphan is reparented to init (getppid 1) and init reaps it: status 0x900",
		"]: segfault at 0 ip ")
	if n[3] == 0 || n[4] == 0 || n[5] == 0 {
		t.Errorf("copy-on-write: %d pages shared, %d copied, %d reused: want all > 0", n[3], n[4], n[5])
	}
}

// TestProcExec: execve from user mode refuses a missing file (-ENOENT),
// a script (-ENOEXEC) and bad pointers in the name, argv[1] and argv
// (-EFAULT) without harm to the caller; a vfork child execs the program
// again with an argument and an environment, the descriptor opened with
// O_CLOEXEC is closed in it and the other is open, and its exit(42)
// comes back to the parent's wait4 as 0x2a00.
func TestProcExec(t *testing.T) {
	t.Parallel()
	procRun(t, "exec", "", "proctest: execve: -ENOENT, -ENOEXEC, -EFAULT (name, argv[1], argv)",
		"proctest: exec'd child: argv, envp, O_CLOEXEC closed fd 3, fd 4 open",
		"proctest: vfork + execve: the child's exit(42) came back")
}

// TestProcBomb: a fork bomb — every process forks until fork fails —
// is stopped by threads-max with -EAGAIN; init reaps every process
// (children and the orphans it adopted, all with status 0) and forks
// again; the kernel refused forks, counted, and every page came back.
func TestProcBomb(t *testing.T) {
	t.Parallel()
	r, n := procRun(t, "bomb", "128M", "proctest: fork bomb stopped by -EAGAIN; init reaped ",
		"proctest: after the bomb, fork works again")
	if n[1] == 0 || n[2] < 20 {
		t.Errorf("%d forks refused at threads-max %d", n[1], n[2])
	}
	m := regexp.MustCompile(`init reaped (\d+)`).FindStringSubmatch(r.Output)
	if reaped, _ := strconv.Atoi(m[1]); reaped < n[2]/2 {
		t.Errorf("init reaped %d processes, threads-max is %d", reaped, n[2])
	}
}

// TestProcOOM: a process that touches more anonymous memory than the
// machine has is killed with SIGKILL and Linux's "Out of memory: Killed
// process" line; init sees status 9, forks again, and every page of the
// dead process is free again.
func TestProcOOM(t *testing.T) {
	t.Parallel()
	procRun(t, "oom", "64M", "proctest: the child that ate all memory was killed by SIGKILL", "Out of memory: Killed process ")
}

// TestProcFigures: fork + exit + wait4 round trips from user mode and
// the pipe ping-pong between two processes (issue 14's context-switch
// figure), in TSC cycles (TCG), and the in-kernel COW fault figures.
func TestProcFigures(t *testing.T) {
	t.Parallel()
	r, _ := procRun(t, "bench", "", "proctest: fork+exit+wait round trip, TSC cycles: ",
		"proctest: pipe ping-pong between two processes, round trip, TSC cycles: ")
	m := regexp.MustCompile(`fork\+exit\+wait round trip, TSC cycles: (\d+)`).FindStringSubmatch(r.Output)
	p := regexp.MustCompile(`pipe ping-pong between two processes, round trip, TSC cycles: (\d+)`).FindStringSubmatch(r.Output)
	t.Logf("TCG: fork+exit+wait %s TSC cycles; pipe ping-pong round trip (two switches) %s TSC cycles", m[1], p[1])
}
