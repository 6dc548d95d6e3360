package fs

import (
	"gokern/include/compiler"
	"gokern/include/uapi"
)

// Opening, truncating, changing directory. Linux: fs/open.c
// (do_sys_openat2, build_open_flags, vfs_open, do_truncate,
// do_sys_ftruncate, ksys_chdir, ksys_fchdir, ksys_chroot, do_faccessat,
// filp_open, close), fs/namei.c (path_openat, open_last_lookups, do_open,
// may_open).

// Open_flags is struct open_flags: what build_open_flags makes of the
// arguments.
type Open_flags struct {
	Open_flag    uint32
	Mode         uint32
	Lookup_flags uint32
}

// VALID_OPEN_FLAGS: the flags open accepts (Linux VALID_OPEN_FLAGS).
const VALID_OPEN_FLAGS = uapi.O_RDONLY | uapi.O_WRONLY | uapi.O_RDWR | uapi.O_CREAT | uapi.O_EXCL | uapi.O_NOCTTY |
	uapi.O_TRUNC | uapi.O_APPEND | uapi.O_NONBLOCK | uapi.O_DSYNC | uapi.FASYNC | uapi.O_DIRECT | uapi.O_LARGEFILE |
	uapi.O_DIRECTORY | uapi.O_NOFOLLOW | uapi.O_NOATIME | uapi.O_CLOEXEC | uapi.O_SYNC | uapi.O_PATH | uapi.O_TMPFILE

// build_open_flags checks and digests open's flags (Linux
// build_open_flags). open(2) ignores unknown flags, as Linux's does for
// compatibility; openat2 would not.
func build_open_flags(flags, mode uint32, op *Open_flags) int {
	flags &= VALID_OPEN_FLAGS
	// O_CREAT|O_DIRECTORY asks for nothing sensible (Linux 6.4 on: EINVAL).
	if flags&uapi.O_CREAT != 0 && flags&uapi.O_DIRECTORY != 0 && flags&uapi.O_TMPFILE != uapi.O_TMPFILE {
		return -EINVAL
	}
	if flags&(uapi.O_CREAT|uapi.O_TMPFILE&^uapi.O_DIRECTORY) != 0 {
		op.Mode = mode&uapi.S_IALLUGO | uapi.S_IFREG
	}
	if flags&(uapi.O_TMPFILE&^uapi.O_DIRECTORY) != 0 {
		// O_TMPFILE: not supported (Linux: -EOPNOTSUPP from file
		// systems without tmpfile).
		return -EOPNOTSUPP
	}
	if flags&uapi.O_PATH != 0 {
		// Only these make sense with O_PATH (Linux O_PATH_FLAGS).
		flags &= uapi.O_DIRECTORY | uapi.O_NOFOLLOW | uapi.O_PATH | uapi.O_CLOEXEC
	}
	// O_SYNC implies O_DSYNC; O_LARGEFILE is forced on 64-bit.
	flags |= uapi.O_LARGEFILE
	op.Open_flag = flags
	if flags&uapi.O_DIRECTORY != 0 {
		op.Lookup_flags |= LOOKUP_DIRECTORY
	}
	if flags&uapi.O_NOFOLLOW == 0 {
		op.Lookup_flags |= LOOKUP_FOLLOW
	}
	if flags&uapi.O_CREAT != 0 && flags&uapi.O_EXCL != 0 {
		// O_CREAT|O_EXCL never follows a symlink in the last component.
		op.Lookup_flags &^= LOOKUP_FOLLOW
	}
	return 0
}

// acc_mode is the access an open asks for (Linux ACC_MODE and
// build_open_flags): read, write or both by O_ACCMODE (3, ioctl only,
// counts as both), and write for O_TRUNC.
func acc_mode(flag uint32) int {
	mask := MAY_READ
	switch flag & uapi.O_ACCMODE {
	case uapi.O_WRONLY:
		mask = MAY_WRITE
	case uapi.O_RDWR, uapi.O_ACCMODE:
		mask = MAY_READ | MAY_WRITE
	}
	if flag&uapi.O_TRUNC != 0 {
		mask |= MAY_WRITE
	}
	return mask
}

