// Package proc is procfs: files generated when read, showing the
// kernel's state in Linux's formats so that busybox's ps, free, uptime
// and cat read them as on Linux. Linux: fs/proc/root.c (proc_fs_type,
// proc_fill_super, proc_root_lookup, proc_root_readdir), generic.c
// (struct proc_dir_entry), inode.c (proc_get_inode), base.c (the pid
// directories, /proc/self), array.c (stat, status), task_mmu.c (maps),
// meminfo.c, cpuinfo.c, uptime.c, cmdline.c, version.c, devices.c,
// filesystems (fs/filesystems.c), mounts (fs/proc_namespace.c),
// interrupts (kernel/irq/proc.c), buddyinfo (mm/vmstat.c), slabinfo
// (mm/slab_common.c), vmallocinfo (mm/vmalloc.c). Seeds/003 "procfs".
//
// Nothing is cached: a lookup makes an inode and dentry that go away
// with their last user; a read generates the whole text (seq_file's
// single_open). The per-process files read tasks through Task_ops, which
// the scheduler and mm will provide.
package proc

import (
	"gokern/include/compiler"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/printk"
)

// PROC_SUPER_MAGIC (include/uapi/linux/magic.h); PROC_ROOT_INO.
const (
	PROC_SUPER_MAGIC = 0x9fa0
	PROC_ROOT_INO    = 1
)

// Proc_dir_entry is struct proc_dir_entry: a name in /proc and how it is
// made. Show generates a file (single_open's show), Link a symlink's
// target.
type Proc_dir_entry struct {
	Name string
	Mode uint32
	Show func(m *fs.Seq_file, v uintptr) int
	Link func(buf []byte) int
}

// proc_root_entries are /proc's own names (Linux: proc_create_single
// calls spread over the tree; gokern lists them here).
var proc_root_entries = [...]Proc_dir_entry{
	{Name: "buddyinfo", Mode: uapi.S_IFREG | 0o444, Show: buddyinfo_show},
	{Name: "cmdline", Mode: uapi.S_IFREG | 0o444, Show: cmdline_proc_show},
	{Name: "cpuinfo", Mode: uapi.S_IFREG | 0o444, Show: cpuinfo_show},
	{Name: "devices", Mode: uapi.S_IFREG | 0o444, Show: devinfo_show},
	{Name: "filesystems", Mode: uapi.S_IFREG | 0o444, Show: filesystems_proc_show},
	{Name: "interrupts", Mode: uapi.S_IFREG | 0o444, Show: show_interrupts},
	{Name: "loadavg", Mode: uapi.S_IFREG | 0o444, Show: loadavg_proc_show},
	{Name: "meminfo", Mode: uapi.S_IFREG | 0o444, Show: meminfo_proc_show},
	{Name: "mounts", Mode: uapi.S_IFREG | 0o444, Show: mounts_show},
	{Name: "self", Mode: uapi.S_IFLNK | 0o777, Link: proc_self_get_link},
	{Name: "slabinfo", Mode: uapi.S_IFREG | 0o400, Show: slabinfo_show},
	{Name: "stat", Mode: uapi.S_IFREG | 0o444, Show: show_stat},
	{Name: "uptime", Mode: uapi.S_IFREG | 0o444, Show: uptime_proc_show},
	{Name: "version", Mode: uapi.S_IFREG | 0o444, Show: version_proc_show},
	{Name: "vmallocinfo", Mode: uapi.S_IFREG | 0o400, Show: vmallocinfo_show},
}

// The kinds of inode procfs makes, kept in I_private's low byte; the
// rest holds a pid or a root entry's index.
const (
	kindRoot    = iota // /proc
	kindEntry          // a root entry; index << 8
	kindPidDir         // /proc/<pid>; pid << 8
	kindPidFile        // /proc/<pid>/<file>; pid << 16 | file << 8
	kindFdDir          // /proc/<pid>/fd; pid << 8
	kindFdLink         // /proc/<pid>/fd/<fd>; pid << 32 | fd << 8
	kindTaskDir        // /proc/<pid>/task; pid << 8
	kindTidDir         // /proc/<pid>/task/<tid>; tid << 8
)

// proc_get_inode makes an inode (Linux proc_get_inode).
func proc_get_inode(sb *fs.SuperBlock, mode uint32, private uintptr) *fs.Inode {
	inode := fs.New_inode(sb)
	if inode == nil {
		return nil
	}
	inode.I_mode = mode
	inode.I_private = private
	if uapi.S_ISDIR(mode) {
		fs.Set_nlink(inode, 2)
	}
	return inode
}

// proc_single_open opens a generated file (Linux proc_single_open).
func proc_single_open(inode *fs.Inode, f *fs.File) int {
	var show func(m *fs.Seq_file, v uintptr) int
	switch inode.I_private & 0xff {
	case kindEntry:
		show = proc_root_entries[inode.I_private>>8].Show
	case kindPidFile:
		pid, file := int(inode.I_private>>16), int(inode.I_private>>8&0xff)
		var info Task_info
		if Task_ops.Get_task == nil || !Task_ops.Get_task(pid, compiler.Noescape(&info)) {
			return -fs.ESRCH
		}
		show = pid_entries[file].Show
	}
	if show == nil {
		return -fs.ENOENT
	}
	return fs.Single_open(f, show, inode.I_private)
}

var proc_single_file_operations = fs.FileOperations{
	Open:    proc_single_open,
	Read:    fs.Seq_read,
	Llseek:  fs.Seq_lseek,
	Release: fs.Single_release,
}

