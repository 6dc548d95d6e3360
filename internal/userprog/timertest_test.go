package userprog

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTimertestOnLinux runs user/timertest on the host's Linux: what
// internal/boottest TestTimertest holds gokern to (TimertestLines) is
// what Linux does.
func TestTimertestOnLinux(t *testing.T) {
	exe, err := BuildC("timertest", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe).CombinedOutput()
	if err != nil {
		t.Fatalf("timertest on the host: %v\n%s", err, out)
	}
	if got, want := strings.Join(TimertestOutput(string(out)), "\n"), strings.Join(TimertestLines, "\n"); got != want {
		t.Fatalf("the host's Linux:\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "figure") {
			t.Log(l)
		}
	}
}
