package fs

import (
	"gokern/include/uapi"
	"gokern/mm"
)

// The library for file systems whose files are their dentries. Linux:
// fs/libfs.c (simple_lookup, simple_link, simple_unlink, simple_rmdir,
// simple_rename, simple_empty, dcache_dir_open, dcache_readdir,
// dcache_dir_lseek, dcache_dir_close, generic_read_dir, simple_setattr,
// simple_statfs, always_delete_dentry).

// Always_delete_dentry frees unused dentries at once (Linux
// always_delete_dentry).
func Always_delete_dentry(d *Dentry) bool { return true }

// Simple_dentry_operations (Linux simple_dentry_operations).
var Simple_dentry_operations = DentryOperations{D_delete: Always_delete_dentry}

// Simple_lookup: a name the dcache does not have does not exist (Linux
// simple_lookup).
func Simple_lookup(dir *Inode, d *Dentry, flags uint32) int {
	if d.D_name.Len > uapi.NAME_MAX {
		return -ENAMETOOLONG
	}
	D_add(d, nil)
	return 0
}

// d_make_persistent pins a new name of a dcache-only file system (Linux
// ramfs's dget after d_instantiate).
func D_make_persistent(d *Dentry, inode *Inode) {
	D_instantiate(d, inode)
	d.D_flags |= DCACHE_PERSISTENT
	Dget(d)
}

// d_make_discardable drops that pin (Linux d_make_discardable).
func d_make_discardable(d *Dentry) {
	if d.D_flags&DCACHE_PERSISTENT != 0 {
		d.D_flags &^= DCACHE_PERSISTENT
		Dput(d)
	}
}

// Simple_link adds a hard link (Linux simple_link).
func Simple_link(old *Dentry, dir *Inode, d *Dentry) int {
	inode := old.D_inode
	inode.I_ctime = Current_time(inode)
	touch_mc(dir)
	Inc_nlink(inode)
	Ihold(inode)
	D_make_persistent(d, inode)
	return 0
}

// Simple_empty: a directory with no positive children (Linux
// simple_empty).
func Simple_empty(d *Dentry) bool {
	flags := dcache_lock_irq()
	empty := true
	for l := d.D_subdirs.Next; l != &d.D_subdirs && empty; l = l.Next {
		empty = !simple_positive(dentry_of(l))
	}
	dcache_unlock_irq(flags)
	return empty
}

// Simple_unlink removes a name (Linux simple_unlink).
func Simple_unlink(dir *Inode, d *Dentry) int {
	inode := d.D_inode
	touch_mc(dir)
	inode.I_ctime = dir.I_ctime
	Drop_nlink(inode)
	d_make_discardable(d)
	return 0
}

// Simple_rmdir removes an empty directory (Linux simple_rmdir).
func Simple_rmdir(dir *Inode, d *Dentry) int {
	if !Simple_empty(d) {
		return -ENOTEMPTY
	}
	Drop_nlink(d.D_inode) // its "."
	Simple_unlink(dir, d)
	Drop_nlink(dir) // its ".."
	return 0
}

// Simple_rename moves a name, replacing or exchanging (Linux
// simple_rename, simple_rename_exchange). The checks are Vfs_rename's.
func Simple_rename(old_dir *Inode, old *Dentry, new_dir *Inode, new *Dentry, flags uint32) int {
	if flags&uapi.RENAME_EXCHANGE != 0 {
		return simple_rename_exchange(old_dir, old, new_dir, new)
	}
	isdir := d_is_dir(old)
	if new.D_inode != nil {
		if isdir && !Simple_empty(new) {
			return -ENOTEMPTY
		}
	}
	// Make room for the new name first: the one step that can fail (a
	// long name needs memory), before anything is changed.
	var namebuf [uapi.NAME_MAX]byte
	name := namebuf[:copy(namebuf[:], new.D_name.Bytes())]
	buf, err := d_name_alloc(name)
	if err != 0 {
		return err
	}
	newparent := new.D_parent
	if new.D_inode != nil {
		victim := new.D_inode
		if isdir {
			Drop_nlink(victim)
			Drop_nlink(new_dir)
			victim.I_flags |= S_DEAD
		}
		Simple_unlink(new_dir, new)
		D_delete(new)
	}
	d_move_to(old, newparent, name, buf)
	if isdir && old_dir != new_dir {
		Drop_nlink(old_dir)
		Inc_nlink(new_dir)
	}
	touch_mc(old_dir)
	touch_mc(new_dir)
	old.D_inode.I_ctime = old_dir.I_ctime
	return 0
}

