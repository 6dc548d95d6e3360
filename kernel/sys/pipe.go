package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
)

// pipe(fds) and pipe2(fds, flags). Linux: fs/pipe.c. Linux copies the
// two descriptors out before it installs them, so a bad pointer leaves
// no descriptor behind; here they are closed again, which a
// single-threaded program cannot tell apart.

func sys_pipe(r *asm.PtRegs) int64 { return pipe2Out(uintptr(a1(r)), 0) }

func sys_pipe2(r *asm.PtRegs) int64 { return pipe2Out(uintptr(a1(r)), uint32(a2(r))) }

func pipe2Out(fildes uintptr, flags uint32) int64 {
	var fds [2]int
	if err := fs.Do_pipe2(&fds, flags); err != 0 {
		return int64(err)
	}
	out := [2]int32{int32(fds[0]), int32(fds[1])}
	if err := copy_to_user_obj(fildes, unsafe.Pointer(&out), unsafe.Sizeof(out)); err != 0 {
		fs.Ksys_close(fds[0])
		fs.Ksys_close(fds[1])
		return int64(err)
	}
	return 0
}
