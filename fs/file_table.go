package fs

import (
	"sync/atomic"

	"gokern/include/uapi"
	"gokern/mm"
)

// Open files. Linux: fs/file_table.c (alloc_empty_file, fput, __fput),
// fs/open.c (vfs_open's part), include/linux/fs.h (get_file). Seeds/003
// "file". A file holds its path (dentry and mount); the last fput calls
// the driver's release and drops them.

var filp_cachep = objCache[File]{Name: "filp"}

// Nr_files counts open files (Linux get_nr_files, /proc/sys/fs/file-nr).
func Nr_files() uint64 { return filp_cachep.Active }

// Alloc_empty_file makes a file with one reference and no path (Linux
// alloc_empty_file).
func Alloc_empty_file(flags uint32) *File {
	f := filp_cachep.Zalloc(mm.GFP_KERNEL)
	if f == nil {
		return nil
	}
	f.F_count = 1
	f.F_flags = flags
	return f
}

// Get_file takes another reference (Linux get_file).
func Get_file(f *File) *File {
	atomic.AddInt64(&f.F_count, 1)
	return f
}

// Fput drops a reference; the last releases the file (Linux fput →
// __fput: the driver's release, then the path). The count is atomic, as
// Linux's atomic_long_t f_count: processes that share a file through fork
// drop it on different CPUs at once. With a plain decrement, a vfork
// child's close-on-exec of Go's exec-status pipe and its parent's close
// of the same write end lost one: the pipe kept a writer for ever and the
// parent's read for the exec's result never ended (the rarer
// TestGoInit/reaper/smp4 hang: the forking thread asleep in pipe_read,
// its exec'd child long a zombie).
func Fput(f *File) {
	n := atomic.AddInt64(&f.F_count, -1)
	if n < 0 {
		atomic.AddInt64(&f.F_count, 1)
		Vfs_bugs++
		return
	}
	if n > 0 {
		return
	}
	if f.F_ep != 0 {
		Eventpoll_release(f) // Linux __fput → eventpoll_release
	}
	if f.F_mode&FMODE_PATH == 0 && f.F_op != nil && f.F_op.Release != nil {
		f.F_op.Release(f.F_inode, f)
	}
	if f.F_mode&FMODE_WRITER != 0 {
		mnt_put_write_access(f.F_path.Mnt) // Linux __fput
	}
	if f.F_path.Dentry != nil {
		Path_put(&f.F_path)
	}
	*f = File{}
	filp_cachep.Free(f)
}

// OPEN_FMODE turns O_ACCMODE into FMODE_READ/FMODE_WRITE (Linux
// OPEN_FMODE: 0 → read, 1 → write, 2 → both).
func OPEN_FMODE(flags uint32) uint32 { return (flags + 1) & uapi.O_ACCMODE }

// Vfs_open opens path into f, whose flags are set (Linux vfs_open →
// do_dentry_open): the inode's file operations, the mode, the driver's
// open. On error f keeps no references.
func Vfs_open(path *Path, f *File) int {
	inode := path.Dentry.D_inode
	f.F_inode = inode
	f.F_path = *path
	Path_get(&f.F_path)
	if f.F_flags&uapi.O_PATH != 0 {
		f.F_mode = FMODE_PATH
		f.F_op = &Empty_fops
		return 0
	}
	f.F_mode = OPEN_FMODE(f.F_flags) | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE
	if f.F_mode&FMODE_WRITE != 0 && !special_file(inode.I_mode) {
		// Linux do_dentry_open: mnt_get_write_access, FMODE_WRITER.
		if err := mnt_get_write_access(path.Mnt); err != 0 {
			Path_put(&f.F_path)
			f.F_path = Path{}
			return err
		}
		f.F_mode |= FMODE_WRITER
	}
	f.F_op = inode.I_fop
	if f.F_op == nil {
		f.F_op = &Empty_fops
	}
	if f.F_op.Open != nil {
		if err := f.F_op.Open(inode, f); err != 0 {
			if f.F_mode&FMODE_WRITER != 0 {
				mnt_put_write_access(path.Mnt)
			}
			Path_put(&f.F_path)
			f.F_path = Path{}
			return err
		}
	}
	return 0
}

// special_file: a device, FIFO or socket, whose writes do not change
// the file system (Linux special_file).
func special_file(mode uint32) bool {
	return uapi.S_ISCHR(mode) || uapi.S_ISBLK(mode) || uapi.S_ISFIFO(mode) || uapi.S_ISSOCK(mode)
}

// Stream_open marks a file without positions (Linux stream_open): pipes,
// ttys. pread and pwrite on it are -ESPIPE.
func Stream_open(inode *Inode, f *File) int {
	f.F_mode &^= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE
	f.F_mode |= FMODE_STREAM
	return 0
}

// Empty_fops is an inode without file operations (Linux empty_fops).
var Empty_fops = FileOperations{}
