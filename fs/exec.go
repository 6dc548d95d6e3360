package fs

import "gokern/include/uapi"

// What exec needs of a file. Linux: fs/exec.c (open_exec, kernel_read for
// the ELF headers; the segments' pages come through the file's mapping).

// Open_exec opens a program for execve (Linux open_exec →
// do_open_execat): read-only, a regular file the caller may execute
// (Generic_permission's MAY_EXEC: root too needs some execute bit),
// on a mount without noexec; -EACCES otherwise. The File stays open:
// the address space maps it (Linux keeps it as mm->exe_file and in
// each file VMA).
func Open_exec(name []byte) (*File, int) {
	f, err := Filp_open(name, uapi.O_RDONLY, 0)
	if err != 0 {
		return nil, err
	}
	if !uapi.S_ISREG(f.F_inode.I_mode) || Path_noexec(&f.F_path) || Generic_permission(f.F_inode, MAY_EXEC) != 0 {
		Fput(f)
		return nil, -EACCES
	}
	return f, 0
}

// Read_at reads len(buf) bytes at off, fewer at the end of the file, or
// a negative errno: what the ELF loader reads headers with and what a
// file VMA's page faults read pages with (mm.Vm_file).
func (f *File) Read_at(buf []byte, off uint64) int {
	pos := int64(off)
	return int(Kernel_read(f, buf, &pos))
}

// Size is the file's size now (mm.Vm_file; Linux i_size_read).
func (f *File) Size() uint64 {
	if f.F_inode == nil || f.F_inode.I_size < 0 {
		return 0
	}
	return uint64(f.F_inode.I_size)
}
