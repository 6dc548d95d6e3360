package boottest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of the scheduler (kernel/sched, issue 14 item 1): rest_init's
// threads and the task list, a kernel thread's stack overflow, the
// context-switch figure, and gk-ps. The KTAP selftests (sched_*) run in
// every selftest=all boot.

var (
	psLineRE = regexp.MustCompile(`(?m)^\[[ .0-9]+\] +(\d+) +(\d+) ([RSDZXN]) (\S+) +([0-9a-f]{16})-([0-9a-f]{16}) +(\d+) +(\d+) (\S+)\r?$`)
	gkPsRE   = regexp.MustCompile(`(?m)^ *(\d+) +(\d+) ([RSDZXN]) (\S+) +([0-9a-f]{16})-([0-9a-f]{16}) +(\d+) +(\d+) (\S+)(  >)?$`)
)

type psLine struct {
	pid, ppid         int
	state, comm       string
	stackLo, stackTop string
	wchan             string
	onCPU             bool
}

func parsePs(re *regexp.Regexp, out string) []psLine {
	var ps []psLine
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		pid, _ := strconv.Atoi(m[1])
		ppid, _ := strconv.Atoi(m[2])
		l := psLine{pid: pid, ppid: ppid, state: m[3], comm: m[4], stackLo: m[5], stackTop: m[6], wchan: m[9]}
		if len(m) > 10 && m[10] != "" {
			l.onCPU = true
		}
		ps = append(ps, l)
	}
	return ps
}

// TestRestInit: "ps" prints the task list kernel_init sees: init_task
// (pid 0, the idle task, on the boot stack sched_init named, runnable but
// switched out in rest_init's schedule), kernel_init
// (pid 1, running) and kthreadd (pid 2, not run yet), both children of
// pid 0, each on a vmalloc'd stack of its own; then the boot CPU idles.
func TestRestInit(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "ps exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	m := regexp.MustCompile(`sched_init: init_task pid 0 \(swapper/0\) is CPU 0's idle task on the boot stack 0x([0-9a-f]+)-0x([0-9a-f]+);`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no sched_init line\n%s", r.Describe())
	}
	ps := parsePs(psLineRE, r.Output)
	if len(ps) != 3 {
		t.Fatalf("ps: %d tasks, want 3 (init_task, kernel_init, kthreadd)\n%s", len(ps), r.Describe())
	}
	want := []psLine{
		{pid: 0, ppid: 0, state: "R", comm: "swapper/0", stackLo: strings.Repeat("0", 16-len(m[1])) + m[1], stackTop: strings.Repeat("0", 16-len(m[2])) + m[2], wchan: "main.rest_init"},
		{pid: 1, ppid: 0, state: "R", comm: "swapper/0", wchan: "-"},
		{pid: 2, ppid: 0, state: "R", comm: "kthreadd", wchan: "-"},
	}
	for i, w := range want {
		g := ps[i]
		if g.pid != w.pid || g.ppid != w.ppid || g.state != w.state || g.comm != w.comm || g.wchan != w.wchan ||
			(w.stackLo != "" && (g.stackLo != w.stackLo || g.stackTop != w.stackTop)) {
			t.Errorf("ps line %d: %+v, want %+v", i, g, w)
		}
		if i > 0 {
			lo, _ := strconv.ParseUint(g.stackLo, 16, 64)
			top, _ := strconv.ParseUint(g.stackTop, 16, 64)
			if lo < 0xffffc90000000000 || lo >= 0xffffe90000000000 || top+1-lo != 32<<10 {
				t.Errorf("pid %d: stack %#x-%#x is not a 32 KiB vmalloc area", g.pid, lo, top)
			}
		}
	}
	if strings.Index(r.Output, "kernel_init: no user space to run yet: pid 1 sleeps") > strings.Index(r.Output, "cpu_idle: CPU 0 enters the idle loop") {
		t.Errorf("the idle loop started before kernel_init was done\n%s", r.Describe())
	}
}

// TestSchedStackOverflow: a kernel thread that recurses without end runs
// into the guard page below its stack; the double fault handler reports
// the task stack and the address in the guard page, and the kernel
// panics (exit 35), as Linux's handle_stack_overflow.
func TestSchedStackOverflow(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "selftest=sched_stack_overflow"})
	mustExit(t, r, q.ExitFailure)
	m := regexp.MustCompile(`sched_stack_overflow: overflow/(\d+) recurses on its stack ([0-9a-f]{16})\.\.([0-9a-f]{16}), guard page ([0-9a-f]{16})`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("the overflowing thread did not say where its stack is\n%s", r.Describe())
	}
	checkGuardPageHit(t, r, m[2], m[3], m[4])
	mustContain(t, r, "kernel stack overflow (double-fault)", "sched.recurse", "Kernel panic - not syncing")
}

