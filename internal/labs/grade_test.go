package labs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOutcome: the grader's verdict from a test's -test.v output, for
// the ways a submission fails: the boot's verdicts (hang, reset, the
// kernel's panic), a test binary past its deadline, a host test's panic,
// a skip, a missing test.
func TestOutcome(t *testing.T) {
	for _, c := range []struct{ name, log, want string }{
		{"pass", "=== RUN   TestX\n--- PASS: TestX (1.00s)\nPASS\n", ""},
		{"boot hang", "=== RUN   TestX\n    lab_test.go:31: hang: no exit within 1m0s (want exit 33)\n        qemu-system-x86_64 ... exit -1 (timed out: true)\n--- FAIL: TestX (60.00s)\n", "hang: no exit within 1m0s (want exit 33)"},
		{"reset", "=== RUN   TestX\n    lab_test.go:31: reset: QEMU stopped without the kernel's exit (a triple fault under -no-reboot) (want exit 33)\n        exit 0 (timed out: false)\n--- FAIL: TestX (3.00s)\n", "reset: QEMU stopped without the kernel's exit"},
		{"an older test's reset", "=== RUN   TestX\n    boot_test.go:26: want exit 33\n        qemu-system-x86_64 ...\n        exit 0 (timed out: false) after 1s\n--- FAIL: TestX (1.00s)\n", "reset: want exit 33"},
		{"binary timeout", "=== RUN   TestX\npanic: test timed out after 10m0s\n\trunning tests:\n\t\tTestX (10m0s)\n", "hang: the test did not finish within 10m0s"},
		{"kernel panic", "=== RUN   TestX\n    lab_test.go:31: the kernel failed (35): LAB buddy: expand not implemented yet (want exit 33)\n--- FAIL: TestX (2.00s)\n", "the kernel failed (35): LAB buddy: expand not implemented yet"},
		{"host panic", "=== RUN   TestX\n--- FAIL: TestX (0.00s)\npanic: LAB memblock: memblock_add_range not implemented yet [recovered]\n", "panic: LAB memblock: memblock_add_range not implemented yet"},
		// A skeleton that boots says which function it is on the console
		// (the test's message is about what went wrong): the reason names it.
		{"skeleton's line", "=== RUN   TestX\n    lab_test.go:40: no E820 map\n        [    0.000000] LAB realmode: detect_memory_e820 not implemented yet\n        [    0.1] LAB fault: fixup_exception not implemented yet (the fault at 0x1 has a fixup)\n        [    0.2] LAB realmode: detect_memory_e820 not implemented yet\n--- FAIL: TestX (2.00s)\n",
			"no E820 map [LAB realmode: detect_memory_e820 not implemented yet; LAB fault: fixup_exception not implemented yet]"},
		{"skip", "=== RUN   TestX\n    x_test.go:9: no gdb\n--- SKIP: TestX (0.00s)\n", "skipped"},
		{"missing", "testing: warning: no tests to run\nPASS\n", "no such test"},
	} {
		oc := outcome("TestX", c.log, 10*time.Minute, time.Second)
		if c.want == "" {
			if !oc.Pass {
				t.Errorf("%s: failed: %s", c.name, oc.Reason)
			}
			continue
		}
		if oc.Pass || !strings.HasPrefix(oc.Reason, c.want) {
			t.Errorf("%s: pass %v, reason %q; want %q", c.name, oc.Pass, oc.Reason, c.want)
		}
	}
}

// TestSkeletonLines: grade.txt's "skeleton" and "also" lines, and which
// failures on a skeleton count as the lab's own (Unexpected).
func TestSkeletonLines(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "labs", "x"), 0o755)
	os.WriteFile(filepath.Join(dir, "labs", "x", "grade.txt"), []byte("60 ./mm TestA # graded\n40 ./internal/boottest TestLabX\nskeleton boots st_a st_b\nalso ./mm TestB TestD\n"), 0o644)
	m, err := LoadManifest(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	if m.Max() != 100 || !m.Boots || strings.Join(m.SkelSelftests, ",") != "st_a,st_b" || len(m.Also) != 2 || m.Also[0] != (Test{Pkg: "./mm", Name: "TestB"}) || m.Also[1] != (Test{Pkg: "./mm", Name: "TestD"}) {
		t.Fatalf("manifest %+v", m)
	}
	failed := []Failure{{Pkg: "gokern/mm", Name: "TestA"}, {Pkg: "gokern/mm", Name: "TestB"}, {Pkg: "gokern/mm", Name: "TestC"},
		{Pkg: "gokern/internal/boottest", Name: "TestLabX"}, {Pkg: "gokern/internal/boottest", Name: "TestBoot"}, {Pkg: "gokern/paging"}}
	got := Unexpected(m, failed, nil)
	if fmt.Sprint(got) != "[gokern/mm TestC gokern/internal/boottest TestBoot gokern/paging (the package)]" {
		t.Fatalf("unexpected failures %v", got)
	}
	// A skeleton that cannot boot may fail every test that boots, where
	// the test's output names the skeleton's function (another lab's
	// does not count); a test of a boot package that fails without it
	// is not explained by the lab.
	failed = append(failed, Failure{Pkg: "gokern/internal/boottest", Name: "TestBoot2", Named: []string{"LAB x: f not implemented yet"}},
		Failure{Pkg: "gokern/internal/boottest", Name: "TestBoot3", Named: []string{"LAB xy: f not implemented yet"}})
	if got := Unexpected(m, failed, map[string]bool{"gokern/internal/boottest": true}); fmt.Sprint(got) != "[gokern/mm TestC gokern/internal/boottest TestBoot gokern/paging (the package) gokern/internal/boottest TestBoot3]" {
		t.Fatalf("unexpected failures with boot packages %v", got)
	}
	for _, bad := range []string{"skeleton panics st_a\n", "also mm TestB\n", "also ./mm NotATest\n", "also ./mm TestB x\n"} {
		os.WriteFile(filepath.Join(dir, "labs", "x", "grade.txt"), []byte("10 ./mm TestA\n"+bad), 0o644)
		if _, err := LoadManifest(dir, "x"); err == nil {
			t.Errorf("grade.txt line %q accepted", bad)
		}
	}
}
