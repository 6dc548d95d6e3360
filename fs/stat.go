package fs

import (
	"sync/atomic"

	"gokern/include/compiler"
	"gokern/include/uapi"
)

// stat and friends. Linux: fs/stat.c (generic_fillattr, vfs_getattr,
// vfs_fstat, vfs_fstatat, cp_new_stat, do_statx, cp_statx,
// do_readlinkat).

// Generic_fillattr fills stat from an inode (Linux generic_fillattr).
func Generic_fillattr(inode *Inode, stat *Kstat) {
	stat.Dev = inode.I_sb.S_dev
	stat.Ino = inode.I_ino
	stat.Mode = inode.I_mode
	stat.Nlink = atomic.LoadUint32(&inode.I_nlink)
	stat.Uid, stat.Gid = inode.I_uid, inode.I_gid
	stat.Rdev = inode.I_rdev
	stat.Size = I_size_read(inode)
	stat.Atime, stat.Mtime, stat.Ctime = inode.I_atime, inode.I_mtime, inode.I_ctime
	stat.Blksize = inode.I_sb.S_blocksize
	// 512-byte blocks: the pages the file holds (ramfs's i_blocks).
	stat.Blocks = inode.I_data.Nrpages * 8
}

// Vfs_getattr fills stat for path (Linux vfs_getattr).
func Vfs_getattr(path *Path, stat *Kstat, request_mask uint32) int {
	*stat = Kstat{}
	stat.Result_mask = uapi.STATX_BASIC_STATS | uapi.STATX_MNT_ID
	stat.Mnt_id = uint64(real_mount(path.Mnt).Mnt_id)
	inode := path.Dentry.D_inode
	if inode.I_op != nil && inode.I_op.Getattr != nil {
		return inode.I_op.Getattr(compiler.Noescape(path), compiler.Noescape(stat), request_mask)
	}
	Generic_fillattr(inode, stat)
	return 0
}

// Vfs_fstat stats an open file (Linux vfs_fstat).
func Vfs_fstat(fd int, stat *Kstat) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := vfs_fstat_body(f, stat)
	Fput(f)
	return ret
}

// vfs_fstat_body is the rest of Vfs_fstat, run while Vfs_fstat holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func vfs_fstat_body(f *File, stat *Kstat) int {
	return Vfs_getattr(&f.F_path, stat, uapi.STATX_BASIC_STATS)
}

// Vfs_fstatat stats a name (Linux vfs_fstatat): AT_SYMLINK_NOFOLLOW
// stats a symlink itself, AT_EMPTY_PATH with an empty name stats dfd.
func Vfs_fstatat(dfd int, name []byte, stat *Kstat, flags int) int {
	if flags&^(uapi.AT_SYMLINK_NOFOLLOW|uapi.AT_NO_AUTOMOUNT|uapi.AT_EMPTY_PATH|uapi.AT_STATX_SYNC_TYPE) != 0 {
		return -EINVAL
	}
	if len(name) == 0 && flags&uapi.AT_EMPTY_PATH != 0 && dfd != uapi.AT_FDCWD {
		return Vfs_fstat(dfd, stat)
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
	err := Vfs_getattr(&path, stat, uapi.STATX_BASIC_STATS)
	Path_put(&path)
	return err
}

// Cp_new_stat converts to x86-64's struct stat (Linux cp_new_stat).
func Cp_new_stat(stat *Kstat, st *uapi.Stat) {
	*st = uapi.Stat{
		St_dev:        uapi.New_encode_dev(stat.Dev),
		St_ino:        stat.Ino,
		St_nlink:      uint64(stat.Nlink),
		St_mode:       stat.Mode,
		St_uid:        stat.Uid,
		St_gid:        stat.Gid,
		St_rdev:       uapi.New_encode_dev(stat.Rdev),
		St_size:       stat.Size,
		St_blksize:    int64(stat.Blksize),
		St_blocks:     int64(stat.Blocks),
		St_atime:      uint64(stat.Atime.Tv_sec),
		St_atime_nsec: uint64(stat.Atime.Tv_nsec),
		St_mtime:      uint64(stat.Mtime.Tv_sec),
		St_mtime_nsec: uint64(stat.Mtime.Tv_nsec),
		St_ctime:      uint64(stat.Ctime.Tv_sec),
		St_ctime_nsec: uint64(stat.Ctime.Tv_nsec),
	}
}

// Cp_statx converts to struct statx (Linux cp_statx).
func Cp_statx(stat *Kstat, sx *uapi.Statx) {
	*sx = uapi.Statx{
		Stx_mask:       stat.Result_mask,
		Stx_blksize:    stat.Blksize,
		Stx_nlink:      stat.Nlink,
		Stx_uid:        stat.Uid,
		Stx_gid:        stat.Gid,
		Stx_mode:       uint16(stat.Mode),
		Stx_ino:        stat.Ino,
		Stx_size:       uint64(stat.Size),
		Stx_blocks:     stat.Blocks,
		Stx_atime:      uapi.StatxTimestamp{Tv_sec: stat.Atime.Tv_sec, Tv_nsec: uint32(stat.Atime.Tv_nsec)},
		Stx_mtime:      uapi.StatxTimestamp{Tv_sec: stat.Mtime.Tv_sec, Tv_nsec: uint32(stat.Mtime.Tv_nsec)},
		Stx_ctime:      uapi.StatxTimestamp{Tv_sec: stat.Ctime.Tv_sec, Tv_nsec: uint32(stat.Ctime.Tv_nsec)},
		Stx_rdev_major: uapi.MAJOR(stat.Rdev),
		Stx_rdev_minor: uapi.MINOR(stat.Rdev),
		Stx_dev_major:  uapi.MAJOR(stat.Dev),
		Stx_dev_minor:  uapi.MINOR(stat.Dev),
		Stx_mnt_id:     stat.Mnt_id,
	}
}

// Do_statx is statx(2) into a kernel struct (Linux do_statx): the
// caller copies sx out.
func Do_statx(dfd int, name []byte, flags int, mask uint32, sx *uapi.Statx) int {
	if mask&uapi.STATX__RESERVED != 0 {
		return -EINVAL
	}
	if flags&uapi.AT_STATX_SYNC_TYPE == uapi.AT_STATX_SYNC_TYPE {
		return -EINVAL
	}
	var stat Kstat
	if err := Vfs_fstatat(dfd, name, &stat, flags); err != 0 {
		return err
	}
	Cp_statx(&stat, sx)
	return 0
}

// Do_readlinkat is readlinkat(2): the target, not NUL-terminated,
// truncated to the buffer (Linux do_readlinkat → vfs_readlink).
func Do_readlinkat(dfd int, name []byte, out *Iov_iter) int {
	if out.Count() <= 0 {
		return -EINVAL
	}
	var path Path
	if err := User_path_at(dfd, name, LOOKUP_EMPTY, &path); err != 0 {
		return err
	}
	ret := do_readlinkat_body(&path, out)
	Path_put(&path)
	return ret
}

// do_readlinkat_body is the rest of Do_readlinkat, run while Do_readlinkat holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_readlinkat_body(path *Path, out *Iov_iter) int {
	if !d_is_symlink(path.Dentry) {
		return -EINVAL
	}
	body, err := Get_link(path.Dentry)
	if err != 0 {
		return err
	}
	n := min(len(body), out.Count())
	if out.Copy_to_iter(body[:n]) != n {
		return -EFAULT
	}
	return n
}
