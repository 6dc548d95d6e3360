package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/printk"
)

// epoll: a set of watched files whose readiness is kept, not recomputed.
// Linux: fs/eventpoll.c (struct eventpoll, struct epitem, ep_insert,
// ep_remove, ep_modify, ep_poll_callback, ep_send_events, ep_poll,
// do_epoll_create, do_epoll_ctl, do_epoll_wait, eventpoll_release). The
// Go runtime's netpoller is an epoll set (its timers wait in
// epoll_pwait; an eventfd in the set wakes it: docs/go-on-gokern.md).
//
// Adding a file polls it once with a table whose queueing function puts
// an entry with a callback (ep_poll_callback) on each wait queue the file
// names. From then on, every wake-up of those queues — data into a pipe,
// a key on the tty, a write to an eventfd — calls the callback, which
// puts the item on the ready list and wakes the epoll_wait sleepers. A
// waiter takes the ready list, asks each of its files for its events
// again (a wake-up is a hint, not a promise), and reports those the item
// wants. Level-triggered items go back on the list after being reported,
// so the next wait asks again; edge-triggered ones (EPOLLET, the Go
// runtime's) only come back with the next wake-up; EPOLLONESHOT ones are
// disabled until EPOLL_CTL_MOD.
//
// Locking, as Linux's:
//   - ep.lock (with interrupts off: the callback runs from interrupt
//     handlers) guards the ready list and each item's ready flag;
//   - ep.mtx, a sleeping lock (Linux ep->mtx), is held by epoll_wait's
//     scan of the ready list (ep_send_events) and by epoll_ctl: an item
//     cannot be freed or changed while a waiter, with ep.lock dropped,
//     asks its file for events, and two waiters do not split the ready
//     list between them (one would find it empty and sleep while the
//     other held ready items it had no room to report);
//   - epmutex, one sleeping lock for all sets (Linux epmutex, which
//     guards the same in eventpoll_release_file and ep_free), is held
//     wherever items join or leave a file's list (File.F_ep) and are
//     freed: epoll_ctl's ADD and DEL, the close of a watched file and
//     the close of a set, which two CPUs may do to one item at once.
//     It is taken before ep.mtx.

// EP_MAX_POLL_QUEUES: the wait queues one file may hand to the table
// (Linux allocates an eppoll_entry per queue; a pipe has two, the rest
// one).
const EP_MAX_POLL_QUEUES = 2

// EP_MAX_EVENTS: the events one epoll_wait returns at most; more are
// left for the next call (Linux's limit is INT_MAX / sizeof(struct
// epoll_event); the Go runtime asks for 128).
const EP_MAX_EVENTS = 128

// EP_PRIVATE_BITS: the input flags, which are never reported.
const EP_PRIVATE_BITS = uapi.EPOLLWAKEUP | uapi.EPOLLONESHOT | uapi.EPOLLET | uapi.EPOLLEXCLUSIVE

// EPOLLEXCLUSIVE_OK_BITS: the only events an EPOLLEXCLUSIVE item may ask
// for (Linux fs/eventpoll.c).
const EPOLLEXCLUSIVE_OK_BITS = uapi.EPOLLIN | uapi.EPOLLOUT | uapi.EPOLLERR | uapi.EPOLLHUP | uapi.EPOLLWAKEUP | uapi.EPOLLET | uapi.EPOLLEXCLUSIVE

// EPOLLINOUT_BITS: the events that decide whether an exclusive item's
// wake-up counts (Linux ep_poll_callback).
const EPOLLINOUT_BITS = uapi.EPOLLIN | uapi.EPOLLOUT

// Eventpoll is struct eventpoll: one epoll instance.
type Eventpoll struct {
	lock asm.Arch_spinlock_t
	// wq: tasks in epoll_wait; poll_wait: an epoll set watching this one.
	wq, poll_wait sched.Wait_queue_head
	// rdllist: the items whose files were woken since they were last
	// reported (Linux rdllist).
	rdllist mm.ListHead
	// items: every item, linked by Epitem.next (Linux's rb-tree rbr).
	items uintptr
	Nr    int         // items in the set
	mtx   sched.Mutex // Linux ep->mtx
}

