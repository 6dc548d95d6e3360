// Package char holds the memory character devices. Linux:
// drivers/char/mem.c (null_fops, zero_fops, full_fops, memory_open,
// chr_dev_init): major 1, minors 3 (/dev/null), 5 (/dev/zero) and 7
// (/dev/full).
package char

import (
	"gokern/fs"
	"gokern/include/uapi"
)

// MEM_MAJOR (Documentation/admin-guide/devices.txt).
const MEM_MAJOR = 1

// /dev/null: reads end at once, writes vanish (Linux read_null,
// write_null).
func read_null(f *fs.File, to *fs.Iov_iter, pos *int64) int64 { return 0 }
func write_null(f *fs.File, from *fs.Iov_iter, pos *int64) int64 {
	n := from.Count()
	from.Iov_iter_advance(n)
	return int64(n)
}

// /dev/zero: reads give zeros (Linux read_zero); writes vanish.
func read_zero(f *fs.File, to *fs.Iov_iter, pos *int64) int64 {
	want := to.Count()
	n := to.Iov_iter_zero(want)
	if n == 0 && want > 0 {
		return -fs.EFAULT
	}
	return int64(n)
}

// mmap_zero: a mapping of /dev/zero is anonymous memory, shared or
// private as asked (Linux mmap_zero: shmem_zero_setup for MAP_SHARED,
// vma_set_anonymous otherwise).
func mmap_zero(f *fs.File) int { return fs.MMAP_ANONYMOUS }

// /dev/full: reads give zeros, writes fail with ENOSPC (Linux
// write_full).
func write_full(f *fs.File, from *fs.Iov_iter, pos *int64) int64 { return -fs.ENOSPC }

var (
	null_fops = fs.FileOperations{Llseek: fs.Noop_llseek, Read: read_null, Write: write_null}
	zero_fops = fs.FileOperations{Llseek: fs.Noop_llseek, Read: read_zero, Write: write_null, Mmap: mmap_zero}
	full_fops = fs.FileOperations{Llseek: fs.Noop_llseek, Read: read_zero, Write: write_full}
)

// memory_open gives the file the operations of its minor (Linux
// memory_open).
func memory_open(inode *fs.Inode, f *fs.File) int {
	switch uapi.MINOR(inode.I_rdev) {
	case 3:
		f.F_op = &null_fops
	case 5:
		f.F_op = &zero_fops
	case 7:
		f.F_op = &full_fops
	default:
		return -fs.ENXIO
	}
	return 0
}

var memory_fops = fs.FileOperations{Open: memory_open}

// Chr_dev_init registers the memory devices (Linux chr_dev_init).
func Chr_dev_init() int { return fs.Register_chrdev(MEM_MAJOR, 0, 256, "mem", &memory_fops) }
