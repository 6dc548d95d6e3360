package userprog

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// TestSchedtestOnLinux runs user/schedtest's modes on the host's Linux
// kernel: what the boot test (internal/boottest TestSchedtest) holds
// gokern to is what Linux does.
func TestSchedtestOnLinux(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skipf("the host has %d CPU; the modes need 2", runtime.NumCPU())
	}
	exe, err := BuildGo(filepath.Join(Root(), "user", "schedtest"), filepath.Join(t.TempDir(), "schedtest"))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range SchedtestModes {
		out, err := exec.Command(exe, mode).CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^schedtest: `+mode+` ok: `).Match(out) {
			t.Errorf("schedtest %s on the host: %v\n%s", mode, err, out)
		}
	}
}
