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
