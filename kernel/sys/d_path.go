package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// getcwd(buf, size): the length with the NUL (Linux fs/d_path.c: the
// system call returns the length, the C library the pointer); -ERANGE
// when size is too small, -EFAULT for a bad buffer.
func sys_getcwd(r *asm.PtRegs) int64 {
	var page [uapi.PATH_MAX]byte
	n := fs.Ksys_getcwd(page[:])
	if n < 0 {
		return int64(n)
	}
	if uint64(n) > a2(r) {
		return -uapi.ERANGE
	}
	if err := copy_to_user_obj(uintptr(a1(r)), unsafe.Pointer(&page[0]), uintptr(n)); err != 0 {
		return int64(err)
	}
	return int64(n)
}