// may_open checks what the opened inode allows (Linux may_open): its
// type, a read-only mount, then the caller's permission for acc_mode.
func may_open(path *Path, flag uint32) int {
	inode := path.Dentry.D_inode
	acc := flag & uapi.O_ACCMODE
	switch inode.I_mode & uapi.S_IFMT {
	case uapi.S_IFLNK:
		return -ELOOP
	case uapi.S_IFDIR:
		if acc != uapi.O_RDONLY || flag&uapi.O_CREAT != 0 {
			return -EISDIR
		}
	case uapi.S_IFBLK, uapi.S_IFCHR:
		if path.Mnt.Mnt_flags&MNT_NODEV != 0 {
			return -EACCES
		}
	case uapi.S_IFSOCK:
		return -ENXIO
	}
	if acc != uapi.O_RDONLY || flag&uapi.O_TRUNC != 0 {
		if uapi.S_ISREG(inode.I_mode) || uapi.S_ISDIR(inode.I_mode) {
			if err := mnt_want_write(path.Mnt); err != 0 {
				return err
			}
		}
	}
	return Generic_permission(inode, acc_mode(flag))
}

// open_last_lookups handles the last component of an open (Linux
// open_last_lookups): look it up, creating it with O_CREAT. It returns a
// symlink body to walk when the last component is a symlink to follow.
func open_last_lookups(nd *Nameidata, op *Open_flags) ([]byte, int) {
	flag := op.Open_flag
	if nd.Last_type == LAST_BIND {
		// A jump link's file: opened as it is, O_CREAT or not (Linux
		// open_last_lookups → handle_dots for a LAST_BIND).
		return nil, 0
	}
	if flag&uapi.O_CREAT == 0 {
		if nd.Last_type == LAST_NORM && nd.Flags&LOOKUP_FOLLOW == 0 {
			// O_NOFOLLOW: the symlink itself, refused below unless O_PATH.
			return walk_component(nd, nd.Last, LAST_NORM, false, nil)
		}
		return lookup_last(nd)
	}
	// O_CREAT: the last component must be a name, not a directory.
	if nd.Last_type != LAST_NORM || nd.Flags&lookup_trailing != 0 {
		return nil, -EISDIR
	}
	// The name is looked up and made under the directory's lock (Linux
	// open_last_lookups → lookup_open): two opens with O_CREAT|O_EXCL
	// on two CPUs make one file, and one of them gets EEXIST.
	dir := nd.Path.Dentry.D_inode
	Inode_lock(dir)
	d, err := lookup_one_locked(nd.Path.Dentry, nd.Last, 0)
	if err != 0 {
		Inode_unlock(dir)
		return nil, err
	}
	if d.D_inode == nil {
		err := mnt_want_write(nd.Path.Mnt)
		if err == 0 {
			err = Vfs_create(dir, d, op.Mode&^current_fs().Umask, flag&uapi.O_EXCL != 0)
		}
		Inode_unlock(dir)
		if err != 0 {
			Dput(d)
			return nil, err
		}
		// Created: no truncation, no EEXIST.
		op.Open_flag &^= uapi.O_TRUNC
		op.Open_flag |= o_created
		next := Path{Mnt: Mntget(nd.Path.Mnt), Dentry: d}
		Path_put(&nd.Path)
		nd.Path = next
		return nil, 0
	}
	Inode_unlock(dir)
	if flag&uapi.O_EXCL != 0 {
		Dput(d)
		return nil, -EEXIST
	}
	next := Path{Mnt: Mntget(nd.Path.Mnt), Dentry: d}
	follow_mount(&next)
	if d_is_symlink(next.Dentry) && nd.Flags&LOOKUP_FOLLOW != 0 {
		return pick_link(nd, &next, nil)
	}
	Path_put(&nd.Path)
	nd.Path = next
	return nil, 0
}

// o_created marks, inside do_open, a file this open created.
const o_created = 1 << 31

