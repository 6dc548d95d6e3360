package boottest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// Boot tests of issue 14's remaining system calls (kernel/sys).

// TestSystest: user/systest's table of file system calls, each with good
// and bad arguments and the state behind the results (what read returned,
// what fstat filled in), passes on the host's Linux — so every expected
// value is Linux's — and on gokern as init, in both conventions for the
// calls marked INT80. On gokern it also runs the steps the host cannot
// (mount needs root, the tty ioctls a console).
func TestSystest(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(userprog.Root(), "user", "systest", "systest.S"))
	if err != nil {
		t.Fatal(err)
	}
	steps := regexp.MustCompile(`(?m)^\t[SM] "`).FindAll(src, -1)
	gokernOnly := regexp.MustCompile(`(?m)^\t[SM] ".*\bGOKERN\b`).FindAll(src, -1)
	if len(steps) < 200 || len(gokernOnly) < 15 {
		t.Fatalf("user/systest/systest.S: %d steps, %d of them gokern's only", len(steps), len(gokernOnly))
	}
	t.Run("host", func(t *testing.T) {
		skipWithoutInt80(t)
		dir := t.TempDir()
		exe, err := userprog.BuildSystest(dir)
		if err != nil {
			t.Fatal(err)
		}
		run := filepath.Join(dir, "run")
		if err := os.Mkdir(run, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(exe, "host")
		cmd.Dir = run
		out, err := cmd.CombinedOutput()
		want := fmt.Sprintf("systest: %d steps passed", len(steps)-len(gokernOnly))
		if err != nil || !strings.Contains(string(out), want) {
			t.Fatalf("on the host's Linux: %v\n%s", err, out)
		}
		t.Logf("host: %s", strings.TrimSpace(string(out)))
	})
	t.Run("gokern", func(t *testing.T) {
		t.Parallel()
		r := q.Boot(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/systest"})
		mustExit(t, r, q.ExitSuccess)
		mustContain(t, r, fmt.Sprintf("systest: %d steps passed", len(steps)))
		mustContain(t, r, "random: crng init done")
	})
	// The figures: a getpid round trip both ways and clock_gettime, in
	// TSC cycles under TCG (logged for the docs and the note).
	t.Run("bench", func(t *testing.T) {
		t.Parallel()
		r := q.Boot(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/systest -- bench"})
		mustExit(t, r, q.ExitSuccess)
		m := regexp.MustCompile(`systest: TSC cycles per call: getpid via syscall (\d+), via int \$0x80 (\d+), clock_gettime (\d+)`).FindStringSubmatch(r.Output)
		if m == nil {
			t.Fatalf("no figures\n%s", r.Describe())
		}
		t.Logf("TCG: getpid via syscall %s cycles, via int $0x80 %s, clock_gettime %s", m[1], m[2], m[3])
	})
}

// skipWithoutInt80 skips a comparison with the host's Linux of a program
// that makes system calls through int $0x80 too, on a host whose kernel
// has no i386 system calls (userprog.HostHasInt80): there that door ends
// in SIGSEGV, and there is no Linux answer to compare gokern's with. The
// boot tests still hold gokern to the answers recorded on hosts that have
// it.
func skipWithoutInt80(t *testing.T) {
	t.Helper()
	ok, err := userprog.HostHasInt80()
	if err != nil {
		t.Fatalf("probing the host for int $0x80: %v", err)
	}
	if !ok {
		t.Skip("the host's Linux has no i386 system calls (built without CONFIG_IA32_EMULATION): int $0x80 from a 64-bit program dies of SIGSEGV there, so nothing to compare with")
	}
}
