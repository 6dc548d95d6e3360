package userprog

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestSigtestOnLinux runs user/sigtest on the host's Linux kernel: every
// check it makes of a signal frame, siginfo, the mask and the registers
// after rt_sigreturn holds on Linux itself, so the boot test that runs it
// on gokern (internal/boottest TestSignals) holds gokern to Linux's ABI,
// not to expectations of our own. As a process that is not init it skips
// init's part. Its failure modes are Linux's too: a handler without
// SA_RESTORER, and a frame with a kernel CS, end in SIGSEGV.
func TestSigtestOnLinux(t *testing.T) {
	exe, err := BuildSigtest(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe).CombinedOutput()
	if err != nil {
		t.Fatalf("sigtest on the host: %v\n%s", err, out)
	}
	if !strings.HasSuffix(string(out), "sigtest: all passed\n") || strings.Contains(string(out), "FAIL") {
		t.Fatalf("sigtest on the host:\n%s", out)
	}
	// Between processes: SIGCHLD, the default actions in a child, a
	// signal at an interrupt, wait4 restarted or -EINTR.
	out, err = exec.Command(exe, "children").CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "sigtest: children passed\n") {
		t.Fatalf("sigtest children on the host: %v\n%s", err, out)
	}
	for _, mode := range []string{"frame", "norestorer"} {
		err := exec.Command(exe, mode).Run()
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("sigtest %s on the host: %v, want death by SIGSEGV", mode, err)
		}
		if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
			t.Errorf("sigtest %s on the host: %v, want death by SIGSEGV", mode, ws)
		}
	}
}
