package fs

import "gokern/mm"

// A task's root, working directory and umask. Linux: fs/fs_struct.c
// (set_fs_root, set_fs_pwd, copy_fs_struct, free_fs_struct),
// include/linux/fs_struct.h, and init_fs, the boot task's.

// Fs_struct is struct fs_struct.
type Fs_struct struct {
	Users int32
	Umask uint32
	Root  Path
	Pwd   Path
}

// Init_fs is the boot task's (Linux init_fs), set up by Init_mount_tree.
var Init_fs = Fs_struct{Users: 1, Umask: 0o022}

// Get_current_fs returns current->fs; the scheduler sets it. Until then
// the kernel runs as the boot task, with Init_fs.
var Get_current_fs func() *Fs_struct

func current_fs() *Fs_struct {
	if Get_current_fs != nil {
		return Get_current_fs()
	}
	return &Init_fs
}

var fs_cachep = objCache[Fs_struct]{Name: "fs_cache"}

// Path_get and Path_put take and drop a path's references (Linux
// path_get, path_put).
func Path_get(p *Path) {
	Mntget(p.Mnt)
	Dget(p.Dentry)
}

func Path_put(p *Path) {
	Dput(p.Dentry)
	Mntput(p.Mnt)
}

// Path_equal is Linux's path_equal.
func Path_equal(a, b *Path) bool { return a.Mnt == b.Mnt && a.Dentry == b.Dentry }

// Set_fs_root and Set_fs_pwd replace the root or the working directory
// (Linux set_fs_root, set_fs_pwd).
func Set_fs_root(fs *Fs_struct, p *Path) {
	old := fs.Root
	Path_get(p)
	fs.Root = *p
	if old.Dentry != nil {
		Path_put(&old)
	}
}

func Set_fs_pwd(fs *Fs_struct, p *Path) {
	old := fs.Pwd
	Path_get(p)
	fs.Pwd = *p
	if old.Dentry != nil {
		Path_put(&old)
	}
}

// Copy_fs_struct gives a child its own copy (fork without CLONE_FS;
// Linux copy_fs_struct), or nil when memory is short.
func Copy_fs_struct(old *Fs_struct) *Fs_struct {
	fs := fs_cachep.Zalloc(mm.GFP_KERNEL)
	if fs == nil {
		return nil
	}
	fs.Users, fs.Umask = 1, old.Umask
	fs.Root, fs.Pwd = old.Root, old.Pwd
	Path_get(&fs.Root)
	Path_get(&fs.Pwd)
	return fs
}

// Free_fs_struct drops one user; the last frees it (Linux exit_fs →
// free_fs_struct). Init_fs is never freed.
func Free_fs_struct(fs *Fs_struct) {
	fs.Users--
	if fs.Users > 0 || fs == &Init_fs {
		return
	}
	Path_put(&fs.Root)
	Path_put(&fs.Pwd)
	fs_cachep.Free(fs)
}

// Ksys_umask sets the umask and returns the old one (Linux sys_umask).
func Ksys_umask(mask uint32) uint32 {
	fs := current_fs()
	old := fs.Umask
	fs.Umask = mask & 0o777
	return old
}
