package boottest

import (
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// Boot tests of issue 14 items 2-4: address spaces, system calls and the
// first user program.

// TestUserMm: the address-space selftests (page-table bits after demand
// paging, mprotect, munmap and brk; VMA lists; -EFAULT; every page back
// after exit_mmap) pass at a small and a large memory size, and the cost
// of a page fault that allocates a page, for the docs.
func TestUserMm(t *testing.T) {
	for _, mem := range []string{"64M", "2G"} {
		mem := mem
		t.Run(mem, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Mem: mem, Append: "selftest=user_mm,user_fault_cost"})
			allPassed(t, r)
			ranAndPassed(t, r, []string{"user_mm", "user_fault_cost"})
			m := regexp.MustCompile(`page fault that allocates a page: (\d+) TSC cycles \(a write to a present page: (\d+)\); 256 faults`).FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no figure\n%s", r.Describe())
			}
			t.Logf("TCG, %s: a page fault that allocates a page %s cycles, a write to a present page %s", mem, m[1], m[2])
		})
	}
}

// initInitrd builds user/init (ET_EXEC as /init, static PIE as
// /init-pie) into an initramfs, once per test binary.
var (
	initrdOnce sync.Once
	initrdPath string
	initrdErr  error
)

func initInitrd(t *testing.T) string {
	t.Helper()
	initrdOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gokern-init")
		if err != nil {
			initrdErr = err
			return
		}
		initrdPath, _, initrdErr = userprog.InitInitrd(dir)
	})
	if initrdErr != nil {
		t.Fatal(initrdErr)
	}
	return initrdPath
}

// userLines are the lines the program wrote (no printk timestamp).
func userLines(r *q.Result) []string {
	var out []string
	for _, l := range r.Lines() {
		if strings.HasPrefix(l, "init: ") {
			out = append(out, l)
		}
	}
	return out
}

// TestInitProgram: user/init runs as pid 1 in ring 3 and talks to the
// kernel in both conventions; its exit status comes back through the
// panic line and QEMU's exit code (issue 14 items 3, 4, 6).
func TestInitProgram(t *testing.T) {
	initrd := initInitrd(t)
	cases := []struct {
		name, append string
		lines        []string
		panic        string
		exit         int
		more         []string
	}{
		// Both conventions, argv from the command line, getpid = 1 both
		// ways, exit_group(0).
		{"hello", "-- one two", []string{
			"init: hello from user mode via syscall",
			"init: hello from user mode via int $0x80",
			"init: argv: /init", "init: argv: one", "init: argv: two",
			"init: getpid via syscall and int $0x80: 1",
			`init: mmap of argv[0] reads \x7fELF`,
			"init: brk grew the heap by a page",
			"init: uname: Linux 6.1.0-gokern x86_64",
		}, "exitcode=0x00000000", q.ExitSuccess, []string{"init[1]: unknown x86-64 system call 500: -ENOSYS (reported once)"}},
		// The static PIE: loaded at ELF_ET_DYN_BASE, above 4 GiB, so it
		// skips int $0x80 (32-bit pointers).
		{"pie", "rdinit=/init-pie", []string{
			"init: hello from user mode via syscall",
			"init: argv: /init-pie",
			"init: getpid via syscall and int $0x80: 1",
			`init: mmap of argv[0] reads \x7fELF`,
			"init: brk grew the heap by a page",
			"init: uname: Linux 6.1.0-gokern x86_64",
		}, "exitcode=0x00000000", q.ExitSuccess, nil},
		// exit(7) through int $0x80: status << 8, and QEMU's failure.
		{"exit7", "-- x", nil, "exitcode=0x00000700", q.ExitFailure, nil},
		// A bad pointer to write(2): -EFAULT, no oops.
		{"efault", "-- f", []string{"init: write(1, 0x10, 4) = -EFAULT"}, "exitcode=0x00000000", q.ExitSuccess, nil},
		// A NULL dereference in user mode: SIGSEGV, Linux's line.
		{"segv", "-- segv", nil, "exitcode=0x0000000b", q.ExitFailure,
			[]string{"init[1]: segfault at 0 ip 0000000000401", " error 4 in init[401000+1000]"}},
		// Files exec refuses, each with the reason and Linux's lines.
		{"bad-magic", "rdinit=/bad-magic", nil, "No working init found.", q.ExitFailure,
			[]string{"exec /bad-magic: not an ELF file (bad magic): -8", "Failed to execute /bad-magic (error -8)"}},
		{"truncated", "rdinit=/truncated", nil, "No working init found.", q.ExitFailure,
			[]string{"exec /truncated: program headers past the end of the file: -8", "Failed to execute /truncated (error -8)"}},
		{"kernel-half", "rdinit=/kernel-half", nil, "No working init found.", q.ExitFailure,
			[]string{"exec /kernel-half: a PT_LOAD outside user space (it would overlap the kernel half): -22",
				"Failed to execute /kernel-half (error -22)"}},
		// No such program: Linux's two lines.
		{"missing", "rdinit=/sbin/nothing", nil, "No working init found.", q.ExitFailure,
			[]string{"Failed to execute /sbin/nothing (error -2)"}},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: initrd, Append: c.append})
			mustExit(t, r, c.exit)
			if got := userLines(r); strings.Join(got, "\n") != strings.Join(c.lines, "\n") {
				t.Fatalf("the program wrote\n%s\nwant\n%s\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"), r.Describe())
			}
			mustContain(t, r, "Kernel panic - not syncing: ")
			mustContain(t, r, c.panic)
			mustContain(t, r, c.more...)
			if n := strings.Count(r.Output, "unknown x86-64 system call 500"); c.name == "hello" && n != 1 {
				t.Errorf("the unknown system call was reported %d times, want once", n)
			}
		})
	}
}

// TestSyscallFigures: getpid round trips from user mode, through SYSCALL
// and SYSRET and through int $0x80 and IRETQ, in TSC cycles (TCG).
func TestSyscallFigures(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Initrd: initInitrd(t), Append: "-- bench"})
	mustExit(t, r, q.ExitSuccess)
	m := regexp.MustCompile(`init: getpid round trip, TSC cycles: syscall (\d+)\s+init: getpid round trip, TSC cycles: int \$0x80 (\d+)`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no figures\n%s", r.Describe())
	}
	t.Logf("TCG: getpid round trip %s TSC cycles through syscall, %s through int $0x80", m[1], m[2])
}
