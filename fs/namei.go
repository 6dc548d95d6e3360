package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// Path lookup and the calls that change names. Linux: fs/namei.c
// (path_init, link_path_walk, walk_component, lookup_fast/lookup_slow,
// follow_dotdot, pick_link, path_lookupat, filename_parentat,
// filename_create, vfs_create, vfs_mkdir, vfs_mknod, vfs_symlink,
// vfs_link, vfs_unlink, vfs_rmdir, vfs_rename, do_mkdirat, do_mknodat,
// do_symlinkat, do_linkat, do_unlinkat, do_rmdir, do_renameat2,
// path_openat). Seeds/003 "Path name lookup". The walk holds a reference
// on the directory it is in (nd.Path) and on each symlink whose body it
// is reading (nd.Stack); it never recurses, so a chain of symlinks costs
// stack only for its bookkeeping.

// Lookup flags (include/linux/namei.h).
const (
	LOOKUP_FOLLOW    = 0x0001 // follow a symlink in the last component
	LOOKUP_DIRECTORY = 0x0002 // the last component must be a directory
	LOOKUP_EMPTY     = 0x4000 // an empty path names the start (AT_EMPTY_PATH)
	// lookup_trailing: the name ended with a slash (Linux tests the
	// byte after nd->last).
	lookup_trailing = 0x10000
	// lookup_jumped: the walk was just moved by a link that names no
	// path but a file (Jump_link: /proc/<pid>/fd/<n>); if the name
	// ends here, its last component is that file (Linux LAST_BIND).
	lookup_jumped = 0x20000
)

// The kinds of last component.
const (
	LAST_NORM = iota
	LAST_ROOT
	LAST_DOT
	LAST_DOTDOT
	// LAST_BIND: the walk ended on a jump link's target (Linux
	// LAST_BIND, which nd_jump_link sets): nd.Path is the last
	// component itself.
	LAST_BIND
)

// MAXSYMLINKS: symlinks one lookup may follow (Linux MAXSYMLINKS), in
// all and nested.
const MAXSYMLINKS = 40

// S_DEAD in I_flags: a removed directory, where nothing may be created
// (Linux S_DEAD).
const S_DEAD = 1 << 4

func IS_DEADDIR(inode *Inode) bool { return inode.I_flags&S_DEAD != 0 }

// saved is one symlink being followed: what was left of the name that
// led to it, and the link itself, whose body the walk is reading.
type saved struct {
	name []byte
	link Path
}

// Nameidata is struct nameidata: one lookup in progress.
type Nameidata struct {
	Path             Path
	Root             Path
	Last             []byte
	Last_type        int
	Flags            uint32
	Depth            int
	Total_link_count int
	Stack            [MAXSYMLINKS]saved
}

// skip_slashes drops leading slashes.
func skip_slashes(name []byte) []byte {
	for len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	return name
}

// last_type_of classifies a component.
func last_type_of(c []byte) int {
	switch {
	case len(c) == 1 && c[0] == '.':
		return LAST_DOT
	case len(c) == 2 && c[0] == '.' && c[1] == '.':
		return LAST_DOTDOT
	}
	return LAST_NORM
}

// path_init starts a walk at the root, the working directory or dfd's
// directory (Linux path_init).
func path_init(nd *Nameidata, dfd int, name []byte, flags uint32) int {
	fs := current_fs()
	nd.Flags = flags
	// References of the walk's own, taken under fs's lock: another
	// thread sharing fs may chdir meanwhile and drop the old ones.
	Get_fs_root(fs, &nd.Root)
	switch {
	case len(name) > 0 && name[0] == '/':
		nd.Path = nd.Root
	case dfd == uapi.AT_FDCWD:
		Get_fs_pwd(fs, &nd.Path)
		return 0
	default:
		// A reference on the file while its path is taken (Linux
		// fdget): another thread may close dfd meanwhile.
		f := Fget(dfd)
		if f == nil {
			return -EBADF
		}
		err := 0
		if len(name) > 0 && !d_can_lookup(f.F_path.Dentry) {
			err = -ENOTDIR
		} else {
			nd.Path = f.F_path
			Path_get(&nd.Path)
		}
		Fput(f)
		return err
	}
	Path_get(&nd.Path)
	return 0
}

// terminate_walk drops what the walk holds (Linux terminate_walk); the
// caller has taken nd.Path away or wants it dropped too.
func terminate_walk(nd *Nameidata, keepPath bool) {
	for nd.Depth > 0 {
		nd.Depth--
		Path_put(&nd.Stack[nd.Depth].link)
	}
	if !keepPath && nd.Path.Dentry != nil {
		Path_put(&nd.Path)
	}
	nd.Path = Path{}
	if nd.Root.Dentry != nil {
		Path_put(&nd.Root)
		nd.Root = Path{}
	}
}

// more_after reports whether a name waits beyond the symlink bodies
// being walked.
func more_after(nd *Nameidata) bool {
	for k := nd.Depth - 1; k >= 0; k-- {
		if len(nd.Stack[k].name) > 0 {
			return true
		}
	}
	return false
}

// nd_jump_root moves the walk to its root, for an absolute symlink.
func nd_jump_root(nd *Nameidata) {
	Path_put(&nd.Path)
	nd.Path = nd.Root
	Path_get(&nd.Path)
}

