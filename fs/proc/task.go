package proc

import (
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// /proc/<pid>/task: one directory per thread of the process, named by
// its thread id, holding the thread's own files (Linux fs/proc/base.c:
// proc_task_lookup, proc_task_readdir, first_tid/next_tid,
// tid_base_stuff). A thread's status shows its own credentials, which
// set*id changes per thread; Go's syscall tests read them there for
// every thread after AllThreadsSyscall.

// task_dir_ino and tid_dir_ino: inode numbers apart from the process
// directory's files (pid_ino's file numbers stay below 0xfe).
func task_dir_ino(pid int) uint64 { return pid_ino(pid, 0xfe) }
func tid_dir_ino(tid int) uint64  { return pid_ino(tid, 0xff) }

// proc_task_dir makes /proc/<pid>/task.
func proc_task_dir(dir *fs.Inode, d *fs.Dentry, pid int) int {
	return proc_subdir(dir, d, uintptr(pid)<<8|kindTaskDir, task_dir_ino(pid), &proc_task_inode_operations, &proc_task_operations)
}

// proc_subdir adds d as a directory inode of dir's owner, mode 0555.
func proc_subdir(dir *fs.Inode, d *fs.Dentry, private uintptr, ino uint64, iop *fs.InodeOperations, fop *fs.FileOperations) int {
	inode := proc_get_inode(dir.I_sb, uapi.S_IFDIR|0o555, private)
	if inode == nil {
		return -fs.ENOMEM
	}
	inode.I_ino = ino
	inode.I_uid, inode.I_gid = dir.I_uid, dir.I_gid
	inode.I_op, inode.I_fop = iop, fop
	fs.D_add(d, inode)
	return 0
}

// thread_of reports whether tid is a live thread of process pid.
func thread_of(pid, tid int) bool {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	t := find_task(tid)
	ok := t != nil && int(t.Tgid) == pid
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return ok
}

// proc_task_lookup finds /proc/<pid>/task/<tid>: a directory of the
// thread's files when tid is a thread of pid (Linux proc_task_lookup).
func proc_task_lookup(dir *fs.Inode, d *fs.Dentry, flags uint32) int {
	pid := int(dir.I_private >> 8)
	tid, ok := atoi(d.D_name.Bytes())
	if !ok || !thread_of(pid, tid) {
		fs.D_add(d, nil)
		return 0
	}
	return proc_subdir(dir, d, uintptr(tid)<<8|kindTidDir, tid_dir_ino(tid), &proc_tgid_base_inode_operations, &proc_tgid_base_operations)
}

// group_tids copies into tids the ids of process pid's threads from the
// from-th on, the leader first and then in the order they joined, and
// returns how many (Linux first_tid/next_tid walk the group by index
// too). Under Tasklist_lock, which threads leave the ring under; the
// caller emits them after, as copying to the user may fault.
func group_tids(pid, from int, tids []int32) int {
	n := 0
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	if t := find_task(pid); t != nil && int(t.Tgid) == pid {
		l := t
		if t.Group_leader != nil {
			l = t.Group_leader
		}
		i := 0
		take := func(o *sched.Task_struct) bool {
			if i >= from {
				if n == len(tids) {
					return false
				}
				tids[n] = o.Pid
				n++
			}
			i++
			return true
		}
		if take(l) {
			sched.For_other_threads(l, take)
		}
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return n
}

// proc_task_readdir lists the threads: ctx.Pos 2 + n is the n-th.
func proc_task_readdir(f *fs.File, ctx *fs.Dir_context) int {
	if !fs.Dir_emit_dots(f, ctx) {
		return 0
	}
	pid := int(f.F_inode.I_private >> 8)
	var tids [32]int32
	for {
		n := group_tids(pid, int(ctx.Pos-2), tids[:])
		for _, tid := range tids[:n] {
			var name [12]byte
			k := printk.Snprintf(name[:], "%d", printk.Int(tid))
			if !fs.Dir_emit(ctx, name[:k], tid_dir_ino(int(tid)), uapi.DT_DIR) {
				return 0
			}
			ctx.Pos++
		}
		if n < len(tids) {
			return 0
		}
	}
}

// proc_task_inode_operations' Lookup is proc_task_lookup, set by
// Task_ops_init.
var proc_task_inode_operations fs.InodeOperations

var proc_task_operations = fs.FileOperations{
	Read:           fs.Generic_read_dir,
	Iterate_shared: proc_task_readdir,
	Llseek:         fs.Default_llseek,
}
