package exec

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/drivers/debugexit"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	"gokern/mm"
	"gokern/printk"
)

// Exit, and the process's parts that live above the scheduler. Linux:
// kernel/exit.c (do_exit's exit_mm, exit_files, exit_fs; do_group_exit;
// find_child_reaper's "Attempted to kill init!"), kernel/fork.c
// (copy_files, copy_fs). When pid 1 ends, Linux panics; gokern does too,
// and with QEMU's isa-debug-exit present it ends the run with init's
// verdict (issue 14 item 6): 0x10 (QEMU exits 33) when init called
// exit(0), 0x11 (QEMU exits 35) for any other status or a death by a
// signal, so a boot test sees a program's result.

// Init_exit_code is init's Linux exit code when it died (for the tests
// and gdb): status << 8, or the signal.
var Init_exit_code int

// Do_group_exit ends the current process with code (Linux do_group_exit
// → do_exit; exit_group, exit and a fatal signal all come here): the
// other threads of the group are killed first (signal.Zap_other_threads:
// a group already dying ends with the code it is dying with), then the
// caller's address space, descriptors and fs_struct go, then the task
// itself (sched.Do_exit: a zombie for its parent's wait4, told to the
// parent once the last thread is gone). Init's end stops the kernel. It
// never returns.
func Do_group_exit(code int) {
	p := sched.Get_current()
	code = signal.Zap_other_threads(p, code)
	// Init ends only with its process: not a thread (even its leader)
	// killed by another's execve (Linux panics only when init's whole
	// group is dead).
	if p.Tgid == 1 && !sched.Killed_by_exec(p) {
		sched.Exit_clear_child_tid()
		exit_mm(p)
		init_exit(code)
	}
	exitTask(p, code)
}

// Do_exit_thread ends only the calling thread (Linux exit(2) → do_exit):
// its CLONE_CHILD_CLEARTID word is cleared and woken, it lets go of the
// shared address space, descriptor table and fs_struct, and goes without
// a zombie. The last thread of a process ends it as exit_group does.
func Do_exit_thread(code int) {
	p := sched.Get_current()
	if groupThreads(p) == 1 {
		Do_group_exit(code)
	}
	exitTask(p, code)
}

// groupThreads counts p's group under tasklist_lock (Get_nr_threads walks
// the group's ring, which exiting threads change under that lock: a walk
// without it that stood on a thread just unlinked went round that
// thread's emptied node for ever, an exec/smp4 hang in exitTask).
func groupThreads(p *sched.Task_struct) int {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	n := sched.Get_nr_threads(p)
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return n
}

// exitTask is do_exit for one task of a user process: its
// CLONE_CHILD_CLEARTID word, then its share of the address space,
// descriptor table and fs_struct, then the task.
func exitTask(p *sched.Task_struct, code int) {
	// Out of its group's signals first: no group signal or group stop
	// waits for it from now on (Linux exit_signals).
	signal.Exit_signals(p)
	// The last thread out stops the process's timers (Linux do_exit's
	// group_dead: real_timer and exit_itimers).
	signal.Exit_itimers(p)
	// Its queued real-time signals, and the group's with the last
	// thread (Linux __exit_signal's flush_sigqueue).
	signal.Exit_sigqueues(p, groupThreads(p) == 1)
	sched.Exit_clear_child_tid()
	exit_mm(p)
	fs.Exit_files(p)
	fs.Exit_fs(p)
	sched.Do_exit(code)
}

// exit_mm drops the task's address space (Linux exit_mm): back to the
// kernel's page tables first, then the last user frees it.
func exit_mm(p *sched.Task_struct) {
	m := p.Mm
	if m == nil {
		return
	}
	if p.Tgid == 1 {
		Init_cpus_ran, Init_max_cpus = m.Cpus_ran, m.Max_cpus
	}
	p.Mm, p.Active_mm = nil, &mm.Init_mm
	sched.Switch_mm(m, &mm.Init_mm)
	sched.Mm_release(p)
	mm.Mmput(m)
}

// Init_cpus_ran and Init_max_cpus: the CPUs init's threads ran on, and
// the most at once (its mm's Cpus_ran and Max_cpus), for init_exit's line.
var (
	Init_cpus_ran uint64
	Init_max_cpus int32
)

// init_exiting: a thread of init is in init_exit.
var init_exiting atomic.Bool

// init_exit: pid 1 died (Linux: panic("Attempted to kill init!
// exitcode=0x%08x\n") in do_exit), with isa-debug-exit's verdict.
func init_exit(code int) {
	// One report: the caller of exit_group zaps init's other threads,
	// and each of them comes here too on its way out (Linux panics once,
	// with the group's last thread; gokern with its first). They sleep
	// for good while the first stops the machine (not a halt with
	// interrupts off: on its CPU the first may still have to run).
	if !init_exiting.CompareAndSwap(false, true) {
		for {
			sched.Set_current_state(sched.TASK_UNINTERRUPTIBLE)
			sched.Schedule()
		}
	}
	Init_exit_code = code
	printk.Console_verbose()
	// gokern: what the processes left behind, for the boot tests (every
	// user page freed once no process is left; the COW counts).
	others := 0
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if t.Pid != 1 && t.Flags&sched.PF_KTHREAD == 0 && t.Pid != 0 {
			others++
		}
		return true
	})
	printk.Pr_info("exit: init (pid 1) exits after %d forks (%d refused at threads-max %d, %d at RLIMIT_NPROC); copy-on-write: %d pages shared, %d copied, %d reused; %d user pages and %d other processes left\n",
		printk.Int(sched.Total_forks), printk.Int(sched.Fork_refused), printk.Int(sched.Max_threads), printk.Int(sched.Nr_refused_nproc), printk.Int(mm.Cow_shared),
		printk.Int(mm.Cow_copied), printk.Int(mm.Cow_reused), printk.Int(mm.User_pages), printk.Int(others))
	printk.Pr_info("exit: init's threads ran on CPUs %#x, on %d of them at once at most\n", printk.Int(Init_cpus_ran), printk.Int(Init_max_cpus))
	printk.Pr_emerg("Kernel panic - not syncing: Attempted to kill init! exitcode=0x%08x\n", printk.Int(code))
	if code == 0 {
		debugexit.Exit(debugexit.DEBUG_EXIT_SUCCESS)
	}
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
	debugexit.Machine_halt()
}