// do_open opens the file the walk ended at (Linux do_open).
func do_open(nd *Nameidata, f *File, op *Open_flags) int {
	flag := op.Open_flag
	d := nd.Path.Dentry
	if flag&o_created == 0 {
		if nd.Flags&LOOKUP_DIRECTORY != 0 && !d_can_lookup(d) {
			return -ENOTDIR
		}
		if flag&uapi.O_PATH != 0 {
			f.F_flags = flag &^ o_created
			return Vfs_open(&nd.Path, f)
		}
		if err := may_open(&nd.Path, flag); err != 0 {
			return err
		}
	}
	f.F_flags = flag &^ (uapi.O_CREAT | uapi.O_EXCL | uapi.O_NOCTTY | uapi.O_TRUNC | o_created)
	if err := Vfs_open(&nd.Path, f); err != 0 {
		return err
	}
	if flag&uapi.O_TRUNC != 0 && uapi.S_ISREG(d.D_inode.I_mode) {
		if err := Do_truncate(d, 0); err != 0 {
			return err
		}
	}
	return 0
}

// path_openat resolves and opens (Linux path_openat).
func path_openat(dfd int, name []byte, op *Open_flags, f *File) int {
	var nd Nameidata
	if len(name) == 0 {
		return -ENOENT
	}
	if len(name) >= uapi.PATH_MAX {
		return -ENAMETOOLONG
	}
	err := path_init(&nd, dfd, name, op.Lookup_flags)
	for err == 0 {
		if err = link_path_walk(&nd, name); err != 0 {
			break
		}
		var body []byte
		if body, err = open_last_lookups(&nd, op); err != 0 || body == nil {
			break
		}
		if len(body) > 0 && body[0] == '/' {
			nd_jump_root(&nd)
		}
		name = body
	}
	if err == 0 {
		err = do_open(&nd, f, op)
	}
	terminate_walk(&nd, false)
	return err
}

// Do_filp_open opens a path name into a new file (Linux do_filp_open).
func Do_filp_open(dfd int, name []byte, op *Open_flags) (*File, int) {
	f := Alloc_empty_file(op.Open_flag)
	if f == nil {
		return nil, -ENOMEM
	}
	if err := path_openat(dfd, name, op, f); err != 0 {
		f.F_op = nil // not opened: no release
		Fput(f)
		return nil, err
	}
	return f, 0
}

// Filp_open opens a file for the kernel's own use (Linux filp_open).
func Filp_open(name []byte, flags, mode uint32) (*File, int) {
	var op Open_flags
	if err := build_open_flags(flags, mode, &op); err != 0 {
		return nil, err
	}
	return Do_filp_open(uapi.AT_FDCWD, name, &op)
}

// Do_sys_open is openat(2): a new descriptor for the file (Linux
// do_sys_openat2).
func Do_sys_open(dfd int, name []byte, flags, mode uint32) int {
	var op Open_flags
	if err := build_open_flags(flags, mode, &op); err != 0 {
		return err
	}
	fd := Get_unused_fd_flags(flags)
	if fd < 0 {
		return fd
	}
	f, err := Do_filp_open(dfd, name, &op)
	if err != 0 {
		Put_unused_fd(fd)
		return err
	}
	Fd_install(fd, f)
	return fd
}

// Ksys_close is close(2).
func Ksys_close(fd int) int { return Close_fd(fd) }

// Notify_change applies attribute changes (Linux notify_change).
func Notify_change(d *Dentry, attr *Iattr) int {
	inode := d.D_inode
	// Linux notify_change: the kill bits become a mode change, on the
	// file's mode or the one already asked for.
	if attr.Ia_valid&ATTR_KILL_SUID != 0 && inode.I_mode&uapi.S_ISUID != 0 {
		attr.Ia_valid |= ATTR_MODE
		attr.Ia_mode = inode.I_mode &^ uapi.S_ISUID
	}
	if attr.Ia_valid&ATTR_KILL_SGID != 0 && inode.I_mode&uapi.S_ISGID != 0 {
		if attr.Ia_valid&ATTR_MODE == 0 {
			attr.Ia_valid |= ATTR_MODE
			attr.Ia_mode = inode.I_mode
		}
		attr.Ia_mode &^= uapi.S_ISGID
	}
	attr.Ia_valid &^= ATTR_KILL_SUID | ATTR_KILL_SGID
	if inode.I_op != nil && inode.I_op.Setattr != nil {
		return inode.I_op.Setattr(d, compiler.Noescape(attr))
	}
	return Simple_setattr(d, attr)
}