// link_path_walk walks every component of name but the last, following
// symlinks, and leaves the last in nd.Last (Linux link_path_walk). A
// slash after the last asks for a directory.
func link_path_walk(nd *Nameidata, name []byte) int {
	for {
		name = skip_slashes(name)
		if len(name) == 0 {
			if nd.Depth > 0 && more_after(nd) {
				// This body is done: go back to the name that led here.
				for nd.Depth > 0 {
					nd.Depth--
					s := nd.Stack[nd.Depth]
					Path_put(&s.link)
					if len(s.name) > 0 {
						name = s.name
						break
					}
				}
				continue
			}
			nd.Last, nd.Last_type = nil, LAST_ROOT
			if nd.Flags&lookup_jumped != 0 {
				nd.Last_type = LAST_BIND
			}
			nd.Flags &^= lookup_jumped
			return 0
		}
		nd.Flags &^= lookup_jumped
		// may_lookup: every directory walked through, the last
		// component's parent too, needs search (execute) permission.
		if err := Generic_permission(nd.Path.Dentry.D_inode, MAY_EXEC); err != 0 {
			return err
		}
		i := 0
		for i < len(name) && name[i] != '/' {
			i++
		}
		comp, rest := name[:i], skip_slashes(name[i:])
		if len(comp) > uapi.NAME_MAX {
			return -ENAMETOOLONG
		}
		typ := last_type_of(comp)
		if len(rest) == 0 && !(nd.Depth > 0 && more_after(nd)) {
			// (The name is the caller's, and lives through the walk:
			// hidden from escape analysis, which would otherwise move
			// every caller's path buffer to the Go heap.)
			nd.Last, nd.Last_type = compiler.NoescapeBytes(comp), typ
			if i < len(name) {
				nd.Flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY | lookup_trailing
			}
			return 0
		}
		body, err := walk_component(nd, comp, typ, true, rest)
		if err != 0 {
			return err
		}
		if body != nil {
			if len(body) > 0 && body[0] == '/' {
				nd_jump_root(nd)
			}
			name = body
			continue
		}
		if !d_can_lookup(nd.Path.Dentry) {
			return -ENOTDIR
		}
		name = rest
	}
}

// Lookup_one finds name in the directory parent, referenced and possibly
// negative (Linux lookup_fast, then lookup_slow: the file system's
// lookup on a new dentry, under the directory's lock). The caller does
// not hold parent's inode lock; those that do call lookup_one_locked.
func Lookup_one(parent *Dentry, name []byte, flags uint32) (*Dentry, int) {
	if d := lookup_fast(parent, name, flags); d != nil {
		return d, 0
	}
	return lookup_slow(parent, name, flags)
}

// lookup_fast finds name in the dcache, or nil (Linux lookup_fast): a
// dentry its file system no longer vouches for is dropped.
func lookup_fast(parent *Dentry, name []byte, flags uint32) *Dentry {
	d := D_lookup(parent, name)
	if d == nil || d.D_op == nil || d.D_op.D_revalidate == nil || d.D_op.D_revalidate(d, flags) {
		return d
	}
	D_drop(d)
	Dput(d)
	return nil
}

// lookup_slow asks the file system, under parent's inode lock (Linux
// lookup_slow, which takes it shared and lets d_alloc_parallel make
// concurrent lookups of one name wait for the first; gokern's lock is
// exclusive, and the second lookup finds the first's dentry under it).
// Without the lock two CPUs missing the dcache at once each made a
// dentry for one name, and with O_CREAT each its own file.
func lookup_slow(parent *Dentry, name []byte, flags uint32) (*Dentry, int) {
	dir := parent.D_inode
	Inode_lock(dir)
	d, err := lookup_one_locked(parent, name, flags)
	Inode_unlock(dir)
	return d, err
}

// lookup_one_locked is Lookup_one for a caller that holds parent's
// inode lock: those that look a name up to create, remove or rename it
// (Linux lookup_one_qstr_excl). The new dentry is hashed only once the
// file system's lookup has filled it in.
func lookup_one_locked(parent *Dentry, name []byte, flags uint32) (*Dentry, int) {
	if d := lookup_fast(parent, name, flags); d != nil {
		return d, 0
	}
	dir := parent.D_inode
	if IS_DEADDIR(dir) {
		return nil, -ENOENT
	}
	d := d_alloc_in_lookup(parent, name)
	if d == nil {
		return nil, -ENOMEM
	}
	if err := dir.I_op.Lookup(dir, d, flags); err != 0 {
		Dput(d)
		return nil, err
	}
	D_rehash(d)
	return d, 0
}

// walk_component steps into component comp (Linux walk_component). With
// follow, a symlink there is pushed with rest and its body returned for
// the caller to walk; otherwise nd.Path moves to the component.
func walk_component(nd *Nameidata, comp []byte, typ int, follow bool, rest []byte) ([]byte, int) {
	switch typ {
	case LAST_DOT:
		return nil, 0
	case LAST_DOTDOT:
		follow_dotdot(nd)
		return nil, 0
	}
	if !d_can_lookup(nd.Path.Dentry) {
		return nil, -ENOTDIR
	}
	d, err := Lookup_one(nd.Path.Dentry, comp, 0)
	if err != 0 {
		return nil, err
	}
	if d.D_inode == nil {
		Dput(d)
		return nil, -ENOENT
	}
	next := Path{Mnt: Mntget(nd.Path.Mnt), Dentry: d}
	follow_mount(&next)
	if follow && d_is_symlink(next.Dentry) {
		return pick_link(nd, &next, rest)
	}
	Path_put(&nd.Path)
	nd.Path = next
	return nil, 0
}