// simple_rename_exchange swaps two names (Linux simple_rename_exchange).
func simple_rename_exchange(old_dir *Inode, old *Dentry, new_dir *Inode, new *Dentry) int {
	var a, b [uapi.NAME_MAX]byte
	an := a[:copy(a[:], old.D_name.Bytes())]
	bn := b[:copy(b[:], new.D_name.Bytes())]
	abuf, err := d_name_alloc(an)
	if err != 0 {
		return err
	}
	bbuf, err := d_name_alloc(bn)
	if err != 0 {
		kfree(abuf)
		return err
	}
	op, np := Dget(old.D_parent), Dget(new.D_parent)
	d_move_to(old, np, bn, bbuf)
	d_move_to(new, op, an, abuf)
	Dput(op)
	Dput(np)
	if old_dir != new_dir && d_is_dir(old) != d_is_dir(new) {
		if d_is_dir(old) {
			Drop_nlink(old_dir)
			Inc_nlink(new_dir)
		} else {
			Drop_nlink(new_dir)
			Inc_nlink(old_dir)
		}
	}
	touch_mc(old_dir)
	touch_mc(new_dir)
	return 0
}

// Simple_setattr applies attribute changes to an in-memory inode (Linux
// simple_setattr): a size change truncates or extends the page cache.
func Simple_setattr(d *Dentry, attr *Iattr) int {
	inode := d.D_inode
	v := attr.Ia_valid
	if v&ATTR_SIZE != 0 {
		if attr.Ia_size < 0 {
			return -EINVAL
		}
		// Linux truncate_setsize: the size first, then the pages.
		old := I_size_read(inode)
		I_size_write(inode, attr.Ia_size)
		if attr.Ia_size < old {
			Truncate_pagecache(inode, attr.Ia_size)
		}
	}
	if v&ATTR_MODE != 0 {
		inode.I_mode = inode.I_mode&uapi.S_IFMT | attr.Ia_mode&uapi.S_IALLUGO
	}
	if v&ATTR_UID != 0 {
		inode.I_uid = attr.Ia_uid
	}
	if v&ATTR_GID != 0 {
		inode.I_gid = attr.Ia_gid
	}
	now := Current_time(inode)
	if v&ATTR_ATIME != 0 {
		if v&ATTR_ATIME_SET != 0 {
			inode.I_atime = attr.Ia_atime
		} else {
			inode.I_atime = now
		}
	}
	if v&ATTR_MTIME != 0 {
		if v&ATTR_MTIME_SET != 0 {
			inode.I_mtime = attr.Ia_mtime
		} else {
			inode.I_mtime = now
		}
	}
	inode.I_ctime = now
	return 0
}

// Simple_statfs: no limits but memory (Linux simple_statfs).
func Simple_statfs(d *Dentry, buf *Kstatfs) int {
	buf.F_type = d.D_sb.S_magic
	buf.F_bsize = 4096
	buf.F_namelen = uapi.NAME_MAX
	return 0
}

// Generic_read_dir: read(2) on a directory (Linux generic_read_dir).
func Generic_read_dir(f *File, to *Iov_iter, pos *int64) int64 { return -EISDIR }

// Dcache_dir_open gives an open directory its cursor: an unhashed child
// that marks where the listing is, so that names removed or added
// between getdents calls never make it skip or repeat the others (Linux
// dcache_dir_open, d_alloc_cursor).
func Dcache_dir_open(inode *Inode, f *File) int {
	parent := f.F_path.Dentry
	c := X__d_alloc(parent.D_sb, nil)
	if c == nil {
		return -ENOMEM
	}
	c.D_parent = Dget(parent)
	flags := dcache_lock_irq()
	mm.List_add(&c.D_child, &parent.D_subdirs)
	dcache_unlock_irq(flags)
	f.Private_data = uintptrOf(c)
	return 0
}

// Dcache_dir_close drops the cursor (Linux dcache_dir_close).
func Dcache_dir_close(inode *Inode, f *File) int {
	if c := dentryAt(f.Private_data); c != nil {
		f.Private_data = 0
		Dput(c)
	}
	return 0
}

