package ramfs

import (
	"gokern/fs"
	"gokern/include/uapi"
)

// Shared anonymous memory as a file. Linux: mm/shmem.c (shmem_init's
// shm_mnt, shmem_kernel_file_setup, __shmem_file_setup, shmem_zero_setup).
// A MAP_SHARED|MAP_ANONYMOUS mapping, or a MAP_SHARED mapping of
// /dev/zero, is a mapping of a file of its own on an internal tmpfs
// mount, which has no name in any directory: its page cache holds the
// pages parent and child share after fork, and the last VMA to drop the
// file frees them.

// shmem_zero_name: the name the file's dentry has, which /proc/<pid>/maps
// shows (Linux: "dev/zero", shown as "/dev/zero (deleted)").
const shmem_zero_name = "dev/zero"

// shmem_kernel_file_setup makes the file behind a shared anonymous
// mapping of size bytes on the internal mount fs.Shm_mnt (Linux
// shmem_zero_setup → shmem_kernel_file_setup; fs.Shmem_zero_setup is
// it, set by Init_ramfs_fs): a regular file of that size, open for
// reading and writing, with one reference, which the caller gives the
// VMA (or drops).
func shmem_kernel_file_setup(size uint64) (*fs.File, int) {
	shm_mnt := fs.Shm_mnt
	if shm_mnt == nil {
		return nil, -fs.ENODEV
	}
	sb := shm_mnt.Mnt_sb
	inode := Ramfs_get_inode(sb, nil, uapi.S_IFREG|0o777, 0)
	if inode == nil {
		return nil, -fs.ENOSPC
	}
	fs.I_size_write(inode, int64(size))
	d := fs.X__d_alloc(sb, []byte(shmem_zero_name)) // d_alloc_pseudo
	if d == nil {
		fs.Iput(inode)
		return nil, -fs.ENOMEM
	}
	fs.D_instantiate(d, inode)
	f := fs.Alloc_empty_file(uapi.O_RDWR)
	if f == nil {
		fs.Dput(d)
		return nil, -fs.ENOMEM
	}
	f.F_path = fs.Path{Mnt: fs.Mntget(shm_mnt), Dentry: d}
	f.F_inode = inode
	f.F_op = inode.I_fop
	f.F_mode = fs.FMODE_READ | fs.FMODE_WRITE | fs.FMODE_LSEEK | fs.FMODE_PREAD | fs.FMODE_PWRITE
	return f, 0
}