// Get_link returns a symlink's body (Linux vfs_get_link).
func Get_link(d *Dentry) ([]byte, int) {
	inode := d.D_inode
	if inode.I_op != nil && inode.I_op.Get_link != nil {
		return inode.I_op.Get_link(d, inode)
	}
	if inode.I_link == nil {
		return nil, -EINVAL
	}
	return inode.I_link, 0
}

// pick_link starts following the symlink link (Linux pick_link): the
// walk keeps it referenced while it reads the body.
func pick_link(nd *Nameidata, link *Path, rest []byte) ([]byte, int) {
	nd.Total_link_count++
	if nd.Total_link_count > MAXSYMLINKS || nd.Depth == MAXSYMLINKS {
		Path_put(link)
		return nil, -ELOOP
	}
	if inode := link.Dentry.D_inode; inode.I_op != nil && inode.I_op.Jump_link != nil {
		// A link to an open file, not to a name: the walk moves to the
		// file's own path (Linux proc_pid_get_link → nd_jump_link), so
		// that a pipe, a deleted file or a terminal opens as itself.
		var to Path
		if err := inode.I_op.Jump_link(inode, compiler.Noescape(&to)); err != 0 {
			Path_put(link)
			return nil, err
		}
		nd.Stack[nd.Depth] = saved{name: compiler.NoescapeBytes(rest), link: *link}
		nd.Depth++
		Path_put(&nd.Path)
		nd.Path = to
		nd.Flags |= lookup_jumped
		return jump_body[:0], 0
	}
	body, err := Get_link(link.Dentry)
	if err != 0 {
		Path_put(link)
		return nil, err
	}
	nd.Stack[nd.Depth] = saved{name: compiler.NoescapeBytes(rest), link: *link}
	nd.Depth++
	if len(body) == 0 {
		return nil, -ENOENT
	}
	return body, 0
}

// jump_body: what pick_link gives for a jump link, empty but not nil
// (nil means "no link to follow").
var jump_body [1]byte

// follow_dotdot moves to the parent, crossing from a mount's root to the
// directory it covers, never above the walk's root (Linux follow_dotdot).
func follow_dotdot(nd *Nameidata) {
	for !Path_equal(&nd.Path, &nd.Root) {
		if nd.Path.Dentry != nd.Path.Mnt.Mnt_root {
			parent := Dget(nd.Path.Dentry.D_parent)
			Dput(nd.Path.Dentry)
			nd.Path.Dentry = parent
			break
		}
		up, ok := choose_mountpoint(real_mount(nd.Path.Mnt))
		if !ok {
			break
		}
		Path_put(&nd.Path)
		nd.Path = up
	}
	follow_mount(&nd.Path)
}

// choose_mountpoint returns, referenced, the place m is mounted on, or
// false for a mount outside the tree (Linux choose_mountpoint): read
// under mount_lock, as an unmount on another CPU clears them and drops
// the references they hold.
func choose_mountpoint(m *Mount) (Path, bool) {
	flags := mount_lock_irq()
	var up Path
	ok := m.Mnt_parent != nil
	if ok {
		up = Path{Mnt: Mntget(&m.Mnt_parent.Mnt), Dentry: Dget(m.Mnt_mountpoint)}
	}
	mount_unlock_irq(flags)
	return up, ok
}

// lookup_last resolves the last component (Linux lookup_last).
func lookup_last(nd *Nameidata) ([]byte, int) {
	switch nd.Last_type {
	case LAST_ROOT, LAST_DOT, LAST_BIND:
		return nil, 0
	case LAST_DOTDOT:
		follow_dotdot(nd)
		return nil, 0
	}
	return walk_component(nd, nd.Last, LAST_NORM, nd.Flags&LOOKUP_FOLLOW != 0, nil)
}

// path_lookupat resolves name to a path (Linux path_lookupat): the
// result is referenced, in *path.
func path_lookupat(dfd int, name []byte, flags uint32, path *Path) int {
	var nd Nameidata
	if len(name) == 0 && flags&LOOKUP_EMPTY == 0 {
		return -ENOENT
	}
	if len(name) >= uapi.PATH_MAX {
		return -ENAMETOOLONG
	}
	err := path_init(&nd, dfd, name, flags)
	for err == 0 {
		if err = link_path_walk(&nd, name); err != 0 {
			break
		}
		var body []byte
		if body, err = lookup_last(&nd); err != 0 || body == nil {
			break
		}
		if len(body) > 0 && body[0] == '/' {
			nd_jump_root(&nd)
		}
		name = body
	}
	if err == 0 && nd.Flags&LOOKUP_DIRECTORY != 0 && !d_can_lookup(nd.Path.Dentry) {
		err = -ENOTDIR
	}
	if err != 0 {
		terminate_walk(&nd, false)
		return err
	}
	*path = nd.Path
	terminate_walk(&nd, true)
	return 0
}

// Kern_path resolves a path name from the working directory (Linux
// kern_path); User_path_at from dfd (Linux user_path_at).
func Kern_path(name []byte, flags uint32, path *Path) int {
	return path_lookupat(uapi.AT_FDCWD, name, flags, path)
}

func User_path_at(dfd int, name []byte, flags uint32, path *Path) int {
	return path_lookupat(dfd, name, flags, path)
}