// Task_files and Task_fs give a task's Files and Fs their types: nil is
// the boot task's table and fs_struct, which kernel threads use (Linux
// init_files, init_fs).
func Task_files(t *sched.Task_struct) *fs.Files_struct {
	if t == nil || t.Files == nil {
		return &fs.Init_files
	}
	return (*fs.Files_struct)(t.Files)
}

func Task_fs(t *sched.Task_struct) *fs.Fs_struct {
	if t == nil || t.Fs == nil {
		return &fs.Init_fs
	}
	return (*fs.Fs_struct)(t.Fs)
}

// files_of_current and fs_of_current are fs.Get_current_files and
// fs.Get_current_fs: current->files, current->fs.
func files_of_current() *fs.Files_struct { return Task_files(sched.Get_current()) }
func fs_of_current() *fs.Fs_struct       { return Task_fs(sched.Get_current()) }

// copy_files gives fork's child a copy of the descriptor table, or the
// same table with CLONE_FILES (Linux copy_files → dup_fd).
func copy_files(clone_flags uint64, t *sched.Task_struct) int {
	old := files_of_current()
	if clone_flags&sched.CLONE_FILES != 0 {
		atomic.AddInt32(&old.Count, 1) // fs.Put_files_struct drops it atomically
		t.Files = unsafe.Pointer(old)
		return 0
	}
	n, r := fs.Dup_fd(old)
	if r != 0 {
		return r
	}
	t.Files = unsafe.Pointer(n)
	return 0
}

// copy_fs gives the child a copy of the root, cwd and umask, or the same
// fs_struct with CLONE_FS (Linux copy_fs).
func copy_fs(clone_flags uint64, t *sched.Task_struct) int {
	old := fs_of_current()
	if clone_flags&sched.CLONE_FS != 0 {
		fs.Get_fs_struct(old)
		t.Fs = unsafe.Pointer(old)
		return 0
	}
	n := fs.Copy_fs_struct(old)
	if n == nil {
		return -asm.ENOMEM
	}
	t.Fs = unsafe.Pointer(n)
	return 0
}

// fsids_of_current: the ids new files get (fs.Current_fsuid_fsgid).
func fsids_of_current() (uint32, uint32) {
	c := &sched.Get_current().Cred
	return c.Fsuid, c.Fsgid
}

// access_ids_of_current: current's real uid, and whether gid is its real
// gid or a supplementary group (fs.Current_access_ids, for faccessat).
func access_ids_of_current(gid uint32) (uint32, bool) {
	c := &sched.Get_current().Cred
	if gid == c.Gid {
		return c.Uid, true
	}
	for i := int32(0); i < c.Ngroups; i++ {
		if c.Groups[i] == gid {
			return c.Uid, true
		}
	}
	return c.Uid, false
}

// sigpipe_current sends the current process a signal from the kernel
// (fs.Send_sig_current: a pipe's SIGPIPE).
func sigpipe_current(sig int) { signal.Send_sig(sig, sched.Get_current()) }

// tgid_of_current: the process a POSIX lock records (fs.Tgid_hook).
func tgid_of_current() int32 { return sched.Get_current().Tgid }

// proc_hooks_init points the scheduler and fs at this package's halves of
// a process (from Register_syscalls).
func proc_hooks_init() {
	fs.Get_current_files = files_of_current
	fs.Get_current_fs = fs_of_current
	fs.Current_fsuid_fsgid = fsids_of_current
	fs.Current_access_ids = access_ids_of_current
	fs.Tgid_hook = tgid_of_current
	fs.Capable_hook = sched.Capable
	fs.In_group_hook = sched.In_group_p
	fs.Send_sig_current = sigpipe_current
	sched.Copy_hooks.Copy_files = copy_files
	sched.Copy_hooks.Copy_fs = copy_fs
	sched.Copy_hooks.Exit_files = fs.Exit_files
	sched.Copy_hooks.Exit_fs = fs.Exit_fs
	sched.Copy_hooks.Copy_sighand = signal.Copy_sighand
	sched.Init_exit_hook = init_exit
	sched.Notify_parent_hook = signal.Do_notify_parent
	mm.Rlimit_as = currentRlimitAS
	fs.Rlimit = sched.Rlimit
}

// currentRlimitAS is the current process's RLIMIT_AS, for mm's
// may_expand_vm (behind mm.Rlimit_as).
func currentRlimitAS() uint64 { return sched.Rlimit(uapi.RLIMIT_AS) }
