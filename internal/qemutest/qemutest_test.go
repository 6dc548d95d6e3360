package qemutest

import (
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"testing"
	"time"
)

// fatalTB records a Fatalf instead of failing the test, and ends the
// goroutine that called it, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestWaitForLastLine: a process that prints its line and exits between
// two of WaitFor's looks at the output (5 ms after it starts, inside the
// 20 ms poll) still has its line found: WaitFor looks again once the
// process is gone and its output drained, before it reports a miss
// (TestGoInitFirstLine failed 4 runs in 6 without that). Twenty runs; the
// harness without the second look fails nearly all of them.
func TestWaitForLastLine(t *testing.T) {
	re := regexp.MustCompile(`the last line \(\d+\)`)
	missed := 0
	for i := 0; i < 20; i++ {
		tb := &fatalTB{TB: t}
		m := &Machine{t: tb, out: &syncBuffer{}, done: make(chan struct{})}
		m.cmd = exec.Command("sh", "-c", fmt.Sprintf("sleep 0.005; echo 'the last line (%d)'", i))
		m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
		m.run()
		var got []string
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			got = m.WaitFor(re, 10*time.Second)
		}()
		<-finished
		<-m.done
		if tb.msg != "" || len(got) == 0 || got[0] != fmt.Sprintf("the last line (%d)", i) {
			missed++
			t.Logf("run %d: got %q; %s", i, got, tb.msg)
		}
	}
	if missed > 0 {
		t.Fatalf("WaitFor missed the last line in %d runs of 20", missed)
	}
}

// TestUserText: a printk line that cut into a program's line is taken
// out and the line joined (the 14:25 clean-clone run's TestGoInit
// console); kernel lines that start a line stay.
func TestUserText(t *testing.T) {
	r := &Result{Output: "[    0.147836] Run /init as init process\n" +
		"goinit: go1.26.8 on linux/amd64, pid 1, 4 CPUs, GOMAXPROCS 4, mod[    0.243753] cpu_idle: CPU 0 enters the idle loop (do_idle: sti; hlt until the next interrupt)\n" +
		"e preempt\n" +
		"goinit: mode preempt ok after 90ms\n"}
	want := "[    0.147836] Run /init as init process\n" +
		"goinit: go1.26.8 on linux/amd64, pid 1, 4 CPUs, GOMAXPROCS 4, mode preempt\n" +
		"goinit: mode preempt ok after 90ms\n"
	if got := r.UserText(); got != want {
		t.Errorf("UserText:\n%s\nwant\n%s", got, want)
	}
}