// Do_truncate sets a file's size (Linux do_truncate).
func Do_truncate(d *Dentry, length int64) int {
	if length < 0 {
		return -EINVAL
	}
	attr := Iattr{Ia_valid: ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, Ia_size: length}
	// Under the inode's lock, as Linux's do_truncate: not in the middle
	// of a write.
	Inode_lock(d.D_inode)
	ret := Notify_change(d, &attr)
	Inode_unlock(d.D_inode)
	return ret
}

// Do_sys_truncate is truncate(2) (Linux do_sys_truncate → vfs_truncate).
func Do_sys_truncate(name []byte, length int64) int {
	var path Path
	if err := Kern_path(name, LOOKUP_FOLLOW, &path); err != 0 {
		return err
	}
	ret := do_sys_truncate_body(&path, length)
	Path_put(&path)
	return ret
}

// do_sys_truncate_body is the rest of Do_sys_truncate, run while Do_sys_truncate holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_sys_truncate_body(path *Path, length int64) int {
	inode := path.Dentry.D_inode
	switch {
	case uapi.S_ISDIR(inode.I_mode):
		return -EISDIR
	case !uapi.S_ISREG(inode.I_mode):
		return -EINVAL
	}
	if err := mnt_want_write(path.Mnt); err != 0 {
		return err
	}
	if err := Generic_permission(inode, MAY_WRITE); err != 0 {
		return err
	}
	return Do_truncate(path.Dentry, length)
}

// Do_sys_ftruncate is ftruncate(2) (Linux do_sys_ftruncate).
func Do_sys_ftruncate(fd int, length int64) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := do_sys_ftruncate_body(f, length)
	Fput(f)
	return ret
}

// do_sys_ftruncate_body is the rest of Do_sys_ftruncate, run while Do_sys_ftruncate holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_sys_ftruncate_body(f *File, length int64) int {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	if !uapi.S_ISREG(f.F_inode.I_mode) || f.F_mode&FMODE_WRITE == 0 {
		return -EINVAL
	}
	if length < 0 {
		return -EINVAL
	}
	return Do_truncate(f.F_path.Dentry, length)
}

// Ksys_chdir is chdir(2) (Linux ksys_chdir): the directory must be
// searchable by the caller (MAY_EXEC, -EACCES), as for fchdir and chroot.
func Ksys_chdir(name []byte) int {
	var path Path
	if err := Kern_path(name, LOOKUP_FOLLOW|LOOKUP_DIRECTORY, &path); err != 0 {
		return err
	}
	err := Generic_permission(path.Dentry.D_inode, MAY_EXEC)
	if err == 0 {
		Set_fs_pwd(current_fs(), &path)
	}
	Path_put(&path)
	return err
}

// Ksys_fchdir is fchdir(2).
func Ksys_fchdir(fd int) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_fchdir_body(f)
	Fput(f)
	return ret
}

// ksys_fchdir_body is the rest of Ksys_fchdir, run while Ksys_fchdir holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_fchdir_body(f *File) int {
	if !d_can_lookup(f.F_path.Dentry) {
		return -ENOTDIR
	}
	if err := Generic_permission(f.F_inode, MAY_EXEC); err != 0 {
		return err
	}
	Set_fs_pwd(current_fs(), &f.F_path)
	return 0
}

// CAP_SYS_CHROOT: chroot (Linux capability.h).
const CAP_SYS_CHROOT = 18