// checkGuardPageHit: the double fault handler's report names the stack
// lo..hi the test said it recursed on, and a fault address inside the
// guard page below it (all three as the kernel prints them, 16 hex
// digits).
func checkGuardPageHit(t *testing.T, r *q.Result, lo, hi, guardPage string) {
	t.Helper()
	b := regexp.MustCompile(`BUG: TASK stack guard page was hit at ([0-9a-f]{16}) \(stack is ([0-9a-f]{16})\.\.([0-9a-f]{16})\)`).FindStringSubmatch(r.Output)
	if b == nil {
		t.Fatalf("no stack guard page report\n%s", r.Describe())
	}
	if b[2] != lo || b[3] != hi {
		t.Errorf("the report names the stack %s..%s, the one recursed on is %s..%s", b[2], b[3], lo, hi)
	}
	hit, _ := strconv.ParseUint(b[1], 16, 64)
	guard, _ := strconv.ParseUint(guardPage, 16, 64)
	if guard == 0 || hit < guard || hit >= guard+4096 {
		t.Errorf("the fault at %#x is not in the guard page %#x", hit, guard)
	}
}

// TestSchedBench: bench=sched prints the cost of a context switch between
// two kernel threads, and every Yield of one was a switch to the other.
func TestSchedBench(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "bench=sched exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	m := regexp.MustCompile(`sched: context switch between two kernel threads: median (\d+) TSC cycles \((\d+) ns\), fastest (\d+), over (\d+) rounds of two switches \((\d+) switches in all\)`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no context switch figure\n%s", r.Describe())
	}
	median, _ := strconv.Atoi(m[1])
	fastest, _ := strconv.Atoi(m[3])
	rounds, _ := strconv.Atoi(m[4])
	n, _ := strconv.Atoi(m[5])
	if fastest == 0 || fastest > median || n < 2*rounds {
		t.Errorf("median %d, fastest %d cycles; %d switches for %d rounds", median, fastest, n, rounds)
	}
	t.Logf("context switch: median %s cycles (%s ns), fastest %s (TCG)", m[1], m[2], m[3])
}

// TestGDBPs: gk-ps before sched_init says so; at the idle loop it lists
// the tasks the kernel's own "ps" listed (same pids, parents, names and
// stacks), now with pid 0 on the CPU and kernel_init and kthreadd asleep
// in their loops, as wchan shows.
func TestGDBPs(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "ps", false, "break start_kernel", "continue", "gk-ps", "break cpu_startup_entry", "continue", "gk-ps",
		"gk-ps 2", "gk-ps 0", "gk-ps 99")
	inOrder(t, r.stderr, `(?m)^gk-ps: the scheduler is not initialised yet: sched_init \(in start_kernel, after trap_init\) has not run$`,
		`(?m)^gk-ps: pid 0 \(swapper/0\) is running on the CPU: bt shows its frames$`,
		`(?m)^gk-ps: no task with pid 99 \(gk-ps lists them\)$`)
	// kthreadd's chain: switched out in __switch_to_asm, down through
	// schedule to its loop, to the frame copy_thread built.
	inOrder(t, r.out, `(?m)^pid 2 \(kthreadd\), state S, switched out with SP 0x[0-9a-f]+:$`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/kernel/sched.X__switch_to `, `(?m)^#\d+ +0x[0-9a-f]+ in gokern/kernel/sched.Schedule `,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/kernel/sched.Kthreadd \(.*kernel/sched/kthread.go:\d+\)$`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/kernel/sched.ret_from_fork `,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64/entry.ret_from_fork_asm `)
	kernel := parsePs(psLineRE, r.serial)
	gdb := parsePs(gkPsRE, r.out)
	if len(kernel) != 3 || len(gdb) != 3 {
		t.Fatalf("kernel ps %d tasks, gk-ps %d\n%s\n--- serial\n%s", len(kernel), len(gdb), r.out, r.serial)
	}
	for i := range kernel {
		k, g := kernel[i], gdb[i]
		if k.pid != g.pid || k.ppid != g.ppid || k.comm != g.comm || k.stackLo != g.stackLo || k.stackTop != g.stackTop {
			t.Errorf("task %d: kernel %+v, gk-ps %+v", i, k, g)
		}
	}
	if g := gdb[0]; g.state != "R" || !g.onCPU {
		t.Errorf("pid 0 at the idle loop: %+v, want running on the CPU", g)
	}
	if g := gdb[1]; g.state != "S" || g.wchan != "main.kernel_init" {
		t.Errorf("pid 1 at the idle loop: %+v, want S in main.kernel_init", g)
	}
	if g := gdb[2]; g.state != "S" || g.wchan != "gokern/kernel/sched.Kthreadd" {
		t.Errorf("pid 2 at the idle loop: %+v, want S in gokern/kernel/sched.Kthreadd", g)
	}
}
