package proc

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// What the process files read of a task (Linux fs/proc/array.c,
// task_mmu.c and base.c read task_struct and mm_struct directly; gokern
// fills Task_ops from the scheduler's tasks and their mm here). Every
// task has its own /proc/<pid> directory (Linux lists only the groups)
// and its process's task/ lists it too; its Threads count is its group's.

// Task_ops_init points Task_ops at the scheduler's tasks.
func Task_ops_init() {
	Task_ops.Next_tgid = next_tgid
	Task_ops.Get_task = get_task
	Task_ops.Next_vma = pid_next_vma
	Task_ops.Cmdline = get_mm_cmdline
	Task_ops.Current_tgid = current_tgid
	Task_ops.Exe = proc_exe_link
	Task_ops.Fs_path = proc_fs_link
	// Set here, not in its initialiser: a thread's directory under
	// task/ has the process directory's operations, which lead to
	// task/ again (Go refuses such an initialisation cycle).
	proc_task_inode_operations.Lookup = proc_task_lookup
}

// proc_fs_link is the path of the task's working directory or root
// (Linux proc_cwd_link and proc_root_link: get_fs_pwd, get_fs_root),
// as the reader's root sees it; 0 for a task without an fs_struct.
func proc_fs_link(pid int, root bool, buf []byte) int {
	t := get_pid_task(pid)
	if t == nil {
		return 0
	}
	n := task_fs_link(t, root, buf)
	sched.Put_task_struct(t)
	return n
}

func task_fs_link(t *sched.Task_struct, root bool, buf []byte) int {
	var p fs.Path
	if !fs.Get_task_fs_path(t, root, &p) {
		return 0
	}
	name, err := fs.D_path(&p, buf)
	n := 0
	if err == 0 {
		n = copy(buf, name)
	}
	fs.Path_put(&p)
	return n
}

// proc_exe_link is the path of the file mapped at the task's code (Linux
// proc_exe_link reads mm->exe_file, which exec sets to the same file).
func proc_exe_link(pid int, buf []byte) int {
	t := get_pid_task(pid)
	if t == nil {
		return 0
	}
	n := task_exe_link(t, buf)
	sched.Put_task_struct(t)
	return n
}

func task_exe_link(t *sched.Task_struct, buf []byte) int {
	if t.Mm == nil {
		return 0
	}
	v := mm.Find_vma(t.Mm, t.Mm.Start_code)
	if v == nil || v.Vm_start > t.Mm.Start_code {
		return 0
	}
	f, ok := v.Vm_file.(*fs.File)
	if !ok {
		return 0
	}
	name, err := fs.D_path(&f.F_path, buf)
	if err != 0 {
		return 0
	}
	return copy(buf, name)
}

// find_task is pid's task; pid 0, the idle task, is no process of
// /proc's (Linux lists none). The caller holds Tasklist_lock while it
// uses the task; one that cannot takes get_pid_task's reference instead.
func find_task(pid int) *sched.Task_struct {
	if pid <= 0 {
		return nil
	}
	return sched.Find_task_by_pid(int32(pid))
}

// get_pid_task is pid's task with a reference taken, or nil (Linux
// get_pid_task): the task_struct stays that task's while /proc reads it,
// though the task dies and is released meanwhile; sched.Put_task_struct
// when done. Without it a task freed under a reader was zeroed and
// reused by the next fork, and stat showed one task's pid with another's
// fields (selftest proc_task_ref_smp: 827 of 4156447 reads at -smp 4).
func get_pid_task(pid int) *sched.Task_struct {
	if pid <= 0 {
		return nil
	}
	return sched.Find_get_task_by_pid(int32(pid))
}

// group_threads counts t's group under tasklist_lock, as its ring changes
// when a thread exits (Linux get_nr_threads reads signal->nr_threads).
func group_threads(t *sched.Task_struct) int {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	n := sched.Get_nr_threads(t)
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return n
}

// next_tgid is the smallest pid above after (Linux next_tgid).
func next_tgid(after int) int {
	best := 0
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if p := int(t.Pid); p > after && (best == 0 || p < best) {
			best = p
		}
		return true
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return best
}

func current_tgid() int {
	if t := sched.Get_current(); t != nil {
		return int(t.Pid)
	}
	return 0
}

// get_task fills info from the task and its mm (Linux do_task_stat and
// proc_pid_status's sources).
func get_task(pid int, info *Task_info) bool {
	t := get_pid_task(pid)
	if t == nil {
		return false
	}
	task_info(t, pid, info)
	sched.Put_task_struct(t)
	return true
}