// Ksys_chroot is chroot(2) (Linux ksys_chroot): the directory becomes
// the root that absolute names and ".." stop at, for this process and
// the children it makes after; the working directory stays where it
// is. -EPERM without CAP_SYS_CHROOT, -ENOTDIR, -ENOENT.
func Ksys_chroot(name []byte) int {
	var path Path
	if err := Kern_path(name, LOOKUP_FOLLOW|LOOKUP_DIRECTORY, &path); err != 0 {
		return err
	}
	if err := Generic_permission(path.Dentry.D_inode, MAY_EXEC); err != 0 {
		Path_put(&path)
		return err
	}
	if Capable_hook != nil && !Capable_hook(CAP_SYS_CHROOT) {
		Path_put(&path)
		return -EPERM
	}
	Set_fs_root(current_fs(), &path)
	Path_put(&path)
	return 0
}

// Access modes for faccessat (include/uapi/linux/fcntl.h? unistd.h).
const (
	F_OK = 0
	X_OK = 1
	W_OK = 2
	R_OK = 4
)

// Do_faccessat is faccessat(2) (Linux do_faccessat): the permission
// check of an open or exec, made for the caller's real uid and gid
// instead of its fs ids (access_permission); execute on a noexec mount
// and write on a read-only one are refused too. gokern does not switch
// credentials for the whole call as Linux's access_override_creds does:
// the path walk's search checks use the fs ids, the final check the real
// ids (they differ only in set-id programs).
func Do_faccessat(dfd int, name []byte, mode int, flags int) int {
	if mode&^(R_OK|W_OK|X_OK) != 0 {
		return -EINVAL
	}
	lf := uint32(LOOKUP_FOLLOW)
	if flags&uapi.AT_SYMLINK_NOFOLLOW != 0 {
		lf = 0
	}
	if flags&uapi.AT_EMPTY_PATH != 0 {
		lf |= LOOKUP_EMPTY
	}
	var path Path
	if err := User_path_at(dfd, name, lf, &path); err != 0 {
		return err
	}
	ret := do_faccessat_body(&path, mode)
	Path_put(&path)
	return ret
}

// do_faccessat_body is the rest of Do_faccessat, run while Do_faccessat holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_faccessat_body(path *Path, mode int) int {
	inode := path.Dentry.D_inode
	// A regular file on a noexec mount cannot be run (Linux
	// do_faccessat: path_noexec for MAY_EXEC).
	if mode&X_OK != 0 && uapi.S_ISREG(inode.I_mode) && Path_noexec(path) {
		return -EACCES
	}
	// R_OK, W_OK and X_OK are MAY_READ, MAY_WRITE and MAY_EXEC.
	if err := access_permission(inode, mode); err != 0 {
		return err
	}
	if mode&W_OK != 0 && (uapi.S_ISREG(inode.I_mode) || uapi.S_ISDIR(inode.I_mode)) {
		return mnt_want_write(path.Mnt)
	}
	return 0
}

// The attribute-changing calls (Linux fs/open.c: do_fchmodat,
// chmod_common, vfs_fchmod, do_fchownat, chown_common, vfs_fchown): each
// resolves its file and hands an Iattr to Notify_change, as the
// initramfs unpacker's init_chmod and init_chown do.

// atLookupFlags turns an *at call's flags into lookup flags: only
// AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH are allowed (-EINVAL for the
// rest); a final symbolic link is followed unless AT_SYMLINK_NOFOLLOW.
func atLookupFlags(flags int) (uint32, int) {
	if flags&^(uapi.AT_SYMLINK_NOFOLLOW|uapi.AT_EMPTY_PATH) != 0 {
		return 0, -EINVAL
	}
	if flags&uapi.AT_SYMLINK_NOFOLLOW != 0 {
		return 0, 0
	}
	return LOOKUP_FOLLOW, 0
}

// atPath resolves dfd and name as an *at call does; an empty name with
// AT_EMPTY_PATH is dfd's own file (Linux LOOKUP_EMPTY).
func atPath(dfd int, name []byte, flags int, path *Path) int {
	lf, err := atLookupFlags(flags)
	if err != 0 {
		return err
	}
	if len(name) == 0 && flags&uapi.AT_EMPTY_PATH != 0 {
		f := Fget(dfd)
		if f == nil {
			return -EBADF
		}
		*path = f.F_path
		Path_get(path)
		Fput(f)
		return 0
	}
	return User_path_at(dfd, name, lf, path)
}

