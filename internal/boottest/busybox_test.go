package boottest

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// Boot tests of issue 14 with Debian's static busybox (internal/userprog's
// busybox initramfs, the archive ./qemu.sh busybox boots). Each runs one
// busybox command as init, named by rdinit= with its arguments after
// "--" (quoted as Linux's command line allows), and checks its output and
// its exit status (init's, through isa-debug-exit: 0 gives QEMU exit 33,
// anything else 35 and the panic line's exitcode).

// builtInitrd is an initramfs a test binary builds once, on first use.
type builtInitrd struct {
	once sync.Once
	path string
	err  error
}

// get builds it with build (given a fresh temporary directory) the first
// time and returns its path; a build error fails every test that asks.
func (b *builtInitrd) get(t *testing.T, prefix string, build func(dir string) (string, error)) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			b.err = err
			return
		}
		b.path, b.err = build(dir)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

var busyboxInitramfs builtInitrd

// busyboxInitrd builds the busybox initramfs once per test binary.
func busyboxInitrd(t *testing.T) string {
	return busyboxInitramfs.get(t, "gokern-busybox", func(dir string) (string, error) {
		p := filepath.Join(dir, "busybox.cpio")
		return p, userprog.BusyboxInitramfs(p, nil)
	})
}

// TestBusybox: busybox's applets as init.
func TestBusybox(t *testing.T) {
	cases := []struct {
		name, append string
		exit         int
		exitcode     string   // the panic line's
		lines        []string // each a whole line of the console, in order
	}{
		// echo: busybox's start-up (static glibc: arch_prctl for its TLS,
		// the auxiliary vector, brk, the vDSO) and a write.
		{"echo", "rdinit=/bin/echo -- hello from busybox", q.ExitSuccess, "exitcode=0x00000000",
			[]string{"hello from busybox"}},
		// sh -c: the shell parses a command and runs the uname applet.
		{"sh-uname", `rdinit=/bin/sh -- -c "uname -sr"`, q.ExitSuccess, "exitcode=0x00000000",
			[]string{"Linux 6.1.0-gokern"}},
		// The command line's words no part of the kernel takes are init's
		// (Linux unknown_bootoption): bare ones its arguments, before those
		// after "--"; name=value ones its environment, TERM replacing
		// TERM=linux, a module's parameter (x.y=1) dropped.
		{"cmdline-argv", `plainword rdinit=/bin/echo -- after "x y"`, q.ExitSuccess, "exitcode=0x00000000",
			[]string{"plainword after x y"}},
		{"cmdline-envp", `foo=bar TERM=vt100 x.y=1 q="a b" rdinit=/usr/bin/env`, q.ExitSuccess, "exitcode=0x00000000",
			[]string{"HOME=/", "TERM=vt100", "foo=bar", "q=a b"}},
		// sh -c 'exit 7': the shell's status is init's.
		{"sh-exit7", `rdinit=/bin/sh -- -c "exit 7"`, q.ExitFailure, "exitcode=0x00000700", nil},
		// fork: glibc's fork() is clone(CLONE_CHILD_SETTID|
		// CLONE_CHILD_CLEARTID|SIGCHLD): a subshell, a pipeline of two
		// children, and a child shell's status through wait4.
		{"sh-fork", `rdinit=/bin/sh -- -c "(echo sub $$); echo a b c | wc -w; sh -c 'exit 7'; echo st=$?"`, q.ExitSuccess, "exitcode=0x00000000",
			[]string{"sub 1", "3", "st=7"}},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: busyboxInitrd(t), Append: c.append})
			mustExit(t, r, c.exit)
			mustContain(t, r, "Kernel panic - not syncing: Attempted to kill init! "+c.exitcode)
			// Every child reaped, every user page given back.
			mustContain(t, r, "0 user pages and 0 other processes left")
			lines := r.Lines()
			at := 0
			for _, want := range c.lines {
				for at < len(lines) && strings.TrimRight(lines[at], "\r") != want {
					at++
				}
				if at == len(lines) {
					t.Fatalf("no line %q (in order)\n%s", want, r.Describe())
				}
			}
		})
	}
}
