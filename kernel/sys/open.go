package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// open, openat, creat, close, truncate, ftruncate, chdir, fchdir,
// access, faccessat, faccessat2. Linux: fs/open.c.

// sys_openat: openat(dfd, pathname, flags, mode); sys_open is openat
// from the current directory (Linux do_sys_open), and creat is open with
// O_CREAT|O_WRONLY|O_TRUNC.
func sys_openat(r *asm.PtRegs) int64 {
	return openUser(int1(r), uintptr(a2(r)), uint32(a3(r)), uint32(a4(r)))
}

func sys_open(r *asm.PtRegs) int64 {
	return openUser(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), uint32(a3(r)))
}

func sys_creat(r *asm.PtRegs) int64 {
	return openUser(uapi.AT_FDCWD, uintptr(a1(r)), uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, uint32(a2(r)))
}

func openUser(dfd int, filename uintptr, flags, mode uint32) int64 {
	name, p, err := Getname(filename)
	if err != 0 {
		return int64(err)
	}
	fd := fs.Do_sys_open(dfd, name, flags, mode)
	Putname(p)
	return int64(fd)
}

// sys_close: close(fd).
func sys_close(r *asm.PtRegs) int64 { return int64(fs.Ksys_close(int1(r))) }

// sys_truncate and sys_ftruncate: the length is signed (-EINVAL when
// negative).
func sys_truncate(r *asm.PtRegs) int64 {
	length := int64(a2(r))
	return with_name(uintptr(a1(r)), func(name []byte) int { return fs.Do_sys_truncate(name, length) })
}

func sys_ftruncate(r *asm.PtRegs) int64 { return int64(fs.Do_sys_ftruncate(int1(r), int64(a2(r)))) }

// sys_chdir and sys_fchdir.
func sys_chdir(r *asm.PtRegs) int64 { return with_name(uintptr(a1(r)), fs.Ksys_chdir) }

func sys_fchdir(r *asm.PtRegs) int64 { return int64(fs.Ksys_fchdir(int1(r))) }

func sys_chroot(r *asm.PtRegs) int64 { return with_name(uintptr(a1(r)), fs.Ksys_chroot) }

// sys_access, sys_faccessat and sys_faccessat2 (Linux do_faccessat;
// faccessat has no flags argument, faccessat2 has).
func sys_access(r *asm.PtRegs) int64 { return faccessat(uapi.AT_FDCWD, uintptr(a1(r)), int2(r), 0) }

func sys_faccessat(r *asm.PtRegs) int64 { return faccessat(int1(r), uintptr(a2(r)), int3(r), 0) }

func sys_faccessat2(r *asm.PtRegs) int64 {
	return faccessat(int1(r), uintptr(a2(r)), int3(r), int4(r))
}

func faccessat(dfd int, filename uintptr, mode, flags int) int64 {
	if flags&^(uapi.AT_SYMLINK_NOFOLLOW|uapi.AT_EACCESS|uapi.AT_EMPTY_PATH) != 0 {
		return -asm.EINVAL
	}
	name, p, err := getname_flags(filename, flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	ret := fs.Do_faccessat(dfd, name, mode, flags)
	Putname(p)
	return int64(ret)
}

// chmod, fchmod, fchmodat, fchmodat2, chown, fchown, lchown, fchownat
// (Linux fs/open.c). fchmodat has no flags argument; fchmodat2 (Linux
// 6.6) has, for AT_SYMLINK_NOFOLLOW, which the Go runtime's os.Root
// passes; a name may be empty only with AT_EMPTY_PATH.
func sys_chmod(r *asm.PtRegs) int64 { return fchmodat(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), 0) }

func sys_fchmod(r *asm.PtRegs) int64 { return int64(fs.Ksys_fchmod(int1(r), uint32(a2(r)))) }

func sys_fchmodat(r *asm.PtRegs) int64 { return fchmodat(int1(r), uintptr(a2(r)), uint32(a3(r)), 0) }

func sys_fchmodat2(r *asm.PtRegs) int64 {
	return fchmodat(int1(r), uintptr(a2(r)), uint32(a3(r)), int4(r))
}

func fchmodat(dfd int, filename uintptr, mode uint32, flags int) int64 {
	name, p, err := getname_flags(filename, flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	ret := fs.Do_fchmodat(dfd, name, mode, flags)
	Putname(p)
	return int64(ret)
}

func sys_chown(r *asm.PtRegs) int64 {
	return fchownat(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), uint32(a3(r)), 0)
}

func sys_lchown(r *asm.PtRegs) int64 {
	return fchownat(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), uint32(a3(r)), uapi.AT_SYMLINK_NOFOLLOW)
}

func sys_fchown(r *asm.PtRegs) int64 {
	return int64(fs.Ksys_fchown(int1(r), uint32(a2(r)), uint32(a3(r))))
}

func sys_fchownat(r *asm.PtRegs) int64 {
	return fchownat(int1(r), uintptr(a2(r)), uint32(a3(r)), uint32(a4(r)), int(int32(a5(r))))
}

func fchownat(dfd int, filename uintptr, uid, gid uint32, flags int) int64 {
	name, p, err := getname_flags(filename, flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	ret := fs.Do_fchownat(dfd, name, uid, gid, flags)
	Putname(p)
	return int64(ret)
}
