// Package fs is gokern's virtual file system: Linux's fs/ core (the
// objects of include/linux/fs.h and dcache.h, path lookup, the open file
// table, the descriptor table, pipes, character devices, mounts) and the
// operations behind the file system calls. File systems (fs/ramfs,
// fs/proc) and drivers (drivers/tty) fill in the operation tables; the
// system call layer calls the Ksys_*/Do_* functions here with kernel
// buffers and Iov_iters, on the current task's Files_struct and
// Fs_struct (Init_files, Init_fs until there are tasks).
//
// Kernel Go (DESIGN.md §4): every object lives in kernel memory from the
// caches of alloc.go, tables of operations are statically initialised
// structs of top-level functions, nothing reaches the Go heap. Errors are
// Linux's negative errnos (include/uapi). The VFS assumes one CPU and no
// kernel preemption, as gokern has today; the one entry from interrupt
// context is the tty's receive path, which keeps to its own buffers
// (drivers/tty).
//
// docs/fs.md walks through it.
package fs

import (
	"unsafe"

	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// Timespec64 is struct timespec64.
type Timespec64 struct {
	Tv_sec  int64
	Tv_nsec int64
}

// Inode is struct inode: one file, whatever its names.
type Inode struct {
	I_mode  uint32 // umode_t: type and permissions
	I_uid   uint32
	I_gid   uint32
	I_flags uint32
	I_nlink uint32
	I_count int32 // references: dentries, open files
	I_ino   uint64
	I_rdev  uapi.Dev_t
	I_size  int64
	I_atime Timespec64
	I_mtime Timespec64
	I_ctime Timespec64
	I_op    *InodeOperations
	I_fop   *FileOperations // what open gives the file (Linux i_fop)
	I_sb    *SuperBlock
	// I_data is the page cache of a regular file's contents (Linux
	// i_data, struct address_space).
	I_data AddressSpace
	// I_link is a symlink's target (Linux i_link), kmalloc'd.
	I_link []byte
	// I_pipe is a FIFO's pipe while it is open (Linux i_pipe).
	I_pipe *Pipe_inode_info
	// I_private belongs to the file system (proc: its entry and pid).
	I_private uintptr
	// I_sb_list links the inodes of one super block (Linux i_sb_list).
	I_sb_list mm.ListHead
	// I_flctx: the POSIX locks on the file (Linux i_flctx's flc_posix;
	// locks.go), under file_lock_lock.
	I_flctx *File_lock
	// I_rwsem: the inode's lock (Linux i_rwsem as inode_lock takes it,
	// for writing), held by a write and a truncate, with I_rwsem_wait
	// where the others sleep for it.
	I_rwsem      uint32
	I_rwsem_wait sched.Wait_queue_head
}

// Qstr is struct qstr: a name and its hash.
type Qstr struct {
	Hash uint32
	Len  uint32
	Name *byte
}

// Bytes is the name as a slice; String as a string (no copy: it lives
// as long as the dentry keeps this name).
func (q *Qstr) Bytes() []byte  { return unsafe.Slice(q.Name, q.Len) }
func (q *Qstr) String() string { return unsafe.String(q.Name, q.Len) }

// DNAME_INLINE_LEN: names this long or shorter live in the dentry itself
// (Linux: 32 on 64-bit); longer ones are kmalloc'd.
const DNAME_INLINE_LEN = 32

// Dentry is struct dentry: one name in one directory, and the inode it
// names (nil: a negative dentry, a name known not to exist).
type Dentry struct {
	D_flags  uint32
	D_count  int32 // d_lockref.count
	D_parent *Dentry
	D_name   Qstr
	D_inode  *Inode
	D_sb     *SuperBlock
	D_op     *DentryOperations
	D_fsdata uintptr
	// D_child is this dentry in its parent's D_subdirs (Linux d_child,
	// d_children).
	D_child   mm.ListHead
	D_subdirs mm.ListHead
	D_iname   [DNAME_INLINE_LEN]byte
}

// Dentry flags.
const (
	// DCACHE_HASHED: lookups find it (Linux: !d_unhashed()). Unlinked
	// and killed dentries are unhashed.
	DCACHE_HASHED = 1 << 0
	// DCACHE_MOUNTED: something is mounted here.
	DCACHE_MOUNTED = 1 << 1
	// DCACHE_PERSISTENT: ramfs holds an extra reference so the name lives
	// without users (Linux: the dget in ramfs_mknod, d_make_persistent).
	DCACHE_PERSISTENT = 1 << 2
)

// Path is struct path: a dentry and the mount it is seen through.
type Path struct {
	Mnt    *Vfsmount
	Dentry *Dentry
}

// File is struct file: one open of a file.
type File struct {
	F_path  Path
	F_inode *Inode
	F_op    *FileOperations
	F_count int64
	F_flags uint32 // O_* as given to open, less the creation flags
	F_mode  uint32 // FMODE_*
	F_pos   int64
	// Private_data belongs to the driver (the tty, the pipe, the seq_file).
	Private_data uintptr
	// F_ep: the epoll items watching this file, linked through
	// Epitem.fnext (Linux f_ep); eventpoll_release empties it.
	F_ep uintptr
}

// F_mode bits (include/linux/fs.h).
const (
	FMODE_READ   = 0x1
	FMODE_WRITE  = 0x2
	FMODE_LSEEK  = 0x4
	FMODE_PREAD  = 0x8
	FMODE_PWRITE = 0x10
	FMODE_EXEC   = 0x20
	// FMODE_PATH: an O_PATH descriptor: no I/O.
	FMODE_PATH = 0x4000
	// FMODE_WRITER: the file counts among its mount's writers (opened
	// for writing, not a device, FIFO or socket), which a remount
	// read-only must find none of.
	FMODE_WRITER = 0x10000
	// FMODE_STREAM: no position (pipes, ttys).
	FMODE_STREAM = 0x200000
)

// FileOperations is struct file_operations. A nil method is the
// operation the file does not have (Linux's NULL).
type FileOperations struct {
	Llseek func(f *File, offset int64, whence int) int64
	// Read and Write move bytes between the file at *pos and the
	// iterator, returning the count or a negative errno (Linux
	// read_iter/write_iter with ki_pos).
	Read  func(f *File, to *Iov_iter, pos *int64) int64
	Write func(f *File, from *Iov_iter, pos *int64) int64
	// Iterate_shared lists a directory (Linux iterate_shared).
	Iterate_shared func(f *File, ctx *Dir_context) int
	// Poll returns the ready events, and registers on the file's wait
	// queues through pt when pt is not nil.
	Poll           func(f *File, pt *Poll_table) uint32
	Unlocked_ioctl func(f *File, cmd uint32, arg uintptr) int64
	Open           func(inode *Inode, f *File) int
	Release        func(inode *Inode, f *File) int
	// Flush runs at every close of a descriptor of the file, before its
	// reference goes (Linux flush, less the owner id).
	Flush func(f *File) int
	// Mmap says whether the file can be mapped (Linux f_op->mmap, which
	// also sets the VMA up; gokern's mm does that): 0 for a page-cache
	// file, MMAP_ANONYMOUS for /dev/zero; nil: -ENODEV.
	Mmap func(f *File) int
}

// InodeOperations is struct inode_operations.
type InodeOperations struct {
	// Lookup finds name in dir: it instantiates dentry (d_add) with the
	// inode, or with nil for a name that does not exist.
	Lookup  func(dir *Inode, dentry *Dentry, flags uint32) int
	Create  func(dir *Inode, dentry *Dentry, mode uint32, excl bool) int
	Link    func(old *Dentry, dir *Inode, dentry *Dentry) int
	Unlink  func(dir *Inode, dentry *Dentry) int
	Symlink func(dir *Inode, dentry *Dentry, target []byte) int
	Mkdir   func(dir *Inode, dentry *Dentry, mode uint32) int
	Rmdir   func(dir *Inode, dentry *Dentry) int
	Mknod   func(dir *Inode, dentry *Dentry, mode uint32, dev uapi.Dev_t) int
	Rename  func(old_dir *Inode, old *Dentry, new_dir *Inode, new *Dentry, flags uint32) int
	// Get_link returns a symlink's target, which lives as long as the
	// inode; nil uses I_link.
	Get_link func(dentry *Dentry, inode *Inode) ([]byte, int)
	// Jump_link, when set, is where following the link leads: a path
	// (referenced, in *path), not a name to walk (Linux: a get_link that
	// calls nd_jump_link, as /proc/<pid>/fd/<n>'s proc_pid_get_link).
	// Get_link or I_link still gives readlink its text.
	Jump_link func(inode *Inode, path *Path) int
	Setattr   func(dentry *Dentry, attr *Iattr) int
	Getattr   func(path *Path, stat *Kstat, request_mask uint32) int
}

// DentryOperations is struct dentry_operations.
type DentryOperations struct {
	// D_delete says whether an unused dentry is to be freed at once
	// rather than kept (gokern keeps none: every file system here frees
	// unused dentries, and ramfs pins the ones that are its files).
	D_delete func(d *Dentry) bool
	// D_revalidate: proc's pid directories vanish with their task.
	D_revalidate func(d *Dentry, flags uint32) bool
}

// Iattr is struct iattr: what setattr changes.
type Iattr struct {
	Ia_valid uint32
	Ia_mode  uint32
	Ia_uid   uint32
	Ia_gid   uint32
	Ia_size  int64
	Ia_atime Timespec64
	Ia_mtime Timespec64
}

// Ia_valid bits.
const (
	ATTR_MODE  = 1 << 0
	ATTR_UID   = 1 << 1
	ATTR_GID   = 1 << 2
	ATTR_SIZE  = 1 << 3
	ATTR_ATIME = 1 << 4
	ATTR_MTIME = 1 << 5
	ATTR_CTIME = 1 << 6
	// ATTR_ATIME_SET, ATTR_MTIME_SET: the time given, not "now".
	ATTR_ATIME_SET = 1 << 7
	ATTR_MTIME_SET = 1 << 8
	// ATTR_KILL_SUID, ATTR_KILL_SGID: drop the set-user-ID and
	// set-group-ID bits if the file has them (Notify_change turns them
	// into an ATTR_MODE).
	ATTR_KILL_SUID = 1 << 11
	ATTR_KILL_SGID = 1 << 12
)

// Kstat is struct kstat, what getattr fills and stat and statx copy out.
type Kstat struct {
	Result_mask uint32
	Mode        uint32
	Nlink       uint32
	Blksize     uint32
	Ino         uint64
	Dev         uapi.Dev_t
	Rdev        uapi.Dev_t
	Uid         uint32
	Gid         uint32
	Size        int64
	Atime       Timespec64
	Mtime       Timespec64
	Ctime       Timespec64
	Btime       Timespec64
	Blocks      uint64
	Mnt_id      uint64
}

// SuperBlock is struct super_block: one mounted instance of a file
// system.
type SuperBlock struct {
	S_dev       uapi.Dev_t
	S_blocksize uint32
	S_flags     uint32
	S_magic     uint64
	S_type      *FileSystemType
	S_op        *SuperOperations
	S_d_op      *DentryOperations // given to every dentry of the sb
	S_root      *Dentry
	S_active    int32 // mounts of it
	S_fs_info   uintptr
	S_inodes    mm.ListHead // under inode_sb_list_lock
	S_list      mm.ListHead // super_blocks
	// S_vfs_rename_mutex: held by a rename between two directories, so
	// that the tree's shape, which decides the order their locks are
	// taken in, holds still (Linux s_vfs_rename_mutex, lock_rename).
	S_vfs_rename_mutex sched.Mutex
}

// S_flags (SB_*, the MS_* of mount(2)).
const (
	SB_RDONLY = uapi.MS_RDONLY
	SB_NOSUID = uapi.MS_NOSUID
	SB_NODEV  = uapi.MS_NODEV
	SB_NOEXEC = uapi.MS_NOEXEC
	// SB_KERNMOUNT: mounted by the kernel for itself (pipefs).
	SB_KERNMOUNT = 1 << 22
)

// SuperOperations is struct super_operations.
type SuperOperations struct {
	Alloc_inode  func(sb *SuperBlock) *Inode
	Evict_inode  func(inode *Inode)
	Statfs       func(d *Dentry, buf *Kstatfs) int
	Show_options func(m *Seq_file, root *Dentry) int
}

// Kstatfs is struct kstatfs.
type Kstatfs struct {
	F_type    uint64
	F_bsize   uint64
	F_blocks  uint64
	F_bfree   uint64
	F_bavail  uint64
	F_files   uint64
	F_ffree   uint64
	F_fsid    [2]int32
	F_namelen uint64
	F_frsize  uint64
	F_flags   uint64
}

// FileSystemType is struct file_system_type: a kind of file system, in
// the list register_filesystem keeps.
type FileSystemType struct {
	Name     string
	Fs_flags uint32
	// Mount makes (or finds) a super block and returns its root,
	// referenced (Linux's .mount, before fs_context).
	Mount   func(t *FileSystemType, flags uint32, dev_name []byte, data []byte) (*Dentry, int)
	Kill_sb func(sb *SuperBlock)
	Next    *FileSystemType
}

// Fs_flags.
const (
	// FS_REQUIRES_DEV: needs a block device (gokern has none: such file
	// systems are shown "nodev"-less in /proc/filesystems but cannot be
	// mounted).
	FS_REQUIRES_DEV = 1
	// FS_USERNS_MOUNT and friends are not used.
)

// Inode types, from the mode (Linux's inline helpers).

// d_is_dir etc. look at the inode of a positive dentry.
func d_really_is_negative(d *Dentry) bool { return d.D_inode == nil }
func d_is_dir(d *Dentry) bool             { return d.D_inode != nil && uapi.S_ISDIR(d.D_inode.I_mode) }
func d_is_symlink(d *Dentry) bool         { return d.D_inode != nil && uapi.S_ISLNK(d.D_inode.I_mode) }

// d_can_lookup: a directory that can be walked into.
func d_can_lookup(d *Dentry) bool {
	return d_is_dir(d) && d.D_inode.I_op != nil && d.D_inode.I_op.Lookup != nil
}
