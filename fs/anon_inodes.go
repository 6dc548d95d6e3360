package fs

import "gokern/include/uapi"

// Files with no name: epoll instances and eventfds. Linux:
// fs/anon_inodes.c (anon_inode_getfile, anon_inode_getfd, the
// anon_inodefs pseudo file system). Linux shares one inode among all of
// them; gokern gives each file its own inode on the same pseudo file
// system, as anon_inode_create_getfile does, which keeps the reference
// counting the same as a pipe's.

// ANON_INODE_FS_MAGIC (include/uapi/linux/magic.h).
const ANON_INODE_FS_MAGIC = 0x09041934

var anon_inode_mnt *Vfsmount

var anon_inodefs_ops = SuperOperations{Statfs: Simple_statfs}

func anon_inodefs_fill_super(sb *SuperBlock, data []byte, silent bool) int {
	return pseudo_fs_fill_super(sb, ANON_INODE_FS_MAGIC, &anon_inodefs_ops)
}

func anon_inodefs_mount(t *FileSystemType, flags uint32, dev_name, data []byte) (*Dentry, int) {
	return Mount_nodev(t, flags, data, anon_inodefs_fill_super)
}

var anon_inode_fs_type = FileSystemType{Name: "anon_inodefs", Mount: anon_inodefs_mount, Kill_sb: Kill_anon_super}

// Anon_inode_init mounts anon_inodefs (Linux anon_inode_init, an
// fs_initcall) and makes the caches of the files that live there.
func Anon_inode_init() int {
	if !epitem_cache.create() || !eventpoll_cache.create() || !eventfd_cache.create() || !timerfd_cache.create() {
		return -ENOMEM
	}
	if err := Register_filesystem(&anon_inode_fs_type); err != 0 {
		return err
	}
	mnt, err := Kern_mount(&anon_inode_fs_type)
	if err != 0 {
		return err
	}
	anon_inode_mnt = mnt
	return 0
}

// Anon_inode_getfile makes a file with no name, fops and priv (Linux
// anon_inode_getfile, less the name): flags O_RDWR and O_NONBLOCK count, the file reads
// and writes as fops says.
func Anon_inode_getfile(fops *FileOperations, priv uintptr, flags uint32) (*File, int) {
	if anon_inode_mnt == nil {
		return nil, -ENODEV
	}
	sb := anon_inode_mnt.Mnt_sb
	inode := New_inode(sb)
	if inode == nil {
		return nil, -ENOMEM
	}
	inode.I_fop = fops
	inode.I_mode = 0o600     // Linux: S_IRUSR | S_IWUSR, no file type
	d := X__d_alloc(sb, nil) // d_alloc_pseudo: Linux names it anon_inode:[name]
	if d == nil {
		Iput(inode)
		return nil, -ENOMEM
	}
	D_instantiate(d, inode)
	f := Alloc_empty_file(flags & (uapi.O_ACCMODE | uapi.O_NONBLOCK))
	if f == nil {
		Dput(d)
		return nil, -ENOMEM
	}
	f.F_path = Path{Mnt: Mntget(anon_inode_mnt), Dentry: d}
	f.F_inode = inode
	f.F_op = fops
	f.F_mode = FMODE_STREAM | OPEN_FMODE(flags)
	f.Private_data = priv
	return f, 0
}

// Anon_inode_getfd is Anon_inode_getfile installed in a new descriptor
// (Linux anon_inode_getfd; O_CLOEXEC in flags).
func Anon_inode_getfd(fops *FileOperations, priv uintptr, flags uint32) int {
	fd := Get_unused_fd_flags(flags)
	if fd < 0 {
		return fd
	}
	f, err := Anon_inode_getfile(fops, priv, flags)
	if err != 0 {
		Put_unused_fd(fd)
		return err
	}
	Fd_install(fd, f)
	return fd
}
