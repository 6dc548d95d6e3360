package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
)

// getdents64(fd, dirp, count). Linux: fs/readdir.c. The VFS writes each
// linux_dirent64 straight to the user's buffer through the iterator.
func sys_getdents64(r *asm.PtRegs) int64 {
	out := fs.Iov_iter_ubuf(uintptr(a2(r)), int(uint32(a3(r))))
	return int64(fs.Ksys_getdents64(int1(r), &out))
}
