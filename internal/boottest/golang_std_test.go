package boottest

import (
	"flag"
	"fmt"
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
// may fail: a top-level "--- FAIL" (at the start of a line) is an
// unexpected failure, named in the error. Indented ones are subtests,
// whose parent fails too, or a test's log of a test binary it ran
// (testing's own tests expect failures of theirs).
//
// By default it runs userprog.StdPackages at -smp 1. -gostd selects other
// packages: "all" (StdPackages and userprog.MoreStdPackages) or a comma
// list; -gostd.smp the CPU counts, each a subtest (docs/go-on-gokern.md
// §5: go test ./internal/boottest -run TestGoStd -gostd=all -gostd.smp=1,4).
func TestGoStd(t *testing.T) {
	skips, err := userprog.LoadSkips(userprog.SkipsFile())
	if err != nil {
		t.Fatal(err)
	}
	pkgs, smps, err := goStdSelection(*goStdPkgs, *goStdSMP)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for _, smp := range smps {
			pkg, smp := pkg, smp
			name := strings.ReplaceAll(pkg, "/", "_")
			if len(smps) > 1 || smp != 1 {
				name += fmt.Sprintf("/smp%d", smp)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				goStdBoot(t, pkg, smp, skips)
			})
		}
	}
}

var (
	goStdPkgs = flag.String("gostd", "", "TestGoStd's packages: empty for userprog.StdPackages, \"all\" for those and userprog.MoreStdPackages, or a comma list")
	goStdSMP  = flag.String("gostd.smp", "1", "TestGoStd's CPU counts, a comma list (1,4)")
)

// goStdSelection turns -gostd and -gostd.smp into the packages and CPU
// counts TestGoStd boots.
func goStdSelection(pkgFlag, smpFlag string) ([]string, []int, error) {
	var pkgs []string
	switch pkgFlag {
	case "":
		pkgs = userprog.StdPackages
	case "all":
		pkgs = append(append(pkgs, userprog.StdPackages...), userprog.MoreStdPackages...)
	default:
		for _, p := range strings.Split(pkgFlag, ",") {
			if p = strings.TrimSpace(p); p != "" {
				pkgs = append(pkgs, p)
			}
		}
	}
	var smps []int
	for _, s := range strings.Split(smpFlag, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 || n > 8 {
			return nil, nil, fmt.Errorf("-gostd.smp: %q is not a CPU count from 1 to 8", s)
		}
		smps = append(smps, n)
	}
	if len(pkgs) == 0 {
		return nil, nil, fmt.Errorf("-gostd %q names no package", pkgFlag)
	}
	return pkgs, smps, nil
}

// goStdBoot boots pkg's test binary as init on smp CPUs and fails on any
// failed test, a missing PASS or a non-zero exit.
func goStdBoot(t *testing.T, pkg string, smp int, skips []userprog.Skip) {
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
	r := q.Boot(t, q.Config{Initrd: initrd, Mem: userprog.GoTestMem(pkg), SMP: smp, Timeout: 15 * time.Minute})
	var failed []string
	pass := false
	for _, l := range r.Lines() {
		if m := regexp.MustCompile(`^--- FAIL: (\S+)`).FindStringSubmatch(l); m != nil {
			failed = append(failed, m[1])
		}
		pass = pass || l == "PASS"
	}
	if len(failed) > 0 || !pass || r.ExitCode != q.ExitSuccess {
		t.Fatalf("%s: unexpected failures %v (PASS printed: %v, QEMU exit %d)\n%s", pkg, failed, pass, r.ExitCode, r.Describe())
	}
	t.Logf("%s: PASS in %v at -smp %d (QEMU start to exit)", pkg, r.Wall.Round(time.Millisecond), smp)
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