// filename_parentat resolves all but the last component (Linux
// filename_parentat): the parent, referenced, in nd.Path, and the last in
// nd.Last; the caller ends with terminate_walk.
func filename_parentat(nd *Nameidata, dfd int, name []byte, flags uint32) int {
	if len(name) == 0 {
		return -ENOENT
	}
	if len(name) >= uapi.PATH_MAX {
		return -ENAMETOOLONG
	}
	if err := path_init(nd, dfd, name, flags); err != 0 {
		return err
	}
	return link_path_walk(nd, name)
}

// mnt_want_write refuses changes on a read-only mount (Linux
// mnt_want_write).
func mnt_want_write(mnt *Vfsmount) int {
	if mnt.Mnt_flags&MNT_READONLY != 0 || mnt.Mnt_sb.S_flags&SB_RDONLY != 0 {
		return -EROFS
	}
	return 0
}

// filename_create looks up the place for a new name (Linux
// filename_create): a negative dentry, referenced, with nd.Path its
// parent, whose inode lock is held until done_path_create, so that no
// other CPU makes the same name meanwhile. isDir: the new name is a
// directory, so a trailing slash is allowed.
func filename_create(nd *Nameidata, dfd int, name []byte, isDir bool) (*Dentry, int) {
	if err := filename_parentat(nd, dfd, name, 0); err != 0 {
		return nil, err
	}
	if nd.Last_type != LAST_NORM {
		return nil, -EEXIST
	}
	if err := mnt_want_write(nd.Path.Mnt); err != 0 {
		return nil, err
	}
	dir := nd.Path.Dentry.D_inode
	Inode_lock(dir)
	d, err := lookup_one_locked(nd.Path.Dentry, nd.Last, 0)
	switch {
	case err != 0:
	case d.D_inode != nil:
		err = -EEXIST
	case nd.Flags&lookup_trailing != 0 && !isDir:
		err = -ENOENT
	}
	if err != 0 {
		if d != nil {
			Dput(d)
		}
		Inode_unlock(dir)
		return nil, err
	}
	return d, 0
}

// done_path_create ends what filename_create began (Linux
// done_path_create): d put, the parent unlocked. The caller's
// terminate_walk drops the parent.
func done_path_create(nd *Nameidata, d *Dentry) {
	Dput(d)
	Inode_unlock(nd.Path.Dentry.D_inode)
}

// may_create checks that dir can take a new name (Linux may_create):
// not removed, and writable and searchable by the caller.
func may_create(dir *Inode) int {
	if IS_DEADDIR(dir) {
		return -ENOENT
	}
	return Generic_permission(dir, MAY_WRITE|MAY_EXEC)
}

// may_delete checks that victim's name can be removed from dir (Linux
// may_delete), for unlink, rmdir and both ends of rename: dir writable
// and searchable (-EACCES), the sticky-bit rule (-EPERM), then the
// victim's type against isdir (-ENOTDIR, -EISDIR).
func may_delete(dir *Inode, victim *Dentry, isdir bool) int {
	if victim.D_inode == nil {
		return -ENOENT
	}
	if err := Generic_permission(dir, MAY_WRITE|MAY_EXEC); err != 0 {
		return err
	}
	if check_sticky(dir, victim.D_inode) {
		return -EPERM
	}
	if isdir && !d_is_dir(victim) {
		return -ENOTDIR
	}
	if !isdir && d_is_dir(victim) {
		return -EISDIR
	}
	if IS_DEADDIR(dir) {
		return -ENOENT
	}
	return 0
}

// Vfs_create makes a regular file (Linux vfs_create).
func Vfs_create(dir *Inode, d *Dentry, mode uint32, excl bool) int {
	if err := may_create(dir); err != 0 {
		return err
	}
	if dir.I_op.Create == nil {
		return -EACCES
	}
	return dir.I_op.Create(dir, d, mode&uapi.S_IALLUGO|uapi.S_IFREG, excl)
}

// Vfs_mkdir makes a directory (Linux vfs_mkdir).
func Vfs_mkdir(dir *Inode, d *Dentry, mode uint32) int {
	if err := may_create(dir); err != 0 {
		return err
	}
	if dir.I_op.Mkdir == nil {
		return -EPERM
	}
	return dir.I_op.Mkdir(dir, d, mode&(uapi.S_IRWXUGO|uapi.S_ISVTX)|uapi.S_IFDIR)
}

// Vfs_mknod makes a device node, FIFO or socket (Linux vfs_mknod).
func Vfs_mknod(dir *Inode, d *Dentry, mode uint32, dev uapi.Dev_t) int {
	if err := may_create(dir); err != 0 {
		return err
	}
	if dir.I_op.Mknod == nil {
		return -EPERM
	}
	return dir.I_op.Mknod(dir, d, mode, dev)
}

// Vfs_symlink makes a symlink (Linux vfs_symlink).
func Vfs_symlink(dir *Inode, d *Dentry, target []byte) int {
	if err := may_create(dir); err != 0 {
		return err
	}
	if dir.I_op.Symlink == nil {
		return -EPERM
	}
	return dir.I_op.Symlink(dir, d, compiler.NoescapeBytes(target))
}

// Do_mkdirat is mkdirat(2) (Linux do_mkdirat).
func Do_mkdirat(dfd int, name []byte, mode uint32) int {
	var nd Nameidata
	d, err := filename_create(&nd, dfd, name, true)
	if err == 0 {
		err = Vfs_mkdir(nd.Path.Dentry.D_inode, d, mode&^current_fs().Umask)
		done_path_create(&nd, d)
	}
	terminate_walk(&nd, false)
	return err
}