// task_info is get_task's body, with t held.
func task_info(t *sched.Task_struct, pid int, info *Task_info) {
	*info = Task_info{Pid: pid, Tgid: int(t.Tgid), Tpgid: -1, Flags: t.Flags,
		// Linux task_prio: prio - MAX_RT_PRIO (20 + nice), and task_nice.
		Priority: int(t.Static_prio) - 100, Nice: sched.Task_nice(t), Num_threads: group_threads(t),
		Processor: int(t.Cpu), Umask: fs.Init_fs.Umask, Fdsize: fs.Init_files.Max_fds}
	if p := t.Real_parent; p != nil {
		// The parent process's id (Linux task_tgid_nr_ns of
		// real_parent), which may be a thread other than its leader.
		info.Ppid = int(p.Tgid)
	}
	copy(info.Comm[:], t.Comm[:])
	info.Cred = t.Cred
	// The process group and session job control set (signal_struct's;
	// Linux task_pgrp_nr_ns, task_session_nr_ns). The controlling tty's
	// number and foreground group stay 0 and -1: the tty sits above
	// procfs.
	if s := t.Group_leader; s != nil && s.Signal != nil {
		info.Pgrp, info.Session = int(s.Signal.Pgrp), int(s.Signal.Session)
	} else if t.Signal != nil {
		info.Pgrp, info.Session = int(t.Signal.Pgrp), int(t.Signal.Session)
	}
	info.Uid, info.Gid = t.Cred.Euid, t.Cred.Egid
	info.State = sched.State_char(t)
	if info.State == 'N' || info.State == '?' {
		info.State = 'R'
	}
	// Every tick the task was current at, in USER_HZ, all as user time:
	// the tick does not record which mode it interrupted.
	info.Utime = t.Sum_exec_ticks * USER_HZ / ktime.HZ
	if m := t.Mm; m != nil {
		info.Vsize = m.Total_vm * asm.PAGE_SIZE
		info.Rss = m.Rss
		info.Vm_peak = m.Total_vm
		info.Start_code, info.End_code = m.Start_code, m.End_code
		info.Start_data, info.End_data = m.Start_data, m.End_data
		info.Start_stack, info.Start_brk = m.Start_stack, m.Start_brk
		info.Arg_start, info.Arg_end = m.Arg_start, m.Arg_end
		info.Env_start, info.Env_end = m.Env_start, m.Env_end
		info.Minflt = m.Faults
		for v := mm.First_vma(m); v != nil; v = mm.Next_vma(v) {
			pages := (v.Vm_end - v.Vm_start) / asm.PAGE_SIZE
			switch {
			case v.Vm_flags&mm.VM_GROWSDOWN != 0:
				info.Vm_stk += pages
			case v.Vm_flags&mm.VM_EXEC != 0 && v.Vm_flags&mm.VM_WRITE == 0:
				info.Vm_exe += pages
			case v.Vm_flags&mm.VM_WRITE != 0 && v.Vm_flags&mm.VM_SHARED == 0:
				info.Vm_data += pages
			}
		}
	}
}

// pid_next_vma fills vma with pid's first mapping ending above addr (Linux
// m_next over find_vma), named as show_map_vma names it: the file's path,
// [heap] for the one holding the brk area, [stack] for the one holding
// the initial stack.
func pid_next_vma(pid int, addr uint64, vma *Vma_info) bool {
	t := get_pid_task(pid)
	if t == nil {
		return false
	}
	ok := task_next_vma(t, addr, vma)
	sched.Put_task_struct(t)
	return ok
}

func task_next_vma(t *sched.Task_struct, addr uint64, vma *Vma_info) bool {
	if t.Mm == nil {
		return false
	}
	m := t.Mm
	v := mm.Find_vma(m, addr)
	if v == nil {
		return false
	}
	*vma = Vma_info{Start: v.Vm_start, End: v.Vm_end, Read: v.Vm_flags&mm.VM_READ != 0,
		Write: v.Vm_flags&mm.VM_WRITE != 0, Exec: v.Vm_flags&mm.VM_EXEC != 0,
		Shared: v.Vm_flags&mm.VM_MAYSHARE != 0, Pgoff: v.Vm_pgoff * asm.PAGE_SIZE}
	switch {
	case v.Vm_file != nil:
		if f, ok := v.Vm_file.(*fs.File); ok {
			vma.Dev, vma.Ino = f.F_inode.I_sb.S_dev, f.F_inode.I_ino
			if fs.Is_shmem_zero_file(f) {
				// Shared anonymous memory (Linux: the shmem file's
				// d_path, "/dev/zero (deleted)").
				vma.Name_len = copy(vma.Name[:], "/dev/zero (deleted)")
			} else if name, err := fs.D_path(&f.F_path, vma.Name[:]); err == 0 {
				vma.Name_len = copy(vma.Name[:], name)
			}
		}
	case v.Vm_start <= m.Brk && v.Vm_end >= m.Start_brk:
		vma.Name_len = copy(vma.Name[:], "[heap]")
	case v.Vm_start <= m.Start_stack && m.Start_stack <= v.Vm_end:
		vma.Name_len = copy(vma.Name[:], "[stack]")
	}
	return true
}

// get_mm_cmdline copies pid's arguments out of its address space (Linux
// get_mm_cmdline over access_remote_vm): page by page through its page
// tables, so it reads another process's memory too; a page not present
// ends it.
func get_mm_cmdline(pid int, buf []byte) int {
	t := get_pid_task(pid)
	if t == nil {
		return 0
	}
	n := 0
	if m := t.Mm; m != nil && m.Arg_end > m.Arg_start {
		n = access_remote_vm(m, m.Arg_start, buf[:min(uint64(len(buf)), m.Arg_end-m.Arg_start)])
	}
	sched.Put_task_struct(t)
	return n
}

// access_remote_vm reads user memory of m into buf (Linux
// access_remote_vm, without faulting pages in): the bytes read.
func access_remote_vm(m *mm.MmStruct, addr uint64, buf []byte) int {
	n := 0
	for n < len(buf) {
		pte := mm.User_pte_flags(m, addr)
		if !pte.Present() {
			break
		}
		off := addr % asm.PAGE_SIZE
		c := min(uint64(len(buf)-n), asm.PAGE_SIZE-off)
		src := unsafe.Slice((*byte)(asm.Phys_to_virt(uintptr(pte.Phys())+uintptr(off))), c)
		n += copy(buf[n:], src)
		addr += c
	}
	return n
}