// chmod_common sets path's permission bits (Linux chmod_common). A
// symbolic link's mode cannot change: -EOPNOTSUPP (Linux 6.6's
// notify_change, which fchmodat2's AT_SYMLINK_NOFOLLOW reaches).
func chmod_common(path *Path, mode uint32) int {
	if err := mnt_want_write(path.Mnt); err != 0 {
		return err
	}
	inode := path.Dentry.D_inode
	if uapi.S_ISLNK(inode.I_mode) {
		return -EOPNOTSUPP
	}
	// Linux checks these in notify_change → setattr_prepare: only the
	// owner or CAP_FOWNER changes the mode (-EPERM), and the set-group-ID
	// bit stays only for a member of the file's group or CAP_FSETID.
	if !Inode_owner_or_capable(inode) {
		return -EPERM
	}
	mode &= uapi.S_IALLUGO
	if In_group_hook != nil && !In_group_hook(inode.I_gid) && !capable(CAP_FSETID) {
		mode &^= uapi.S_ISGID
	}
	return Notify_change(path.Dentry, &Iattr{Ia_valid: ATTR_MODE | ATTR_CTIME, Ia_mode: mode})
}

// Do_fchmodat is chmod(2), fchmodat(2) and fchmodat2(2) (Linux
// do_fchmodat; fchmodat passes no flags).
func Do_fchmodat(dfd int, name []byte, mode uint32, flags int) int {
	var path Path
	if err := atPath(dfd, name, flags, &path); err != 0 {
		return err
	}
	err := chmod_common(&path, mode)
	Path_put(&path)
	return err
}

// Ksys_fchmod is fchmod(2) (Linux ksys_fchmod → vfs_fchmod).
func Ksys_fchmod(fd int, mode uint32) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	err := -EBADF
	if f.F_mode&FMODE_PATH == 0 {
		err = chmod_common(&f.F_path, mode)
	}
	Fput(f)
	return err
}

// chown_common sets path's owner and group; -1 leaves either as it is
// (Linux chown_common).
func chown_common(path *Path, uid, gid uint32) int {
	if err := mnt_want_write(path.Mnt); err != 0 {
		return err
	}
	attr := Iattr{Ia_valid: ATTR_CTIME}
	inode := path.Dentry.D_inode
	// A new owner or group does not inherit the old one's set-user-ID
	// and set-group-ID programs: chown clears the bits on anything but
	// a directory, even by root; set-group-ID without group execute is
	// a mandatory-locking mark, kept unless the caller is neither in
	// the file's group nor CAP_FSETID (Linux chown_common's
	// ATTR_KILL_SUID and setattr_should_drop_sgid).
	if !uapi.S_ISDIR(inode.I_mode) {
		attr.Ia_valid |= ATTR_KILL_SUID | setattr_should_drop_sgid(inode)
	}
	// Linux checks these in notify_change → setattr_prepare: -EPERM
	// for an owner the caller may not give, then for a group.
	if uid != ^uint32(0) {
		if !chown_ok(inode, uid) {
			return -EPERM
		}
		attr.Ia_valid |= ATTR_UID
		attr.Ia_uid = uid
	}
	if gid != ^uint32(0) {
		if !chgrp_ok(inode, gid) {
			return -EPERM
		}
		attr.Ia_valid |= ATTR_GID
		attr.Ia_gid = gid
	}
	return Notify_change(path.Dentry, &attr)
}

// Do_fchownat is chown(2), lchown(2) and fchownat(2) (Linux
// do_fchownat).
func Do_fchownat(dfd int, name []byte, uid, gid uint32, flags int) int {
	var path Path
	if err := atPath(dfd, name, flags, &path); err != 0 {
		return err
	}
	err := chown_common(&path, uid, gid)
	Path_put(&path)
	return err
}

// Ksys_fchown is fchown(2) (Linux ksys_fchown → vfs_fchown).
func Ksys_fchown(fd int, uid, gid uint32) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	err := -EBADF
	if f.F_mode&FMODE_PATH == 0 {
		err = chown_common(&f.F_path, uid, gid)
	}
	Fput(f)
	return err
}