// Do_mknodat is mknodat(2) (Linux do_mknodat).
func Do_mknodat(dfd int, name []byte, mode uint32, dev uapi.Dev_t) int {
	switch mode & uapi.S_IFMT {
	case 0:
		mode |= uapi.S_IFREG
	case uapi.S_IFREG, uapi.S_IFCHR, uapi.S_IFBLK, uapi.S_IFIFO, uapi.S_IFSOCK:
	case uapi.S_IFDIR:
		return -EPERM
	default:
		return -EINVAL
	}
	var nd Nameidata
	d, err := filename_create(&nd, dfd, name, false)
	if err == 0 {
		mode = mode&uapi.S_IFMT | mode&^uapi.S_IFMT&^current_fs().Umask
		dir := nd.Path.Dentry.D_inode
		if uapi.S_ISREG(mode) {
			err = Vfs_create(dir, d, mode, true)
		} else {
			err = Vfs_mknod(dir, d, mode, dev)
		}
		done_path_create(&nd, d)
	}
	terminate_walk(&nd, false)
	return err
}

// Mknod_path makes a socket node at name, relative to the working
// directory, with mode less the umask, and returns its path referenced
// (Linux unix_bind_bsd's VFS half: start_creating_path, vfs_mknod, the
// path kept as u->path). -EEXIST when the name exists.
func Mknod_path(name []byte, mode uint32, path *Path) int {
	var nd Nameidata
	d, err := filename_create(&nd, uapi.AT_FDCWD, name, false)
	if err == 0 {
		mode = mode&uapi.S_IFMT | mode&^uapi.S_IFMT&^current_fs().Umask
		if err = Vfs_mknod(nd.Path.Dentry.D_inode, d, mode, 0); err == 0 {
			*path = Path{Mnt: Mntget(nd.Path.Mnt), Dentry: Dget(d)}
		}
		done_path_create(&nd, d)
	}
	terminate_walk(&nd, false)
	return err
}

// Do_symlinkat is symlinkat(2) (Linux do_symlinkat).
func Do_symlinkat(target []byte, newdfd int, newname []byte) int {
	if len(target) == 0 {
		return -ENOENT
	}
	if len(target) >= uapi.PATH_MAX {
		return -ENAMETOOLONG
	}
	var nd Nameidata
	d, err := filename_create(&nd, newdfd, newname, false)
	if err == 0 {
		err = Vfs_symlink(nd.Path.Dentry.D_inode, d, target)
		done_path_create(&nd, d)
	}
	terminate_walk(&nd, false)
	return err
}

// Do_linkat is linkat(2) (Linux do_linkat → vfs_link).
func Do_linkat(olddfd int, oldname []byte, newdfd int, newname []byte, flags int) int {
	if flags&^(uapi.AT_SYMLINK_FOLLOW|uapi.AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	lf := uint32(0)
	if flags&uapi.AT_SYMLINK_FOLLOW != 0 {
		lf |= LOOKUP_FOLLOW
	}
	if flags&uapi.AT_EMPTY_PATH != 0 {
		lf |= LOOKUP_EMPTY
	}
	var old Path
	if err := User_path_at(olddfd, oldname, lf, &old); err != 0 {
		return err
	}
	ret := do_linkat_body(&old, newdfd, newname)
	Path_put(&old)
	return ret
}

// do_linkat_body is the rest of Do_linkat, run while Do_linkat holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func do_linkat_body(old *Path, newdfd int, newname []byte) int {
	var nd Nameidata
	d, err := filename_create(&nd, newdfd, newname, false)
	if err == 0 {
		dir := nd.Path.Dentry.D_inode
		switch {
		case nd.Path.Mnt != old.Mnt:
			err = -EXDEV
		case d_is_dir(old.Dentry):
			err = -EPERM
		}
		if err == 0 {
			err = Vfs_link(old.Dentry, dir, d)
		}
		done_path_create(&nd, d)
	}
	terminate_walk(&nd, false)
	return err
}

// Vfs_link gives old's inode the new name d in dir (Linux vfs_link),
// under the inode's lock: its link count may change meanwhile on any
// CPU, through a name in another directory, and an inode whose last
// name went must not get a new one.
func Vfs_link(old *Dentry, dir *Inode, d *Dentry) int {
	if err := may_create(dir); err != 0 {
		return err
	}
	if dir.I_op.Link == nil {
		return -EPERM
	}
	inode := old.D_inode
	Inode_lock(inode)
	err := -ENOENT
	if atomic.LoadUint32(&inode.I_nlink) != 0 {
		err = dir.I_op.Link(old, dir, d)
	}
	Inode_unlock(inode)
	return err
}

// Vfs_unlink removes a non-directory name (Linux vfs_unlink). The
// caller holds dir's lock; the victim's is taken for its link count, as
// Vfs_link takes it.
func Vfs_unlink(dir *Inode, d *Dentry) int {
	if err := may_delete(dir, d, false); err != 0 {
		return err
	}
	if dir.I_op.Unlink == nil {
		return -EPERM
	}
	target := d.D_inode
	Inode_lock(target)
	err := -EBUSY
	if !D_mountpoint(d) {
		err = dir.I_op.Unlink(dir, d)
	}
	Inode_unlock(target)
	if err != 0 {
		return err
	}
	D_delete(d)
	return 0
}