// epmutex (Linux epmutex): see the top of the file.
var epmutex sched.Mutex

// eppoll_entry is one wait-queue entry of an item (struct
// eppoll_entry). wait is first: the callback gets its address.
type eppoll_entry struct {
	wait  sched.Wait_queue_entry
	whead *sched.Wait_queue_head
	base  *Epitem
}

// Epitem is struct epitem: one watched (file, fd).
type Epitem struct {
	rdllink mm.ListHead // on ep.rdllist while ready
	ready   bool
	ep      *Eventpoll
	file    *File
	fd      int32
	next    uintptr // the next item of ep
	fnext   uintptr // the next item watching file (Linux fllink)
	event   uapi.Epoll_event
	npwq    int
	pwqs    [EP_MAX_POLL_QUEUES]eppoll_entry
}

var (
	epitem_cache    = objCache[Epitem]{Name: "epitem"}
	eventpoll_cache = objCache[Eventpoll]{Name: "eventpoll"}
)

func epi_at(a uintptr) *Epitem { return (*Epitem)(unsafe.Add(nil, a)) }

func epi_addr(epi *Epitem) uintptr { return uintptr(unsafe.Pointer(epi)) }

// rdllink's place in Epitem is 0: the list entry is the item.
func rdl_entry(l *mm.ListHead) *Epitem { return (*Epitem)(unsafe.Pointer(l)) }

// ep_lock and ep_unlock: ep.lock with interrupts off (Linux
// write_lock_irq(&ep->lock)); the host tests have no interrupts to
// turn off.
func ep_lock(ep *Eventpoll) uint64 {
	var flags uint64
	if sched.Hooks.Irq_save != nil {
		flags = sched.Hooks.Irq_save()
	}
	ep.lock.Arch_spin_lock()
	return flags
}

func ep_unlock(ep *Eventpoll, flags uint64) {
	ep.lock.Arch_spin_unlock()
	if sched.Hooks.Irq_restore != nil {
		sched.Hooks.Irq_restore(flags)
	}
}

// ep_set_ready puts epi on the ready list unless it is there (ep.lock
// held).
func ep_set_ready(ep *Eventpoll, epi *Epitem) {
	if !epi.ready {
		mm.List_add_tail(&epi.rdllink, &ep.rdllist)
		epi.ready = true
	}
}

// ep_poll_callback is the items' wake-up function (Linux
// ep_poll_callback): entry is an eppoll_entry's address, key the events
// the waker says changed (0: unknown). The item becomes ready unless it
// is a disabled EPOLLONESHOT one or the key names none of its events: a
// read of an eventfd wakes its queue with EPOLLOUT, which must not
// report an EPOLLIN|EPOLLET item again. The result is what an
// EPOLLEXCLUSIVE item's wake-up counts for the file's queue: 1 when it
// woke a waiter of the set for events it wants, so that the other
// exclusive sets on that queue are left asleep.
func ep_poll_callback(entry uintptr, key uint32) int {
	pwq := (*eppoll_entry)(unsafe.Add(nil, entry))
	epi := pwq.base
	ep := epi.ep
	ewake := 0
	flags := ep_lock(ep)
	events := epi.event.Events
	if events&^EP_PRIVATE_BITS == 0 || key != 0 && key&events == 0 {
		ep_unlock(ep, flags)
		if events&uapi.EPOLLEXCLUSIVE == 0 {
			ewake = 1
		}
		return ewake
	}
	ep_set_ready(ep, epi)
	if events&uapi.EPOLLEXCLUSIVE != 0 && sched.Waitqueue_active(&ep.wq) {
		switch key & EPOLLINOUT_BITS {
		case uapi.EPOLLIN, uapi.EPOLLOUT:
			if events&key&EPOLLINOUT_BITS != 0 {
				ewake = 1
			}
		case 0:
			ewake = 1
		}
	}
	ep_unlock(ep, flags)
	sched.Wake_up_interruptible(&ep.wq)
	sched.Wake_up_interruptible(&ep.poll_wait)
	if events&uapi.EPOLLEXCLUSIVE == 0 {
		ewake = 1
	}
	return ewake
}

