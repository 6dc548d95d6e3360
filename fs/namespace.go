package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/compiler"

	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/printk"
)

// Mounts. Linux: fs/namespace.c (struct mount, vfs_kern_mount,
// lookup_mnt, attach_mnt, do_new_mount, do_add_mount, path_umount,
// umount_tree, init_mount_tree, mntget, mntput), fs/proc_namespace.c
// (/proc/mounts). One mount namespace, Init_ns. A mount is reached from
// the dentry it covers (DCACHE_MOUNTED) by searching the children of the
// mount the dentry is seen through; Linux hashes them, gokern has few.

// Vfsmount is struct vfsmount: what a Path holds.
type Vfsmount struct {
	Mnt_root  *Dentry
	Mnt_sb    *SuperBlock
	Mnt_flags uint32
}

// Mnt_flags (MNT_*, include/linux/mount.h).
const (
	MNT_NOSUID   = 0x01
	MNT_NODEV    = 0x02
	MNT_NOEXEC   = 0x04
	MNT_NOATIME  = 0x08
	MNT_RELATIME = 0x20
	MNT_READONLY = 0x40
	// MNT_INTERNAL: a kernel-internal mount (pipefs), never in the tree.
	MNT_INTERNAL = 0x4000
)

// Mount is struct mount.
type Mount struct {
	Mnt_parent     *Mount
	Mnt_mountpoint *Dentry
	Mnt            Vfsmount
	Mnt_count      int32
	Mnt_id         int32
	// Mnt_writers counts the files open for writing through this
	// mount (Linux mnt_writers; atomic: Fput runs on any CPU).
	Mnt_writers int32
	Mnt_devname []byte // kmalloc'd
	Mnt_mounts  mm.ListHead
	Mnt_child   mm.ListHead
	Mnt_list    mm.ListHead // in Init_ns, in mount order
	attached    bool
}

// Mnt_namespace is struct mnt_namespace.
type Mnt_namespace struct {
	Root   *Mount
	List   mm.ListHead
	Mounts int
}

// Init_ns is the one namespace (Linux init_task.nsproxy->mnt_ns).
var Init_ns Mnt_namespace

// namespace_sem serialises changes of the mount tree — mount, bind,
// remount, umount — and the walks of the namespace's list (Linux
// namespace_sem, an rwsem: /proc/mounts takes it shared; gokern's
// mutex is exclusive). umount's busy check, its walk of the tree under
// the mount and the detaching happen under it, so that nothing is
// mounted under a mount while umount_tree takes the tree apart.
var namespace_sem sched.Mutex

// mount_lock guards the mount tree's links: each mount's children
// (Mnt_mounts, Mnt_child), its parent and mountpoint, the namespace's
// list and count, and DCACHE_MOUNTED (Linux mount_lock, a seqlock
// whose readers in lookup_mnt, follow_dotdot and d_path run under RCU;
// gokern's readers take the lock). A spinlock, taken with interrupts
// off and inside namespace_sem, before dcache_lock where both are held:
// path walks on every CPU read the tree while mounts come and go.
var mount_lock asm.Arch_spinlock_t

func mount_lock_irq() uint64        { return vfs_lock_irq(&mount_lock) }
func mount_unlock_irq(flags uint64) { vfs_unlock_irq(&mount_lock, flags) }

var mnt_cache = objCache[Mount]{Name: "mnt_cache"}

var mnt_id_last int32

// real_mount is container_of(mnt, struct mount, mnt).
func real_mount(mnt *Vfsmount) *Mount {
	return (*Mount)(unsafe.Add(unsafe.Pointer(mnt), -int(unsafe.Offsetof(Mount{}.Mnt))))
}

func mount_of_child(l *mm.ListHead) *Mount {
	return (*Mount)(unsafe.Add(unsafe.Pointer(l), -int(unsafe.Offsetof(Mount{}.Mnt_child))))
}

func mount_of_list(l *mm.ListHead) *Mount {
	return (*Mount)(unsafe.Add(unsafe.Pointer(l), -int(unsafe.Offsetof(Mount{}.Mnt_list))))
}

// Mntget takes a reference (Linux mntget). The count is atomic, as
// Linux's (mnt_add_count: per-CPU counters): every path walk on every
// CPU takes and drops one on the mounts it passes (the root's at least),
// and a plain increment and decrement on two CPUs at once lost one: the
// root mount's count drifted to 0, Mntput freed (zeroed) the mount under
// the tree, and the next walk through it faulted in lookup_mnt (1 boot
// in about 100 of init.mode=reaper at -smp 4).
func Mntget(mnt *Vfsmount) *Vfsmount {
	if mnt != nil {
		atomic.AddInt32(&real_mount(mnt).Mnt_count, 1)
	}
	return mnt
}

