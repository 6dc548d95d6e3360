package uapi

// Process resources and child status. Linux: include/uapi/linux/resource.h
// (struct rusage, RUSAGE_*), include/uapi/linux/time_types.h (struct
// __kernel_old_timeval), include/uapi/linux/wait.h (W*, P_*),
// include/uapi/asm-generic/siginfo.h (siginfo_t's SIGCHLD fields; CLD_* are in signal.go).

// Timeval is struct timeval (struct __kernel_old_timeval on x86-64).
type Timeval struct {
	Sec, Usec int64
}

// Rusage is struct rusage, 144 bytes.
type Rusage struct {
	Utime, Stime Timeval
	Maxrss       int64
	Ixrss        int64
	Idrss        int64
	Isrss        int64
	Minflt       int64
	Majflt       int64
	Nswap        int64
	Inblock      int64
	Oublock      int64
	Msgsnd       int64
	Msgrcv       int64
	Nsignals     int64
	Nvcsw        int64
	Nivcsw       int64
}

// getrusage's who.
const (
	RUSAGE_SELF     = 0
	RUSAGE_THREAD   = 1
	RUSAGE_CHILDREN = -1
)

// wait4's and waitid's options.
const (
	WNOHANG      = 0x00000001
	WUNTRACED    = 0x00000002
	WSTOPPED     = WUNTRACED
	WEXITED      = 0x00000004
	WCONTINUED   = 0x00000008
	WNOWAIT      = 0x01000000
	X__WNOTHREAD = 0x20000000
	X__WALL      = 0x40000000
	X__WCLONE    = 0x80000000
)

// waitid's idtype.
const (
	P_ALL   = 0
	P_PID   = 1
	P_PGID  = 2
	P_PIDFD = 3
)

// Siginfo_chld is siginfo_t (128 bytes) as waitid fills it for a child:
// si_signo, si_errno, si_code, then the union's _sigchld member (si_pid,
// si_uid, si_status, si_utime, si_stime) at offset 16.
type Siginfo_chld struct {
	Signo, Errno, Code int32
	_                  int32
	Pid                int32
	Uid                uint32
	Status             int32
	_                  int32
	Utime, Stime       int64
	_                  [128 - 48]byte
}

// Tms is struct tms (include/uapi/linux/times.h), in clock ticks.
type Tms struct {
	Utime, Stime, Cutime, Cstime int64
}

// USER_HZ: the clock ticks of times() and /proc (Linux's, 100 on x86).
const USER_HZ = 100
