package labs

import (
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