// Mntput drops one; the last frees the mount, its root and its super
// block's active reference (Linux mntput → cleanup_mnt).
func Mntput(mnt *Vfsmount) {
	if mnt == nil {
		return
	}
	m := real_mount(mnt)
	for {
		c := atomic.LoadInt32(&m.Mnt_count)
		if c <= 0 {
			Vfs_bugs++
			printk.Pr_err("VFS: mntput of an unreferenced mount\n")
			return
		}
		if atomic.CompareAndSwapInt32(&m.Mnt_count, c, c-1) {
			if c > 1 {
				return
			}
			break
		}
	}
	root, sb := mnt.Mnt_root, mnt.Mnt_sb
	kfree(m.Mnt_devname)
	*m = Mount{}
	mnt_cache.Free(m)
	Dput(root)
	Deactivate_super(sb)
}

// alloc_vfsmnt makes a detached mount of root with one reference.
func alloc_vfsmnt(root *Dentry, name []byte) *Mount {
	m := mnt_cache.Zalloc(mm.GFP_KERNEL)
	if m == nil {
		return nil
	}
	if len(name) > 0 {
		if m.Mnt_devname = kmalloc(len(name), mm.GFP_KERNEL); m.Mnt_devname == nil {
			mnt_cache.Free(m)
			return nil
		}
		copy(m.Mnt_devname, name)
	}
	m.Mnt_id = atomic.AddInt32(&mnt_id_last, 1)
	m.Mnt_count = 1
	m.Mnt.Mnt_root = root
	m.Mnt.Mnt_sb = root.D_sb
	mm.INIT_LIST_HEAD(&m.Mnt_mounts)
	mm.INIT_LIST_HEAD(&m.Mnt_child)
	mm.INIT_LIST_HEAD(&m.Mnt_list)
	return m
}

// Vfs_kern_mount mounts a new instance of t, detached (Linux
// vfs_kern_mount): the mount, referenced once, or an errno.
func Vfs_kern_mount(t *FileSystemType, flags uint32, name, data []byte) (*Vfsmount, int) {
	root, err := t.Mount(t, flags, compiler.NoescapeBytes(name), compiler.NoescapeBytes(data))
	if err != 0 {
		return nil, err
	}
	m := alloc_vfsmnt(root, name)
	if m == nil {
		Dput(root)
		Deactivate_super(root.D_sb)
		return nil, -ENOMEM
	}
	return &m.Mnt, 0
}

// Kern_mount mounts t for the kernel's own use (Linux kern_mount: pipefs).
func Kern_mount(t *FileSystemType) (*Vfsmount, int) {
	mnt, err := Vfs_kern_mount(t, SB_KERNMOUNT, unsafe.Slice(unsafe.StringData(t.Name), len(t.Name)), nil)
	if err == 0 {
		mnt.Mnt_flags |= MNT_INTERNAL
	}
	return mnt, err
}

// lookup_mnt returns the mount on path's dentry, seen through path's
// mount, referenced, or nil (Linux lookup_mnt). If several are stacked
// there the first one found is the bottom one; follow_mount goes on up.
func lookup_mnt(path *Path) *Vfsmount {
	parent := real_mount(path.Mnt)
	var found *Vfsmount
	flags := mount_lock_irq()
	for l := parent.Mnt_mounts.Next; l != &parent.Mnt_mounts; l = l.Next {
		c := mount_of_child(l)
		if c.Mnt_mountpoint == path.Dentry {
			found = Mntget(&c.Mnt)
			break
		}
	}
	mount_unlock_irq(flags)
	return found
}

// D_mountpoint reports whether something is mounted on d.
func D_mountpoint(d *Dentry) bool { return d.D_flags&DCACHE_MOUNTED != 0 }

// follow_mount moves path to the root of whatever is mounted on it, as
// far up as mounts are stacked (Linux follow_mount).
func follow_mount(path *Path) {
	for D_mountpoint(path.Dentry) {
		m := lookup_mnt(path)
		if m == nil {
			return
		}
		Dput(path.Dentry)
		Mntput(path.Mnt)
		path.Mnt = m
		path.Dentry = Dget(m.Mnt_root)
	}
}

