package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/mm"
	"gokern/printk"
)

// Super blocks and file-system types. Linux: fs/super.c (alloc_super,
// sget, mount_nodev, deactivate_super, generic_shutdown_super,
// kill_anon_super, kill_litter_super, get_anon_bdev), fs/filesystems.c
// (register_filesystem, get_fs_type, /proc/filesystems), fs/dcache.c
// (d_genocide).

var sb_cachep = objCache[SuperBlock]{Name: "super_block"}

// super_blocks lists every super block (Linux super_blocks); zero until
// Vfs_caches_init.
var super_blocks mm.ListHead

// sb_lock guards super_blocks (Linux sb_lock): file systems are mounted
// and unmounted on any CPU.
var sb_lock asm.Arch_spinlock_t

// file_systems is the list register_filesystem builds (Linux
// file_systems).
var file_systems *FileSystemType

// Register_filesystem adds fs to the list (Linux register_filesystem):
// 0, or -EBUSY for a name already there.
func Register_filesystem(fs *FileSystemType) int {
	for p := file_systems; p != nil; p = p.Next {
		if p == fs || p.Name == fs.Name {
			return -EBUSY
		}
	}
	fs.Next = nil
	pp := &file_systems
	for *pp != nil {
		pp = &(*pp).Next
	}
	*pp = fs
	return 0
}

// Get_fs_type finds a file-system type by name (Linux get_fs_type), or
// nil.
func Get_fs_type(name []byte) *FileSystemType {
	for p := file_systems; p != nil; p = p.Next {
		if p.Name == string(name) {
			return p
		}
	}
	return nil
}

// Filesystems_show writes /proc/filesystems (Linux filesystems_proc_show).
func Filesystems_show(m *Seq_file) {
	for p := file_systems; p != nil; p = p.Next {
		nodev := "nodev"
		if p.Fs_flags&FS_REQUIRES_DEV != 0 {
			nodev = ""
		}
		Seq_printf(m, "%s\t%s\n", printk.Str(nodev), printk.Str(p.Name))
	}
}

// anon_dev counts anonymous device numbers (Linux get_anon_bdev's ida):
// minor numbers of major 0, from 1 (Linux hands out from 0, but 0:0 looks
// like "no device" to user space tools; Linux's rootfs is 0:1 too).
var anon_dev uint32

// Alloc_super makes a super block of type t with one active reference
// and an anonymous device number (Linux alloc_super + set_anon_super).
func Alloc_super(t *FileSystemType, flags uint32) *SuperBlock {
	sb := sb_cachep.Zalloc(mm.GFP_KERNEL)
	if sb == nil {
		return nil
	}
	sb.S_dev = uapi.MKDEV(0, atomic.AddUint32(&anon_dev, 1)) // two CPUs, two numbers
	sb.S_type = t
	sb.S_flags = flags
	sb.S_blocksize = 4096
	sb.S_active = 1
	mm.INIT_LIST_HEAD(&sb.S_inodes)
	irqf := vfs_lock_irq(&sb_lock)
	mm.List_add_tail(&sb.S_list, &super_blocks)
	vfs_unlock_irq(&sb_lock, irqf)
	return sb
}

// Mount_nodev makes a new super block and fills it (Linux mount_nodev):
// the root, referenced, or an errno.
func Mount_nodev(t *FileSystemType, flags uint32, data []byte, fill_super func(sb *SuperBlock, data []byte, silent bool) int) (*Dentry, int) {
	sb := Alloc_super(t, flags)
	if sb == nil {
		return nil, -ENOMEM
	}
	if err := fill_super(sb, compiler.NoescapeBytes(data), flags&uapi.MS_SILENT != 0); err != 0 {
		Deactivate_super(sb)
		return nil, err
	}
	return Dget(sb.S_root), 0
}

// Deactivate_super drops an active reference; the last one shuts the
// file system down (Linux deactivate_super → the type's kill_sb).
func Deactivate_super(sb *SuperBlock) {
	// Atomic: a lazily unmounted tree's last user may drop it on any
	// CPU while a bind mount of the same super block is made.
	if atomic.AddInt32(&sb.S_active, -1) > 0 {
		return
	}
	if sb.S_type != nil && sb.S_type.Kill_sb != nil {
		sb.S_type.Kill_sb(sb)
		return
	}
	Kill_anon_super(sb)
}

// Kill_anon_super shuts down a super block without a device (Linux
// kill_anon_super → generic_shutdown_super): its root goes, every inode
// must be gone with it, and the super block is freed.
func Kill_anon_super(sb *SuperBlock) {
	if sb.S_root != nil {
		root := sb.S_root
		sb.S_root = nil
		Dput(root)
	}
	if !mm.List_empty(&sb.S_inodes) {
		n := 0
		for l := sb.S_inodes.Next; l != &sb.S_inodes; l = l.Next {
			n++
		}
		Vfs_bugs++
		name := "?"
		if sb.S_type != nil {
			name = sb.S_type.Name
		}
		printk.Pr_err("VFS: Busy inodes after unmount of %s (%d): leaked\n", printk.Str(name), printk.Int(n))
		return
	}
	flags := vfs_lock_irq(&sb_lock)
	mm.List_del(&sb.S_list)
	vfs_unlock_irq(&sb_lock, flags)
	*sb = SuperBlock{}
	sb_cachep.Free(sb)
}

// Kill_litter_super is for file systems whose files are their dentries
// (ramfs, tmpfs): the references that keep them alive are dropped first
// (Linux kill_litter_super → d_genocide).
func Kill_litter_super(sb *SuperBlock) {
	if sb.S_root != nil {
		d_genocide(sb.S_root)
	}
	Kill_anon_super(sb)
}

// d_genocide drops the DCACHE_PERSISTENT reference of every dentry
// below root, deepest first, so that they are freed (Linux d_genocide).
// It walks without recursion: a tree may be as deep as paths are long.
func d_genocide(root *Dentry) {
	this := root
	for {
		descended := false
		for l := this.D_subdirs.Next; l != &this.D_subdirs; l = l.Next {
			c := dentry_of(l)
			if c.D_flags&DCACHE_PERSISTENT != 0 && !mm.List_empty(&c.D_subdirs) {
				this, descended = c, true
				break
			}
		}
		if descended {
			continue
		}
		for l := this.D_subdirs.Next; l != &this.D_subdirs; {
			c, next := dentry_of(l), l.Next
			if c.D_flags&DCACHE_PERSISTENT != 0 {
				c.D_flags &^= DCACHE_PERSISTENT
				Dput(c)
			}
			l = next
		}
		if this == root {
			return
		}
		parent := this.D_parent
		if this.D_flags&DCACHE_PERSISTENT != 0 {
			this.D_flags &^= DCACHE_PERSISTENT
			Dput(this)
		}
		this = parent
	}
}
