package fs

import (
	"gokern/include/uapi"
	"gokern/printk"
)

// The errnos the VFS returns, negated as Linux's (include/uapi).
const (
	EPERM        = uapi.EPERM
	ENOENT       = uapi.ENOENT
	ESRCH        = uapi.ESRCH
	EINTR        = uapi.EINTR
	EIO          = uapi.EIO
	ENXIO        = uapi.ENXIO
	EBADF        = uapi.EBADF
	EAGAIN       = uapi.EAGAIN
	ENOMEM       = uapi.ENOMEM
	EACCES       = uapi.EACCES
	EFAULT       = uapi.EFAULT
	EBUSY        = uapi.EBUSY
	EEXIST       = uapi.EEXIST
	EXDEV        = uapi.EXDEV
	ENODEV       = uapi.ENODEV
	ENOTDIR      = uapi.ENOTDIR
	EISDIR       = uapi.EISDIR
	EINVAL       = uapi.EINVAL
	ENFILE       = uapi.ENFILE
	EMFILE       = uapi.EMFILE
	ENOTTY       = uapi.ENOTTY
	EFBIG        = uapi.EFBIG
	ENOSPC       = uapi.ENOSPC
	ESPIPE       = uapi.ESPIPE
	EROFS        = uapi.EROFS
	EMLINK       = uapi.EMLINK
	EPIPE        = uapi.EPIPE
	ENAMETOOLONG = uapi.ENAMETOOLONG
	ENOSYS       = uapi.ENOSYS
	ENOTEMPTY    = uapi.ENOTEMPTY
	ELOOP        = uapi.ELOOP
	EOVERFLOW    = uapi.EOVERFLOW
	EOPNOTSUPP   = uapi.EOPNOTSUPP
	ERESTARTSYS  = uapi.ERESTARTSYS
)

// Vfs_bugs counts reference-count errors found (each is reported once
// and the object left alone: a leak rather than a use after free); the
// selftests and host tests require it to stay 0.
var Vfs_bugs uint64

// vfs_bug reports a broken VFS invariant on d, a dentry.
func vfs_bug(d *Dentry, what string) {
	Vfs_bugs++
	printk.Pr_err("VFS: %s: dentry %s, count %d\n", printk.Str(what), printk.Bytes(d.D_name.Bytes()), printk.Int(d.D_count))
}