// attach_mnt grafts m on mountpoint d of parent (Linux attach_mnt +
// commit_tree), under namespace_sem. The tree holds m's first
// reference; m holds one on its parent and on the mountpoint.
func attach_mnt(m, parent *Mount, d *Dentry) {
	Mntget(&parent.Mnt)
	Dget(d)
	flags := mount_lock_irq()
	m.Mnt_parent = parent
	m.Mnt_mountpoint = d
	d_set_mounted(d, true)
	mm.List_add_tail(&m.Mnt_child, &parent.Mnt_mounts)
	mm.List_add_tail(&m.Mnt_list, &Init_ns.List)
	m.attached = true
	Init_ns.Mounts++
	mount_unlock_irq(flags)
}

// d_set_mounted sets or clears DCACHE_MOUNTED (Linux d_set_mounted,
// under mount_lock and d_lock): under dcache_lock, as D_drop changes
// the same word.
func d_set_mounted(d *Dentry, on bool) {
	flags := dcache_lock_irq()
	if on {
		d.D_flags |= DCACHE_MOUNTED
	} else {
		d.D_flags &^= DCACHE_MOUNTED
	}
	dcache_unlock_irq(flags)
}

// detach_mnt takes m out of the tree, under namespace_sem; the caller
// drops the tree's reference (Linux umount_mnt). The references m held
// on its mountpoint and parent go after mount_lock: their last put may
// free a mount, a dentry, a super block.
func detach_mnt(m *Mount) {
	flags := mount_lock_irq()
	d, parent := m.Mnt_mountpoint, m.Mnt_parent
	mm.List_del(&m.Mnt_child)
	mm.List_del(&m.Mnt_list)
	m.attached = false
	Init_ns.Mounts--
	m.Mnt_parent, m.Mnt_mountpoint = nil, nil
	// Another mount on the same dentry keeps it a mountpoint.
	still := false
	for l := parent.Mnt_mounts.Next; l != &parent.Mnt_mounts; l = l.Next {
		if mount_of_child(l).Mnt_mountpoint == d {
			still = true
		}
	}
	if !still {
		d_set_mounted(d, false)
	}
	mount_unlock_irq(flags)
	Dput(d)
	Mntput(&parent.Mnt)
}

// lock_mount locks the place a mount goes (Linux lock_mount →
// do_lock_mount): the mountpoint's inode, so that it is not removed
// meanwhile (Vfs_rmdir and Vfs_unlink refuse a mountpoint under it),
// then namespace_sem. If a mount landed on path before the locks, path
// moves up onto it and the locking starts again. The caller checks
// the place and mounts, then unlock_mount.
func lock_mount(path *Path) {
	for {
		follow_mount(path)
		Inode_lock(path.Dentry.D_inode)
		sched.Mutex_lock(&namespace_sem)
		m := lookup_mnt(path)
		if m == nil {
			return
		}
		sched.Mutex_unlock(&namespace_sem)
		Inode_unlock(path.Dentry.D_inode)
		Mntput(m)
	}
}

// unlock_mount undoes lock_mount (Linux unlock_mount).
func unlock_mount(path *Path) {
	sched.Mutex_unlock(&namespace_sem)
	Inode_unlock(path.Dentry.D_inode)
}

// path_mounted: path is the root of its mount.
func path_mounted(path *Path) bool { return path.Mnt.Mnt_root == path.Dentry }

// mnt_get_write_access counts a writer on mnt, or refuses one on a
// read-only mount (Linux mnt_get_write_access).
func mnt_get_write_access(mnt *Vfsmount) int {
	if err := mnt_want_write(mnt); err != 0 {
		return err
	}
	atomic.AddInt32(&real_mount(mnt).Mnt_writers, 1)
	return 0
}

// mnt_put_write_access drops one (Linux mnt_put_write_access).
func mnt_put_write_access(mnt *Vfsmount) {
	atomic.AddInt32(&real_mount(mnt).Mnt_writers, -1)
}

// sb_writers counts the writers of every mount of sb in the tree (Linux
// sb_prepare_remount_readonly walks sb->s_mounts), under namespace_sem.
func sb_writers(sb *SuperBlock) int32 {
	n := int32(0)
	for l := Init_ns.List.Next; l != &Init_ns.List; l = l.Next {
		if r := mount_of_list(l); r.Mnt.Mnt_sb == sb {
			n += atomic.LoadInt32(&r.Mnt_writers)
		}
	}
	return n
}

