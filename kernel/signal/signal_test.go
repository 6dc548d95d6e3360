package signal

import (
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// TestRtSigframeLayout: struct rt_sigframe as Linux lays it out on x86-64
// (pretcode, the ucontext at 8, the siginfo at 8+304), which the
// restorer's rt_sigreturn and every libc rely on.
func TestRtSigframeLayout(t *testing.T) {
	if o := unsafe.Offsetof(Rt_sigframe{}.Uc); o != 8 {
		t.Errorf("uc at %d, want 8", o)
	}
	if o := unsafe.Offsetof(Rt_sigframe{}.Info); o != 312 {
		t.Errorf("info at %d, want 312", o)
	}
	if Frame_size != 440 {
		t.Errorf("rt_sigframe is %d bytes, want 440", Frame_size)
	}
}

// TestGetSigframe: where the frame and the FPU state go: below the red
// zone on the user stack, at the top of the alternate stack for
// SA_ONSTACK, with RSP+8 16-byte aligned (as after a call) and the FPU
// state 64-byte aligned above the frame; a frame that would overflow the
// alternate stack is refused.
func TestGetSigframe(t *testing.T) {
	var task sched.Task_struct
	regs := asm.PtRegs{SP: 0x7ffffffde123}
	ka := uapi.Sigaction{Sa_flags: uapi.SA_ONSTACK}
	check := func(name string, frame, fp uint64, below uint64) {
		t.Helper()
		if (frame+8)%16 != 0 || fp%64 != 0 || fp < frame+uint64(Frame_size) || fp+asm.FXSAVE_SIZE > below {
			t.Errorf("%s: frame %#x, fpstate %#x, below %#x", name, frame, fp, below)
		}
	}
	frame, fp, ok := get_sigframe(&task, &ka, &regs)
	if !ok {
		t.Fatal("no frame on the user stack")
	}
	check("user stack (no altstack)", frame, fp, regs.SP-128)
	if fp+asm.FXSAVE_SIZE+64 <= regs.SP-128 {
		t.Errorf("fpstate %#x further from the red zone than alignment explains", fp)
	}
	task.Sas_ss_sp, task.Sas_ss_size = 0x500000, uapi.SIGSTKSZ
	frame, fp, ok = get_sigframe(&task, &ka, &regs)
	if !ok || frame < task.Sas_ss_sp || fp+asm.FXSAVE_SIZE > task.Sas_ss_sp+task.Sas_ss_size {
		t.Fatalf("SA_ONSTACK: frame %#x fpstate %#x, not on the alternate stack", frame, fp)
	}
	check("altstack", frame, fp, task.Sas_ss_sp+task.Sas_ss_size)
	// Already on it: the next frame goes below the interrupted SP.
	regs.SP = frame - 64
	frame2, _, ok := get_sigframe(&task, &ka, &regs)
	if !ok || frame2 >= frame || frame2 < task.Sas_ss_sp {
		t.Errorf("nested on the altstack: %#x (first %#x)", frame2, frame)
	}
	// Too little room left: refused, so SIGSEGV.
	regs.SP = task.Sas_ss_sp + 700
	if _, _, ok := get_sigframe(&task, &ka, &regs); ok {
		t.Error("a frame overflowing the alternate stack was accepted")
	}
	// Without SA_ONSTACK the alternate stack is not used.
	regs.SP = 0x7ffffffde123
	ka.Sa_flags = 0
	if frame, _, _ := get_sigframe(&task, &ka, &regs); frame < regs.SP-4096 {
		t.Errorf("no SA_ONSTACK, frame %#x", frame)
	}
}

// TestDefaultActions: the default action of every classic signal is
// signal(7)'s: Term, Core, Stop, Cont or Ign; real-time signals terminate.
func TestDefaultActions(t *testing.T) {
	want := map[int]string{
		uapi.SIGHUP: "Term", uapi.SIGINT: "Term", uapi.SIGQUIT: "Core", uapi.SIGILL: "Core", uapi.SIGTRAP: "Core",
		uapi.SIGABRT: "Core", uapi.SIGBUS: "Core", uapi.SIGFPE: "Core", uapi.SIGKILL: "Term", uapi.SIGUSR1: "Term",
		uapi.SIGSEGV: "Core", uapi.SIGUSR2: "Term", uapi.SIGPIPE: "Term", uapi.SIGALRM: "Term", uapi.SIGTERM: "Term",
		uapi.SIGSTKFLT: "Term", uapi.SIGCHLD: "Ign", uapi.SIGCONT: "Cont", uapi.SIGSTOP: "Stop", uapi.SIGTSTP: "Stop",
		uapi.SIGTTIN: "Stop", uapi.SIGTTOU: "Stop", uapi.SIGURG: "Ign", uapi.SIGXCPU: "Core", uapi.SIGXFSZ: "Core",
		uapi.SIGVTALRM: "Term", uapi.SIGPROF: "Term", uapi.SIGWINCH: "Ign", uapi.SIGIO: "Term", uapi.SIGPWR: "Term",
		uapi.SIGSYS: "Core",
	}
	for sig := 1; sig <= uapi.NSIG; sig++ {
		got := "Term"
		switch {
		case sig == uapi.SIGCONT:
			got = "Cont" // ignored by default, and resumes a stopped group when sent
		case sig_kernel_ignore(sig):
			got = "Ign"
		case sig_kernel_stop(sig):
			got = "Stop"
		case sig_kernel_coredump(sig):
			got = "Core"
		}
		w, ok := want[sig]
		if !ok {
			w = "Term"
		}
		if got != w {
			t.Errorf("signal %d: default %s, signal(7) says %s", sig, got, w)
		}
	}
	if !sig_kernel_only(uapi.SIGKILL) || !sig_kernel_only(uapi.SIGSTOP) || sig_kernel_only(uapi.SIGTERM) {
		t.Error("SIGKILL and SIGSTOP, and only they, are the kernel's")
	}
}

// TestNextSignal: the lowest pending unblocked signal, a fault's first.
func TestNextSignal(t *testing.T) {
	var p sched.Sigpending
	p.Signal = sigmask(uapi.SIGUSR1) | sigmask(uapi.SIGINT) | sigmask(uapi.SIGSEGV) | sigmask(40)
	if s := next_signal(&p, 0); s != uapi.SIGSEGV {
		t.Errorf("first %d, want SIGSEGV (synchronous first)", s)
	}
	if s := next_signal(&p, sigmask(uapi.SIGSEGV)); s != uapi.SIGINT {
		t.Errorf("with SIGSEGV blocked: %d, want SIGINT", s)
	}
	if s := next_signal(&p, ^sigmask(40)); s != 40 {
		t.Errorf("only 40 unblocked: %d", s)
	}
	if s := next_signal(&p, ^uapi.Sigset_t(0)); s != 0 {
		t.Errorf("all blocked: %d", s)
	}
}
