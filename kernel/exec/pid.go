package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	"gokern/traps"
)

// pidfds: a file descriptor that names a process (Linux kernel/pid.c
// pidfd_open, pidfd_create; kernel/fork.c pidfd_fops, pidfd_poll,
// pidfd_prepare and CLONE_PIDFD; kernel/signal.c pidfd_send_signal;
// kernel/exit.c waitid's P_PIDFD). Linux's pidfd holds a struct pid,
// which outlives the task; gokern has no struct pid, so the file holds a
// reference to the process's task_struct (its group leader:
// Get_task_struct), which stays, dead or alive, until the last close.
// What a pid number cannot do, a pidfd does: it never names a process
// that took a reaped one's pid. The Go runtime's os package uses pidfds
// for every child it starts (os.StartProcess: clone with CLONE_PIDFD,
// waitid(P_PIDFD), pidfd_send_signal), once its probe (os.checkPidfd)
// finds all three working.

// System call numbers (syscall_64.tbl).
const (
	X__NR_pidfd_send_signal = 424
	X__NR_pidfd_open        = 434
)

// PIDFD_NONBLOCK: pidfd_open's one flag, O_NONBLOCK (Linux
// include/uapi/linux/pidfd.h): waitid on the pidfd returns -EAGAIN
// rather than sleep.
const PIDFD_NONBLOCK = uapi.O_NONBLOCK

// Pidfd_fops (Linux pidfd_fops): poll, and the release that drops the
// task's reference.
var Pidfd_fops = fs.FileOperations{
	Poll:    pidfd_poll,
	Release: pidfd_release,
}

// pidfd_get_task is the process f names, with a reference (its leader
// now: one that exec'd from another thread has a new one,
// sched.Pidfd_task), nil if f is no pidfd (or one whose clone has not
// finished).
func pidfd_get_task(f *fs.File) *sched.Task_struct {
	if f.F_op != &Pidfd_fops || f.Private_data == 0 {
		return nil
	}
	return sched.Pidfd_task(pidfd_of(f))
}

// pidfd_of is the task of a file known to be a pidfd, nil before its
// clone has finished.
func pidfd_of(f *fs.File) *sched.Task_struct {
	if f.Private_data == 0 {
		return nil
	}
	return (*sched.Task_struct)(asm.KernelPtr(f.Private_data))
}

func pidfd_release(inode *fs.Inode, f *fs.File) int {
	if t := pidfd_of(f); t != nil {
		f.Private_data = 0
		sched.Put_task_struct(t)
	}
	return 0
}