// scan_positives returns the count-th positive child after from in d's
// list (Linux scan_positives); nil when there are not that many.
// dcache_lock is held, as for move_cursor.
func scan_positives(d *Dentry, from *mm.ListHead, count int64) *mm.ListHead {
	for l := from.Next; l != &d.D_subdirs; l = l.Next {
		if simple_positive(dentry_of(l)) {
			count--
			if count <= 0 {
				return l
			}
		}
	}
	return nil
}

// move_cursor puts the cursor right after l (or at the start).
func move_cursor(d, cursor *Dentry, after *mm.ListHead) {
	mm.List_del(&cursor.D_child)
	mm.List_add(&cursor.D_child, after)
}

// Dcache_dir_lseek places the cursor (Linux dcache_dir_lseek): SEEK_SET
// and SEEK_CUR only; position n is after n-2 entries (0 and 1 are the
// dots).
func Dcache_dir_lseek(f *File, offset int64, whence int) int64 {
	switch whence {
	case uapi.SEEK_CUR:
		offset += f.F_pos
		fallthrough
	case uapi.SEEK_SET:
		if offset >= 0 {
			break
		}
		fallthrough
	default:
		return -EINVAL
	}
	if offset != f.F_pos {
		f.F_pos = offset
		d, cursor := f.F_path.Dentry, dentryAt(f.Private_data)
		flags := dcache_lock_irq()
		after := &d.D_subdirs
		if offset > 2 {
			if l := scan_positives(d, &d.D_subdirs, offset-2); l != nil {
				after = l
			} else {
				after = d.D_subdirs.Prev
			}
		}
		move_cursor(d, cursor, after)
		dcache_unlock_irq(flags)
	}
	return offset
}

// Dcache_readdir lists the dots, then the positive children after the
// cursor, moving it past each one given (Linux dcache_readdir).
func Dcache_readdir(f *File, ctx *Dir_context) int {
	d, cursor := f.F_path.Dentry, dentryAt(f.Private_data)
	if !Dir_emit_dots(f, ctx) {
		return 0
	}
	// Each child is referenced while it is given out, the list unlocked:
	// Dir_emit copies to the caller, and a child cannot be freed under it.
	flags := dcache_lock_irq()
	for l := scan_positives(d, &cursor.D_child, 1); l != nil; l = scan_positives(d, &cursor.D_child, 1) {
		c := Dget(dentry_of(l))
		dcache_unlock_irq(flags)
		more := Dir_emit(ctx, c.D_name.Bytes(), c.D_inode.I_ino, Dt_type(c.D_inode.I_mode))
		flags = dcache_lock_irq()
		if more && c.D_parent == d {
			move_cursor(d, cursor, &c.D_child)
			ctx.Pos++
		}
		dcache_unlock_irq(flags)
		Dput(c)
		flags = dcache_lock_irq()
		if !more {
			break
		}
	}
	dcache_unlock_irq(flags)
	return 0
}

// Simple_dir_operations (Linux simple_dir_operations).
var Simple_dir_operations = FileOperations{
	Open:           Dcache_dir_open,
	Release:        Dcache_dir_close,
	Llseek:         Dcache_dir_lseek,
	Read:           Generic_read_dir,
	Iterate_shared: Dcache_readdir,
}

// Simple_dir_inode_operations (Linux simple_dir_inode_operations).
var Simple_dir_inode_operations = InodeOperations{Lookup: Simple_lookup}

// pseudo_fs_fill_super gives a kernel-internal file system (pipefs,
// anon_inodefs) its magic, its operations and a root directory no one
// can look up (Linux pseudo_fs_fill_super, fs/libfs.c, behind
// init_pseudo).
func pseudo_fs_fill_super(sb *SuperBlock, magic uint64, ops *SuperOperations) int {
	sb.S_magic = magic
	sb.S_op = ops
	sb.S_d_op = &Simple_dentry_operations
	root := New_inode(sb)
	if root == nil {
		return -ENOMEM
	}
	root.I_mode = uapi.S_IFDIR | 0o500
	root.I_op = &Simple_dir_inode_operations
	if sb.S_root = D_make_root(root); sb.S_root == nil {
		return -ENOMEM
	}
	return 0
}
