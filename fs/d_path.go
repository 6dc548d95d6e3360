package fs

import (
	"gokern/include/uapi"
	"gokern/printk"
)

// Names of paths. Linux: fs/d_path.c (prepend_path, d_path, getcwd).

// d_path_in writes the name of path as seen from root into the end of
// buf and returns it (Linux prepend_path): walking up dentries, and from
// a mount's root to its mountpoint. A path outside root (a lazily
// unmounted tree) is named from its own top, as Linux does; an unlinked
// one gets " (deleted)".
func d_path_in(path, root *Path, buf []byte) ([]byte, int) {
	// Mounts and names hold still meanwhile (Linux 2.6's d_path took
	// vfsmount_lock and dcache_lock; Linux now retries under the mount
	// and rename seqlocks): an unmount on another CPU clears a mount's
	// parent and mountpoint and drops what they held.
	mflags := mount_lock_irq()
	dflags := dcache_lock_irq()
	name, err := prepend_path(path, root, buf)
	dcache_unlock_irq(dflags)
	mount_unlock_irq(mflags)
	return name, err
}

// prepend_path is d_path_in's walk, under mount_lock and dcache_lock
// (Linux prepend_path).
func prepend_path(path, root *Path, buf []byte) ([]byte, int) {
	end := len(buf)
	pos := end
	prepend := func(s string) bool {
		if len(s) > pos {
			return false
		}
		pos -= len(s)
		copy(buf[pos:], s)
		return true
	}
	if D_unhashed(path.Dentry) && path.Dentry.D_parent != path.Dentry {
		if !prepend(" (deleted)") {
			return nil, -ENAMETOOLONG
		}
	}
	d, mnt := path.Dentry, path.Mnt
	named := false
	for !(d == root.Dentry && mnt == root.Mnt) {
		if d == mnt.Mnt_root {
			m := real_mount(mnt)
			if m.Mnt_parent == nil {
				break
			}
			d, mnt = m.Mnt_mountpoint, &m.Mnt_parent.Mnt
			continue
		}
		if d.D_parent == d {
			break
		}
		if !prepend(d.D_name.String()) || !prepend("/") {
			return nil, -ENAMETOOLONG
		}
		named = true
		d = d.D_parent
	}
	if !named && !prepend("/") {
		return nil, -ENAMETOOLONG
	}
	return buf[pos:end], 0
}

// D_path names path from the current root (Linux d_path).
func D_path(path *Path, buf []byte) ([]byte, int) {
	var root Path
	Get_fs_root(current_fs(), &root)
	name, err := d_path_in(path, &root, buf)
	Path_put(&root)
	return name, err
}

// Ksys_getcwd is getcwd(2) into a kernel buffer (Linux sys_getcwd): the
// length with the NUL, -ENOENT if the directory was removed, -ERANGE if
// buf is too small.
func Ksys_getcwd(buf []byte) int {
	var root, pwd Path
	Get_fs_root_and_pwd(current_fs(), &root, &pwd)
	n := getcwd_in(&root, &pwd, buf)
	Path_put(&pwd)
	Path_put(&root)
	return n
}

// getcwd_in is Ksys_getcwd's work on its own references to the root and
// the working directory.
func getcwd_in(root, pwd *Path, buf []byte) int {
	if D_unhashed(pwd.Dentry) && pwd.Dentry.D_parent != pwd.Dentry {
		return -ENOENT
	}
	var tmp [uapi.PATH_MAX]byte
	name, err := d_path_in(pwd, root, tmp[:])
	if err != 0 {
		return err
	}
	if len(name)+1 > len(buf) {
		return -uapi.ERANGE
	}
	copy(buf, name)
	buf[len(name)] = 0
	return len(name) + 1
}

// D_path_file names an open file as /proc/<pid>/fd shows it (Linux
// d_path, with the pseudo file systems' d_dname): a pipe is
// "pipe:[inode]", a socket "socket:[inode]", an eventpoll or eventfd
// "anon_inode:[eventpoll]" or "anon_inode:[eventfd]", anything else its
// path.
func D_path_file(f *File, buf []byte) ([]byte, int) {
	inode := f.F_inode
	switch {
	case inode != nil && inode.I_sb != nil && inode.I_sb.S_magic == PIPEFS_MAGIC:
		n := printk.Snprintf(buf, "pipe:[%d]", printk.Int(inode.I_ino))
		return buf[:n], 0
	case inode != nil && inode.I_sb != nil && inode.I_sb.S_magic == ANON_INODE_FS_MAGIC && uapi.S_ISSOCK(inode.I_mode):
		// A socket (net's files live here): sockfs's sockfs_dname.
		n := printk.Snprintf(buf, "socket:[%d]", printk.Int(inode.I_ino))
		return buf[:n], 0
	case inode != nil && inode.I_sb != nil && inode.I_sb.S_magic == ANON_INODE_FS_MAGIC:
		name := "anon_inode:[eventfd]"
		if f.F_op == &Eventpoll_fops {
			name = "anon_inode:[eventpoll]"
		}
		return buf[:copy(buf, name)], 0
	}
	return D_path(&f.F_path, buf)
}
