package fs

import (
	"unsafe"

	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
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

// poll(2)'s sleeping. Linux: fs/select.c (poll_initwait, __pollwait,
// poll_freewait, do_poll, do_sys_poll). A poll registers one wait-queue
// entry on every queue its files hand to the table, sleeps until one of
// them wakes it (or the time runs out, or a signal comes), asks every
// file again, and takes the entries off when it is done.

// poll_table_entry is one queue a poll sleeps on (struct
// poll_table_entry); the queue by address, as sched links its entries.
type poll_table_entry struct {
	wq   uintptr // *sched.Wait_queue_head
	wait sched.Wait_queue_entry
}

// N_INLINE_POLL_ENTRIES entries live in the Poll_wqueues on the poller's
// stack (Linux keeps 832 bytes of them there); the rest in pages.
const N_INLINE_POLL_ENTRIES = 24

// poll_table_page is a page of further entries, chained (struct
// poll_table_page).
type poll_table_page struct {
	next    *poll_table_page
	n       int
	entries [(4096 - 16) / unsafe.Sizeof(poll_table_entry{})]poll_table_entry
}

// Poll_wqueues is struct poll_wqueues: the table and its entries. Pt
// comes first: __pollwait finds the Poll_wqueues from the table (Linux's
// container_of).
type Poll_wqueues struct {
	Pt             Poll_table
	table          *poll_table_page
	error          int
	inline_index   int
	inline_entries [N_INLINE_POLL_ENTRIES]poll_table_entry
}

// Poll_initwait readies pwq (Linux poll_initwait).
func Poll_initwait(pwq *Poll_wqueues) {
	*pwq = Poll_wqueues{}
	pwq.Pt.Qproc = __pollwait
}

// poll_get_entry returns a free entry, from the inline ones or a page;
// nil when no page can be had.
func poll_get_entry(p *Poll_wqueues) *poll_table_entry {
	if p.inline_index < N_INLINE_POLL_ENTRIES {
		p.inline_index++
		return &p.inline_entries[p.inline_index-1]
	}
	t := p.table
	if t == nil || t.n == len(t.entries) {
		b := kmalloc(int(unsafe.Sizeof(poll_table_page{})), mm.GFP_KERNEL)
		if b == nil {
			return nil
		}
		nt := (*poll_table_page)(unsafe.Pointer(unsafe.SliceData(b)))
		nt.next = t
		p.table, t = nt, nt
	}
	t.n++
	return &t.entries[t.n-1]
}

// __pollwait queues the current task on wq (Linux __pollwait); a
// failure to get an entry is remembered and ends the poll with -ENOMEM.
func __pollwait(f *File, wq *sched.Wait_queue_head, pt *Poll_table) {
	p := (*Poll_wqueues)(unsafe.Pointer(pt))
	e := poll_get_entry(p)
	if e == nil {
		p.error = -uapi.ENOMEM
		return
	}
	e.wq = uintptr(unsafe.Pointer(wq))
	sched.Prepare_to_wait(wq, &e.wait, sched.TASK_INTERRUPTIBLE)
}

// Poll_freewait takes every entry off its queue and frees the pages
// (Linux poll_freewait).
func Poll_freewait(p *Poll_wqueues) {
	for i := range p.inline_entries[:p.inline_index] {
		free_poll_entry(&p.inline_entries[i])
	}
	for t := p.table; t != nil; {
		for i := range t.entries[:t.n] {
			free_poll_entry(&t.entries[i])
		}
		next := t.next
		kfree(unsafe.Slice((*byte)(unsafe.Pointer(t)), unsafe.Sizeof(*t)))
		t = next
	}
	p.table, p.inline_index = nil, 0
}

func free_poll_entry(e *poll_table_entry) {
	sched.Finish_wait((*sched.Wait_queue_head)(unsafe.Add(nil, e.wq)), &e.wait)
}

// Do_sys_poll is poll(2) on kernel memory (Linux do_sys_poll): it fills
// each pollfd's Revents and returns how many are ready, waiting up to
// timeout jiffies for the first (timeout < 0: for ever; 0: not at all).
// The system call layer copies the array in and out and converts
// milliseconds to jiffies. Errors: -EINVAL for more descriptors than a
// process may have, -ENOMEM, -EINTR when a signal came first (Linux's
// -ERESTARTNOHAND, which the system call layer turns into -EINTR or a
// restart), and -EAGAIN when it would have to sleep but there is no
// scheduler to sleep with (see sched.Wait_event_interruptible).
func Do_sys_poll(fds []Pollfd, timeout int64) int { return Do_sys_poll_deadline(fds, timeout, 0) }

// Do_sys_poll_deadline is Do_sys_poll whose timed wait also lasts until
// deadline on CLOCK_MONOTONIC, in nanoseconds (0: the jiffies alone):
// poll, ppoll, select and pselect6 never end early, as Linux's, which
// sleep on an hrtimer (poll_schedule_timeout → schedule_hrtimeout_range).
// The jiffies can run out before the clock does: ticks that came late
// under TCG are made up in a burst.
func Do_sys_poll_deadline(fds []Pollfd, timeout int64, deadline uint64) int {
	if len(fds) > uapi.NR_OPEN {
		return -uapi.EINVAL
	}
	var table Poll_wqueues
	Poll_initwait(&table)
	n := do_poll(fds, &table, timeout, deadline)
	Poll_freewait(&table)
	return n
}

// do_poll is Linux do_poll: ask every file, registering on its queues
// the first time round (and only while none is ready); sleep; ask again.
// The state is set before the files are asked, so a wake-up between the
// asking and schedule() is never lost.
func do_poll(fds []Pollfd, wait *Poll_wqueues, timeout int64, deadline uint64) int {
	pt := &wait.Pt
	canSleep := sched.Can_sleep() && (timeout < 0 || sched.Hooks.Schedule_timeout != nil)
	if timeout == 0 || !canSleep {
		pt.Qproc = nil
	}
	count, timedOut := 0, false
	for {
		if canSleep {
			sched.Hooks.Set_current_state(sched.TASK_INTERRUPTIBLE)
		}
		for i := range fds {
			if Do_pollfd(&fds[i], pt) != 0 {
				count++
				// Ready: no need to register on the rest.
				pt.Qproc = nil
			}
		}
		pt.Qproc = nil
		if count == 0 && wait.error != 0 {
			count = wait.error
		}
		if count != 0 || timeout == 0 || timedOut {
			break
		}
		if !canSleep {
			count = -uapi.EAGAIN
			break
		}
		if sched.Signal_pending() {
			count = -uapi.EINTR
			break
		}
		if timeout < 0 {
			sched.Hooks.Schedule()
		} else if timeout = sched.Hooks.Schedule_timeout(timeout); timeout == 0 {
			timedOut = true
			if now := ktime.Ktime_get_ns(); deadline != 0 && now < deadline {
				// The jiffies ran out before the clock did: on.
				timeout, timedOut = int64((deadline-now+ktime.TICK_NSEC-1)/ktime.TICK_NSEC)+1, false
			}
		}
	}
	if canSleep {
		sched.Hooks.Set_current_state(sched.TASK_RUNNING)
	}
	return count
}
