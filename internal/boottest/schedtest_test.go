package boottest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
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

// TestGDBPidfd: gk-threads on a thread that sleeps in waitid(P_PIDFD)
// (user/schedtest mode pidfdwait, stopped in another thread's getppid):
// the system call with its arguments, then the pidfd's process — the
// child's pid, its name, its state, alive — and the references its
// task_struct holds: 3, its release's, the pidfd's and the waiting
// waitid's (Pidfd_task). Then the program
// kills the child through the pidfd and ends.
func TestGDBPidfd(t *testing.T) {
	t.Parallel()
	initrd := filepath.Join(t.TempDir(), "schedtest.cpio")
	if err := userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "schedtest"), initrd, nil); err != nil {
		t.Fatal(err)
	}
	r := runGDBConfig(t, q.Config{Initrd: initrd, SMP: 2, Append: "init.mode=pidfdwait"}, false,
		"break 'gokern/kernel/exec.sys_getppid'", "continue", "gk-threads", "delete", "continue")
	m := regexp.MustCompile(`schedtest: pidfdwait: waitid on pidfd (\d+) for child (\d+); getppid from thread (\d+)`).FindStringSubmatch(r.serial)
	if m == nil {
		t.Fatalf("no pidfdwait line\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	fd, child := m[1], m[2]
	want := `(?m)^ +syscall 247 waitid\(0x3, 0x` + decToHex(fd) + `, 0x[0-9a-f]+, 0x4, 0x0, 0x0\) from ip 0x[0-9a-f]+\n` +
		` +pidfd ` + fd + `: process ` + child + ` \(init\) [RSD], alive; its task_struct has 3 references$`
	if !regexp.MustCompile(want).MatchString(r.out) {
		t.Errorf("gk-threads shows no match for %s\n--- gdb\n%s", want, r.all())
	}
	if !strings.Contains(r.serial, "schedtest: pidfdwait ok: ") {
		t.Errorf("the program did not end well after gdb let it go on\n--- serial\n%s", r.serial)
	}
}

// decToHex is the decimal string n in hexadecimal, as gk-threads prints
// arguments.
func decToHex(n string) string {
	var v int
	fmt.Sscanf(n, "%d", &v)
	return fmt.Sprintf("%x", v)
}
