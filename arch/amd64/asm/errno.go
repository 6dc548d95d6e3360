package asm

// Error numbers, returned negated as Linux's kernel functions return them
// (-EFAULT). Linux: include/uapi/asm-generic/errno-base.h and errno.h.
const (
	EPERM   = 1
	ENOENT  = 2
	ESRCH   = 3
	E2BIG   = 7 // argument list too long (execve)
	ENOEXEC = 8 // exec format error: not an executable gokern can load
	EBADF   = 9
	ENOMEM  = 12
	EACCES  = 13
	EFAULT  = 14 // bad address: the seeds' fixup sets EAX to -14
	EEXIST  = 17
	ENODEV  = 19 // no such device: a file mmap cannot map
	EINVAL  = 22
	ENOSYS  = 38 // no such system call
)