// Vfs_rmdir removes an empty directory (Linux vfs_rmdir). The caller
// holds dir's lock; the victim's is taken so that nothing is made in it
// between the file system's emptiness check and S_DEAD (a creation
// holds the directory it creates in locked and checks S_DEAD).
func Vfs_rmdir(dir *Inode, d *Dentry) int {
	if err := may_delete(dir, d, true); err != 0 {
		return err
	}
	if dir.I_op.Rmdir == nil {
		return -EPERM
	}
	victim := d.D_inode
	Inode_lock(victim)
	err := -EBUSY
	if !D_mountpoint(d) {
		if err = dir.I_op.Rmdir(dir, d); err == 0 {
			victim.I_flags |= S_DEAD
		}
	}
	Inode_unlock(victim)
	if err != 0 {
		return err
	}
	D_delete(d)
	return 0
}

// Do_unlinkat is unlinkat(2) without AT_REMOVEDIR (Linux do_unlinkat).
func Do_unlinkat(dfd int, name []byte) int {
	var nd Nameidata
	err := filename_parentat(&nd, dfd, name, 0)
	if err == 0 && nd.Last_type != LAST_NORM {
		err = -EISDIR
	}
	if err == 0 {
		err = mnt_want_write(nd.Path.Mnt)
	}
	if err == 0 {
		// The name is looked up and removed under the directory's lock
		// (Linux do_unlinkat).
		dir := nd.Path.Dentry.D_inode
		Inode_lock(dir)
		err = do_unlinkat_locked(&nd, dir)
		Inode_unlock(dir)
	}
	terminate_walk(&nd, false)
	return err
}

func do_unlinkat_locked(nd *Nameidata, dir *Inode) int {
	d, err := lookup_one_locked(nd.Path.Dentry, nd.Last, 0)
	if err != 0 {
		return err
	}
	switch {
	case d.D_inode == nil:
		err = -ENOENT
	case nd.Flags&lookup_trailing != 0:
		// "name/": a directory gets EISDIR, anything else ENOTDIR.
		if d_is_dir(d) {
			err = -EISDIR
		} else {
			err = -ENOTDIR
		}
	default:
		err = Vfs_unlink(dir, d)
	}
	Dput(d)
	return err
}

// Do_rmdir is rmdir(2) (Linux do_rmdir).
func Do_rmdir(dfd int, name []byte) int {
	var nd Nameidata
	err := filename_parentat(&nd, dfd, name, 0)
	if err == 0 {
		switch nd.Last_type {
		case LAST_DOTDOT:
			err = -ENOTEMPTY
		case LAST_DOT:
			err = -EINVAL
		case LAST_ROOT:
			err = -EBUSY
		}
	}
	if err == 0 {
		err = mnt_want_write(nd.Path.Mnt)
	}
	if err == 0 {
		dir := nd.Path.Dentry.D_inode
		Inode_lock(dir)
		var d *Dentry
		if d, err = lookup_one_locked(nd.Path.Dentry, nd.Last, 0); err == 0 {
			if d.D_inode == nil {
				err = -ENOENT
			} else {
				err = Vfs_rmdir(dir, d)
			}
			Dput(d)
		}
		Inode_unlock(dir)
	}
	terminate_walk(&nd, false)
	return err
}

// Ksys_unlinkat is unlinkat(2) (Linux sys_unlinkat).
func Ksys_unlinkat(dfd int, name []byte, flag int) int {
	if flag&^uapi.AT_REMOVEDIR != 0 {
		return -EINVAL
	}
	if flag&uapi.AT_REMOVEDIR != 0 {
		return Do_rmdir(dfd, name)
	}
	return Do_unlinkat(dfd, name)
}

// is_ancestor reports whether a is d or above it.
func is_ancestor(a, d *Dentry) bool {
	for {
		if d == a {
			return true
		}
		if d.D_parent == d {
			return false
		}
		d = d.D_parent
	}
}

// Vfs_rename moves old (in old_dir) to new (in new_dir), replacing what
// new names unless flags forbid it (Linux vfs_rename). Both dentries are
// referenced by the caller; new may be negative.
func Vfs_rename(old_dir *Inode, old *Dentry, new_dir *Inode, new *Dentry, flags uint32) int {
	if old == new {
		return 0
	}
	isdir := d_is_dir(old)
	exchange := flags&uapi.RENAME_EXCHANGE != 0
	switch {
	case new.D_inode == nil && exchange:
		return -ENOENT
	case new.D_inode != nil && flags&uapi.RENAME_NOREPLACE != 0:
		return -EEXIST
	case old.D_inode == new.D_inode:
		// Two names of one file: nothing to do (POSIX).
		return 0
	}
	// A directory cannot move into itself; nothing can replace one of
	// its own ancestors.
	if isdir && is_ancestor(old, new.D_parent) {
		return -EINVAL
	}
	if new.D_inode != nil && is_ancestor(new, old.D_parent) {
		if exchange {
			return -EINVAL
		}
		return -ENOTEMPTY
	}
	// The permission checks (Linux vfs_rename): old's name removable;
	// new's name creatable, or removable when it exists (with old's type,
	// or its own for an exchange: -ENOTDIR, -EISDIR); a directory moving
	// to another parent rewrites its "..", so it must be writable.
	if err := may_delete(old_dir, old, isdir); err != 0 {
		return err
	}
	newIsDir := new.D_inode != nil && d_is_dir(new)
	switch {
	case new.D_inode == nil:
		if err := may_create(new_dir); err != 0 {
			return err
		}
	case exchange:
		if err := may_delete(new_dir, new, newIsDir); err != 0 {
			return err
		}
	default:
		if err := may_delete(new_dir, new, isdir); err != 0 {
			return err
		}
	}
	if new_dir != old_dir {
		if isdir {
			if err := Generic_permission(old.D_inode, MAY_WRITE); err != 0 {
				return err
			}
		}
		if exchange && newIsDir {
			if err := Generic_permission(new.D_inode, MAY_WRITE); err != 0 {
				return err
			}
		}
	}
	if exchange && d_is_dir(new) && is_ancestor(new, old.D_parent) {
		return -EINVAL
	}
	if old_dir.I_op.Rename == nil {
		return -EPERM
	}
	// The children's locks (Linux vfs_rename): a directory moving to
	// another parent (its ".." changes), a directory that is replaced
	// (it must stay empty, as in rmdir) or exchanged across directories,
	// and every non-directory (its link count and ctime change), the
	// directories first, then the others in address order.
	source, target := old.D_inode, new.D_inode
	lockOld := new_dir != old_dir
	lockNew := new_dir != old_dir || !exchange
	var l1, l2, l3 *Inode
	switch {
	case isdir:
		if lockOld {
			l1 = source
		}
		if target != nil && (!newIsDir || lockNew) {
			l2 = target
		}
	case newIsDir:
		if lockNew {
			l1 = target
		}
		l2 = source
	default:
		l2, l3 = lock_order(source, target)
	}
	lock_inodes(l1, l2, l3)
	err := -EBUSY
	switch {
	case D_mountpoint(old) || D_mountpoint(new):
	case IS_DEADDIR(new_dir):
		err = -ENOENT
	default:
		err = old_dir.I_op.Rename(old_dir, old, new_dir, new, flags)
	}
	unlock_inodes(l1, l2, l3)
	return err
}

