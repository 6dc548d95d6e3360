package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/mm"
)

// read, write, readv, writev, pread64, pwrite64, lseek. Linux:
// fs/read_write.c. A count is capped at MAX_RW_COUNT, as Linux's
// rw_verify_area does, so a huge count with a bad pointer is -EFAULT at
// the first byte that faults, never an overflow.

// MAX_RW_COUNT: the most one read or write moves (Linux: INT_MAX rounded
// down to a page).
const MAX_RW_COUNT = 0x7ffff000

func sys_read(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), MAX_RW_COUNT)))
	return fs.Ksys_read(int1(r), &it)
}

func sys_write(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), MAX_RW_COUNT)))
	return fs.Ksys_write(int1(r), &it)
}

// sys_pread64 and sys_pwrite64: at an offset, without moving the file's
// (Linux ksys_pread64): -ESPIPE on a pipe or tty, -EINVAL for a
// negative offset.
func sys_pread64(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), MAX_RW_COUNT)))
	return fs.Ksys_pread64(int1(r), &it, int64(a4(r)))
}

func sys_pwrite64(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), MAX_RW_COUNT)))
	return fs.Ksys_pwrite64(int1(r), &it, int64(a4(r)))
}

// sys_lseek: lseek(fd, offset, whence) (Linux ksys_lseek).
func sys_lseek(r *asm.PtRegs) int64 { return fs.Ksys_lseek(int1(r), int64(a2(r)), int3(r)) }

// sys_lseek_ia32: i386's off_t is 32 bits, signed.
func sys_lseek_ia32(r *asm.PtRegs) int64 {
	return fs.Ksys_lseek(int(int32(r.BX)), int64(int32(r.CX)), int(int32(r.DX)))
}

// sys_readv and sys_writev: readv(fd, iov, iovcnt), one read over all
// the segments (Linux do_readv over vfs_readv), so a tty's line or a
// pipe's bytes fill them in order and one short segment ends it.
func sys_readv(r *asm.PtRegs) int64 {
	it, p, err := fs.Import_iovec(uintptr(a2(r)), a3(r))
	if err != 0 {
		return int64(err)
	}
	ret := fs.Ksys_read(int1(r), &it)
	if p != nil {
		mm.Kfree(p)
	}
	return ret
}

func sys_writev(r *asm.PtRegs) int64 {
	it, p, err := fs.Import_iovec(uintptr(a2(r)), a3(r))
	if err != 0 {
		return int64(err)
	}
	ret := fs.Ksys_write(int1(r), &it)
	if p != nil {
		mm.Kfree(p)
	}
	return ret
}

// sys_splice: splice(fd_in, off_in, fd_out, off_out, len, flags) (Linux
// SYSCALL_DEFINE6(splice)): the offsets, when given, are read first and
// written back (fs.Do_splice).
func sys_splice(r *asm.PtRegs) int64 {
	in := fs.Fget(int1(r))
	if in == nil {
		return -fs.EBADF
	}
	out := fs.Fget(int(int32(a3(r))))
	if out == nil {
		fs.Fput(in)
		return -fs.EBADF
	}
	ret := splice_files(in, out, uintptr(a2(r)), uintptr(a4(r)), int64(min(a5(r), MAX_RW_COUNT)), uint32(r.R9))
	fs.Fput(out)
	fs.Fput(in)
	return ret
}

// splice_files is sys_splice's work while it holds both files (a body,
// not a defer: DESIGN.md §4).
func splice_files(in, out *fs.File, uoff_in, uoff_out uintptr, length int64, flags uint32) int64 {
	var off_in, off_out int64
	var pin, pout *int64
	if uoff_in != 0 {
		if err := copy_from_user_obj(unsafe.Pointer(&off_in), uoff_in, 8); err != 0 {
			return int64(err)
		}
		pin = &off_in
	}
	if uoff_out != 0 {
		if err := copy_from_user_obj(unsafe.Pointer(&off_out), uoff_out, 8); err != 0 {
			return int64(err)
		}
		pout = &off_out
	}
	ret := fs.Do_splice(in, out, pin, pout, length, flags)
	if ret > 0 {
		if pin != nil && copy_to_user_obj(uoff_in, unsafe.Pointer(&off_in), 8) != 0 {
			return -fs.EFAULT
		}
		if pout != nil && copy_to_user_obj(uoff_out, unsafe.Pointer(&off_out), 8) != 0 {
			return -fs.EFAULT
		}
	}
	return ret
}

// sys_sendfile64: sendfile(out_fd, in_fd, offset, count) (Linux
// SYSCALL_DEFINE4(sendfile64)): *offset, when given, is read first and
// written back with where the copy stopped; -EFAULT for a bad one.
// cp copies a file's data with it.
func sys_sendfile64(r *asm.PtRegs) int64 {
	uoff := uintptr(a3(r))
	if uoff == 0 {
		return fs.Do_sendfile(int1(r), int2(r), nil, int64(min(a4(r), MAX_RW_COUNT)))
	}
	var pos int64
	if err := copy_from_user_obj(unsafe.Pointer(&pos), uoff, unsafe.Sizeof(pos)); err != 0 {
		return int64(err)
	}
	ret := fs.Do_sendfile(int1(r), int2(r), &pos, int64(min(a4(r), MAX_RW_COUNT)))
	if ret >= 0 {
		if err := copy_to_user_obj(uoff, unsafe.Pointer(&pos), unsafe.Sizeof(pos)); err != 0 {
			return int64(err)
		}
	}
	return ret
}
