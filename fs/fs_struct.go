package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/mm"
)

// A task's root, working directory and umask. Linux: fs/fs_struct.c
// (set_fs_root, set_fs_pwd, copy_fs_struct, free_fs_struct),
// include/linux/fs_struct.h, and init_fs, the boot task's.

// Fs_struct is struct fs_struct. Threads made with CLONE_FS (every
// thread of a Go program) share one, and change and read it on every
// CPU at once: Users is atomic (Linux counts users under fs->lock, which
// also guards its in_exec), and Root and Pwd change and are read with
// their references under Lock (Linux fs->lock, with a seqcount for the
// RCU walk gokern does not have). A reader takes its own references
// (Get_fs_root, Get_fs_pwd): the pointer it read may be the last
// reference a chdir in another thread is dropping.
type Fs_struct struct {
	Users int32
	Umask uint32
	Lock  asm.Arch_spinlock_t
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
// (Linux set_fs_root, set_fs_pwd): the new path's references are taken
// before, and the old one's dropped after, the swap under the lock.
func Set_fs_root(fs *Fs_struct, p *Path) {
	Path_get(p)
	flags := vfs_lock_irq(&fs.Lock)
	old := fs.Root
	fs.Root = *p
	vfs_unlock_irq(&fs.Lock, flags)
	if old.Dentry != nil {
		Path_put(&old)
	}
}

func Set_fs_pwd(fs *Fs_struct, p *Path) {
	Path_get(p)
	flags := vfs_lock_irq(&fs.Lock)
	old := fs.Pwd
	fs.Pwd = *p
	vfs_unlock_irq(&fs.Lock, flags)
	if old.Dentry != nil {
		Path_put(&old)
	}
}

// Get_fs_root and Get_fs_pwd copy the root or the working directory into
// p with references of its own, which the caller drops with Path_put
// (Linux get_fs_root, get_fs_pwd).
func Get_fs_root(fs *Fs_struct, p *Path) {
	flags := vfs_lock_irq(&fs.Lock)
	*p = fs.Root
	Path_get(p)
	vfs_unlock_irq(&fs.Lock, flags)
}

func Get_fs_pwd(fs *Fs_struct, p *Path) {
	flags := vfs_lock_irq(&fs.Lock)
	*p = fs.Pwd
	Path_get(p)
	vfs_unlock_irq(&fs.Lock, flags)
}

// Get_fs_root_and_pwd copies both at once (Linux get_fs_root_and_pwd_rcu,
// for getcwd).
func Get_fs_root_and_pwd(fs *Fs_struct, root, pwd *Path) {
	flags := vfs_lock_irq(&fs.Lock)
	*root, *pwd = fs.Root, fs.Pwd
	Path_get(root)
	Path_get(pwd)
	vfs_unlock_irq(&fs.Lock, flags)
}

// Get_fs_struct adds a user: a thread made with CLONE_FS (Linux copy_fs's
// fs->users++).
func Get_fs_struct(fs *Fs_struct) { atomic.AddInt32(&fs.Users, 1) }

// Copy_fs_struct gives a child its own copy (fork without CLONE_FS;
// Linux copy_fs_struct), or nil when memory is short.
func Copy_fs_struct(old *Fs_struct) *Fs_struct {
	fs := fs_cachep.Zalloc(mm.GFP_KERNEL)
	if fs == nil {
		return nil
	}
	fs.Users, fs.Umask = 1, atomic.LoadUint32(&old.Umask)
	Get_fs_root_and_pwd(old, &fs.Root, &fs.Pwd)
	return fs
}

// Exit_fs detaches t's fs_struct and drops t's use of it (Linux exit_fs),
// clearing the pointer under the lock /proc's readers take
// (Get_task_fs_path), as Exit_files does for the descriptor table.
func Exit_fs(t *sched.Task_struct) {
	flags := vfs_lock_irq(&task_files_lock)
	fs := (*Fs_struct)(t.Fs)
	t.Fs = nil
	vfs_unlock_irq(&task_files_lock, flags)
	if fs != nil {
		Free_fs_struct(fs)
	}
}

// Free_fs_struct drops one user; the last frees it (Linux exit_fs →
// free_fs_struct). Init_fs is never freed.
func Free_fs_struct(fs *Fs_struct) {
	if atomic.AddInt32(&fs.Users, -1) > 0 || fs == &Init_fs {
		return
	}
	Path_put(&fs.Root)
	Path_put(&fs.Pwd)
	fs_cachep.Free(fs)
}

// Get_task_fs_path copies t's root (root true) or working directory into
// p with its own references (Linux get_task_root, and proc_cwd_link's
// get_fs_pwd under task_lock): false when t has none (it has exited).
func Get_task_fs_path(t *sched.Task_struct, root bool, p *Path) bool {
	flags := vfs_lock_irq(&task_files_lock)
	fs := (*Fs_struct)(t.Fs)
	ok := fs != nil
	if ok {
		if root {
			Get_fs_root(fs, p)
		} else {
			Get_fs_pwd(fs, p)
		}
		ok = p.Dentry != nil
	}
	vfs_unlock_irq(&task_files_lock, flags)
	return ok
}

// Ksys_umask sets the umask and returns the old one (Linux sys_umask).
func Ksys_umask(mask uint32) uint32 {
	return atomic.SwapUint32(&current_fs().Umask, mask&0o777)
}
