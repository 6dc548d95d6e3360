package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
)

// statfs(path, buf) and fstatfs(fd, buf). Linux: fs/statfs.c (the
// SYSCALL_DEFINEs over user_statfs and fd_statfs, then
// do_statfs_native's copy).

func sys_statfs(r *asm.PtRegs) int64 {
	var st fs.Kstatfs
	name, p, err := Getname(uintptr(a1(r)))
	if err != 0 {
		return int64(err)
	}
	err = fs.User_statfs(name, &st)
	Putname(p)
	if err != 0 {
		return int64(err)
	}
	return copy_statfs(&st, uintptr(a2(r)))
}

func sys_fstatfs(r *asm.PtRegs) int64 {
	var st fs.Kstatfs
	if err := fs.Fd_statfs(int1(r), &st); err != 0 {
		return int64(err)
	}
	return copy_statfs(&st, uintptr(a2(r)))
}

func copy_statfs(st *fs.Kstatfs, ubuf uintptr) int64 {
	var out fs.Statfs
	fs.Do_statfs_native(st, &out)
	return int64(copy_to_user_obj(ubuf, unsafe.Pointer(&out), unsafe.Sizeof(out)))
}