// Do_mount is mount(2) (Linux path_mount): MS_REMOUNT changes a mount's
// flags (do_remount, do_reconfigure_mnt), MS_BIND mounts a directory
// somewhere else too (do_loopback), anything else mounts a new instance
// of fstype on the directory dir (do_new_mount → do_add_mount).
// Recursive binds (MS_REC) and propagation are not supported: -EINVAL.
func Do_mount(dev_name, dir_name, fstype []byte, flags uint32, data []byte) int {
	if flags&uapi.MS_MGC_MSK == uapi.MS_MGC_VAL {
		flags &^= uapi.MS_MGC_MSK
	}
	if flags&uapi.MS_REMOUNT != 0 {
		return do_remount(dir_name, flags)
	}
	if flags&uapi.MS_BIND != 0 {
		return do_loopback(dev_name, dir_name, flags)
	}
	t := Get_fs_type(fstype)
	if t == nil {
		return -ENODEV
	}
	if t.Fs_flags&FS_REQUIRES_DEV != 0 {
		// gokern has no block devices to mount such a file system from.
		return -ENODEV
	}
	var path Path
	if err := Kern_path(dir_name, LOOKUP_FOLLOW, &path); err != 0 {
		return err
	}
	ret := do_mount_body(&path, t, dev_name, flags, data)
	Path_put(&path)
	return ret
}

// do_mount_body is the rest of Do_mount, run while Do_mount holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_mount_body(path *Path, t *FileSystemType, dev_name []byte, flags uint32, data []byte) int {
	if !d_is_dir(path.Dentry) {
		return -ENOTDIR
	}
	if D_unhashed(path.Dentry) {
		return -ENOENT
	}
	sbflags := flags & (SB_RDONLY | SB_NOSUID | SB_NODEV | SB_NOEXEC | uapi.MS_SILENT)
	mnt, err := Vfs_kern_mount(t, sbflags, dev_name, data)
	if err != 0 {
		return err
	}
	mnt.Mnt_flags = mnt_flags_of(flags)
	lock_mount(path)
	err = do_add_mount(real_mount(mnt), path)
	unlock_mount(path)
	if err != 0 {
		Mntput(mnt)
	}
	return err
}

// do_add_mount grafts m on path, locked by lock_mount (Linux
// do_add_mount, graft_tree): the place must still be there, and not
// already the root of a mount of the same super block (-EBUSY).
func do_add_mount(m *Mount, path *Path) int {
	if D_unhashed(path.Dentry) || IS_DEADDIR(path.Dentry.D_inode) {
		return -ENOENT
	}
	if path.Mnt.Mnt_sb == m.Mnt.Mnt_sb && path_mounted(path) {
		return -EBUSY
	}
	attach_mnt(m, real_mount(path.Mnt), path.Dentry)
	return 0
}

// do_remount changes the flags of the mount at dir (Linux do_remount):
// the mount's (nosuid, nodev, noexec, noatime, ro) as given, and with
// MS_BIND only those (do_reconfigure_mnt); without it the super block's
// read-only flag too. Going read-only while files are open for writing
// is -EBUSY (Linux sb_prepare_remount_readonly, mnt_make_readonly); dir
// not the root of a mount is -EINVAL.
func do_remount(dir_name []byte, flags uint32) int {
	var path Path
	if err := Kern_path(dir_name, LOOKUP_FOLLOW, &path); err != 0 {
		return err
	}
	sched.Mutex_lock(&namespace_sem)
	ret := do_remount_body(&path, flags)
	sched.Mutex_unlock(&namespace_sem)
	Path_put(&path)
	return ret
}

func do_remount_body(path *Path, flags uint32) int {
	m := real_mount(path.Mnt)
	if !path_mounted(path) || !m.attached {
		return -EINVAL
	}
	sb := path.Mnt.Mnt_sb
	ro := flags&uapi.MS_RDONLY != 0
	if flags&uapi.MS_BIND != 0 {
		if ro && path.Mnt.Mnt_flags&MNT_READONLY == 0 && atomic.LoadInt32(&m.Mnt_writers) > 0 {
			return -EBUSY
		}
	} else {
		if ro && sb.S_flags&SB_RDONLY == 0 && sb_writers(sb) > 0 {
			return -EBUSY
		}
		sb.S_flags = sb.S_flags&^SB_RDONLY | flags&SB_RDONLY
	}
	path.Mnt.Mnt_flags = path.Mnt.Mnt_flags&^MNT_USER_SETTABLE_MASK | mnt_flags_of(flags)
	return 0
}