// proc_link_inode makes a symlink inode with its target now (Linux:
// proc_self_get_link computes it at each follow; here an inode lives
// only for one lookup, so making the target with it is the same).
func proc_link_inode(sb *fs.SuperBlock, link func(buf []byte) int) *fs.Inode {
	var buf [32]byte
	n := link(compiler.NoescapeBytes(buf[:]))
	if n <= 0 {
		return nil
	}
	inode := proc_get_inode(sb, uapi.S_IFLNK|0o777, kindEntry)
	if inode == nil {
		return nil
	}
	if fs.Inode_set_link(inode, buf[:n]) != 0 {
		fs.Iput(inode)
		return nil
	}
	return inode
}

// proc_root_lookup finds a root entry, or a process directory (Linux
// proc_root_lookup → proc_lookup, proc_pid_lookup).
func proc_root_lookup(dir *fs.Inode, d *fs.Dentry, flags uint32) int {
	name := d.D_name.Bytes()
	for i := range proc_root_entries {
		de := &proc_root_entries[i]
		if de.Name != string(name) {
			continue
		}
		var inode *fs.Inode
		if de.Link != nil {
			if inode = proc_link_inode(dir.I_sb, de.Link); inode == nil {
				if Task_ops.Current_tgid == nil {
					fs.D_add(d, nil) // no tasks: /proc/self names nothing
					return 0
				}
				return -fs.ENOMEM
			}
		} else {
			if inode = proc_get_inode(dir.I_sb, de.Mode, uintptr(i)<<8|kindEntry); inode == nil {
				return -fs.ENOMEM
			}
			inode.I_fop = &proc_single_file_operations
		}
		fs.D_add(d, inode)
		return 0
	}
	if pid, ok := atoi(name); ok {
		return proc_pid_lookup(dir, d, pid)
	}
	fs.D_add(d, nil)
	return 0
}

// atoi reads a decimal process number (no sign, no leading zero).
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 || b[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// FIRST_PROCESS_ENTRY: readdir positions of the pid directories start
// after the dots and the entries (Linux FIRST_PROCESS_ENTRY, TGID_OFFSET).
const FIRST_PROCESS_ENTRY int64 = 2 + int64(len(proc_root_entries))

// proc_root_readdir lists the entries, then every process (Linux
// proc_root_readdir → proc_readdir + proc_pid_readdir). A process
// directory's position is FIRST_PROCESS_ENTRY + its pid, so the listing
// resumes at the next pid whatever exited meanwhile.
func proc_root_readdir(f *fs.File, ctx *fs.Dir_context) int {
	if !fs.Dir_emit_dots(f, ctx) {
		return 0
	}
	for ctx.Pos < FIRST_PROCESS_ENTRY {
		de := &proc_root_entries[ctx.Pos-2]
		if de.Link != nil && Task_ops.Current_tgid == nil {
			ctx.Pos++ // /proc/self names nothing without tasks
			continue
		}
		if !fs.Dir_emit(ctx, unsafe.Slice(unsafe.StringData(de.Name), len(de.Name)), uint64(ctx.Pos+1000), fs.Dt_type(de.Mode)) {
			return 0
		}
		ctx.Pos++
	}
	if Task_ops.Next_tgid == nil {
		return 0
	}
	// Resume at the pid the position names, or the next one.
	for pid := Task_ops.Next_tgid(max(int(ctx.Pos-FIRST_PROCESS_ENTRY)-1, 0)); pid > 0; pid = Task_ops.Next_tgid(pid) {
		ctx.Pos = FIRST_PROCESS_ENTRY + int64(pid)
		var name [12]byte
		n := printk.Snprintf(name[:], "%d", printk.Int(pid))
		if !fs.Dir_emit(ctx, name[:n], pid_ino(pid, 0), uapi.DT_DIR) {
			return 0
		}
		ctx.Pos++
	}
	return 0
}

// proc_root_getattr: /proc's link count counts the process directories
// (Linux proc_root_getattr).
var proc_root_inode_operations = fs.InodeOperations{Lookup: proc_root_lookup}

var proc_root_operations = fs.FileOperations{
	Read:           fs.Generic_read_dir,
	Iterate_shared: proc_root_readdir,
	Llseek:         fs.Default_llseek,
}

var proc_sops = fs.SuperOperations{Statfs: fs.Simple_statfs}

// proc_fill_super makes the root (Linux proc_fill_super).
func proc_fill_super(sb *fs.SuperBlock, data []byte, silent bool) int {
	sb.S_magic = PROC_SUPER_MAGIC
	sb.S_op = &proc_sops
	sb.S_d_op = &proc_dentry_operations
	sb.S_blocksize = 1024
	root := proc_get_inode(sb, uapi.S_IFDIR|0o555, kindRoot)
	if root == nil {
		return -fs.ENOMEM
	}
	root.I_ino = PROC_ROOT_INO
	root.I_op = &proc_root_inode_operations
	root.I_fop = &proc_root_operations
	if sb.S_root = fs.D_make_root(root); sb.S_root == nil {
		return -fs.ENOMEM
	}
	return 0
}

// proc_dentry_operations: unused dentries go at once, and a process
// directory goes when its process has (Linux pid_revalidate).
var proc_dentry_operations = fs.DentryOperations{
	D_delete:     fs.Always_delete_dentry,
	D_revalidate: pid_revalidate,
}

func proc_mount(t *fs.FileSystemType, flags uint32, dev_name, data []byte) (*fs.Dentry, int) {
	return fs.Mount_nodev(t, flags, data, proc_fill_super)
}

// Proc_fs_type is "proc" (Linux proc_fs_type). Each mount is a new
// instance showing the same kernel.
var Proc_fs_type = fs.FileSystemType{Name: "proc", Mount: proc_mount, Kill_sb: fs.Kill_anon_super}

// Proc_root_init registers procfs (Linux proc_root_init).
func Proc_root_init() int {
	Task_ops_init()
	return fs.Register_filesystem(&Proc_fs_type)
}