// ep_ptable_queue_proc puts one callback entry of the item being added
// on wq (Linux ep_ptable_queue_proc). A file with more queues than
// EP_MAX_POLL_QUEUES cannot be watched; Linux would allocate more.
func ep_ptable_queue_proc(f *File, wq *sched.Wait_queue_head, pt *Poll_table) {
	epi := epi_at(pt.Private)
	if epi.npwq >= EP_MAX_POLL_QUEUES {
		epi.npwq = EP_MAX_POLL_QUEUES + 1 // refused: ep_insert sees it
		return
	}
	pwq := &epi.pwqs[epi.npwq]
	epi.npwq++
	pwq.base = epi
	pwq.whead = wq
	pwq.wait = sched.Wait_queue_entry{Func: ep_poll_callback}
	if epi.event.Events&uapi.EPOLLEXCLUSIVE != 0 {
		sched.Add_wait_queue_exclusive(wq, &pwq.wait)
	} else {
		sched.Add_wait_queue(wq, &pwq.wait)
	}
}

// ep_item_poll asks epi's file for the events epi wants (Linux
// ep_item_poll), registering with pt if not nil.
func ep_item_poll(epi *Epitem, pt *Poll_table) uint32 {
	if pt != nil {
		pt.Key = epi.event.Events
	}
	return Vfs_poll(epi.file, pt) & epi.event.Events
}

// ep_find returns ep's item for (f, fd), or nil (Linux ep_find).
func ep_find(ep *Eventpoll, f *File, fd int32) *Epitem {
	for a := ep.items; a != 0; a = epi_at(a).next {
		if e := epi_at(a); e.file == f && e.fd == fd {
			return e
		}
	}
	return nil
}

// ep_insert adds (f, fd) to ep (Linux ep_insert).
func ep_insert(ep *Eventpoll, event *uapi.Epoll_event, f *File, fd int32) int {
	epi := epitem_cache.Zalloc(mm.GFP_KERNEL)
	if epi == nil {
		return -ENOMEM
	}
	mm.INIT_LIST_HEAD(&epi.rdllink)
	epi.ep, epi.file, epi.fd, epi.event = ep, f, fd, *event
	pt := Poll_table{Qproc: ep_ptable_queue_proc, Private: epi_addr(epi)}
	revents := ep_item_poll(epi, &pt)
	if epi.npwq > EP_MAX_POLL_QUEUES || epi.npwq == 0 {
		// Too many queues, or none: nothing would ever wake the item.
		epi.npwq = min(epi.npwq, EP_MAX_POLL_QUEUES)
		ep_unregister_pollwait(epi)
		epitem_cache.Free(epi)
		return -EINVAL
	}
	epi.next, ep.items = ep.items, epi_addr(epi)
	epi.fnext, f.F_ep = f.F_ep, epi_addr(epi)
	ep.Nr++
	if revents != 0 {
		flags := ep_lock(ep)
		ep_set_ready(ep, epi)
		ep_unlock(ep, flags)
		sched.Wake_up_interruptible(&ep.wq)
		sched.Wake_up_interruptible(&ep.poll_wait)
	}
	return 0
}

// ep_unregister_pollwait takes epi's entries off the files' queues
// (Linux ep_unregister_pollwait).
func ep_unregister_pollwait(epi *Epitem) {
	for i := 0; i < epi.npwq; i++ {
		sched.Remove_wait_queue(epi.pwqs[i].whead, &epi.pwqs[i].wait)
	}
	epi.npwq = 0
}

