package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// stat, fstat, lstat, newfstatat, statx, readlink, readlinkat. Linux:
// fs/stat.c. The structure is filled in the kernel and copied out
// whole: a bad buffer is -EFAULT after the lookup, as in Linux.

func sys_newstat(r *asm.PtRegs) int64 {
	return do_newfstatat(uapi.AT_FDCWD, uintptr(a1(r)), uintptr(a2(r)), 0)
}

func sys_newlstat(r *asm.PtRegs) int64 {
	return do_newfstatat(uapi.AT_FDCWD, uintptr(a1(r)), uintptr(a2(r)), uapi.AT_SYMLINK_NOFOLLOW)
}

func sys_newfstatat(r *asm.PtRegs) int64 {
	return do_newfstatat(int1(r), uintptr(a2(r)), uintptr(a3(r)), int4(r))
}

func sys_newfstat(r *asm.PtRegs) int64 {
	var stat fs.Kstat
	if err := fs.Vfs_fstat(int1(r), &stat); err != 0 {
		return int64(err)
	}
	return statOut(&stat, uintptr(a2(r)))
}

func do_newfstatat(dfd int, filename, statbuf uintptr, flags int) int64 {
	name, p, err := getname_flags(filename, flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	var stat fs.Kstat
	err = fs.Vfs_fstatat(dfd, name, &stat, flags)
	Putname(p)
	if err != 0 {
		return int64(err)
	}
	return statOut(&stat, statbuf)
}

// statOut copies x86-64's struct stat out (Linux cp_new_stat).
func statOut(stat *fs.Kstat, statbuf uintptr) int64 {
	var st uapi.Stat
	fs.Cp_new_stat(stat, &st)
	return int64(copy_to_user_obj(statbuf, unsafe.Pointer(&st), unsafe.Sizeof(st)))
}

// sys_statx: statx(dfd, pathname, flags, mask, statxbuf) (Linux; the
// same structure in both ABIs).
func sys_statx(r *asm.PtRegs) int64 {
	flags := int3(r)
	name, p, err := getname_flags(uintptr(a2(r)), flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	var sx uapi.Statx
	err = fs.Do_statx(int1(r), name, flags, uint32(a4(r)), &sx)
	Putname(p)
	if err != 0 {
		return int64(err)
	}
	return int64(copy_to_user_obj(uintptr(a5(r)), unsafe.Pointer(&sx), unsafe.Sizeof(sx)))
}

// sys_readlink and sys_readlinkat: the target, not NUL-terminated; a
// size of zero or less is -EINVAL (Linux do_readlinkat).
func sys_readlink(r *asm.PtRegs) int64 {
	return readlinkat(uapi.AT_FDCWD, uintptr(a1(r)), uintptr(a2(r)), int3(r))
}

func sys_readlinkat(r *asm.PtRegs) int64 {
	return readlinkat(int1(r), uintptr(a2(r)), uintptr(a3(r)), int4(r))
}

func readlinkat(dfd int, pathname, buf uintptr, bufsiz int) int64 {
	if bufsiz <= 0 {
		return -asm.EINVAL
	}
	name, p, err := getname_flags(pathname, true)
	if err != 0 {
		return int64(err)
	}
	out := fs.Iov_iter_ubuf(buf, bufsiz)
	ret := fs.Do_readlinkat(dfd, name, &out)
	Putname(p)
	return int64(ret)
}
