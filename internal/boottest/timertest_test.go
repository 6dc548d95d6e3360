package boottest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// TestTimertest: user/timertest (ITIMER_REAL, alarm, POSIX timers) as
// /init at -smp 2 prints exactly TimertestLines, the lines the same
// binary prints on the host's Linux (internal/userprog
// TestTimertestOnLinux), and exits 0. Its measured times ("figure"
// lines) are logged, not compared.
func TestTimertest(t *testing.T) {
	t.Parallel()
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
	r := q.Boot(t, q.Config{Initrd: initrd, SMP: 2, Append: "loglevel=4"})
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
}
