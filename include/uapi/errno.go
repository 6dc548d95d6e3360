// Package uapi is the user-space ABI of Linux x86-64 that gokern's system
// calls speak: error numbers, open and fcntl flags, file modes, struct
// stat, struct statx, struct linux_dirent64, struct termios, ioctl and
// poll numbers. Linux: include/uapi/asm-generic/ and include/uapi/linux/,
// arch/x86/include/uapi/asm/. Every layout is byte-exact with Linux's;
// the host tests compare them with the host kernel's through syscall and
// golang.org/x/sys/unix. It imports nothing: any layer may use it.
package uapi

// Error numbers (include/uapi/asm-generic/errno-base.h, errno.h). Kernel
// functions return them negated, as Linux's do.
const (
	EPERM        = 1
	ENOENT       = 2
	ESRCH        = 3
	EINTR        = 4
	EIO          = 5
	ENXIO        = 6
	E2BIG        = 7
	ENOEXEC      = 8
	EBADF        = 9
	ECHILD       = 10
	EAGAIN       = 11
	ENOMEM       = 12
	EACCES       = 13
	EFAULT       = 14
	ENOTBLK      = 15
	EBUSY        = 16
	EEXIST       = 17
	EXDEV        = 18
	ENODEV       = 19
	ENOTDIR      = 20
	EISDIR       = 21
	EINVAL       = 22
	ENFILE       = 23
	EMFILE       = 24
	ENOTTY       = 25
	ETXTBSY      = 26
	EFBIG        = 27
	ENOSPC       = 28
	ESPIPE       = 29
	EROFS        = 30
	EMLINK       = 31
	EPIPE        = 32
	ERANGE       = 34
	EDEADLK      = 35
	ENAMETOOLONG = 36
	ENOLCK       = 37
	ENOSYS       = 38
	ENOTEMPTY    = 39
	ELOOP        = 40
	EOVERFLOW    = 75
	EOPNOTSUPP   = 95
	ETIMEDOUT    = 110

	// ERESTARTSYS: a sleep was interrupted by a signal; the system call
	// layer restarts the call or turns it into EINTR (include/linux/
	// errno.h: never seen by user space).
	ERESTARTSYS = 512
)
