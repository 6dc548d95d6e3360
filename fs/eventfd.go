package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// eventfd: a 64-bit counter behind a file descriptor, which write adds to
// and read takes (all of it, or 1 with EFD_SEMAPHORE), sleeping while it
// is 0. The Go runtime's netpoller writes one to wake a thread asleep in
// epoll_pwait (netpollBreak). Linux: fs/eventfd.c.

// Eventfd_ctx is struct eventfd_ctx. The count changes under the wait
// queue's lock, as Linux's does under wqh.lock: without it, two writers,
// or a reader and a writer, on two CPUs each read-modify-wrote it and
// one's update was lost, and two readers could both take the same count.
type Eventfd_ctx struct {
	wqh   sched.Wait_queue_head
	count uint64
	flags uint32 // EFD_SEMAPHORE
}

var eventfd_cache = objCache[Eventfd_ctx]{Name: "eventfd_ctx"}

// EVENTFD_MAX: the counter's largest value, ULLONG_MAX - 1 (a write of
// ULLONG_MAX is refused).
const EVENTFD_MAX = ^uint64(0) - 1

func eventfd_ctx(f *File) *Eventfd_ctx { return (*Eventfd_ctx)(unsafe.Add(nil, f.Private_data)) }

// eventfd_read: an 8-byte buffer gets the count (Linux eventfd_read):
// -EINVAL for less than 8 bytes, -EAGAIN for a zero count with
// O_NONBLOCK, otherwise a sleep until a write, -ERESTARTSYS on a signal.
func eventfd_read(f *File, to *Iov_iter, pos *int64) int64 {
	ctx := eventfd_ctx(f)
	if to.Count() < 8 {
		return -EINVAL
	}
	var ucnt uint64
	for !eventfd_ctx_do_read(ctx, &ucnt) {
		if f.F_flags&uapi.O_NONBLOCK != 0 {
			return -EAGAIN
		}
		if r := sched.Wait_event_interruptible(&ctx.wqh, func() bool { return atomic.LoadUint64(&ctx.count) != 0 }); r != 0 {
			return int64(r)
		}
	}
	// Writers waiting for room; an epoll item that wants EPOLLIN only
	// takes no notice (Linux eventfd_read: wake_up_locked_poll(EPOLLOUT)).
	sched.Wake_up_interruptible_poll(&ctx.wqh, uapi.EPOLLOUT)
	if to.Copy_to_iter(unsafe.Slice((*byte)(unsafe.Pointer(&ucnt)), 8)) != 8 {
		return -EFAULT
	}
	return 8
}

// eventfd_write adds an 8-byte value (Linux eventfd_write): -EINVAL for
// less than 8 bytes or ULLONG_MAX, -EAGAIN (O_NONBLOCK) or a sleep while
// the sum would pass EVENTFD_MAX.
func eventfd_write(f *File, from *Iov_iter, pos *int64) int64 {
	ctx := eventfd_ctx(f)
	if from.Count() < 8 {
		return -EINVAL
	}
	var ucnt uint64
	if from.Copy_from_iter(unsafe.Slice((*byte)(unsafe.Pointer(&ucnt)), 8)) != 8 {
		return -EFAULT
	}
	if ucnt == ^uint64(0) {
		return -EINVAL
	}
	for !eventfd_add(ctx, ucnt) {
		if f.F_flags&uapi.O_NONBLOCK != 0 {
			return -EAGAIN
		}
		if r := sched.Wait_event_interruptible(&ctx.wqh, func() bool { return EVENTFD_MAX-atomic.LoadUint64(&ctx.count) >= ucnt }); r != 0 {
			return int64(r)
		}
	}
	sched.Wake_up_interruptible_poll(&ctx.wqh, uapi.EPOLLIN)
	return 8
}

// eventfd_ctx_do_read takes the count (all of it, or 1 with
// EFD_SEMAPHORE) into *cnt under the lock, or says there is none (Linux
// eventfd_ctx_do_read, with the check its callers make first).
func eventfd_ctx_do_read(ctx *Eventfd_ctx, cnt *uint64) bool {
	flags := ctx.wqh.Lock()
	ok := ctx.count != 0
	if ok {
		*cnt = ctx.count
		if ctx.flags&uapi.EFD_SEMAPHORE != 0 {
			*cnt = 1
		}
		atomic.StoreUint64(&ctx.count, ctx.count-*cnt)
	}
	ctx.wqh.Unlock(flags)
	return ok
}

// eventfd_add adds n under the lock when the sum stays within
// EVENTFD_MAX, else leaves the count alone (eventfd_write's check and
// addition, under wqh.lock in Linux).
func eventfd_add(ctx *Eventfd_ctx, n uint64) bool {
	flags := ctx.wqh.Lock()
	ok := EVENTFD_MAX-ctx.count >= n
	if ok {
		atomic.StoreUint64(&ctx.count, ctx.count+n)
	}
	ctx.wqh.Unlock(flags)
	return ok
}

// eventfd_poll: readable while the count is above 0, writable while 1
// more fits (Linux eventfd_poll).
func eventfd_poll(f *File, pt *Poll_table) uint32 {
	ctx := eventfd_ctx(f)
	Poll_wait(f, &ctx.wqh, pt)
	var events uint32
	count := atomic.LoadUint64(&ctx.count)
	if count > 0 {
		events |= uapi.POLLIN
	}
	if count < EVENTFD_MAX {
		events |= uapi.POLLOUT
	}
	return events
}

func eventfd_release(inode *Inode, f *File) int {
	eventfd_cache.Free(eventfd_ctx(f))
	f.Private_data = 0
	return 0
}

// Eventfd_fops (Linux eventfd_fops).
var Eventfd_fops = FileOperations{
	Read:    eventfd_read,
	Write:   eventfd_write,
	Poll:    eventfd_poll,
	Release: eventfd_release,
}

// Do_eventfd is eventfd2(count, flags) (Linux do_eventfd): a new
// descriptor, or -EINVAL for unknown flags, -EMFILE, -ENOMEM.
func Do_eventfd(count uint32, flags uint32) int {
	if flags&^(uapi.EFD_SEMAPHORE|uapi.EFD_CLOEXEC|uapi.EFD_NONBLOCK) != 0 {
		return -EINVAL
	}
	ctx := eventfd_cache.Zalloc(mm.GFP_KERNEL)
	if ctx == nil {
		return -ENOMEM
	}
	ctx.count = uint64(count)
	ctx.flags = flags & uapi.EFD_SEMAPHORE
	fd := Anon_inode_getfd(&Eventfd_fops, uintptr(unsafe.Pointer(ctx)), uapi.O_RDWR|flags&(uapi.EFD_CLOEXEC|uapi.EFD_NONBLOCK))
	if fd < 0 {
		eventfd_cache.Free(ctx)
	}
	return fd
}

// The system calls (Linux fs/eventfd.c); numbers from syscall_64.tbl.
const (
	X__NR_eventfd  = 284
	X__NR_eventfd2 = 290
)

// Sys_eventfd2: eventfd2(count, flags).
func Sys_eventfd2(r *asm.PtRegs) int64 { return int64(Do_eventfd(uint32(r.DI), uint32(r.SI))) }

// Sys_eventfd: eventfd(count), no flags.
func Sys_eventfd(r *asm.PtRegs) int64 { return int64(Do_eventfd(uint32(r.DI), 0)) }
