package fs

import "gokern/include/uapi"

// The kernel's own file calls, for the initramfs unpacker and init.
// Linux: fs/init.c (init_mkdir, init_mknod, init_symlink, init_link,
// init_unlink, init_rmdir, init_chown, init_chmod, init_utimes), which
// take kernel path names and work from the current task's root and
// working directory.

func Init_mkdir(name []byte, mode uint32) int { return Do_mkdirat(uapi.AT_FDCWD, name, mode) }
func Init_mknod(name []byte, mode uint32, dev uapi.Dev_t) int {
	return Do_mknodat(uapi.AT_FDCWD, name, mode, dev)
}
func Init_symlink(target, name []byte) int { return Do_symlinkat(target, uapi.AT_FDCWD, name) }
func Init_link(old, new []byte) int        { return Do_linkat(uapi.AT_FDCWD, old, uapi.AT_FDCWD, new, 0) }
func Init_unlink(name []byte) int          { return Do_unlinkat(uapi.AT_FDCWD, name) }
func Init_rmdir(name []byte) int           { return Do_rmdir(uapi.AT_FDCWD, name) }

// init_setattr applies attr to name (lookup_flags: LOOKUP_FOLLOW or 0).
func init_setattr(name []byte, lookup_flags uint32, attr *Iattr) int {
	var path Path
	if err := Kern_path(name, lookup_flags, &path); err != 0 {
		return err
	}
	err := Notify_change(path.Dentry, attr)
	Path_put(&path)
	return err
}

// Init_chown sets owner and group (Linux init_chown); flags may hold
// AT_SYMLINK_NOFOLLOW.
func Init_chown(name []byte, uid, gid uint32, flags int) int {
	lf := uint32(LOOKUP_FOLLOW)
	if flags&uapi.AT_SYMLINK_NOFOLLOW != 0 {
		lf = 0
	}
	return init_setattr(name, lf, &Iattr{Ia_valid: ATTR_UID | ATTR_GID | ATTR_CTIME, Ia_uid: uid, Ia_gid: gid})
}

// Init_chmod sets the permission bits (Linux init_chmod).
func Init_chmod(name []byte, mode uint32) int {
	return init_setattr(name, LOOKUP_FOLLOW, &Iattr{Ia_valid: ATTR_MODE | ATTR_CTIME, Ia_mode: mode})
}

// Init_utimes sets access and modification times, not following a
// final symlink (Linux init_utimes, which initramfs calls with
// AT_SYMLINK_NOFOLLOW semantics through do_utimes).
func Init_utimes(name []byte, t Timespec64) int {
	return init_setattr(name, 0, &Iattr{Ia_valid: ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET | ATTR_MTIME_SET | ATTR_CTIME, Ia_atime: t, Ia_mtime: t})
}

// Vfs_fchown, Vfs_fchmod on an open file (Linux vfs_fchown, vfs_fchmod).
func Vfs_fchown(f *File, uid, gid uint32) int {
	return Notify_change(f.F_path.Dentry, &Iattr{Ia_valid: ATTR_UID | ATTR_GID | ATTR_CTIME, Ia_uid: uid, Ia_gid: gid})
}

func Vfs_fchmod(f *File, mode uint32) int {
	return Notify_change(f.F_path.Dentry, &Iattr{Ia_valid: ATTR_MODE | ATTR_CTIME, Ia_mode: mode})
}

// Vfs_utimes on an open file's path.
func Vfs_futimes(f *File, t Timespec64) int {
	return Notify_change(f.F_path.Dentry, &Iattr{Ia_valid: ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET | ATTR_MTIME_SET | ATTR_CTIME, Ia_atime: t, Ia_mtime: t})
}

// Vfs_ftruncate sets an open file's size (Linux vfs_truncate on its
// path).
func Vfs_ftruncate(f *File, length int64) int { return Do_truncate(f.F_path.Dentry, length) }