// lock_order puts two non-directories in the order their locks are
// taken (Linux lock_two_nondirectories: by address); either may be nil.
func lock_order(a, b *Inode) (*Inode, *Inode) {
	if a != nil && b != nil && uintptr(unsafe.Pointer(b)) < uintptr(unsafe.Pointer(a)) {
		return b, a
	}
	return a, b
}

// lock_inodes takes the locks of the inodes given, in that order,
// skipping nils; unlock_inodes lets them go.
func lock_inodes(a, b, c *Inode) {
	for _, i := range [3]*Inode{a, b, c} {
		if i != nil {
			Inode_lock(i)
		}
	}
}

func unlock_inodes(a, b, c *Inode) {
	for _, i := range [3]*Inode{c, b, a} {
		if i != nil {
			Inode_unlock(i)
		}
	}
}

// lock_rename takes the locks of the two parents of a rename (Linux
// lock_rename): one directory's once; two directories under their super
// block's rename mutex, an ancestor before its descendant (Linux
// lock_two_directories), as every path that holds a directory's lock
// and then a child's takes them.
func lock_rename(p1, p2 *Dentry) {
	if p1 == p2 {
		Inode_lock(p1.D_inode)
		return
	}
	sched.Mutex_lock(&p1.D_sb.S_vfs_rename_mutex)
	if is_ancestor(p2, p1) {
		p1, p2 = p2, p1
	}
	Inode_lock(p1.D_inode)
	Inode_lock(p2.D_inode)
}

// unlock_rename undoes lock_rename (Linux unlock_rename).
func unlock_rename(p1, p2 *Dentry) {
	Inode_unlock(p1.D_inode)
	if p1 != p2 {
		Inode_unlock(p2.D_inode)
		sched.Mutex_unlock(&p1.D_sb.S_vfs_rename_mutex)
	}
}

// Do_renameat2 is renameat2(2) (Linux do_renameat2).
func Do_renameat2(olddfd int, oldname []byte, newdfd int, newname []byte, flags uint32) int {
	if flags&^(uapi.RENAME_NOREPLACE|uapi.RENAME_EXCHANGE) != 0 ||
		flags&uapi.RENAME_NOREPLACE != 0 && flags&uapi.RENAME_EXCHANGE != 0 {
		return -EINVAL
	}
	var ond, nnd Nameidata
	var old, new *Dentry
	err := filename_parentat(&ond, olddfd, oldname, 0)
	if err == 0 {
		err = filename_parentat(&nnd, newdfd, newname, 0)
	}
	switch {
	case err != 0:
	case ond.Path.Mnt != nnd.Path.Mnt:
		err = -EXDEV
	case ond.Last_type != LAST_NORM:
		err = -EBUSY
	case nnd.Last_type != LAST_NORM:
		if flags&uapi.RENAME_NOREPLACE != 0 {
			err = -EEXIST
		} else {
			err = -EBUSY
		}
	default:
		err = mnt_want_write(ond.Path.Mnt)
	}
	locked := err == 0
	if locked {
		// Both names are looked up and changed under their
		// directories' locks (Linux do_renameat2).
		lock_rename(nnd.Path.Dentry, ond.Path.Dentry)
		old, err = lookup_one_locked(ond.Path.Dentry, ond.Last, 0)
	}
	if err == 0 && old.D_inode == nil {
		err = -ENOENT
	}
	if err == 0 {
		new, err = lookup_one_locked(nnd.Path.Dentry, nnd.Last, 0)
	}
	// Linux's order of checks (do_renameat2).
	if err == 0 && flags&uapi.RENAME_NOREPLACE != 0 && new.D_inode != nil {
		err = -EEXIST
	}
	if err == 0 && flags&uapi.RENAME_EXCHANGE != 0 {
		if new.D_inode == nil {
			err = -ENOENT
		} else if !d_is_dir(new) && nnd.Flags&lookup_trailing != 0 {
			err = -ENOTDIR
		}
	}
	if err == 0 && !d_is_dir(old) {
		// Trailing slashes are for directories only.
		if ond.Flags&lookup_trailing != 0 || flags&uapi.RENAME_EXCHANGE == 0 && nnd.Flags&lookup_trailing != 0 {
			err = -ENOTDIR
		}
	}
	if err == 0 {
		err = Vfs_rename(ond.Path.Dentry.D_inode, old, nnd.Path.Dentry.D_inode, new, flags)
	}
	if new != nil {
		Dput(new)
	}
	if old != nil {
		Dput(old)
	}
	if locked {
		unlock_rename(nnd.Path.Dentry, ond.Path.Dentry)
	}
	terminate_walk(&nnd, false)
	terminate_walk(&ond, false)
	return err
}

