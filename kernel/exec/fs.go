package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/mm"
	"gokern/traps"
)

// The file side of processes: exec's file, mmap's file descriptor, and
// read and write, which are the VFS's (fs.Ksys_read, fs.Ksys_write) over
// the user's buffer (docs/fs.md "The API for the system-call layer").

// open_program opens a program for exec over the VFS (fs.Open_exec): the
// file as the loader reads it, its size, or a negative errno.
func open_program(name []byte) (mm.Vm_file, uint64, int) {
	f, r := fs.Open_exec(name)
	if r != 0 {
		return nil, 0, r
	}
	return f, uint64(fs.I_size_read(f.F_inode)), 0
}

// mmap_file resolves mmap's file descriptor to what a VMA reads, and the
// file's size, over the descriptor table: the file stays
// referenced by the mapping (Linux get_file in mmap_region).
func mmap_file(fd int) (mm.Vm_file, uint64, int) {
	f := fs.Fget(fd)
	if f == nil {
		return nil, 0, -asm.EBADF
	}
	return f, uint64(fs.I_size_read(f.F_inode)), 0
}

// sys_read and sys_write: read(fd, buf, count), write(fd, buf, count)
// (Linux ksys_read, ksys_write), in both conventions.
func sys_read(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), 0x7ffff000)))
	return fs.Ksys_read(int(int32(a1(r))), &it)
}

func sys_write(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(a2(r)), int(min(a3(r), 0x7ffff000)))
	return fs.Ksys_write(int(int32(a1(r))), &it)
}

func sys_read_ia32(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(uint32(r.CX)), int(min(uint32(r.DX), 0x7ffff000)))
	return fs.Ksys_read(int(int32(r.BX)), &it)
}

func sys_write_ia32(r *asm.PtRegs) int64 {
	it := fs.Iov_iter_ubuf(uintptr(uint32(r.CX)), int(min(uint32(r.DX), 0x7ffff000)))
	return fs.Ksys_write(int(int32(r.BX)), &it)
}

// getname copies a path name from user space into a kmalloc'd PATH_MAX
// buffer (Linux getname, from names_cache): the name without its NUL, and
// the buffer to free; -ENAMETOOLONG, -ENOENT for "", -EFAULT.
func getname(user uintptr) ([]byte, unsafe.Pointer, int) {
	p := mm.Kmalloc(uapi.PATH_MAX, mm.GFP_KERNEL)
	if p == nil {
		return nil, nil, -asm.ENOMEM
	}
	buf := unsafe.Slice((*byte)(p), uapi.PATH_MAX)
	n := asm.Strncpy_from_user(buf, user)
	switch {
	case n < 0:
		mm.Kfree(p)
		return nil, nil, n
	case n == len(buf):
		mm.Kfree(p)
		return nil, nil, -uapi.ENAMETOOLONG
	case n == 0:
		mm.Kfree(p)
		return nil, nil, -asm.ENOENT
	}
	return buf[:n], p, 0
}

// sys_openat: openat(dfd, pathname, flags, mode); sys_open is openat
// from the current directory (Linux do_sys_open).
func sys_openat(r *asm.PtRegs) int64 {
	return open_common(int(int32(a1(r))), uintptr(a2(r)), uint32(a3(r)), uint32(a4(r)))
}

func sys_open(r *asm.PtRegs) int64 {
	return open_common(uapi.AT_FDCWD, uintptr(a1(r)), uint32(a2(r)), uint32(a3(r)))
}

func open_common(dfd int, filename uintptr, flags, mode uint32) int64 {
	name, p, r := getname(filename)
	if r != 0 {
		return int64(r)
	}
	fd := fs.Do_sys_open(dfd, name, flags, mode)
	mm.Kfree(p)
	return int64(fd)
}

// sys_close: close(fd).
func sys_close(r *asm.PtRegs) int64 { return int64(fs.Ksys_close(int(int32(a1(r))))) }

// fs_syscalls_init puts the VFS's system calls in the tables (from
// Register_syscalls).
func fs_syscalls_init() {
	traps.Sys_call_table[traps.X__NR_read] = sys_read
	traps.Sys_call_table[traps.X__NR_write] = sys_write
	traps.Sys_call_table[traps.X__NR_open] = sys_open
	traps.Sys_call_table[traps.X__NR_openat] = sys_openat
	traps.Sys_call_table[traps.X__NR_close] = sys_close
	traps.Ia32_sys_call_table[traps.X__NR_ia32_read] = sys_read_ia32
	traps.Ia32_sys_call_table[traps.X__NR_ia32_write] = sys_write_ia32
}
