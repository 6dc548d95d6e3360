package uapi

// Signals as user space sees them: the numbers, struct sigaction as the
// rt_sigaction system call takes it, stack_t, siginfo_t, and the frame a
// handler is called with (struct ucontext with struct sigcontext).
// Linux: include/uapi/asm-generic/signal-defs.h, arch/x86/include/uapi/
// asm/signal.h (the numbers, SA_RESTORER), include/uapi/asm-generic/
// siginfo.h, arch/x86/include/uapi/asm/sigcontext.h (struct sigcontext,
// the 64-bit one), arch/x86/include/uapi/asm/ucontext.h (UC_*),
// include/uapi/asm-generic/ucontext.h.

// Signal numbers (arch/x86/include/uapi/asm/signal.h).
const (
	SIGHUP    = 1
	SIGINT    = 2
	SIGQUIT   = 3
	SIGILL    = 4
	SIGTRAP   = 5
	SIGABRT   = 6
	SIGBUS    = 7
	SIGFPE    = 8
	SIGKILL   = 9
	SIGUSR1   = 10
	SIGSEGV   = 11
	SIGUSR2   = 12
	SIGPIPE   = 13
	SIGALRM   = 14
	SIGTERM   = 15
	SIGSTKFLT = 16
	SIGCHLD   = 17
	SIGCONT   = 18
	SIGSTOP   = 19
	SIGTSTP   = 20
	SIGTTIN   = 21
	SIGTTOU   = 22
	SIGURG    = 23
	SIGXCPU   = 24
	SIGXFSZ   = 25
	SIGVTALRM = 26
	SIGPROF   = 27
	SIGWINCH  = 28
	SIGIO     = 29
	SIGPWR    = 30
	SIGSYS    = 31
	SIGRTMIN  = 32
	// NSIG is Linux's _NSIG: signals are 1.._NSIG, one bit each of a
	// 64-bit sigset_t (bit sig-1).
	NSIG = 64
)

// struct sigaction's sa_flags (x86: signal.h; SA_RESTORER is x86's).
const (
	SA_NOCLDSTOP      = 0x00000001 // no SIGCHLD when a child stops
	SA_NOCLDWAIT      = 0x00000002 // no zombies
	SA_SIGINFO        = 0x00000004 // the handler takes (sig, info, ucontext)
	SA_UNSUPPORTED    = 0x00000400 // never supported: lets a program probe
	SA_EXPOSE_TAGBITS = 0x00000800
	SA_RESTORER       = 0x04000000 // sa_restorer is the return address
	SA_ONSTACK        = 0x08000000 // on the alternate stack
	SA_RESTART        = 0x10000000 // restart an interrupted system call
	SA_NODEFER        = 0x40000000 // the signal is not blocked in its handler
	SA_RESETHAND      = 0x80000000 // one shot: SIG_DFL once delivered
)

// Special handlers and rt_sigprocmask's how.
const (
	SIG_DFL     = 0
	SIG_IGN     = 1
	SIG_BLOCK   = 0
	SIG_UNBLOCK = 1
	SIG_SETMASK = 2
)

// sigaltstack: ss_flags and the minimum size (x86: MINSIGSTKSZ 2048).
const (
	SS_ONSTACK    = 1
	SS_DISABLE    = 2
	SS_AUTODISARM = 1 << 31
	MINSIGSTKSZ   = 2048
	SIGSTKSZ      = 8192
)

// si_code values (include/uapi/asm-generic/siginfo.h).
const (
	SI_USER       = 0
	SI_KERNEL     = 0x80
	SI_QUEUE      = -1
	SI_TKILL      = -6
	ILL_ILLOPN    = 2 // illegal operand (#UD, as Linux's do_error_trap sends it)
	FPE_INTDIV    = 1 // integer divide by zero
	SEGV_MAPERR   = 1 // address not mapped to object
	SEGV_ACCERR   = 2 // invalid permissions for mapped object
	BUS_ADRALN    = 1 // invalid address alignment
	BUS_ADRERR    = 2 // nonexistent physical address
	TRAP_BRKPT    = 1 // process breakpoint
	CLD_EXITED    = 1
	CLD_KILLED    = 2
	CLD_DUMPED    = 3
	CLD_STOPPED   = 5
	CLD_CONTINUED = 6
)

// Sigset_t is the kernel's sigset_t on x86-64: one 64-bit word, bit
// sig-1 for signal sig (rt_sigprocmask's sigsetsize is 8; glibc's
// 128-byte sigset_t is user space's own).
type Sigset_t uint64

// Sigaction is struct sigaction as rt_sigaction takes it on x86-64
// (the kernel's layout, not glibc's): handler, flags, restorer, mask.
type Sigaction struct {
	Sa_handler  uint64
	Sa_flags    uint64
	Sa_restorer uint64
	Sa_mask     Sigset_t
}

// Stack_t is stack_t (sigaltstack, ucontext's uc_stack).
type Stack_t struct {
	Ss_sp    uint64
	Ss_flags int32
	_        int32
	Ss_size  uint64
}

// SI_MAX_SIZE: siginfo_t is 128 bytes; its union starts at 16 on 64-bit.
const SI_MAX_SIZE = 128

// Siginfo is siginfo_t: signo, errno, code, then a union whose fields
// depend on the signal (Fields[0] holds si_pid and si_uid for kill, si_addr
// for a fault; Fields[1] si_status for SIGCHLD).
type Siginfo struct {
	Si_signo int32
	Si_errno int32
	Si_code  int32
	_        int32
	Fields   [(SI_MAX_SIZE - 16) / 8]uint64
}

// Sigcontext is the 64-bit struct sigcontext (arch/x86/include/uapi/
// asm/sigcontext.h): the general registers in that order, then the
// selectors (ss where __pad0 was, used since Linux 4.6 with
// UC_SIGCONTEXT_SS), the trap's error code, number and CR2, the old mask,
// and the pointer to the FPU state.
type Sigcontext struct {
	R8, R9, R10, R11, R12, R13, R14, R15 uint64
	Di, Si, Bp, Bx, Dx, Ax, Cx, Sp, Ip   uint64
	Flags                                uint64
	Cs, Gs, Fs, Ss                       uint16
	Err, Trapno, Oldmask, Cr2            uint64
	Fpstate                              uint64 // a struct _fpstate_64 (FXSAVE format), or 0
	Reserved1                            [8]uint64
}

// Ucontext is struct ucontext as the kernel writes it (asm-generic: the
// kernel's sigset_t, 8 bytes, last).
type Ucontext struct {
	Uc_flags    uint64
	Uc_link     uint64
	Uc_stack    Stack_t
	Uc_mcontext Sigcontext
	Uc_sigmask  Sigset_t
}

// uc_flags (arch/x86/include/uapi/asm/ucontext.h).
const (
	UC_FP_XSTATE         = 0x1 // the FPU state has XSAVE's extended part
	UC_SIGCONTEXT_SS     = 0x2 // sigcontext.ss is valid
	UC_STRICT_RESTORE_SS = 0x4 // rt_sigreturn restores ss as saved
)

// The other restart codes a system call may return when a signal
// interrupts it (include/linux/errno.h, next to ERESTARTSYS; never seen
// by user space): the signal code turns them into EINTR or a restart.
const (
	ERESTARTNOINTR        = 513 // always restart
	ERESTARTNOHAND        = 514 // restart if no handler ran (pause, rt_sigsuspend: EINTR after one)
	ERESTART_RESTARTBLOCK = 516 // restart through restart_syscall
)
