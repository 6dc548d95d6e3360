package proc

import (
	"gokern/fs"
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// /proc/<pid>/fd: a directory with one symbolic link per open
// descriptor, named by its number, pointing at the file's name (Linux
// fs/proc/fd.c: proc_readfd, proc_lookupfd, proc_fd_link). ls -l shows
// where each descriptor goes; readlink(/proc/self/fd/1) names the
// terminal. The directory is the process's owner's, mode 0500, as on
// Linux.

// fd_table_of is pid's descriptor table, or nil (a kernel thread's is the
// boot table: it has none of its own to show). A user task's nil Files is
// the boot table too, which init inherits from kernel_init and keeps
// across its exec (kernel/exec's Task_files): before, /proc/1/fd was
// empty and /proc/self/fd/N missing for init. The table comes with a
// reference, which the caller drops with fs.Put_files_struct, taken
// while the task is held (Linux get_proc_task, get_files_struct): the
// task may exit and its table go meanwhile, on another CPU.
func fd_table_of(pid int) *fs.Files_struct {
	if pid <= 0 {
		return nil
	}
	t := sched.Find_get_task_by_pid(int32(pid))
	if t == nil {
		return nil
	}
	var files *fs.Files_struct
	if t.Flags&sched.PF_KTHREAD == 0 {
		files = fs.Get_files_struct(t)
	}
	sched.Put_task_struct(t)
	return files
}

// proc_fd_dir makes /proc/<pid>/fd (entry i of pid_entries).
func proc_fd_dir(dir *fs.Inode, d *fs.Dentry, pid, i int) int {
	inode := proc_get_inode(dir.I_sb, uapi.S_IFDIR|0o500, uintptr(pid)<<8|kindFdDir)
	if inode == nil {
		return -fs.ENOMEM
	}
	inode.I_ino = pid_ino(pid, i+1)
	inode.I_uid, inode.I_gid = dir.I_uid, dir.I_gid
	inode.I_op = &proc_fd_inode_operations
	inode.I_fop = &proc_fd_operations
	fs.D_add(d, inode)
	return 0
}

// fd_ino: a descriptor link's inode number.
func fd_ino(pid, fd int) uint64 { return uint64(pid)<<32 | uint64(fd) + 0x100000000000 }

// proc_lookupfd finds /proc/<pid>/fd/<n>: a link to the open file's
// name, made now (Linux proc_fd_link computes it at each follow; the
// inode lives for one lookup, and revalidation makes a new one).
func proc_lookupfd(dir *fs.Inode, d *fs.Dentry, flags uint32) int {
	pid := int(dir.I_private >> 8)
	// A descriptor's name: "0", or a number without a leading zero
	// (Linux name_to_int).
	name := d.D_name.Bytes()
	fd, ok := atoi(name)
	if len(name) == 1 && name[0] == '0' {
		fd, ok = 0, true
	}
	files := fd_table_of(pid)
	var f *fs.File
	if files != nil {
		if ok {
			f = fs.Files_fget(files, fd)
		}
		fs.Put_files_struct(files)
	}
	if f == nil {
		fs.D_add(d, nil)
		return 0
	}
	err := proc_fd_instantiate(dir, d, f, pid, fd)
	fs.Fput(f)
	return err
}

// proc_fd_instantiate makes the link for f, referenced by the caller.
func proc_fd_instantiate(dir *fs.Inode, d *fs.Dentry, f *fs.File, pid, fd int) int {
	var buf [uapi.PATH_MAX]byte
	target, err := fs.D_path_file(f, compiler.NoescapeBytes(buf[:]))
	if err != 0 {
		return err
	}
	// Linux: the link's mode tells how the file is open.
	mode := uint32(uapi.S_IFLNK)
	if f.F_mode&fs.FMODE_READ != 0 {
		mode |= 0o500
	}
	if f.F_mode&fs.FMODE_WRITE != 0 {
		mode |= 0o200
	}
	inode := proc_get_inode(dir.I_sb, mode, uintptr(pid)<<32|uintptr(fd)<<8|kindFdLink)
	if inode == nil {
		return -fs.ENOMEM
	}
	if err := fs.Inode_set_link(inode, target); err != 0 {
		fs.Iput(inode)
		return err
	}
	inode.I_ino = fd_ino(pid, fd)
	inode.I_uid, inode.I_gid = dir.I_uid, dir.I_gid
	inode.I_op = &proc_fd_link_inode_operations
	fs.D_add(d, inode)
	return 0
}

// proc_fd_link is where following /proc/<pid>/fd/<n> leads: the open
// file's own path, so that opening the link opens that file anew — the
// same pipe, the same terminal, the same inode of a regular file even
// when its name is gone — with the new open's flags (Linux proc_fd_link,
// through proc_pid_get_link's nd_jump_link). -ENOENT when the descriptor
// was closed since the lookup. (Linux also asks ptrace_may_access;
// gokern's directory mode, 0500 for the owner, is the only check.)
func proc_fd_link(inode *fs.Inode, path *fs.Path) int {
	pid, fd := int(inode.I_private>>32), int(inode.I_private>>8&0xffffff)
	files := fd_table_of(pid)
	if files == nil {
		return -fs.ENOENT
	}
	f := fs.Files_fget(files, fd)
	fs.Put_files_struct(files)
	if f == nil {
		return -fs.ENOENT
	}
	err := -fs.ENOENT
	if f.F_path.Dentry != nil {
		*path = f.F_path
		fs.Path_get(path)
		err = 0
	}
	fs.Fput(f)
	return err
}

var proc_fd_link_inode_operations = fs.InodeOperations{Jump_link: proc_fd_link}

// proc_readfd lists the open descriptors (Linux proc_readfd_common):
// ctx.Pos 2 + n stands for descriptor n.
func proc_readfd(f *fs.File, ctx *fs.Dir_context) int {
	if !fs.Dir_emit_dots(f, ctx) {
		return 0
	}
	pid := int(f.F_inode.I_private >> 8)
	files := fd_table_of(pid)
	if files == nil {
		return 0
	}
	proc_readfd_files(files, ctx, pid)
	fs.Put_files_struct(files)
	return 0
}

// proc_readfd_files lists files's descriptors from ctx.Pos on.
func proc_readfd_files(files *fs.Files_struct, ctx *fs.Dir_context, pid int) {
	for fd := int(ctx.Pos - 2); fd < uapi.NR_OPEN; fd, ctx.Pos = fd+1, ctx.Pos+1 {
		f := fs.Files_fget(files, fd)
		if f == nil {
			if fd >= fs.Files_max_fds(files) {
				return
			}
			continue
		}
		fs.Fput(f)
		var name [12]byte
		n := printk.Snprintf(name[:], "%d", printk.Int(fd))
		if !fs.Dir_emit(ctx, name[:n], fd_ino(pid, fd), uapi.DT_LNK) {
			return
		}
	}
}

var proc_fd_inode_operations = fs.InodeOperations{Lookup: proc_lookupfd}

var proc_fd_operations = fs.FileOperations{
	Read:           fs.Generic_read_dir,
	Iterate_shared: proc_readfd,
	Llseek:         fs.Default_llseek,
}
