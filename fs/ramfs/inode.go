// Package ramfs is a file system that is its page cache and dentry
// cache: files live in memory only, as long as their names or their open
// files do. It serves as rootfs, the initramfs's home, and as tmpfs.
// Linux: fs/ramfs/inode.c (ramfs_get_inode, ramfs_mknod, ramfs_mkdir,
// ramfs_create, ramfs_symlink, ramfs_fill_super, rootfs), fs/ramfs/
// file-mmu.c, and mm/shmem.c's !CONFIG_SHMEM branch, where "tmpfs" is
// ramfs: gokern has no swap, so tmpfs's difference — pages that can be
// swapped out, size limits — has nothing to do here. Seeds/003 "ramfs".
package ramfs

import (
	"gokern/cmdline"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/printk"
)

// RAMFS_MAGIC (include/uapi/linux/magic.h); TMPFS_MAGIC for tmpfs.
const (
	RAMFS_MAGIC = 0x858458f6
	TMPFS_MAGIC = 0x01021994
)

// ramfs_mount_opts is struct ramfs_mount_opts: the root's mode.
type ramfs_mount_opts struct {
	mode uint32
}

// RAMFS_DEFAULT_MODE: the root directory's mode (Linux: 0755).
const RAMFS_DEFAULT_MODE = 0o755

// TMPFS_DEFAULT_MODE: a tmpfs root is world-writable and sticky, as /tmp
// is (Linux shmem_fill_super: 0777 | S_ISVTX).
const TMPFS_DEFAULT_MODE = 0o1777

// default_mode: the root's mode when no mode= option says otherwise.
func default_mode(sb *fs.SuperBlock) uint32 {
	if sb.S_type.Name == "tmpfs" {
		return TMPFS_DEFAULT_MODE
	}
	return RAMFS_DEFAULT_MODE
}

// Ramfs_get_inode makes an inode of mode (Linux ramfs_get_inode).
func Ramfs_get_inode(sb *fs.SuperBlock, dir *fs.Inode, mode uint32, dev uapi.Dev_t) *fs.Inode {
	inode := fs.New_inode(sb)
	if inode == nil {
		return nil
	}
	fs.Inode_init_owner(inode, dir, mode)
	switch mode & uapi.S_IFMT {
	case uapi.S_IFREG:
		inode.I_op = &ramfs_file_inode_operations
		inode.I_fop = &Ramfs_file_operations
	case uapi.S_IFDIR:
		inode.I_op = ramfs_dir_iops
		inode.I_fop = &fs.Simple_dir_operations
		// Directories start with 2 links: their name and their ".".
		fs.Inc_nlink(inode)
	case uapi.S_IFLNK:
		inode.I_op = &ramfs_symlink_inode_operations
	default:
		fs.Init_special_inode(inode, mode, dev)
	}
	return inode
}

// ramfs_mknod makes any kind of node (Linux ramfs_mknod): the dentry
// gets it and is pinned.
func ramfs_mknod(dir *fs.Inode, d *fs.Dentry, mode uint32, dev uapi.Dev_t) int {
	inode := Ramfs_get_inode(dir.I_sb, dir, mode, dev)
	if inode == nil {
		return -fs.ENOSPC
	}
	fs.D_make_persistent(d, inode)
	t := fs.Current_time(dir)
	dir.I_mtime, dir.I_ctime = t, t
	return 0
}

func ramfs_mkdir(dir *fs.Inode, d *fs.Dentry, mode uint32) int {
	if err := ramfs_mknod(dir, d, mode|uapi.S_IFDIR, 0); err != 0 {
		return err
	}
	fs.Inc_nlink(dir)
	return 0
}

func ramfs_create(dir *fs.Inode, d *fs.Dentry, mode uint32, excl bool) int {
	return ramfs_mknod(dir, d, mode|uapi.S_IFREG, 0)
}

// ramfs_symlink makes a symlink whose body is kmalloc'd in the inode
// (Linux ramfs_symlink keeps it in a page of the page cache;
// page_symlink).
func ramfs_symlink(dir *fs.Inode, d *fs.Dentry, target []byte) int {
	inode := Ramfs_get_inode(dir.I_sb, dir, uapi.S_IFLNK|uapi.S_IRWXUGO, 0)
	if inode == nil {
		return -fs.ENOSPC
	}
	if err := fs.Inode_set_link(inode, target); err != 0 {
		fs.Iput(inode)
		return err
	}
	fs.D_make_persistent(d, inode)
	t := fs.Current_time(dir)
	dir.I_mtime, dir.I_ctime = t, t
	return 0
}

// ramfs_dir_iops points at ramfs_dir_inode_operations, set by
// ramfs_fill_super: a directory's operations make directories, so the table
// and Ramfs_get_inode refer to each other, which a Go variable's static
// initialiser may not.
var ramfs_dir_iops *fs.InodeOperations

