package boottest

import (
	"regexp"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
)

// Boot tests of signals (issue 14 item 4, issue 15's SIGURG and SIGSEGV
// needs): user/sigtest runs as init and checks, from user mode, what the
// kernel wrote for each signal (TestSigtestOnLinux in internal/userprog
// runs the same program on the host's Linux, so every check is Linux's
// behaviour).

// TestSignals: handlers with siginfo and ucontext, the registers, mask and
// FPU state after rt_sigreturn, tgkill onto the alternate stack, a blocked
// signal pending until unblocked, rt_sigsuspend, SIGSEGV caught with
// si_addr (SEGV_MAPERR and SEGV_ACCERR), the signals of #UD, int3, #DE
// and #GP with Linux's si_code and trapno, SIGKILL and SIGSTOP refused,
// init unkillable from user space; and the two frames the kernel cannot
// use: a corrupted one (bad frame: SIGSEGV) and one without a restorer.
func TestSignals(t *testing.T) {
	initrd := initInitrd(t)
	cases := []struct {
		name, append string
		lines        []string
		panic        string
		exit         int
		more         []string
	}{
		{"all", "rdinit=/sigtest", []string{
			"sigtest: rt_sigaction(SIGUSR1) reads back its handler and SA_SIGINFO|SA_RESTORER, SA_UNSUPPORTED cleared",
			"sigtest: SIGUSR1 from kill: siginfo, ucontext and FPU state checked in the handler; rbx rbp rdx r8-r10 r12-r15 xmm0 and the mask back after rt_sigreturn, xmm15 from the frame",
			"sigtest: SIGUSR2 from tgkill ran on the alternate stack with SI_TKILL; SA_RESETHAND left SIG_DFL",
			"sigtest: SIGINT blocked: pending, not delivered",
			"sigtest: SIGINT unblocked: delivered once (SA_NODEFER: not blocked inside), nothing pending",
			"sigtest: rt_sigsuspend let the blocked SIGINT in: -EINTR, mask restored",
			"sigtest: SIGSEGV caught: si_addr 0xdead0000 SEGV_MAPERR, trapno 14, err 4, cr2, resumed where the handler said",
			"sigtest: SIGSEGV caught: a write to its own text, SEGV_ACCERR, err 7",
			"sigtest: #UD, int3, #DE and #GP caught: SIGILL ILL_ILLOPN, SIGTRAP and SIGSEGV SI_KERNEL, SIGFPE FPE_INTDIV, with their trapno and addresses",
			"sigtest: rt_sigreturn to a bad SS (past the GDT, kernel data, a code segment, the TSS, null) or a kernel CS: the IRET's #GP became SIGSEGV SI_KERNEL at the frame's RIP, trapno 13, err the selector",
			"sigtest: SIGKILL and SIGSTOP: no handler (-EINVAL), never blocked",
			"sigtest: kill of no such process: -ESRCH; of signal 65: -EINVAL",
			"sigtest: setsid: a session and process group of its own; again, or setpgid, -EPERM",
			"sigtest: init survives kill(1, SIGTERM) and kill(1, SIGKILL)",
			"sigtest: all passed",
		}, "exitcode=0x00000000", q.ExitSuccess, nil},
		// Between processes: init forks children and signals them.
		{"children", "rdinit=/sigtest -- children", []string{
			"sigtest: a child's exit(3): wait4 status 0x300, SIGCHLD CLD_EXITED with its pid and status 3",
			"sigtest: SIGKILL killed a child that blocks every signal: status 9, SIGCHLD CLD_KILLED",
			"sigtest: in a child, SIGTERM terminates (status 15) and an unhandled SIGSEGV kills (status 11)",
			"sigtest: a child spinning in user mode got SIGUSR1 at an interrupt, its frame's RIP in the loop",
			"sigtest: wait4 interrupted by SIGUSR2 with SA_RESTART: the frame's RIP at the syscall, RAX its number; restarted, it reaped the child",
			"sigtest: wait4 interrupted by SIGUSR2 without SA_RESTART: -EINTR",
			"sigtest: setpgid put two children in one group, kill(-pgrp) ended both; setsid made a child a session leader",
			"sigtest: SIGSTOP stopped a child and SIGCONT resumed it: SIGCHLD CLD_STOPPED then CLD_CONTINUED",
			"sigtest: children passed",
		}, "exitcode=0x00000000", q.ExitSuccess, []string{"]: segfault at 0 ip "}},
		// A handler set its frame's CS to the kernel's: rt_sigreturn
		// takes it with RPL 3 (0x13), as Linux does, the IRETQ back to
		// user mode raises #GP(0x10) in the kernel, and the bad-IRET
		// fixup makes that init's SIGSEGV, which kills it.
		{"frame", "rdinit=/sigtest -- frame", nil, "exitcode=0x0000000b", q.ExitFailure,
			[]string{"traps: sigtest[1] general protection fault ip:", " error:10"}},
		// No SA_RESTORER: no frame can return, SIGSEGV.
		{"norestorer", "rdinit=/sigtest -- norestorer", nil, "exitcode=0x0000000b", q.ExitFailure, nil},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: initrd, Append: c.append})
			mustExit(t, r, c.exit)
			if got := programLines(r, "sigtest: "); strings.Join(got, "\n") != strings.Join(c.lines, "\n") {
				t.Fatalf("sigtest wrote\n%s\nwant\n%s\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"), r.Describe())
			}
			mustContain(t, r, "Kernel panic - not syncing: Attempted to kill init! "+c.panic)
			mustContain(t, r, c.more...)
			if strings.Contains(r.Output, "Oops") || strings.Contains(r.Output, "BUG:") {
				t.Fatalf("the kernel oopsed\n%s", r.Describe())
			}
		})
	}
}