// MNT_USER_SETTABLE_MASK: the mount flags mount(2) sets (Linux's).
const MNT_USER_SETTABLE_MASK = MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_NOATIME | MNT_RELATIME | MNT_READONLY

// do_loopback mounts the directory old_name on dir too (Linux
// do_loopback, clone_mnt): a new mount of the same super block whose
// root is that directory, with the source mount's flags. Mounts under old_name
// do not come along (MS_REC would bring them: -EINVAL, unsupported).
func do_loopback(old_name, dir_name []byte, flags uint32) int {
	if flags&uapi.MS_REC != 0 || len(old_name) == 0 {
		return -EINVAL
	}
	var old, path Path
	if err := Kern_path(old_name, LOOKUP_FOLLOW, &old); err != 0 {
		return err
	}
	if err := Kern_path(dir_name, LOOKUP_FOLLOW, &path); err != 0 {
		Path_put(&old)
		return err
	}
	ret := do_loopback_body(&old, &path)
	Path_put(&path)
	Path_put(&old)
	return ret
}

func do_loopback_body(old, path *Path) int {
	if !d_is_dir(path.Dentry) || !d_is_dir(old.Dentry) {
		return -ENOTDIR
	}
	if D_unhashed(path.Dentry) || D_unhashed(old.Dentry) {
		return -ENOENT
	}
	src := real_mount(old.Mnt)
	m := alloc_vfsmnt(Dget(old.Dentry), src.Mnt_devname)
	if m == nil {
		Dput(old.Dentry)
		return -ENOMEM
	}
	atomic.AddInt32(&old.Mnt.Mnt_sb.S_active, 1)
	// The source's flags: those given with MS_BIND are not applied
	// (Linux clone_mnt; a remount with MS_BIND changes them after).
	m.Mnt.Mnt_flags = old.Mnt.Mnt_flags &^ MNT_INTERNAL
	lock_mount(path)
	err := -ENOENT
	if !D_unhashed(path.Dentry) && !IS_DEADDIR(path.Dentry.D_inode) {
		attach_mnt(m, real_mount(path.Mnt), path.Dentry)
		err = 0
	}
	unlock_mount(path)
	if err != 0 {
		Mntput(&m.Mnt)
	}
	return err
}

// mnt_flags_of turns MS_* into MNT_* (Linux path_mount).
func mnt_flags_of(flags uint32) uint32 {
	f := uint32(MNT_RELATIME)
	if flags&uapi.MS_NOSUID != 0 {
		f |= MNT_NOSUID
	}
	if flags&uapi.MS_NODEV != 0 {
		f |= MNT_NODEV
	}
	if flags&uapi.MS_NOEXEC != 0 {
		f |= MNT_NOEXEC
	}
	if flags&uapi.MS_NOATIME != 0 {
		f = f&^MNT_RELATIME | MNT_NOATIME
	}
	if flags&uapi.MS_RDONLY != 0 {
		f |= MNT_READONLY
	}
	return f
}

// Ksys_umount is umount2(2) (Linux ksys_umount → path_umount).
func Ksys_umount(name []byte, flags int) int {
	if flags&^(uapi.MNT_FORCE|uapi.MNT_DETACH|uapi.MNT_EXPIRE|uapi.UMOUNT_NOFOLLOW) != 0 {
		return -EINVAL
	}
	lookup := uint32(LOOKUP_FOLLOW)
	if flags&uapi.UMOUNT_NOFOLLOW != 0 {
		lookup = 0
	}
	var path Path
	if err := Kern_path(name, lookup, &path); err != 0 {
		return err
	}
	return Path_umount(&path, flags)
}

// Path_umount unmounts the mount whose root path is, and drops path
// (Linux path_umount → do_umount). Without MNT_DETACH a mount that has
// mounts on it or is in use (open files, working directories, anything
// holding a reference beyond the tree's and the caller's) is busy:
// -EBUSY. With MNT_DETACH it and everything under it leave the tree at
// once and go when their last user does.
func Path_umount(path *Path, flags int) int {
	// The whole of it under namespace_sem (Linux do_umount:
	// namespace_lock, lock_mount_hash): before, two CPUs unmounting and
	// mounting at once tore the root mount's list of children and the
	// namespace's list (selftest fs_mount_smp).
	sched.Mutex_lock(&namespace_sem)
	ret := path_umount_body(path, flags)
	sched.Mutex_unlock(&namespace_sem)
	Path_put(path)
	return ret
}

