package asm

// Error numbers, returned negated as Linux's kernel functions return them
// (-EFAULT). Linux: include/uapi/asm-generic/errno-base.h and errno.h.
const (
	EPERM  = 1
	ENOENT = 2
	EBADF  = 9
	EFAULT = 14 // bad address: the seeds' fixup sets EAX to -14
	EINVAL = 22
	ENOSYS = 38 // no such system call
)