// ep_remove takes epi out of ep and frees it (Linux ep_remove).
func ep_remove(ep *Eventpoll, epi *Epitem) {
	ep_unregister_pollwait(epi)
	for pp := &epi.file.F_ep; *pp != 0; pp = &epi_at(*pp).fnext {
		if *pp == epi_addr(epi) {
			*pp = epi.fnext
			break
		}
	}
	for pp := &ep.items; *pp != 0; pp = &epi_at(*pp).next {
		if *pp == epi_addr(epi) {
			*pp = epi.next
			break
		}
	}
	flags := ep_lock(ep)
	if epi.ready {
		mm.List_del(&epi.rdllink)
		epi.ready = false
	}
	ep_unlock(ep, flags)
	ep.Nr--
	epitem_cache.Free(epi)
}

// ep_modify changes the events epi wants and reports it at once if its
// file is ready for them (Linux ep_modify).
func ep_modify(ep *Eventpoll, epi *Epitem, event *uapi.Epoll_event) {
	flags := ep_lock(ep)
	epi.event = *event
	ep_unlock(ep, flags)
	if ep_item_poll(epi, nil) != 0 {
		flags = ep_lock(ep)
		ep_set_ready(ep, epi)
		ep_unlock(ep, flags)
		sched.Wake_up_interruptible(&ep.wq)
		sched.Wake_up_interruptible(&ep.poll_wait)
	}
}

// Eventpoll_release removes f from every epoll set that watches it, at
// its last fput (Linux eventpoll_release → eventpoll_release_file).
func Eventpoll_release(f *File) {
	if atomic.LoadUintptr(&f.F_ep) == 0 {
		return
	}
	sched.Mutex_lock(&epmutex)
	for f.F_ep != 0 {
		epi := epi_at(f.F_ep)
		ep := epi.ep
		sched.Mutex_lock(&ep.mtx)
		ep_remove(ep, epi)
		sched.Mutex_unlock(&ep.mtx)
	}
	sched.Mutex_unlock(&epmutex)
}

// ep_send_events fills events with ready items' events (Linux
// ep_send_events): the ready list is taken whole, each item on it asked
// again and reported if its file has events the item wants;
// level-triggered items go back on the ready list for the next call,
// and those not reached (events is full) stay ready. If the ready list
// is not empty at the end, the other waiters are woken (Linux
// ep_done_scan): the items were out of their sight while this one held
// them, and any that slept meanwhile would sleep on with items ready.
// ep.mtx is held (ep_poll), so no item is freed or changed under it.
func ep_send_events(ep *Eventpoll, events []uapi.Epoll_event) int {
	// The list head lives on this stack and the items point at it while
	// they are on it: hidden from escape analysis, as Linux's on-stack
	// txlist, and emptied before the function returns.
	var txhead mm.ListHead
	txlist := compiler.Noescape(&txhead)
	mm.INIT_LIST_HEAD(txlist)
	flags := ep_lock(ep)
	ep_splice(&ep.rdllist, txlist)
	ep_unlock(ep, flags)
	res := 0
	for res < len(events) {
		flags = ep_lock(ep)
		if mm.List_empty(txlist) {
			ep_unlock(ep, flags)
			break
		}
		epi := rdl_entry(txlist.Next)
		mm.List_del(&epi.rdllink)
		mm.INIT_LIST_HEAD(&epi.rdllink)
		// Off every list before its file is asked: a wake-up from now
		// on puts it back on the ready list, and is not lost.
		epi.ready = false
		ep_unlock(ep, flags)
		revents := ep_item_poll(epi, nil)
		if revents == 0 {
			continue
		}
		events[res] = uapi.Epoll_event{Events: revents, Data: epi.event.Data}
		res++
		flags = ep_lock(ep)
		if epi.event.Events&uapi.EPOLLONESHOT != 0 {
			epi.event.Events &= EP_PRIVATE_BITS
		} else if epi.event.Events&uapi.EPOLLET == 0 {
			ep_set_ready(ep, epi)
		}
		ep_unlock(ep, flags)
	}
	flags = ep_lock(ep)
	ep_splice(txlist, &ep.rdllist)
	more := !mm.List_empty(&ep.rdllist)
	ep_unlock(ep, flags)
	if more {
		sched.Wake_up_interruptible(&ep.wq)
	}
	return res
}

