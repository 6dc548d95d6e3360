package boottest

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// TestGoStd: the Go standard library's own tests (issue 15). Each
// package's `go test -c` binary, built by the stock toolchain and cached
// by content hash (internal/userprog/gotest.go), runs as init with
// -test.v -test.short in its package's directory; the tests of
// user/gotest/skips are left out by -test.skip, each for a reason the
// list gives. The binary must end in PASS with exit status 0 and no test
// may fail: any "--- FAIL" is an unexpected failure, named in the error.
func TestGoStd(t *testing.T) {
	skips, err := userprog.LoadSkips(userprog.SkipsFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range userprog.StdPackages {
		pkg := pkg
		t.Run(strings.ReplaceAll(pkg, "/", "_"), func(t *testing.T) {
			t.Parallel()
			bin, err := userprog.GoTestBinary(pkg)
			if err != nil {
				t.Fatal(err)
			}
			checkSkips(t, pkg, bin, skips)
			args := append(append([]string{}, userprog.GoTestFlags...), userprog.SkipArgs(pkg, skips)...)
			initrd, err := userprog.GoTestInitrd(pkg, bin, args)
			if err != nil {
				t.Fatal(err)
			}
			r := q.Boot(t, q.Config{Initrd: initrd, Mem: "256M", Timeout: 15 * time.Minute})
			var failed []string
			pass := false
			for _, l := range r.Lines() {
				if m := regexp.MustCompile(`^\s*--- FAIL: (\S+)`).FindStringSubmatch(l); m != nil {
					failed = append(failed, m[1])
				}
				pass = pass || l == "PASS"
			}
			if len(failed) > 0 || !pass || r.ExitCode != q.ExitSuccess {
				t.Fatalf("%s: unexpected failures %v (PASS printed: %v, QEMU exit %d)\n%s", pkg, failed, pass, r.ExitCode, r.Describe())
			}
			t.Logf("%s: PASS in %v (QEMU start to exit)", pkg, r.Wall.Round(time.Millisecond))
		})
	}
}

// checkSkips: every entry of pkg in the skip list names a test the
// binary has (-test.list on the host), so a renamed or removed test
// cannot leave a stale entry behind.
func checkSkips(t *testing.T, pkg, bin string, skips []userprog.Skip) {
	t.Helper()
	var mine []userprog.Skip
	for _, s := range skips {
		if s.Pkg == pkg {
			mine = append(mine, s)
		}
	}
	if len(mine) == 0 {
		return
	}
	out, err := exec.Command(bin, "-test.list", ".").Output()
	if err != nil {
		t.Fatalf("%s -test.list: %v", bin, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		have[l] = true
	}
	for _, s := range mine {
		if !have[s.Test] {
			t.Errorf("user/gotest/skips: %s has no test %s (skipped because: %s)", pkg, s.Test, s.Reason)
		}
	}
}
