package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// utimensat(dfd, filename, utimes, flags) (Linux fs/utimes.c): utimes
// NULL sets both times to now; a NULL filename is dfd's own file
// (glibc's futimens).
func sys_utimensat(r *asm.PtRegs) int64 {
	dfd, filename, utimes, flags := int1(r), uintptr(a2(r)), uintptr(a3(r)), int4(r)
	var ts [2]uapi.X__kernel_timespec
	tp := (*[2]uapi.X__kernel_timespec)(nil)
	if utimes != 0 {
		if err := copy_from_user_obj(unsafe.Pointer(&ts), utimes, unsafe.Sizeof(ts)); err != 0 {
			return int64(err)
		}
		tp = &ts
	}
	if filename == 0 {
		return int64(fs.Do_utimes(dfd, nil, true, tp, flags))
	}
	name, p, err := getname_flags(filename, flags&uapi.AT_EMPTY_PATH != 0)
	if err != 0 {
		return int64(err)
	}
	ret := fs.Do_utimes(dfd, name, false, tp, flags)
	Putname(p)
	return int64(ret)
}