// path_umount_body is the rest of Path_umount, run while Path_umount holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func path_umount_body(path *Path, flags int) int {
	m := real_mount(path.Mnt)
	if !path_mounted(path) || !m.attached {
		return -EINVAL
	}
	if m == Init_ns.Root {
		return -EBUSY
	}
	if flags&uapi.MNT_EXPIRE != 0 {
		return -EINVAL
	}
	if flags&uapi.MNT_DETACH == 0 {
		// The tree's reference and the caller's path.
		if !mm.List_empty(&m.Mnt_mounts) || atomic.LoadInt32(&m.Mnt_count) > 2 {
			return -EBUSY
		}
		detach_mnt(m)
		Mntput(&m.Mnt)
		return 0
	}
	umount_tree(m)
	return 0
}

// umount_tree detaches m and every mount under it, deepest first, each
// losing the tree's reference (Linux umount_tree, for MNT_DETACH), under
// namespace_sem: no mount joins or leaves the tree meanwhile.
func umount_tree(m *Mount) {
	for {
		// The deepest mount under m.
		c := m
		for !mm.List_empty(&c.Mnt_mounts) {
			c = mount_of_child(c.Mnt_mounts.Next)
		}
		detach_mnt(c)
		Mntput(&c.Mnt)
		if c == m {
			return
		}
	}
}

// Init_mount_tree mounts rootfs as "/" and makes it the boot task's root
// and working directory (Linux init_mount_tree).
func Init_mount_tree(rootfs *FileSystemType) int {
	mm.INIT_LIST_HEAD(&Init_ns.List)
	mnt, err := Vfs_kern_mount(rootfs, 0, []byte("rootfs"), nil)
	if err != 0 {
		return err
	}
	m := real_mount(mnt)
	m.attached = true
	mm.List_add_tail(&m.Mnt_list, &Init_ns.List)
	Init_ns.Root = m
	Init_ns.Mounts = 1
	root := Path{Mnt: mnt, Dentry: mnt.Mnt_root}
	Set_fs_pwd(&Init_fs, &root)
	Set_fs_root(&Init_fs, &root)
	return 0
}

// Show_mounts writes /proc/mounts: one line per mount, in mount order,
// as Linux's show_vfsmnt: device, mount point, type, options, "0 0".
func Show_mounts(m *Seq_file) {
	if Init_ns.List.Next == nil {
		return
	}
	var root Path
	Get_fs_root(current_fs(), &root)
	sched.Mutex_lock(&namespace_sem)
	show_mounts_locked(m, &root)
	sched.Mutex_unlock(&namespace_sem)
	Path_put(&root)
}

// show_mounts_locked is Show_mounts under namespace_sem (Linux m_start
// takes it for the whole read), names relative to root.
func show_mounts_locked(m *Seq_file, root *Path) {
	var buf [256]byte
	for l := Init_ns.List.Next; l != &Init_ns.List; l = l.Next {
		r := mount_of_list(l)
		dev := "none"
		if len(r.Mnt_devname) > 0 {
			dev = unsafe.String(&r.Mnt_devname[0], len(r.Mnt_devname))
		}
		p := Path{Mnt: &r.Mnt, Dentry: r.Mnt.Mnt_root}
		name, err := d_path_in(&p, root, buf[:])
		if err != 0 {
			continue
		}
		Seq_printf(m, "%s %s %s ", printk.Str(dev), printk.Bytes(name), printk.Str(r.Mnt.Mnt_sb.S_type.Name))
		show_mnt_opts(m, r)
		Seq_puts(m, " 0 0\n")
	}
}

// show_mnt_opts writes a mount's options (Linux show_mnt_opts and
// show_sb_opts, then the file system's own).
func show_mnt_opts(m *Seq_file, r *Mount) {
	sb := r.Mnt.Mnt_sb
	if sb.S_flags&SB_RDONLY != 0 || r.Mnt.Mnt_flags&MNT_READONLY != 0 {
		Seq_puts(m, "ro")
	} else {
		Seq_puts(m, "rw")
	}
	f := r.Mnt.Mnt_flags
	for _, o := range [...]struct {
		bit  uint32
		name string
	}{{MNT_NOSUID, ",nosuid"}, {MNT_NODEV, ",nodev"}, {MNT_NOEXEC, ",noexec"}, {MNT_NOATIME, ",noatime"}, {MNT_RELATIME, ",relatime"}} {
		if f&o.bit != 0 {
			Seq_puts(m, o.name)
		}
	}
	if sb.S_op != nil && sb.S_op.Show_options != nil {
		sb.S_op.Show_options(compiler.Noescape(m), sb.S_root)
	}
}
