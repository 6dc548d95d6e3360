package fs

import "gokern/include/compiler"

// statfs and fstatfs: what a file system says of itself and its mount.
// Linux: fs/statfs.c (statfs_by_dentry, vfs_statfs, user_statfs,
// fd_statfs, calculate_f_flags). df reads it.

// The f_flags bits (include/linux/statfs.h): the mount's flags as
// statvfs(3) reports them, ST_VALID saying f_flags is filled in.
const (
	ST_RDONLY   = 0x0001
	ST_NOSUID   = 0x0002
	ST_NODEV    = 0x0004
	ST_NOEXEC   = 0x0008
	ST_VALID    = 0x0020
	ST_NOATIME  = 0x0400
	ST_RELATIME = 0x1000
)

// flags_by_mnt is the mount's part of f_flags (Linux flags_by_mnt).
func flags_by_mnt(mnt_flags uint32) uint64 {
	f := uint64(0)
	for _, m := range [...]struct {
		mnt uint32
		st  uint64
	}{{MNT_READONLY, ST_RDONLY}, {MNT_NOSUID, ST_NOSUID}, {MNT_NODEV, ST_NODEV},
		{MNT_NOEXEC, ST_NOEXEC}, {MNT_NOATIME, ST_NOATIME}, {MNT_RELATIME, ST_RELATIME}} {
		if mnt_flags&m.mnt != 0 {
			f |= m.st
		}
	}
	return f
}

// statfs_by_dentry asks d's file system (Linux statfs_by_dentry):
// -ENOSYS when it has no statfs, as Linux answers; f_frsize defaults to
// f_bsize.
func statfs_by_dentry(d *Dentry, buf *Kstatfs) int {
	sb := d.D_sb
	if sb == nil || sb.S_op == nil || sb.S_op.Statfs == nil {
		return -ENOSYS
	}
	*buf = Kstatfs{}
	if err := sb.S_op.Statfs(d, compiler.Noescape(buf)); err != 0 {
		return err
	}
	if buf.F_frsize == 0 {
		buf.F_frsize = buf.F_bsize
	}
	return 0
}

// Vfs_statfs is statfs of path, with its mount's flags (Linux
// vfs_statfs, calculate_f_flags).
func Vfs_statfs(path *Path, buf *Kstatfs) int {
	if err := statfs_by_dentry(path.Dentry, buf); err != 0 {
		return err
	}
	buf.F_flags = ST_VALID | flags_by_mnt(path.Mnt.Mnt_flags)
	if path.Dentry.D_sb.S_flags&SB_RDONLY != 0 {
		buf.F_flags |= ST_RDONLY
	}
	return 0
}

// User_statfs is statfs(2)'s lookup (Linux user_statfs): the name is
// followed.
func User_statfs(name []byte, buf *Kstatfs) int {
	var path Path
	if err := Kern_path(name, LOOKUP_FOLLOW, &path); err != 0 {
		return err
	}
	err := Vfs_statfs(&path, buf)
	Path_put(&path)
	return err
}

// Fd_statfs is fstatfs(2) (Linux fd_statfs, whose fdget_raw takes
// O_PATH descriptors too).
func Fd_statfs(fd int, buf *Kstatfs) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	err := Vfs_statfs(&f.F_path, buf)
	Fput(f)
	return err
}

// Statfs is struct statfs as x86-64 lays it out (include/uapi/asm-generic/
// statfs.h, __statfs_word a long): what statfs(2) and fstatfs(2) copy
// out (Linux do_statfs_native).
type Statfs struct {
	F_type, F_bsize                               int64
	F_blocks, F_bfree, F_bavail, F_files, F_ffree uint64
	F_fsid                                        [2]int32
	F_namelen, F_frsize, F_flags                  int64
	F_spare                                       [4]int64
}

// Do_statfs_native converts a Kstatfs to what user space reads.
func Do_statfs_native(st *Kstatfs, out *Statfs) {
	*out = Statfs{F_type: int64(st.F_type), F_bsize: int64(st.F_bsize), F_blocks: st.F_blocks,
		F_bfree: st.F_bfree, F_bavail: st.F_bavail, F_files: st.F_files, F_ffree: st.F_ffree,
		F_fsid: st.F_fsid, F_namelen: int64(st.F_namelen), F_frsize: int64(st.F_frsize),
		F_flags: int64(st.F_flags)}
}
