package fs

import (
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// Readiness. Linux: include/linux/poll.h (poll_table, poll_wait,
// vfs_poll), fs/select.c (do_pollfd). A file's Poll method returns the
// events that are ready now and, given a Poll_table, hands each wait
// queue that could change the answer to the table's Qproc: poll(2) and
// epoll (the system call layer's) queue themselves there and sleep; a nil
// table only asks.

// Poll_table is struct poll_table_struct.
type Poll_table struct {
	// Qproc registers the caller on wq for f (Linux poll_queue_proc).
	Qproc func(f *File, wq *sched.Wait_queue_head, pt *Poll_table)
	// Key: the events the caller wants (Linux _key).
	Key uint32
	// Private belongs to the caller (its poll_wqueues, epitem).
	Private uintptr
}

// Poll_wait hands wq to the table (Linux poll_wait).
func Poll_wait(f *File, wq *sched.Wait_queue_head, pt *Poll_table) {
	if pt != nil && pt.Qproc != nil && wq != nil {
		pt.Qproc(f, wq, compiler.Noescape(pt))
	}
}

// DEFAULT_POLLMASK: a file without a Poll method is always ready (Linux
// DEFAULT_POLLMASK).
const DEFAULT_POLLMASK = uapi.POLLIN | uapi.POLLOUT | uapi.POLLRDNORM | uapi.POLLWRNORM

// Vfs_poll asks f for its ready events (Linux vfs_poll).
func Vfs_poll(f *File, pt *Poll_table) uint32 {
	if f.F_op == nil || f.F_op.Poll == nil {
		return DEFAULT_POLLMASK
	}
	return f.F_op.Poll(f, compiler.Noescape(pt))
}

// Pollfd is struct pollfd.
type Pollfd struct {
	Fd      int32
	Events  int16
	Revents int16
}

// Do_pollfd fills one pollfd's revents (Linux do_pollfd): POLLNVAL for a
// bad descriptor; POLLERR and POLLHUP always count.
func Do_pollfd(pfd *Pollfd, pt *Poll_table) uint32 {
	pfd.Revents = 0
	if pfd.Fd < 0 {
		return 0
	}
	f := Fget(int(pfd.Fd))
	if f == nil {
		pfd.Revents = uapi.POLLNVAL
		return uapi.POLLNVAL
	}
	want := uint32(uint16(pfd.Events)) | uapi.POLLERR | uapi.POLLHUP
	if pt != nil {
		pt.Key = want
	}
	mask := Vfs_poll(f, pt) & want
	Fput(f)
	pfd.Revents = int16(mask)
	return mask
}