// TestSignalFigures: the cost of a signal's round trip, kill + delivery +
// handler + rt_sigreturn, in TSC cycles (TCG).
func TestSignalFigures(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/sigtest -- bench"})
	mustExit(t, r, q.ExitSuccess)
	m := regexp.MustCompile(`sigtest: kill \+ handler \+ rt_sigreturn round trip, TSC cycles: (\d+)`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no figure\n%s", r.Describe())
	}
	t.Logf("TCG: signal round trip (kill, frame, handler, rt_sigreturn) %s TSC cycles", m[1])
}

// TestSignalsTty: ^C and ^\ typed on the serial line reach the foreground
// process group of the terminal's session (n_tty's isig → kill_pgrp):
// sigtest makes a session with setsid, opens /dev/ttyS0 (its controlling
// terminal from then on), and reads; each key interrupts the read with
// SIGINT, then SIGQUIT, whose handlers run (the read returns -EINTR).
func TestSignalsTty(t *testing.T) {
	t.Parallel()
	m := q.Start(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/sigtest -- tty"})
	m.WaitFor(regexp.MustCompile(`waiting for \^C`), 60*time.Second)
	m.Type("\x03")
	m.WaitFor(regexp.MustCompile(`waiting for \^\\`), 60*time.Second)
	m.Type("\x1c")
	r := m.Wait(60 * time.Second)
	mustExit(t, r, q.ExitSuccess)
	want := []string{
		"sigtest: ttyS0 is its terminal; read, waiting for ^C",
		`sigtest: ^C: SIGINT to the foreground group, read -EINTR; waiting for ^\`,
		`sigtest: ^\: SIGQUIT, read -EINTR`,
	}
	// The tty echoes each key as ^C and ^\ (ECHOCTL) where it falls
	// among the output, often at the start of sigtest's next line.
	var got []string
	for _, l := range r.Lines() {
		if i := strings.Index(l, "sigtest: "); i >= 0 {
			got = append(got, l[i:])
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sigtest wrote\n%s\nwant\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.Describe())
	}
}
