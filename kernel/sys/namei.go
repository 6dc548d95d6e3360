package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat,
// renameat2, link, linkat, symlink, symlinkat. Linux: fs/namei.c.

func sys_mkdir(r *asm.PtRegs) int64 {
	mode := uint32(a2(r))
	return with_name(uintptr(a1(r)), func(n []byte) int { return fs.Do_mkdirat(uapi.AT_FDCWD, n, mode) })
}

func sys_mkdirat(r *asm.PtRegs) int64 {
	dfd, mode := int1(r), uint32(a3(r))
	return with_name(uintptr(a2(r)), func(n []byte) int { return fs.Do_mkdirat(dfd, n, mode) })
}

func sys_rmdir(r *asm.PtRegs) int64 {
	return with_name(uintptr(a1(r)), func(n []byte) int { return fs.Do_rmdir(uapi.AT_FDCWD, n) })
}

func sys_unlink(r *asm.PtRegs) int64 {
	return with_name(uintptr(a1(r)), func(n []byte) int { return fs.Do_unlinkat(uapi.AT_FDCWD, n) })
}

// sys_unlinkat: AT_REMOVEDIR makes it rmdir; other flags -EINVAL
// (checked before the name, as Linux does).
func sys_unlinkat(r *asm.PtRegs) int64 {
	dfd, flag := int1(r), int3(r)
	if flag&^uapi.AT_REMOVEDIR != 0 {
		return -asm.EINVAL
	}
	return with_name(uintptr(a2(r)), func(n []byte) int { return fs.Ksys_unlinkat(dfd, n, flag) })
}

func sys_rename(r *asm.PtRegs) int64 {
	return with_names(uintptr(a1(r)), uintptr(a2(r)), func(o, n []byte) int {
		return fs.Do_renameat2(uapi.AT_FDCWD, o, uapi.AT_FDCWD, n, 0)
	})
}

func sys_renameat(r *asm.PtRegs) int64 {
	od, nd := int1(r), int3(r)
	return with_names(uintptr(a2(r)), uintptr(a4(r)), func(o, n []byte) int { return fs.Do_renameat2(od, o, nd, n, 0) })
}

func sys_renameat2(r *asm.PtRegs) int64 {
	od, nd, flags := int1(r), int3(r), uint32(a5(r))
	return with_names(uintptr(a2(r)), uintptr(a4(r)), func(o, n []byte) int { return fs.Do_renameat2(od, o, nd, n, flags) })
}

func sys_link(r *asm.PtRegs) int64 {
	return with_names(uintptr(a1(r)), uintptr(a2(r)), func(o, n []byte) int {
		return fs.Do_linkat(uapi.AT_FDCWD, o, uapi.AT_FDCWD, n, 0)
	})
}

func sys_linkat(r *asm.PtRegs) int64 {
	od, nd, flags := int1(r), int3(r), int(int32(a5(r)))
	return with_names(uintptr(a2(r)), uintptr(a4(r)), func(o, n []byte) int { return fs.Do_linkat(od, o, nd, n, flags) })
}

func sys_symlink(r *asm.PtRegs) int64 {
	return with_names(uintptr(a1(r)), uintptr(a2(r)), func(t, n []byte) int { return fs.Do_symlinkat(t, uapi.AT_FDCWD, n) })
}

func sys_symlinkat(r *asm.PtRegs) int64 {
	nd := int2(r)
	return with_names(uintptr(a1(r)), uintptr(a3(r)), func(t, n []byte) int { return fs.Do_symlinkat(t, nd, n) })
}

// sys_mknod and sys_mknodat: mknod(pathname, mode, dev) and
// mknodat(dfd, pathname, mode, dev), a FIFO (mkfifo), device node,
// socket or regular file (Linux do_mknodat), dev in new_encode_dev's
// encoding.
func sys_mknod(r *asm.PtRegs) int64 {
	return mknodat(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), uint32(a3(r)))
}

func sys_mknodat(r *asm.PtRegs) int64 {
	return mknodat(int1(r), uintptr(a2(r)), uint32(a3(r)), uint32(a4(r)))
}

func mknodat(dfd int, filename uintptr, mode, dev uint32) int64 {
	return with_name(filename, func(n []byte) int { return fs.Do_mknodat(dfd, n, mode, uapi.New_decode_dev(dev)) })
}