// pidfd_poll: readable once the process has exited with all its threads
// (Linux pidfd_poll: task->exit_state && thread_group_empty), and hung
// up too once it is reaped.
func pidfd_poll(f *fs.File, pt *fs.Poll_table) uint32 {
	t0 := pidfd_of(f)
	if t0 == nil {
		return uapi.EPOLLERR
	}
	t := sched.Pidfd_task(t0)
	// The queue of the task the file holds, and of its exec's successor
	// if any (the old leader's is woken when it is unlinked).
	fs.Poll_wait(f, &t0.Wait_pidfd, pt)
	if t != t0 {
		fs.Poll_wait(f, &t.Wait_pidfd, pt)
	}
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	var r uint32
	switch {
	case !sched.Pid_alive(t):
		r = uapi.EPOLLIN | uapi.EPOLLRDNORM | uapi.EPOLLHUP
	case t.Exit_state != 0 && sched.Get_nr_threads(t) == 1:
		r = uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	sched.Put_task_struct(t)
	return r
}

// pidfd_create makes a pidfd for t (Linux pidfd_create): O_RDWR and
// close-on-exec always, O_NONBLOCK if flags has it; the file takes a
// reference to t.
func pidfd_create(t *sched.Task_struct, flags uint32) int {
	sched.Get_task_struct(t)
	fd := fs.Anon_inode_getfd(&Pidfd_fops, uintptr(unsafe.Pointer(t)), uapi.O_RDWR|uapi.O_CLOEXEC|flags&uapi.O_NONBLOCK)
	if fd < 0 {
		sched.Put_task_struct(t)
	}
	return fd
}

// sys_pidfd_open: pidfd_open(pid, flags) (Linux SYSCALL_DEFINE2
// (pidfd_open)): -EINVAL for flags other than PIDFD_NONBLOCK, a pid <= 0
// or a task that leads no thread group, -ESRCH for no such process (a
// zombie not yet reaped still has one).
func sys_pidfd_open(r *asm.PtRegs) int64 {
	pid, flags := int32(a1(r)), uint32(a2(r))
	if flags&^PIDFD_NONBLOCK != 0 || pid <= 0 {
		return -uapi.EINVAL
	}
	t := sched.Find_get_task_by_pid(pid)
	if t == nil {
		return -uapi.ESRCH
	}
	ret := int64(-uapi.EINVAL)
	if sched.Thread_group_leader(t) {
		ret = int64(pidfd_create(t, flags))
	}
	sched.Put_task_struct(t)
	return ret
}

// sys_pidfd_send_signal: pidfd_send_signal(pidfd, sig, info, flags)
// (Linux kernel/signal.c): sig to the process the pidfd names, as kill
// sends it, with the caller's siginfo if info is not NULL. -EINVAL for
// flags (Linux 6.9's PIDFD_SIGNAL_* are not here), -EBADF for a
// descriptor that is no pidfd, -ESRCH once the process has exited.
func sys_pidfd_send_signal(r *asm.PtRegs) int64 {
	if a4(r) != 0 {
		return -uapi.EINVAL
	}
	f := fs.Fget(int(int32(a1(r))))
	if f == nil {
		return -uapi.EBADF
	}
	ret := int64(-uapi.EBADF)
	if t := pidfd_get_task(f); t != nil {
		ret = int64(signal.Pidfd_send_signal(t, int(int32(a2(r))), uintptr(a3(r))))
		sched.Put_task_struct(t)
	}
	fs.Fput(f)
	return ret
}

// waitid_pidfd is waitid(P_PIDFD, fd, infop, options, ru): -EINVAL for
// a negative fd, -EBADF for one that is no pidfd (Linux pidfd_get_pid).
func waitid_pidfd(fd int32, infop uintptr, options uint32, ru uintptr) int64 {
	if fd < 0 {
		return -uapi.EINVAL
	}
	f := fs.Fget(int(fd))
	if f == nil {
		return -uapi.EBADF
	}
	t := pidfd_get_task(f)
	if t == nil {
		fs.Fput(f)
		return -uapi.EBADF
	}
	nonblock := f.F_flags&uapi.O_NONBLOCK != 0
	fs.Fput(f)
	ret := sched.Kernel_waitid_pidfd(t, nonblock, infop, options, ru)
	sched.Put_task_struct(t)
	return int64(ret)
}

// pidfd_prepare, pidfd_install and pidfd_abort are clone's CLONE_PIDFD
// (sched.Pidfd_hooks; Linux pidfd_prepare, fd_install, and the error
// path's put_unused_fd and fput).
func pidfd_prepare() (int, uintptr, int) {
	fd := fs.Get_unused_fd_flags(uapi.O_CLOEXEC)
	if fd < 0 {
		return -1, 0, fd
	}
	f, err := fs.Anon_inode_getfile(&Pidfd_fops, 0, uapi.O_RDWR|uapi.O_CLOEXEC)
	if err != 0 {
		fs.Put_unused_fd(fd)
		return -1, 0, err
	}
	return fd, uintptr(unsafe.Pointer(f)), 0
}

func pidfd_install(fd int, file uintptr, t *sched.Task_struct) {
	f := (*fs.File)(asm.KernelPtr(file))
	sched.Get_task_struct(t)
	f.Private_data = uintptr(unsafe.Pointer(t))
	fs.Fd_install(fd, f)
}

func pidfd_abort(fd int, file uintptr) {
	fs.Put_unused_fd(fd)
	fs.Fput((*fs.File)(asm.KernelPtr(file)))
}

// pidfd_init puts the pidfd system calls in the table and gives clone
// its hooks (from proc_syscalls_init).
func pidfd_init() {
	traps.Sys_call_table[X__NR_pidfd_open] = sys_pidfd_open
	traps.Sys_call_table[X__NR_pidfd_send_signal] = sys_pidfd_send_signal
	sched.Pidfd_hooks.Prepare = pidfd_prepare
	sched.Pidfd_hooks.Install = pidfd_install
	sched.Pidfd_hooks.Abort = pidfd_abort
}
