package boottest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// TestSchedtest: user/schedtest as init, one boot a mode, at -smp 2 and
// -smp 4 (the modes move threads between CPUs and signal across them):
// each prints "schedtest: MODE ok: ..." and init exits 0. The same modes
// pass on the host's Linux (internal/userprog TestSchedtestOnLinux).
func TestSchedtest(t *testing.T) {
	t.Parallel()
	initrd := filepath.Join(t.TempDir(), "schedtest.cpio")
	if err := userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "schedtest"), initrd, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range userprog.SchedtestModes {
		for _, smp := range []int{2, 4} {
			t.Run(fmt.Sprintf("%s/smp%d", mode, smp), func(t *testing.T) {
				r := q.Boot(t, q.Config{Initrd: initrd, SMP: smp, Append: "loglevel=4 init.mode=" + mode})
				if m := regexp.MustCompile(`schedtest: \S+ FAIL: .*`).FindString(r.Output); m != "" {
					t.Fatalf("%s\n%s", m, r.Describe())
				}
				mustContain(t, r, "schedtest: "+mode+" ok: ")
				mustExit(t, r, q.ExitSuccess)
				t.Logf("%s", regexp.MustCompile(`schedtest: \S+ ok: .*`).FindString(r.Output))
			})
		}
	}
}