// ep_splice moves every entry of from to the front of to (Linux
// list_splice_init). ep.lock is held.
func ep_splice(from, to *mm.ListHead) {
	for !mm.List_empty(from) {
		e := from.Prev
		mm.List_del(e)
		mm.List_add(e, to)
	}
}

// ep_events_available reports a non-empty ready list.
func ep_events_available(ep *Eventpoll) bool {
	flags := ep_lock(ep)
	r := !mm.List_empty(&ep.rdllist)
	ep_unlock(ep, flags)
	return r
}

// ep_poll waits until events has something, the time runs out (timeout
// in jiffies: 0 not at all, < 0 for ever) or a signal comes (Linux
// ep_poll): the count, 0, or -EINTR. A sleeper is off the run queue
// until a callback, its timer or a signal wakes it.
func ep_poll(ep *Eventpoll, events []uapi.Epoll_event, timeout int64) int {
	timedOut := false
	for {
		sched.Mutex_lock(&ep.mtx)
		n := ep_send_events(ep, events)
		sched.Mutex_unlock(&ep.mtx)
		if n != 0 {
			return n
		}
		if timeout == 0 || timedOut {
			return 0
		}
		if !sched.Can_sleep() || (timeout > 0 && sched.Hooks.Schedule_timeout == nil) {
			return -EAGAIN
		}
		var wait sched.Wait_queue_entry
		sched.Prepare_to_wait(&ep.wq, &wait, sched.TASK_INTERRUPTIBLE)
		switch {
		case ep_events_available(ep):
		case sched.Signal_pending():
			sched.Finish_wait(&ep.wq, &wait)
			return -uapi.EINTR
		case timeout < 0:
			sched.Hooks.Schedule()
		default:
			if timeout = sched.Hooks.Schedule_timeout(timeout); timeout == 0 {
				timedOut = true
			}
		}
		sched.Finish_wait(&ep.wq, &wait)
	}
}

func ep_of(f *File) *Eventpoll { return (*Eventpoll)(unsafe.Add(nil, f.Private_data)) }

// ep_eventpoll_poll: an epoll set is readable while its ready list is
// not empty (Linux ep_eventpoll_poll, without its nested re-check).
func ep_eventpoll_poll(f *File, pt *Poll_table) uint32 {
	ep := ep_of(f)
	Poll_wait(f, &ep.poll_wait, pt)
	if ep_events_available(ep) {
		return uapi.POLLIN | uapi.POLLRDNORM
	}
	return 0
}

// ep_eventpoll_release frees the set at its last close (Linux
// ep_eventpoll_release → ep_free).
func ep_eventpoll_release(inode *Inode, f *File) int {
	ep := ep_of(f)
	sched.Mutex_lock(&epmutex)
	sched.Mutex_lock(&ep.mtx)
	for ep.items != 0 {
		ep_remove(ep, epi_at(ep.items))
	}
	sched.Mutex_unlock(&ep.mtx)
	sched.Mutex_unlock(&epmutex)
	eventpoll_cache.Free(ep)
	f.Private_data = 0
	return 0
}

// Eventpoll_fops (Linux eventpoll_fops).
var Eventpoll_fops = FileOperations{
	Poll:    ep_eventpoll_poll,
	Release: ep_eventpoll_release,
}

// Is_file_epoll reports whether f is an epoll set (Linux is_file_epoll).
func Is_file_epoll(f *File) bool { return f.F_op == &Eventpoll_fops }

// Do_epoll_create is epoll_create1(flags) (Linux do_epoll_create): a new
// descriptor; -EINVAL for flags other than EPOLL_CLOEXEC.
func Do_epoll_create(flags uint32) int {
	if flags&^uapi.EPOLL_CLOEXEC != 0 {
		return -EINVAL
	}
	ep := eventpoll_cache.Zalloc(mm.GFP_KERNEL)
	if ep == nil {
		return -ENOMEM
	}
	mm.INIT_LIST_HEAD(&ep.rdllist)
	fd := Anon_inode_getfd(&Eventpoll_fops, uintptr(unsafe.Pointer(ep)), uapi.O_RDWR|flags&uapi.EPOLL_CLOEXEC)
	if fd < 0 {
		eventpoll_cache.Free(ep)
	}
	return fd
}

