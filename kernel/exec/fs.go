package exec

import (
	"gokern/fs"
	"gokern/mm"
)

// The file side of processes: exec's file and mmap's file descriptor.
// The file system calls themselves are kernel/sys's.

// open_program opens a program for exec over the VFS (fs.Open_exec): the
// file as the loader reads it, its size, or a negative errno.
func open_program(name []byte) (mm.Vm_file, uint64, int) {
	f, r := fs.Open_exec(name)
	if r != 0 {
		return nil, 0, r
	}
	return f, uint64(fs.I_size_read(f.F_inode)), 0
}
