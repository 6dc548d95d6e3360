package fs

import (
	"unsafe"

	"gokern/include/uapi"
)

// ioctl(2). Linux: fs/ioctl.c (do_vfs_ioctl, vfs_ioctl, ioctl_fionbio,
// file_ioctl's FIONREAD for regular files).

// Ksys_ioctl is ioctl(2) (Linux ksys_ioctl): the generic commands here,
// everything else to the file's driver; a file without one is -ENOTTY.
func Ksys_ioctl(fd int, cmd uint32, arg uintptr) int64 {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_ioctl_body(fd, f, cmd, arg)
	Fput(f)
	return ret
}

// ksys_ioctl_body is the rest of Ksys_ioctl, run while Ksys_ioctl holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_ioctl_body(fd int, f *File, cmd uint32, arg uintptr) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	switch cmd {
	case uapi.FIOCLEX:
		Set_close_on_exec(fd, true)
		return 0
	case uapi.FIONCLEX:
		Set_close_on_exec(fd, false)
		return 0
	case uapi.FIONBIO:
		var on int32
		if err := CopyObjFromUser(unsafe.Pointer(&on), arg, 4); err != 0 {
			return int64(err)
		}
		if on != 0 {
			f.F_flags |= uapi.O_NONBLOCK
		} else {
			f.F_flags &^= uapi.O_NONBLOCK
		}
		return 0
	case uapi.FIONREAD:
		if uapi.S_ISREG(f.F_inode.I_mode) {
			n := int32(max(0, I_size_read(f.F_inode)-f.F_pos))
			return int64(CopyObjToUser(arg, unsafe.Pointer(&n), 4))
		}
	}
	return Vfs_ioctl(f, cmd, arg)
}

// Vfs_ioctl calls the driver (Linux vfs_ioctl).
func Vfs_ioctl(f *File, cmd uint32, arg uintptr) int64 {
	if f.F_op == nil || f.F_op.Unlocked_ioctl == nil {
		return -ENOTTY
	}
	return f.F_op.Unlocked_ioctl(f, cmd, arg)
}
