package proc

import (
	"gokern/include/compiler"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// The process directories. Linux: fs/proc/base.c (proc_pid_lookup,
// proc_tgid_base_lookup, proc_pid_readdir, pid_revalidate, proc_self),
// fs/proc/array.c (do_task_stat, proc_pid_status), fs/proc/task_mmu.c
// (show_map_vma), proc_pid_cmdline_read.

// Task_info is what the per-process files show of one task (Linux reads
// task_struct, mm_struct and signal_struct directly; gokern asks the
// scheduler and mm through Task_ops).
type Task_info struct {
	Pid, Tgid, Ppid int
	Pgrp, Session   int
	Tty_nr          uapi.Dev_t // the controlling tty's device, 0 if none
	Tpgid           int        // its foreground process group, -1 if none
	Comm            [16]byte   // NUL-padded
	State           byte       // 'R', 'S', 'D', 'T', 'Z', 'X'
	Flags           uint32     // PF_*
	Minflt, Majflt  uint64
	Utime, Stime    uint64 // clock ticks (USER_HZ)
	Priority, Nice  int
	Num_threads     int
	Start_time      uint64 // clock ticks after boot
	Vsize           uint64 // bytes
	Rss             uint64 // pages
	Start_code      uint64
	End_code        uint64
	Start_stack     uint64
	Start_data      uint64
	End_data        uint64
	Start_brk       uint64
	Arg_start       uint64
	Arg_end         uint64
	Env_start       uint64
	Env_end         uint64
	// Uid, Gid: the owner of /proc/<pid> (Linux task_dump_owner: the
	// effective ids); Cred all of them, for status.
	Uid, Gid         uint32
	Cred             sched.Cred
	Umask            uint32
	Fdsize           int
	Vm_peak, Vm_data uint64 // pages
	Vm_stk, Vm_exe   uint64
	Sig_pnd, Sig_blk uint64
	Sig_ign, Sig_cgt uint64
	Processor        int
	Exit_signal      int
}

// Vma_info is one mapping of a process, as maps shows it.
type Vma_info struct {
	Start, End uint64
	Read       bool
	Write      bool
	Exec       bool
	Shared     bool
	Pgoff      uint64 // bytes
	Dev        uapi.Dev_t
	Ino        uint64
	Name       [128]byte // the file's path, "[heap]", "[stack]", "[vdso]", or empty
	Name_len   int
}

// Task_ops are the scheduler's and mm's answers; nil until they exist,
// and /proc then lists no process.
var Task_ops struct {
	// Next_tgid returns the smallest thread-group id above after, or 0.
	Next_tgid func(after int) int
	// Get_task fills info for pid: false when there is no such task.
	Get_task func(pid int, info *Task_info) bool
	// Next_vma fills vma with pid's first mapping ending above addr:
	// false when there is none.
	Next_vma func(pid int, addr uint64, vma *Vma_info) bool
	// Cmdline copies pid's arguments, NUL-separated, into buf and
	// returns their length.
	Cmdline func(pid int, buf []byte) int
	// Current_tgid is the current task's thread-group id, for
	// /proc/self.
	Current_tgid func() int
	// Exe copies the path of pid's program into buf and returns its
	// length, 0 for a kernel thread (/proc/<pid>/exe).
	Exe func(pid int, buf []byte) int
	// Fs_path copies the path of pid's working directory, or of its
	// root when root is set, into buf and returns its length, 0 when
	// it has none (/proc/<pid>/cwd, /proc/<pid>/root).
	Fs_path func(pid int, root bool, buf []byte) int
}

// USER_HZ: the unit of the times in stat (Linux USER_HZ).
const USER_HZ = 100

// pid_entries are the files of a process directory (Linux tgid_base_stuff).
var pid_entries = [...]Proc_dir_entry{
	{Name: "cmdline", Mode: uapi.S_IFREG | 0o444, Show: proc_pid_cmdline},
	{Name: "comm", Mode: uapi.S_IFREG | 0o444, Show: proc_pid_comm},
	{Name: "cwd", Mode: uapi.S_IFLNK | 0o777},
	{Name: "exe", Mode: uapi.S_IFLNK | 0o777},
	{Name: "fd", Mode: uapi.S_IFDIR | 0o500},
	{Name: "maps", Mode: uapi.S_IFREG | 0o444, Show: show_map},
	{Name: "root", Mode: uapi.S_IFLNK | 0o777},
	{Name: "stat", Mode: uapi.S_IFREG | 0o444, Show: proc_tgid_stat},
	{Name: "status", Mode: uapi.S_IFREG | 0o444, Show: proc_pid_status},
	// Last: a thread's directory (kindTidDir) has the others, not this
	// one (Linux tid_base_stuff).
	{Name: "task", Mode: uapi.S_IFDIR | 0o555},
}

// pid_ino is the inode number of a process's directory or file (Linux
// gives them fresh numbers; stable ones make d_ino agree with stat).
func pid_ino(pid, file int) uint64 { return uint64(pid)<<8 | uint64(file) + 0x10000 }

// proc_self_get_link is /proc/self's target: the current process's id.
func proc_self_get_link(buf []byte) int {
	if Task_ops.Current_tgid == nil {
		return 0
	}
	return printk.Snprintf(buf, "%d", printk.Int(Task_ops.Current_tgid()))
}

// proc_pid_lookup makes /proc/<pid> if the process exists (Linux
// proc_pid_lookup).
func proc_pid_lookup(dir *fs.Inode, d *fs.Dentry, pid int) int {
	var info Task_info
	// Any thread's id names its directory, as on Linux (listed are the
	// processes only).
	if Task_ops.Get_task == nil || !Task_ops.Get_task(pid, compiler.Noescape(&info)) {
		fs.D_add(d, nil)
		return 0
	}
	inode := proc_get_inode(dir.I_sb, uapi.S_IFDIR|0o555, uintptr(pid)<<8|kindPidDir)
	if inode == nil {
		return -fs.ENOMEM
	}
	inode.I_ino = pid_ino(pid, 0)
	inode.I_uid, inode.I_gid = info.Uid, info.Gid
	inode.I_op = &proc_tgid_base_inode_operations
	inode.I_fop = &proc_tgid_base_operations
	fs.D_add(d, inode)
	return 0
}

// pid_revalidate: a process directory or file is good while its
// process lives (Linux pid_revalidate).
func pid_revalidate(d *fs.Dentry, flags uint32) bool {
	inode := d.D_inode
	if inode == nil {
		return true
	}
	var pid int
	switch inode.I_private & 0xff {
	case kindPidDir:
		pid = int(inode.I_private >> 8)
	case kindPidFile:
		pid = int(inode.I_private >> 16)
	case kindFdDir, kindTaskDir, kindTidDir:
		pid = int(inode.I_private >> 8)
	case kindFdLink:
		// The descriptor may have been closed or reused: look again
		// (Linux tid_fd_revalidate).
		return false
	default:
		return true
	}
	var info Task_info
	return Task_ops.Get_task != nil && Task_ops.Get_task(pid, compiler.Noescape(&info))
}

// proc_tgid_base_lookup finds a file of a process directory.
func proc_tgid_base_lookup(dir *fs.Inode, d *fs.Dentry, flags uint32) int {
	pid := int(dir.I_private >> 8)
	name := d.D_name.Bytes()
	for i := range pid_entries[:pid_nr_entries(dir)] {
		if pid_entries[i].Name != string(name) {
			continue
		}
		if pid_entries[i].Name == "task" {
			return proc_task_dir(dir, d, pid)
		}
		if uapi.S_ISDIR(pid_entries[i].Mode) {
			return proc_fd_dir(dir, d, pid, i)
		}
		inode := proc_get_inode(dir.I_sb, pid_entries[i].Mode, uintptr(pid)<<16|uintptr(i)<<8|kindPidFile)
		if inode == nil {
			return -fs.ENOMEM
		}
		if uapi.S_ISLNK(pid_entries[i].Mode) {
			// exe, cwd, root: the program's, the working
			// directory's and the root's path now, as Linux's
			// proc_exe_link, proc_cwd_link and proc_root_link find
			// them at each follow (the inode lives for one lookup).
			var buf [uapi.PATH_MAX]byte
			n := 0
			switch {
			case pid_entries[i].Name == "exe" && Task_ops.Exe != nil:
				n = Task_ops.Exe(pid, compiler.NoescapeBytes(buf[:]))
			case pid_entries[i].Name != "exe" && Task_ops.Fs_path != nil:
				n = Task_ops.Fs_path(pid, pid_entries[i].Name == "root", compiler.NoescapeBytes(buf[:]))
			}
			if n <= 0 {
				fs.Iput(inode)
				fs.D_add(d, nil)
				return 0
			}
			if err := fs.Inode_set_link(inode, buf[:n]); err != 0 {
				fs.Iput(inode)
				return err
			}
		}
		inode.I_ino = pid_ino(pid, i+1)
		inode.I_uid, inode.I_gid = dir.I_uid, dir.I_gid
		inode.I_fop = &proc_single_file_operations
		fs.D_add(d, inode)
		return 0
	}
	fs.D_add(d, nil)
	return 0
}

// proc_tgid_base_readdir lists a process directory.
func proc_tgid_base_readdir(f *fs.File, ctx *fs.Dir_context) int {
	if !fs.Dir_emit_dots(f, ctx) {
		return 0
	}
	pid := int(f.F_inode.I_private >> 8)
	for ctx.Pos-2 < int64(pid_nr_entries(f.F_inode)) {
		i := int(ctx.Pos - 2)
		name := pid_entries[i].Name
		if !fs.Dir_emit(ctx, unsafe.Slice(unsafe.StringData(name), len(name)), pid_ino(pid, i+1), fs.Dt_type(pid_entries[i].Mode)) {
			return 0
		}
		ctx.Pos++
	}
	return 0
}

// pid_nr_entries: the files of a process directory, or of a thread's
// under task/ (all but "task").
func pid_nr_entries(dir *fs.Inode) int {
	if dir.I_private&0xff == kindTidDir {
		return len(pid_entries) - 1
	}
	return len(pid_entries)
}

var proc_tgid_base_inode_operations = fs.InodeOperations{Lookup: proc_tgid_base_lookup}

var proc_tgid_base_operations = fs.FileOperations{
	Read:           fs.Generic_read_dir,
	Iterate_shared: proc_tgid_base_readdir,
	Llseek:         fs.Default_llseek,
}

// task_of reads the task of a per-process file; false if it is gone.
func task_of(v uintptr, info *Task_info) (int, bool) {
	pid := int(v >> 16)
	return pid, Task_ops.Get_task != nil && Task_ops.Get_task(pid, compiler.Noescape(info))
}

// comm is a task's name, without its padding.
func comm(info *Task_info) []byte {
	n := 0
	for n < len(info.Comm) && info.Comm[n] != 0 {
		n++
	}
	return info.Comm[:n]
}

// proc_tgid_stat is /proc/<pid>/stat, 52 fields (Linux do_task_stat).
func proc_tgid_stat(m *fs.Seq_file, v uintptr) int {
	var t Task_info
	if _, ok := task_of(v, &t); !ok {
		return -fs.ESRCH
	}
	fs.Seq_printf(m, "%d (%s) %c %d %d %d %d %d %u ", printk.Int(t.Pid), printk.Bytes(comm(&t)), printk.Int(t.State),
		printk.Int(t.Ppid), printk.Int(t.Pgrp), printk.Int(t.Session), printk.Int(uapi.New_encode_dev(t.Tty_nr)),
		printk.Int(t.Tpgid), printk.Int(t.Flags))
	fs.Seq_printf(m, "%lu %lu %lu %lu %lu %lu %ld %ld %ld %ld %d 0 %llu %lu %ld %lu ",
		printk.Int(t.Minflt), printk.Int(0), printk.Int(t.Majflt), printk.Int(0),
		printk.Int(t.Utime), printk.Int(t.Stime), printk.Int(0), printk.Int(0),
		printk.Int(t.Priority), printk.Int(t.Nice), printk.Int(t.Num_threads),
		printk.Int(t.Start_time), printk.Int(t.Vsize), printk.Int(t.Rss), printk.Int(^uint64(0)))
	fs.Seq_printf(m, "%lu %lu %lu %lu %lu %lu %lu %lu %lu 0 0 0 %d %d 0 0 0 0 0 ",
		printk.Int(t.Start_code), printk.Int(t.End_code), printk.Int(t.Start_stack), printk.Int(0), printk.Int(0),
		printk.Int(t.Sig_pnd), printk.Int(t.Sig_blk), printk.Int(t.Sig_ign), printk.Int(t.Sig_cgt),
		printk.Int(t.Exit_signal), printk.Int(t.Processor))
	fs.Seq_printf(m, "%lu %lu %lu %lu %lu %lu %lu 0\n", printk.Int(t.Start_data), printk.Int(t.End_data),
		printk.Int(t.Start_brk), printk.Int(t.Arg_start), printk.Int(t.Arg_end), printk.Int(t.Env_start), printk.Int(t.Env_end))
	return 0
}

// task_state_name is the State line's word (Linux task_state_array).
func task_state_name(s byte) string {
	switch s {
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "disk sleep"
	case 'T':
		return "stopped"
	case 't':
		return "tracing stop"
	case 'Z':
		return "zombie"
	case 'X':
		return "dead"
	}
	return "idle"
}

// proc_pid_status is /proc/<pid>/status (Linux proc_pid_status: the
// lines busybox and procps read, in Linux's order and layout).
// proc_pid_comm is /proc/<pid>/comm: the task's name and a newline
// (Linux comm_show; Linux lets a thread write its own, gokern does not:
// prctl(PR_SET_NAME) renames it).
func proc_pid_comm(m *fs.Seq_file, v uintptr) int {
	var t Task_info
	if _, ok := task_of(v, &t); !ok {
		return -fs.ESRCH
	}
	fs.Seq_printf(m, "%s\n", printk.Bytes(comm(&t)))
	return 0
}

func proc_pid_status(m *fs.Seq_file, v uintptr) int {
	var t Task_info
	if _, ok := task_of(v, &t); !ok {
		return -fs.ESRCH
	}
	fs.Seq_printf(m, "Name:\t%s\nUmask:\t0000\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		printk.Bytes(comm(&t)), printk.Int(t.State), printk.Str(task_state_name(t.State)),
		printk.Int(t.Tgid), printk.Int(t.Pid), printk.Int(t.Ppid))
	octal(m, "Umask:\t", t.Umask)
	c := &t.Cred
	fs.Seq_printf(m, "Uid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nFDSize:\t%d\nGroups:\t",
		printk.Int(c.Uid), printk.Int(c.Euid), printk.Int(c.Suid), printk.Int(c.Fsuid),
		printk.Int(c.Gid), printk.Int(c.Egid), printk.Int(c.Sgid), printk.Int(c.Fsgid), printk.Int(t.Fdsize))
	for _, g := range c.Groups[:c.Ngroups] {
		fs.Seq_printf(m, "%d ", printk.Int(g))
	}
	fs.Seq_putc(m, '\n')
	kb := func(name string, pages uint64) {
		fs.Seq_printf(m, "%s\t%8lu kB\n", printk.Str(name), printk.Int(pages*4))
	}
	kb("VmPeak:", t.Vm_peak)
	kb("VmSize:", t.Vsize/4096)
	kb("VmRSS:", t.Rss)
	kb("VmData:", t.Vm_data)
	kb("VmStk:", t.Vm_stk)
	kb("VmExe:", t.Vm_exe)
	fs.Seq_printf(m, "Threads:\t%d\nSigPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		printk.Int(t.Num_threads), printk.Int(t.Sig_pnd), printk.Int(t.Sig_blk), printk.Int(t.Sig_ign), printk.Int(t.Sig_cgt))
	return 0
}

// octal fills in the Umask line's four digits (printk has no %o): it
// was printed as 0000 and is fixed in place.
func octal(m *fs.Seq_file, prefix string, v uint32) {
	// Find "Umask:\t0000" and put the digits.
	b := m.Buf[:m.Count]
	for i := 0; i+len(prefix)+4 <= len(b); i++ {
		if string(b[i:i+len(prefix)]) == prefix {
			d := b[i+len(prefix) : i+len(prefix)+4]
			for k := 3; k >= 0; k-- {
				d[k] = byte('0' + v&7)
				v >>= 3
			}
			return
		}
	}
}

// show_map is /proc/<pid>/maps (Linux show_map_vma): start-end, perms,
// offset, device, inode, then the name from column 74.
func show_map(m *fs.Seq_file, v uintptr) int {
	var t Task_info
	pid, ok := task_of(v, &t)
	if !ok {
		return -fs.ESRCH
	}
	if Task_ops.Next_vma == nil {
		return 0
	}
	var vma Vma_info
	for addr := uint64(0); Task_ops.Next_vma(pid, addr, compiler.Noescape(&vma)); addr = vma.End {
		perm := func(on bool, c byte) byte {
			if on {
				return c
			}
			return '-'
		}
		shared := byte('p')
		if vma.Shared {
			shared = 's'
		}
		start := m.Count
		fs.Seq_printf(m, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", printk.Int(vma.Start), printk.Int(vma.End),
			printk.Int(perm(vma.Read, 'r')), printk.Int(perm(vma.Write, 'w')), printk.Int(perm(vma.Exec, 'x')),
			printk.Int(shared), printk.Int(vma.Pgoff), printk.Int(uapi.MAJOR(vma.Dev)), printk.Int(uapi.MINOR(vma.Dev)),
			printk.Int(vma.Ino))
		if vma.Name_len > 0 {
			// seq_setwidth(m, 25 + sizeof(void *) * 6 - 1); seq_pad.
			fs.Seq_pad(m, start, 25+8*6-1, ' ')
			fs.Seq_write(m, vma.Name[:vma.Name_len])
		} else {
			// Without a name Linux trims the trailing space.
			m.Count--
		}
		fs.Seq_putc(m, '\n')
		if vma.End <= addr {
			break
		}
	}
	return 0
}

// proc_pid_cmdline is /proc/<pid>/cmdline: the arguments, each ended by
// a NUL (Linux get_mm_cmdline).
func proc_pid_cmdline(m *fs.Seq_file, v uintptr) int {
	var t Task_info
	pid, ok := task_of(v, &t)
	if !ok {
		return -fs.ESRCH
	}
	if Task_ops.Cmdline == nil {
		return 0
	}
	buf := fs.Seq_get_buf(m)
	n := Task_ops.Cmdline(pid, buf)
	if n >= len(buf) {
		n = -1 // it may not all have fitted: again with more room
	}
	fs.Seq_commit(m, n)
	return 0
}
