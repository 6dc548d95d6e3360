package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/mm"
)

// The dentry cache. Linux: fs/dcache.c (d_alloc, d_add, d_instantiate,
// dget, dput, d_lookup, d_delete, d_drop, d_make_root), include/linux/
// dcache.h. Seeds/003 "dentry". Linux finds a child through a global hash
// table; gokern walks the parent's list of children, which is enough for
// directories of a few hundred names (busybox's /bin) and keeps one
// structure to read. A dentry lives while it has references: the
// directory a child is in is referenced by the child, an open file
// references its dentry, and ramfs references each of its files' dentries
// once more so that they live without users (DCACHE_PERSISTENT). An
// unused dentry is freed at once (no LRU, no shrinker).

var dentry_cache = objCache[Dentry]{Name: "dentry"}

// dcache_lock guards every directory's list of children (D_subdirs,
// D_child) and a dentry's last reference (Linux 2.6's dcache_lock; Linux
// now has d_lock per dentry, RCU walks and a rename seqlock): D_lookup
// walks a list and takes its reference under it, and Dput drops a last
// reference and unlinks the dentry under it, so no lookup finds a dentry
// on its way to be freed. Without it, on two CPUs a walk of /proc stood on
// a /proc/<pid> dentry as another CPU's Dput unlinked and zeroed it, and
// added, moved and removed children lost each other's list updates.
var dcache_lock asm.Arch_spinlock_t

// dcache_lock_irq and dcache_unlock_irq: dcache_lock with interrupts off,
// so that its holder is never preempted while others spin (the host
// tests have no interrupts to turn off), as ep_lock.
func dcache_lock_irq() uint64 {
	var flags uint64
	if sched.Hooks.Irq_save != nil {
		flags = sched.Hooks.Irq_save()
	}
	dcache_lock.Arch_spin_lock()
	return flags
}

func dcache_unlock_irq(flags uint64) {
	dcache_lock.Arch_spin_unlock()
	if sched.Hooks.Irq_restore != nil {
		sched.Hooks.Irq_restore(flags)
	}
}

// Nr_dentry counts live dentries (Linux nr_dentry, /proc/sys/fs/dentry-state).
func Nr_dentry() uint64 { return dentry_cache.Active }

