package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// sync, syncfs, fsync, fdatasync. Linux: fs/sync.c. Every gokern file
// system lives in RAM (ramfs, tmpfs, proc, the pipes and devices):
// there is nothing to write back. sync succeeds, and syncfs on any open
// descriptor but an O_PATH one (Linux's fdget refuses those); fsync
// succeeds on a file or directory, whose file systems have noop_fsync
// as Linux's ramfs and libfs do, and is -EINVAL on pipes, ttys and
// memory devices, whose file_operations have no fsync in Linux either.

func sys_sync(r *asm.PtRegs) int64 { return 0 }

func sys_syncfs(r *asm.PtRegs) int64 {
	f := fs.Fget(int1(r))
	if f == nil {
		return -asm.EBADF
	}
	path := f.F_mode&fs.FMODE_PATH != 0
	fs.Fput(f)
	if path {
		return -asm.EBADF
	}
	return 0
}

func sys_fsync(r *asm.PtRegs) int64 {
	f := fs.Fget(int1(r))
	if f == nil {
		return -asm.EBADF
	}
	mode, path := f.F_inode.I_mode, f.F_mode&fs.FMODE_PATH != 0
	fs.Fput(f)
	if path {
		return -asm.EBADF
	}
	if uapi.S_ISREG(mode) || uapi.S_ISDIR(mode) {
		return 0
	}
	return -asm.EINVAL
}
