package fs

import "gokern/include/uapi"

// fcntl(2). Linux: fs/fcntl.c (do_fcntl, setfl).

// SETFL_MASK: the status flags F_SETFL may change (Linux SETFL_MASK).
const SETFL_MASK = uapi.O_APPEND | uapi.O_NONBLOCK | uapi.O_DIRECT | uapi.O_NOATIME | uapi.FASYNC

// setfl is F_SETFL (Linux setfl): O_APPEND, O_NONBLOCK and the rest of
// SETFL_MASK; the access mode and creation flags stay.
func setfl(f *File, arg uint32) int {
	if f.F_flags&uapi.O_APPEND != 0 && arg&uapi.O_APPEND == 0 && f.F_inode.I_flags&S_APPEND != 0 {
		return -EPERM
	}
	if arg&uapi.FASYNC != 0 {
		// No SIGIO delivery in gokern.
		return -EINVAL
	}
	f.F_flags = f.F_flags&^SETFL_MASK | arg&SETFL_MASK
	return 0
}

// S_APPEND: an append-only inode (chattr +a; never set in gokern).
const S_APPEND = 1 << 2

// Do_fcntl is fcntl(2) for the descriptor and status commands (Linux
// do_fcntl): F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL,
// F_SETFL, and the POSIX locks' F_GETLK, F_SETLK, F_SETLKW (locks.go).
// Others are -EINVAL.
func Do_fcntl(fd int, cmd int, arg uintptr) int64 {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := do_fcntl_body(fd, f, cmd, arg)
	Fput(f)
	return ret
}

// do_fcntl_body is the rest of Do_fcntl, run while Do_fcntl holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_fcntl_body(fd int, f *File, cmd int, arg uintptr) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		switch cmd {
		case uapi.F_DUPFD, uapi.F_DUPFD_CLOEXEC, uapi.F_GETFD, uapi.F_SETFD, uapi.F_GETFL:
		default:
			return -EBADF
		}
	}
	switch cmd {
	case uapi.F_DUPFD:
		return int64(f_dupfd(int(int32(arg)), f, 0))
	case uapi.F_DUPFD_CLOEXEC:
		return int64(f_dupfd(int(int32(arg)), f, uapi.O_CLOEXEC))
	case uapi.F_GETFD:
		if Get_close_on_exec(fd) {
			return uapi.FD_CLOEXEC
		}
		return 0
	case uapi.F_SETFD:
		Set_close_on_exec(fd, arg&uapi.FD_CLOEXEC != 0)
		return 0
	case uapi.F_GETFL:
		return int64(f.F_flags)
	case uapi.F_SETFL:
		return int64(setfl(f, uint32(arg)))
	case F_GETLK:
		return fcntl_getlk(f, arg)
	case F_SETLK, F_SETLKW:
		return fcntl_setlk(f, cmd, arg)
	}
	return -EINVAL
}