// full_name_hash hashes a name (Linux fs/namei.c full_name_hash; this is
// FNV-1a, not Linux's word-at-a-time hash: any hash serves a list walk).
func full_name_hash(name []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range name {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// dentry_of is container_of(l, struct dentry, d_child).
func dentry_of(l *mm.ListHead) *Dentry {
	return (*Dentry)(unsafe.Add(unsafe.Pointer(l), -int(unsafe.Offsetof(Dentry{}.D_child))))
}

// X__d_alloc makes an unattached dentry named name on sb, referenced once
// (Linux __d_alloc): the name goes into D_iname when it fits, otherwise
// into a kmalloc'd copy.
func X__d_alloc(sb *SuperBlock, name []byte) *Dentry {
	d := dentry_cache.Zalloc(mm.GFP_KERNEL)
	if d == nil {
		return nil
	}
	var buf []byte
	if len(name) < DNAME_INLINE_LEN {
		buf = d.D_iname[:len(name)]
	} else if buf = kmalloc(len(name), mm.GFP_KERNEL); buf == nil {
		dentry_cache.Free(d)
		return nil
	}
	copy(buf, name)
	d.D_name = Qstr{Hash: full_name_hash(name), Len: uint32(len(name)), Name: unsafe.SliceData(buf)}
	if len(name) == 0 {
		d.D_name.Name = &d.D_iname[0]
	}
	d.D_count = 1
	d.D_parent = d
	d.D_sb = sb
	d.D_op = sb.S_d_op
	mm.INIT_LIST_HEAD(&d.D_child)
	mm.INIT_LIST_HEAD(&d.D_subdirs)
	return d
}

// external_name reports whether d's name is kmalloc'd.
func external_name(d *Dentry) bool { return d.D_name.Len >= DNAME_INLINE_LEN }

// D_alloc makes a child of parent named name, hashed and negative, and
// takes a reference on parent for it (Linux d_alloc + d_add of a lookup).
func D_alloc(parent *Dentry, name []byte) *Dentry {
	return d_alloc_child(parent, name, DCACHE_HASHED)
}

// d_alloc_in_lookup makes the child for a lookup in progress: in
// parent's list but unhashed, so that no D_lookup finds it before the
// file system's lookup has said what it is (Linux d_alloc_parallel's
// in-lookup dentry, which other lookups wait for; gokern's wait is the
// parent's inode lock, which lookup_slow holds across the file system's
// lookup). D_rehash makes it visible.
func d_alloc_in_lookup(parent *Dentry, name []byte) *Dentry {
	return d_alloc_child(parent, name, 0)
}

func d_alloc_child(parent *Dentry, name []byte, hashed uint32) *Dentry {
	d := X__d_alloc(parent.D_sb, name)
	if d == nil {
		return nil
	}
	d.D_parent = Dget(parent)
	d.D_flags |= hashed
	flags := dcache_lock_irq()
	mm.List_add_tail(&d.D_child, &parent.D_subdirs)
	dcache_unlock_irq(flags)
	return d
}

// D_rehash lets lookups find d again (Linux d_rehash; d_lookup_done
// for an in-lookup dentry).
func D_rehash(d *Dentry) {
	flags := dcache_lock_irq()
	d.D_flags |= DCACHE_HASHED
	dcache_unlock_irq(flags)
}

// D_make_root makes the root dentry of a super block for inode (Linux
// d_make_root): its own parent, named "/". The inode's reference passes
// to it; on failure the inode is put.
func D_make_root(inode *Inode) *Dentry {
	d := X__d_alloc(inode.I_sb, []byte("/"))
	if d == nil {
		Iput(inode)
		return nil
	}
	d.D_flags |= DCACHE_HASHED
	d.D_inode = inode
	return d
}

// D_instantiate gives a negative dentry its inode (Linux d_instantiate).
// The inode's reference passes to the dentry.
func D_instantiate(d *Dentry, inode *Inode) { d.D_inode = inode }

// D_add is D_instantiate for a lookup's result (Linux d_add), which may
// be nil: the name does not exist.
func D_add(d *Dentry, inode *Inode) { D_instantiate(d, inode) }

// Dget takes a reference (Linux dget). The count is atomic (Linux's
// lockref): path walks on several CPUs take and drop references on the
// same dentries (the root, /proc) at once, and plain increments and
// decrements lost some, as Mntget's did.
func Dget(d *Dentry) *Dentry {
	if d != nil {
		atomic.AddInt32(&d.D_count, 1)
	}
	return d
}

// Dput drops a reference (Linux dput). A dentry nobody uses is freed,
// with its inode reference, and the reference it held on its parent is
// dropped in turn. The last reference goes under dcache_lock, with the
// dentry's unlinking (Linux: dput's fast path is a lockref decrement, the
// last one takes d_lock).
func Dput(d *Dentry) {
	for d != nil {
		c := atomic.LoadInt32(&d.D_count)
		if c <= 0 {
			dcache_bug(d, "dput of an unreferenced dentry")
			return
		}
		if c > 1 {
			if atomic.CompareAndSwapInt32(&d.D_count, c, c-1) {
				return
			}
			continue
		}
		flags := dcache_lock_irq()
		if !atomic.CompareAndSwapInt32(&d.D_count, 1, 0) {
			dcache_unlock_irq(flags)
			continue // a lookup took one meanwhile
		}
		parent, ok := dentry_unlink(d)
		dcache_unlock_irq(flags)
		if !ok {
			dcache_bug(d, "freeing a dentry that has children")
			return
		}
		d = dentry_kill(d, parent)
	}
}

// dentry_unlink takes d, whose last reference is gone, off its parent's
// list and returns the parent (nil for a root); false, and d left alone,
// if it still has children. dcache_lock is held.
func dentry_unlink(d *Dentry) (*Dentry, bool) {
	if !mm.List_empty(&d.D_subdirs) {
		return nil, false
	}
	if d.D_parent == d {
		return nil, true
	}
	mm.List_del(&d.D_child)
	return d.D_parent, true
}

// dentry_kill frees d, already unlinked, and returns its parent, whose
// reference the caller drops (nil for a root).
func dentry_kill(d, parent *Dentry) *Dentry {
	if d.D_inode != nil {
		inode := d.D_inode
		d.D_inode = nil
		Iput(inode)
	}
	if external_name(d) {
		kfree(d.D_name.Bytes())
	}
	*d = Dentry{}
	dentry_cache.Free(d)
	return parent
}

// D_drop unhashes d: lookups stop finding it (Linux d_drop). It stays in
// the tree until its last reference goes.
func D_drop(d *Dentry) {
	flags := dcache_lock_irq()
	d.D_flags &^= DCACHE_HASHED
	dcache_unlock_irq(flags)
}

// D_unhashed is Linux's d_unhashed.
func D_unhashed(d *Dentry) bool { return d.D_flags&DCACHE_HASHED == 0 }

// D_delete ends a name after unlink or rmdir (Linux d_delete): the
// dentry leaves the directory, and its inode goes with the last user.
func D_delete(d *Dentry) { D_drop(d) }

// name_eq compares a dentry's name with name.
func name_eq(d *Dentry, hash uint32, name []byte) bool {
	return d.D_name.Hash == hash && int(d.D_name.Len) == len(name) && string(d.D_name.Bytes()) == string(name)
}

// D_lookup finds the hashed child of parent named name and takes a
// reference on it, or returns nil (Linux d_lookup). The child may be
// negative.
func D_lookup(parent *Dentry, name []byte) *Dentry {
	hash := full_name_hash(name)
	flags := dcache_lock_irq()
	var found *Dentry
	for l := parent.D_subdirs.Next; l != &parent.D_subdirs; l = l.Next {
		if d := dentry_of(l); !D_unhashed(d) && name_eq(d, hash, name) {
			found = Dget(d)
			break
		}
	}
	dcache_unlock_irq(flags)
	return found
}

// simple_positive: a child that exists (Linux simple_positive).
func simple_positive(d *Dentry) bool { return d.D_inode != nil && !D_unhashed(d) }

// d_name_alloc makes room for a name that does not fit in a dentry
// (nil for one that does), so that a rename can fail before it changes
// anything.
func d_name_alloc(name []byte) ([]byte, int) {
	if len(name) < DNAME_INLINE_LEN {
		return nil, 0
	}
	buf := kmalloc(len(name), mm.GFP_KERNEL)
	if buf == nil {
		return nil, -ENOMEM
	}
	return buf, 0
}

// d_move_to gives d the name newname, in buf from d_name_alloc, and the
// parent newparent (Linux d_move, used by rename).
func d_move_to(d, newparent *Dentry, newname, buf []byte) {
	var old *Dentry
	var oldname []byte
	flags := dcache_lock_irq()
	if external_name(d) {
		oldname = d.D_name.Bytes() // freed after the lock: nothing under it may wait for another CPU
	}
	if buf == nil {
		buf = d.D_iname[:len(newname)]
	}
	copy(buf, newname)
	d.D_name = Qstr{Hash: full_name_hash(newname), Len: uint32(len(newname)), Name: unsafe.SliceData(buf)}
	if len(newname) == 0 {
		d.D_name.Name = &d.D_iname[0]
	}
	if d.D_parent != newparent {
		old = d.D_parent
		d.D_parent = Dget(newparent)
		mm.List_del(&d.D_child)
		mm.List_add_tail(&d.D_child, &newparent.D_subdirs)
	}
	dcache_unlock_irq(flags)
	kfree(oldname)
	Dput(old)
}

// D_move renames d: 0, or -ENOMEM with d unchanged.
func D_move(d, newparent *Dentry, newname []byte) int {
	buf, err := d_name_alloc(newname)
	if err != 0 {
		return err
	}
	d_move_to(d, newparent, newname, buf)
	return 0
}

// dentryAt and uintptrOf convert a dentry kept in a word
// (file.Private_data) and back.
func dentryAt(p uintptr) *Dentry  { return (*Dentry)(unsafe.Add(nil, p)) }
func uintptrOf(d *Dentry) uintptr { return uintptr(unsafe.Pointer(d)) }

// dcache_bug reports a broken reference count and leaves the dentry
// alone (a leak, never a use after free).
func dcache_bug(d *Dentry, what string) {
	vfs_bug(d, what)
}

// Vfs_caches_init sets up the VFS and mounts rootfs as "/" (Linux
// vfs_caches_init → dcache_init, inode_init, files_init, mnt_init →
// init_rootfs, init_mount_tree; pipefs from its fs_initcall). Package
// initialisers never run in the kernel, so the lists are made here.
func Vfs_caches_init(rootfs *FileSystemType) int {
	if !vfs_create_caches() {
		return -ENOMEM
	}
	mm.INIT_LIST_HEAD(&super_blocks)
	if err := Init_pipe_fs(); err != 0 {
		return err
	}
	if err := Anon_inode_init(); err != 0 {
		return err
	}
	if err := Register_filesystem(rootfs); err != 0 {
		return err
	}
	return Init_mount_tree(rootfs)
}
