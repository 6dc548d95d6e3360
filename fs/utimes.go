package fs

import "gokern/include/uapi"

// utimensat (Linux fs/utimes.c: do_utimes, vfs_utimes): a file's access
// and modification times set to given values, to now, or left alone.

// UTIME_NOW and UTIME_OMIT are utimensat's special tv_nsec values.
const (
	UTIME_NOW  = (1 << 30) - 1
	UTIME_OMIT = (1 << 30) - 2
)

// utimes_attr fills attr from utimensat's two times (nil: both now),
// validating them (Linux do_utimes' nsec_valid and vfs_utimes): it
// reports whether there is anything to change.
func utimes_attr(times *[2]uapi.X__kernel_timespec, attr *Iattr) (bool, int) {
	attr.Ia_valid = ATTR_CTIME | ATTR_ATIME | ATTR_MTIME
	if times == nil {
		return true, 0
	}
	for i := range times {
		if n := times[i].Tv_nsec; n != UTIME_NOW && n != UTIME_OMIT && (n < 0 || n > 999999999) {
			return false, -EINVAL
		}
	}
	if times[0].Tv_nsec == UTIME_OMIT && times[1].Tv_nsec == UTIME_OMIT {
		return false, 0
	}
	utime_field(&times[0], attr, ATTR_ATIME, ATTR_ATIME_SET, &attr.Ia_atime)
	utime_field(&times[1], attr, ATTR_MTIME, ATTR_MTIME_SET, &attr.Ia_mtime)
	return true, 0
}

// utime_field applies one of the two times to attr: UTIME_OMIT drops
// the field, UTIME_NOW leaves it to be "now", a value is set as given.
func utime_field(t *uapi.X__kernel_timespec, attr *Iattr, field, set uint32, dst *Timespec64) {
	switch t.Tv_nsec {
	case UTIME_OMIT:
		attr.Ia_valid &^= field
	case UTIME_NOW:
	default:
		attr.Ia_valid |= set
		*dst = Timespec64{Tv_sec: t.Tv_sec, Tv_nsec: t.Tv_nsec}
	}
}

// Do_utimes is utimensat(2) (Linux do_utimes): the file named by dfd
// and name, or with no name dfd's own file (futimens), gets the times
// given, UTIME_NOW's now, or keeps a UTIME_OMIT one.
func Do_utimes(dfd int, name []byte, noname bool, times *[2]uapi.X__kernel_timespec, flags int) int {
	var attr Iattr
	change, err := utimes_attr(times, &attr)
	if err != 0 || !change {
		if err == 0 {
			_, err = atLookupFlags(flags)
		}
		return err
	}
	var path Path
	if noname {
		if flags&^uapi.AT_SYMLINK_NOFOLLOW != 0 {
			return -EINVAL
		}
		f := Fget(dfd)
		if f == nil {
			return -EBADF
		}
		path = f.F_path
		Path_get(&path)
		Fput(f)
	} else if err := atPath(dfd, name, flags, &path); err != 0 {
		return err
	}
	err = mnt_want_write(path.Mnt)
	if err == 0 {
		touch := times == nil || times[0].Tv_nsec == UTIME_NOW && times[1].Tv_nsec == UTIME_NOW
		err = utimes_permission(path.Dentry.D_inode, touch)
	}
	if err == 0 {
		err = Notify_change(path.Dentry, &attr)
	}
	Path_put(&path)
	return err
}

// utimes_permission: who may set inode's times (Linux vfs_utimes and
// setattr_prepare's ATTR_TIMES_SET): its owner or CAP_FOWNER; for touch
// (both times "now") also anyone who may write it (-EACCES), for
// anything else nobody else (-EPERM).
func utimes_permission(inode *Inode, touch bool) int {
	if Inode_owner_or_capable(inode) {
		return 0
	}
	if !touch {
		return -EPERM
	}
	return Generic_permission(inode, MAY_WRITE)
}