var ramfs_dir_inode_operations = fs.InodeOperations{
	Create:  ramfs_create,
	Lookup:  fs.Simple_lookup,
	Link:    fs.Simple_link,
	Unlink:  fs.Simple_unlink,
	Symlink: ramfs_symlink,
	Mkdir:   ramfs_mkdir,
	Rmdir:   fs.Simple_rmdir,
	Mknod:   ramfs_mknod,
	Rename:  fs.Simple_rename,
}

var ramfs_file_inode_operations = fs.InodeOperations{Setattr: fs.Simple_setattr}

var ramfs_symlink_inode_operations = fs.InodeOperations{}

// Ramfs_file_operations (Linux ramfs_file_operations): the page cache.
var Ramfs_file_operations = fs.FileOperations{
	Read:   fs.Generic_file_read,
	Write:  fs.Generic_file_write,
	Llseek: fs.Generic_file_llseek,
	Mmap:   fs.Generic_file_mmap,
}

func ramfs_show_options(m *fs.Seq_file, root *fs.Dentry) int {
	if mode := root.D_inode.I_mode & uapi.S_IALLUGO; mode != default_mode(root.D_inode.I_sb) {
		// Octal, as Linux's ",mode=%o" (printk has no %o).
		var o [6]byte
		n := len(o)
		for v := mode; ; v >>= 3 {
			n--
			o[n] = byte('0' + v&7)
			if v < 8 {
				break
			}
		}
		fs.Seq_printf(m, ",mode=%s", printk.Bytes(o[n:]))
	}
	return 0
}

var ramfs_ops = fs.SuperOperations{
	Statfs:       fs.Simple_statfs,
	Show_options: ramfs_show_options,
}

// parse_mode reads "mode=NNN" (octal) from comma-separated options
// (Linux ramfs_parse_param); other options are ignored, as tmpfs's
// size= and nr_inodes= would limit what gokern does not limit.
func parse_mode(data []byte, opts *ramfs_mount_opts) int {
	for len(data) > 0 {
		opt := cmdline.Strsep(&data, ',')
		if len(opt) > 5 && string(opt[:5]) == "mode=" {
			var m uint32
			for _, c := range opt[5:] {
				if c < '0' || c > '7' {
					return -fs.EINVAL
				}
				m = m*8 + uint32(c-'0')
			}
			opts.mode = m & uapi.S_IALLUGO
		}
	}
	return 0
}

// ramfs_fill_super makes a super block's root (Linux ramfs_fill_super).
func ramfs_fill_super(sb *fs.SuperBlock, data []byte, silent bool) int {
	ramfs_dir_iops = &ramfs_dir_inode_operations
	opts := ramfs_mount_opts{mode: default_mode(sb)}
	if err := parse_mode(data, &opts); err != 0 {
		return err
	}
	sb.S_magic = RAMFS_MAGIC
	if sb.S_type.Name == "tmpfs" {
		sb.S_magic = TMPFS_MAGIC
	}
	sb.S_op = &ramfs_ops
	sb.S_d_op = &fs.Simple_dentry_operations
	inode := Ramfs_get_inode(sb, nil, uapi.S_IFDIR|opts.mode, 0)
	if inode == nil {
		return -fs.ENOMEM
	}
	if sb.S_root = fs.D_make_root(inode); sb.S_root == nil {
		return -fs.ENOMEM
	}
	return 0
}

func ramfs_mount(t *fs.FileSystemType, flags uint32, dev_name, data []byte) (*fs.Dentry, int) {
	return fs.Mount_nodev(t, flags, data, ramfs_fill_super)
}

// The types: ramfs, tmpfs (the same, see the package comment) and
// rootfs, the instance mounted as "/" at boot (Linux rootfs_fs_type).
var (
	Ramfs_fs_type  = fs.FileSystemType{Name: "ramfs", Mount: ramfs_mount, Kill_sb: fs.Kill_litter_super}
	Tmpfs_fs_type  = fs.FileSystemType{Name: "tmpfs", Mount: ramfs_mount, Kill_sb: fs.Kill_litter_super}
	Rootfs_fs_type = fs.FileSystemType{Name: "rootfs", Mount: ramfs_mount, Kill_sb: fs.Kill_litter_super}
)

// Init_ramfs_fs registers ramfs and tmpfs (Linux init_ramfs_fs, and
// shmem_init for tmpfs); rootfs is registered by Vfs_caches_init.
func Init_ramfs_fs() int {
	if err := fs.Register_filesystem(&Ramfs_fs_type); err != 0 {
		return err
	}
	if err := fs.Register_filesystem(&Tmpfs_fs_type); err != 0 {
		return err
	}
	// The internal mount of shared anonymous memory (Linux shmem_init:
	// shm_mnt = kern_mount(&shmem_fs_type)).
	mnt, err := fs.Kern_mount(&Tmpfs_fs_type)
	if err != 0 {
		return err
	}
	fs.Shm_mnt, fs.Shmem_zero_setup = mnt, shmem_kernel_file_setup
	return 0
}
