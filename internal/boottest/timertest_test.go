package boottest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// TestTimertest: user/timertest (ITIMER_REAL, alarm, POSIX timers,
// timerfd) as /init at -smp 2 and 4 prints exactly TimertestLines, the
// lines the same binary prints on the host's Linux (internal/userprog
// TestTimertestOnLinux), and exits 0. Its measured times ("figure"
// lines) are logged, not compared.
func TestTimertest(t *testing.T) {
	t.Parallel()
	initrd := timertestInitrd(t)
	for _, smp := range []int{2, 4} {
		t.Run(fmt.Sprintf("smp%d", smp), func(t *testing.T) {
			r := q.Boot(t, q.Config{Initrd: initrd, SMP: smp, Append: "loglevel=4"})
			got := userprog.TimertestOutput(r.Output)
			if g, w := strings.Join(got, "\n"), strings.Join(userprog.TimertestLines, "\n"); g != w {
				for i := range max(len(got), len(userprog.TimertestLines)) {
					var gl, wl string
					if i < len(got) {
						gl = got[i]
					}
					if i < len(userprog.TimertestLines) {
						wl = userprog.TimertestLines[i]
					}
					if gl != wl {
						t.Errorf("line %d: got\n%s\nwant\n%s", i+1, gl, wl)
						break
					}
				}
				t.Errorf("got\n%s\nwant\n%s\n%s", g, w, r.Describe())
			}
			for _, l := range strings.Split(r.Output, "\n") {
				if strings.Contains(l, "timertest: figure") {
					t.Log(strings.TrimSpace(l))
				}
			}
			mustExit(t, r, q.ExitSuccess)
		})
	}
}

// timertestInitrd builds user/timertest and an initramfs holding it as
// /init.
func timertestInitrd(t *testing.T) string {
	dir := t.TempDir()
	exe, err := userprog.BuildC("timertest", dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	initrd := filepath.Join(dir, "timertest.cpio")
	es := []userprog.Entry{
		{Name: "dev", Mode: 0o40755}, {Name: "proc", Mode: 0o40755}, {Name: "tmp", Mode: 0o41777},
		{Name: "init", Mode: 0o100755, Data: data},
	}
	if err := os.WriteFile(initrd, userprog.Cpio(es), 0o644); err != nil {
		t.Fatal(err)
	}
	return initrd
}

// TestGDBTimers: gk-timers on user/timertest stopped in its getppid,
// where its ITIMER_REAL (5 s, every 2 s) and a POSIX timer (10 s, every
// 1 s, the default SIGALRM) are armed: both are listed with their
// periods and the jiffy they are queued for; the CPU itimers are off.
// Then the program ends as it would.
func TestGDBTimers(t *testing.T) {
	t.Parallel()
	initrd := timertestInitrd(t)
	r := runGDBConfig(t, q.Config{Initrd: initrd, SMP: 2}, false,
		"break 'gokern/kernel/exec.sys_getppid'", "continue", "gk-timers", "gk-timers 99999", "delete", "continue")
	m := regexp.MustCompile(`timertest: before execve: timer id (\d+)`).FindStringSubmatch(r.serial)
	if m == nil {
		t.Fatalf("no \"before execve\" line\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	for _, want := range []string{
		`(?m)^now: jiffies \d+, CLOCK_MONOTONIC \d+\.\d{9} s at the last tick$`,
		`(?m)^ +1 init +$`,
		`(?m)^ +ITIMER_REAL: fires at \d+\.\d{9} s \(queued for jiffy \d+\), period 2\.000000000 s$`,
		`(?m)^ +ITIMER_PROF: off, period 0\.000000000 s; the clock now \d+\.\d{9} s$`,
		`(?m)^ +timer ` + m[1] + `: CLOCK_MONOTONIC, SIGEV_SIGNAL signal 14, fires at \d+\.\d{9} s \(queued for jiffy \d+\), period 1\.000000000 s, overrun 0 \(last delivered 0\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.out) {
			t.Errorf("gk-timers shows no match for %s\n--- gdb\n%s", want, r.all())
		}
	}
	if !strings.Contains(r.all(), "gk-timers: no process with pid 99999") {
		t.Errorf("gk-timers 99999 does not say there is no such process\n--- gdb\n%s", r.all())
	}
	if !strings.Contains(r.serial, "timertest: done") {
		t.Errorf("the program did not end after gdb let it go on\n--- serial\n%s", r.serial)
	}
}