// Do_epoll_ctl is epoll_ctl(epfd, op, fd, event) on a kernel copy of the
// event (Linux do_epoll_ctl). Errors as Linux's: -EBADF for a bad
// descriptor, -EPERM for a file that cannot be polled (a regular file),
// -EINVAL for epfd not an epoll set, fd == epfd, an unknown op,
// EPOLLEXCLUSIVE with MOD, on an epoll set or with events other than
// EPOLLEXCLUSIVE_OK_BITS, and MOD of an item added with EPOLLEXCLUSIVE,
// -EEXIST, -ENOENT.
func Do_epoll_ctl(epfd, op, fd int, event *uapi.Epoll_event) int {
	ef := Fget(epfd)
	if ef == nil {
		return -EBADF
	}
	tf := Fget(fd)
	if tf == nil {
		Fput(ef)
		return -EBADF
	}
	r := epoll_ctl(ef, tf, op, fd, event)
	Fput(tf)
	Fput(ef)
	return r
}

func epoll_ctl(ef, tf *File, op, fd int, event *uapi.Epoll_event) int {
	if tf.F_op == nil || tf.F_op.Poll == nil {
		return -EPERM
	}
	if !Is_file_epoll(ef) || ef == tf {
		return -EINVAL
	}
	// epoll joins a file's wait queues at EPOLL_CTL_ADD only, so
	// EPOLLEXCLUSIVE cannot come or go with MOD (Linux do_epoll_ctl).
	if op != uapi.EPOLL_CTL_DEL && event.Events&uapi.EPOLLEXCLUSIVE != 0 {
		if op == uapi.EPOLL_CTL_MOD {
			return -EINVAL
		}
		if op == uapi.EPOLL_CTL_ADD && (Is_file_epoll(tf) || event.Events&^EPOLLEXCLUSIVE_OK_BITS != 0) {
			return -EINVAL
		}
	}
	ep := ep_of(ef)
	sched.Mutex_lock(&epmutex)
	sched.Mutex_lock(&ep.mtx)
	r := epoll_ctl_locked(ep, tf, op, fd, event)
	sched.Mutex_unlock(&ep.mtx)
	sched.Mutex_unlock(&epmutex)
	return r
}

// epoll_ctl_locked: the operation, with epmutex and ep.mtx held.
func epoll_ctl_locked(ep *Eventpoll, tf *File, op, fd int, event *uapi.Epoll_event) int {
	epi := ep_find(ep, tf, int32(fd))
	switch op {
	case uapi.EPOLL_CTL_ADD:
		if epi != nil {
			return -EEXIST
		}
		if Is_file_epoll(tf) {
			// Nesting would need Linux's loop and depth checks.
			return -EINVAL
		}
		ev := *event
		ev.Events |= uapi.EPOLLERR | uapi.EPOLLHUP
		return ep_insert(ep, &ev, tf, int32(fd))
	case uapi.EPOLL_CTL_DEL:
		if epi == nil {
			return -ENOENT
		}
		ep_remove(ep, epi)
		return 0
	case uapi.EPOLL_CTL_MOD:
		if epi == nil {
			return -ENOENT
		}
		if epi.event.Events&uapi.EPOLLEXCLUSIVE != 0 {
			return -EINVAL
		}
		ev := *event
		ev.Events |= uapi.EPOLLERR | uapi.EPOLLHUP
		ep_modify(ep, epi, &ev)
		return 0
	}
	return -EINVAL
}

// Do_epoll_wait is epoll_wait into kernel memory (Linux do_epoll_wait):
// at most len(events) (and EP_MAX_EVENTS) events, waiting up to timeout
// jiffies (< 0: for ever). -EINVAL for no room or epfd not an epoll
// set, -EBADF, -EINTR.
func Do_epoll_wait(epfd int, events []uapi.Epoll_event, timeout int64) int {
	if len(events) == 0 {
		return -EINVAL
	}
	f := Fget(epfd)
	if f == nil {
		return -EBADF
	}
	r := -EINVAL
	if Is_file_epoll(f) {
		r = ep_poll(ep_of(f), events[:min(len(events), EP_MAX_EVENTS)], timeout)
	}
	Fput(f)
	return r
}

