package uapi

import (
	"reflect"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSignalNumbers: every signal number is the host Linux's.
func TestSignalNumbers(t *testing.T) {
	for _, p := range []struct {
		name       string
		ours, host int
	}{
		{"SIGHUP", SIGHUP, int(syscall.SIGHUP)}, {"SIGINT", SIGINT, int(syscall.SIGINT)}, {"SIGQUIT", SIGQUIT, int(syscall.SIGQUIT)},
		{"SIGILL", SIGILL, int(syscall.SIGILL)}, {"SIGTRAP", SIGTRAP, int(syscall.SIGTRAP)}, {"SIGABRT", SIGABRT, int(syscall.SIGABRT)},
		{"SIGBUS", SIGBUS, int(syscall.SIGBUS)}, {"SIGFPE", SIGFPE, int(syscall.SIGFPE)}, {"SIGKILL", SIGKILL, int(syscall.SIGKILL)},
		{"SIGUSR1", SIGUSR1, int(syscall.SIGUSR1)}, {"SIGSEGV", SIGSEGV, int(syscall.SIGSEGV)}, {"SIGUSR2", SIGUSR2, int(syscall.SIGUSR2)},
		{"SIGPIPE", SIGPIPE, int(syscall.SIGPIPE)}, {"SIGALRM", SIGALRM, int(syscall.SIGALRM)}, {"SIGTERM", SIGTERM, int(syscall.SIGTERM)},
		{"SIGSTKFLT", SIGSTKFLT, int(syscall.SIGSTKFLT)}, {"SIGCHLD", SIGCHLD, int(syscall.SIGCHLD)}, {"SIGCONT", SIGCONT, int(syscall.SIGCONT)},
		{"SIGSTOP", SIGSTOP, int(syscall.SIGSTOP)}, {"SIGTSTP", SIGTSTP, int(syscall.SIGTSTP)}, {"SIGTTIN", SIGTTIN, int(syscall.SIGTTIN)},
		{"SIGTTOU", SIGTTOU, int(syscall.SIGTTOU)}, {"SIGURG", SIGURG, int(syscall.SIGURG)}, {"SIGXCPU", SIGXCPU, int(syscall.SIGXCPU)},
		{"SIGXFSZ", SIGXFSZ, int(syscall.SIGXFSZ)}, {"SIGVTALRM", SIGVTALRM, int(syscall.SIGVTALRM)}, {"SIGPROF", SIGPROF, int(syscall.SIGPROF)},
		{"SIGWINCH", SIGWINCH, int(syscall.SIGWINCH)}, {"SIGIO", SIGIO, int(syscall.SIGIO)}, {"SIGPWR", SIGPWR, int(syscall.SIGPWR)},
		{"SIGSYS", SIGSYS, int(syscall.SIGSYS)},
		{"SIG_BLOCK", SIG_BLOCK, unix.SIG_BLOCK}, {"SIG_UNBLOCK", SIG_UNBLOCK, unix.SIG_UNBLOCK}, {"SIG_SETMASK", SIG_SETMASK, unix.SIG_SETMASK},
	} {
		if p.ours != p.host {
			t.Errorf("%s = %d, host %d", p.name, p.ours, p.host)
		}
	}
}

// TestSignalFrameLayout: the structures of the signal ABI at Linux's
// offsets and sizes (x86-64: struct sigcontext 256 bytes, struct ucontext
// 304 with the 8-byte kernel sigset_t last, siginfo_t 128 as the host's,
// stack_t 24, the kernel's struct sigaction 32).
func TestSignalFrameLayout(t *testing.T) {
	if s := unsafe.Sizeof(Siginfo{}); s != unsafe.Sizeof(unix.Siginfo{}) || s != 128 {
		t.Errorf("siginfo_t is %d bytes, host %d", s, unsafe.Sizeof(unix.Siginfo{}))
	}
	for _, c := range []struct {
		what string
		got  uintptr
		want uintptr
	}{
		{"sizeof(struct sigcontext)", unsafe.Sizeof(Sigcontext{}), 256},
		{"sizeof(struct ucontext)", unsafe.Sizeof(Ucontext{}), 304},
		{"sizeof(stack_t)", unsafe.Sizeof(Stack_t{}), 24},
		{"sizeof(struct sigaction)", unsafe.Sizeof(Sigaction{}), 32},
		{"uc_stack", unsafe.Offsetof(Ucontext{}.Uc_stack), 16},
		{"uc_mcontext", unsafe.Offsetof(Ucontext{}.Uc_mcontext), 40},
		{"uc_sigmask", unsafe.Offsetof(Ucontext{}.Uc_sigmask), 296},
		{"ss_size", unsafe.Offsetof(Stack_t{}.Ss_size), 16},
		{"sa_mask", unsafe.Offsetof(Sigaction{}.Sa_mask), 24},
		{"si_code", unsafe.Offsetof(Siginfo{}.Si_code), 8},
		{"the union (si_pid, si_addr)", unsafe.Offsetof(Siginfo{}.Fields), 16},
		{"sc.rdi", unsafe.Offsetof(Sigcontext{}.Di), 64},
		{"sc.rsp", unsafe.Offsetof(Sigcontext{}.Sp), 120},
		{"sc.rip", unsafe.Offsetof(Sigcontext{}.Ip), 128},
		{"sc.eflags", unsafe.Offsetof(Sigcontext{}.Flags), 136},
		{"sc.cs", unsafe.Offsetof(Sigcontext{}.Cs), 144},
		{"sc.ss", unsafe.Offsetof(Sigcontext{}.Ss), 150},
		{"sc.err", unsafe.Offsetof(Sigcontext{}.Err), 152},
		{"sc.trapno", unsafe.Offsetof(Sigcontext{}.Trapno), 160},
		{"sc.oldmask", unsafe.Offsetof(Sigcontext{}.Oldmask), 168},
		{"sc.cr2", unsafe.Offsetof(Sigcontext{}.Cr2), 176},
		{"sc.fpstate", unsafe.Offsetof(Sigcontext{}.Fpstate), 184},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, Linux %d", c.what, c.got, c.want)
		}
	}
	// The general registers in sigcontext keep PtraceRegs' names but not
	// its order: r8-r15 first, then rdi rsi rbp rbx rdx rax rcx rsp rip.
	order := []string{"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "Di", "Si", "Bp", "Bx", "Dx", "Ax", "Cx", "Sp", "Ip", "Flags"}
	ty := reflect.TypeOf(Sigcontext{})
	for i, n := range order {
		if f, ok := ty.FieldByName(n); !ok || f.Offset != uintptr(8*i) {
			t.Errorf("sc.%s at %d, Linux %d", n, f.Offset, 8*i)
		}
	}
}