// The access a permission check asks for (include/linux/fs.h MAY_*).
const (
	MAY_EXEC  = 0x1
	MAY_WRITE = 0x2
	MAY_READ  = 0x4
)

// CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER (Linux
// capability.h).
const (
	CAP_DAC_OVERRIDE    = 1
	CAP_DAC_READ_SEARCH = 2
	CAP_FOWNER          = 3
)

// capable: the caller has capability c (Capable_hook; none set is the
// kernel's own credentials, which have them all).
func capable(c int) bool { return Capable_hook == nil || Capable_hook(c) }

// current_fsuid: the caller's fs uid (0 without credentials hooks).
func current_fsuid() uint32 {
	if Current_fsuid_fsgid == nil {
		return 0
	}
	fsuid, _ := Current_fsuid_fsgid()
	return fsuid
}

// Generic_permission checks mask against inode's mode bits for the
// caller's fs ids (Linux generic_permission): the owner's bits if the
// fsuid owns it, the group's if the fsgid or a supplementary group is its
// group, the others' otherwise, then CAP_DAC_READ_SEARCH and
// CAP_DAC_OVERRIDE (mode_permission). gokern's file systems have no
// ->permission of their own, so this is also Linux's inode_permission
// for them; the read-only mount check (sb_permission) is the callers'
// mnt_want_write. 0 or -EACCES. Without credentials hooks (host tests,
// the kernel before any process) the caller is root.
func Generic_permission(inode *Inode, mask int) int {
	owner := current_fsuid() == inode.I_uid
	group := !owner && In_group_hook != nil && In_group_hook(inode.I_gid)
	return mode_permission(inode.I_mode, mask, owner, group, capable(CAP_DAC_OVERRIDE), capable(CAP_DAC_READ_SEARCH))
}

// mode_permission is the decision of Generic_permission for a file of
// mode, given who the caller is to it (Linux acl_permission_check, then
// generic_permission's capability overrides): the owner's bits if owner,
// else the group's if group, else the others'; failing those,
// CAP_DAC_READ_SEARCH reads anything and searches directories, and
// CAP_DAC_OVERRIDE does the rest, but executes a non-directory only if
// some execute bit is set.
func mode_permission(mode uint32, mask int, owner, group, dacOverride, dacReadSearch bool) int {
	bits := mode
	switch {
	case owner:
		bits >>= 6
	case group:
		bits >>= 3
	}
	if uint32(mask)&^bits&7 == 0 {
		return 0
	}
	if uapi.S_ISDIR(mode) {
		if mask&MAY_WRITE == 0 && dacReadSearch {
			return 0
		}
		if dacOverride {
			return 0
		}
		return -EACCES
	}
	if mask == MAY_READ && dacReadSearch {
		return 0
	}
	if (mask&MAY_EXEC == 0 || mode&0o111 != 0) && dacOverride {
		return 0
	}
	return -EACCES
}

// Current_access_ids returns the caller's real uid and whether gid is its
// real gid or one of its supplementary groups: the ids faccessat checks
// with (Linux access_override_creds). kernel/exec sets it; nil is root.
var Current_access_ids func(gid uint32) (uint32, bool)

// access_permission is Generic_permission for the caller's real ids
// (faccessat): as Linux's access_override_creds, only a real root has
// the capabilities that override the mode bits.
func access_permission(inode *Inode, mask int) int {
	if Current_access_ids == nil {
		return mode_permission(inode.I_mode, mask, false, false, true, true)
	}
	uid, group := Current_access_ids(inode.I_gid)
	root := uid == 0
	return mode_permission(inode.I_mode, mask, uid == inode.I_uid, group && uid != inode.I_uid, root, root)
}

// Inode_owner_or_capable: the caller owns inode or has CAP_FOWNER
// (Linux inode_owner_or_capable): who may chmod a file or set its times.
func Inode_owner_or_capable(inode *Inode) bool {
	return current_fsuid() == inode.I_uid || capable(CAP_FOWNER)
}

// check_sticky: in a sticky (+t) directory only the file's owner, the
// directory's owner or CAP_FOWNER may remove or rename a name (Linux
// check_sticky): true when the caller may not.
func check_sticky(dir, inode *Inode) bool {
	if dir.I_mode&uapi.S_ISVTX == 0 {
		return false
	}
	fsuid := current_fsuid()
	return fsuid != inode.I_uid && fsuid != dir.I_uid && !capable(CAP_FOWNER)
}

// Path_noexec: the mount forbids executing from it (Linux path_noexec).
func Path_noexec(path *Path) bool {
	return path.Mnt.Mnt_flags&MNT_NOEXEC != 0 || path.Mnt.Mnt_sb.S_flags&SB_NOEXEC != 0
}