// The system calls (Linux SYSCALL_DEFINEs in fs/eventpoll.c); the system
// call layer puts them in its table. Numbers from syscall_64.tbl.
const (
	X__NR_epoll_create  = 213
	X__NR_epoll_wait    = 232
	X__NR_epoll_ctl     = 233
	X__NR_epoll_pwait   = 281
	X__NR_epoll_create1 = 291
)

// Sys_epoll_create1: epoll_create1(flags).
func Sys_epoll_create1(r *asm.PtRegs) int64 { return int64(Do_epoll_create(uint32(r.DI))) }

// Sys_epoll_create: epoll_create(size): size only has to be positive.
func Sys_epoll_create(r *asm.PtRegs) int64 {
	if int32(r.DI) <= 0 {
		return -EINVAL
	}
	return int64(Do_epoll_create(0))
}

// Sys_epoll_ctl: epoll_ctl(epfd, op, fd, event); event is not read for
// EPOLL_CTL_DEL (Linux ep_op_has_event).
func Sys_epoll_ctl(r *asm.PtRegs) int64 {
	var ev uapi.Epoll_event
	op := int(int32(r.SI))
	if op != uapi.EPOLL_CTL_DEL && asm.Copy_from_user(uintptr(unsafe.Pointer(&ev)), uintptr(r.R10), unsafe.Sizeof(ev)) != 0 {
		return -EFAULT
	}
	return int64(Do_epoll_ctl(int(int32(r.DI)), op, int(int32(r.DX)), &ev))
}

// Sys_epoll_wait: epoll_wait(epfd, events, maxevents, timeout ms).
func Sys_epoll_wait(r *asm.PtRegs) int64 {
	return epoll_wait_user(int(int32(r.DI)), uintptr(r.SI), int(int32(r.DX)), int(int32(r.R10)))
}

// Sys_epoll_pwait: epoll_pwait(epfd, events, maxevents, timeout,
// sigmask, sigsetsize). The Go runtime passes no mask; a mask would have
// to be installed for the wait (the signal code's), so one is refused
// with -EINVAL and logged once rather than ignored.
func Sys_epoll_pwait(r *asm.PtRegs) int64 {
	if r.R8 != 0 {
		if !pwait_mask_reported {
			pwait_mask_reported = true
			printk.Pr_warn("epoll_pwait: a signal mask is not supported yet: -EINVAL (reported once)\n")
		}
		return -EINVAL
	}
	return Sys_epoll_wait(r)
}

var pwait_mask_reported bool

// epoll_wait_user waits into a kernel array and copies the events out
// (Linux copies each event to user space as it goes: ep_send_events
// under the ep's mutex). timeout is in milliseconds, < 0 for ever.
func epoll_wait_user(epfd int, events uintptr, maxevents, timeout int) int64 {
	if maxevents <= 0 {
		return -EINVAL
	}
	var buf [EP_MAX_EVENTS]uapi.Epoll_event
	to := int64(-1)
	if timeout >= 0 {
		to = ms_to_jiffies(int64(timeout))
	}
	n := Do_epoll_wait(epfd, buf[:min(maxevents, EP_MAX_EVENTS)], to)
	if n <= 0 {
		return int64(n)
	}
	if asm.Copy_to_user(events, uintptr(unsafe.Pointer(&buf[0])), uintptr(n)*unsafe.Sizeof(buf[0])) != 0 {
		return -EFAULT
	}
	return int64(n)
}

// ms_to_jiffies: a timeout in milliseconds as jiffies to sleep, rounded
// up, plus one for the jiffy already under way (0 stays 0: do not wait).
func ms_to_jiffies(ms int64) int64 {
	if ms == 0 {
		return 0
	}
	return int64(ktime.Msecs_to_jiffies(uint64(ms))) + 1
}
