package fs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// timerfd: a timer behind a file descriptor, whose expirations read(2)
// takes as an 8-byte count, and which poll and epoll see readable once it
// has expired (Go's golang.org/x/sys/unix TimerfdCreate; event loops put
// it in epoll). Linux: fs/timerfd.c. The timer is an hrtimer on
// CLOCK_MONOTONIC (kernel/time hrtimer.go: a tick's resolution); a
// CLOCK_REALTIME TFD_TIMER_ABSTIME time is moved to CLOCK_MONOTONIC when
// it is armed (a later clock_settime does not move it, and
// TFD_TIMER_CANCEL_ON_SET is refused). A periodic timer is started again
// by the read, timerfd_gettime or timerfd_settime that sees it expired,
// with the periods missed meanwhile added to the count, as Linux does to
// keep a tiny period from flooding the tick.

// Timerfd_ctx is struct timerfd_ctx. Every field but the hrtimer's
// queueing changes under the wait queue's lock, which the expiry takes
// too (Linux ctx->wqh.lock).
type Timerfd_ctx struct {
	t       ktime.Hrtimer // first: timerfd_tmrproc finds the ctx from it
	wqh     sched.Wait_queue_head
	tintv   uint64 // the period in ns, 0 for once
	ticks   uint64 // expirations not read yet
	clockid int32
	expired bool // fired, and not yet restarted (a periodic one)
}

var timerfd_cache = objCache[Timerfd_ctx]{Name: "timerfd_ctx"}

// The system calls (syscall_64.tbl) and their flags
// (include/uapi/linux/timerfd.h).
const (
	X__NR_timerfd_create  = 283
	X__NR_timerfd_settime = 286
	X__NR_timerfd_gettime = 287

	TFD_TIMER_ABSTIME       = 1
	TFD_TIMER_CANCEL_ON_SET = 2
	TFD_CLOEXEC             = uapi.O_CLOEXEC
	TFD_NONBLOCK            = uapi.O_NONBLOCK
	TFD_CREATE_FLAGS        = TFD_CLOEXEC | TFD_NONBLOCK
	TFD_SETTIME_FLAGS       = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET
)

// Itimerspec64 is struct __kernel_itimerspec: the period, then the value.
type Itimerspec64 struct {
	It_interval, It_value ktime.Timespec64
}

func timerfd_ctx_of(f *File) *Timerfd_ctx { return (*Timerfd_ctx)(unsafe.Add(nil, f.Private_data)) }

// timerfd_tmrproc is the expiry (Linux timerfd_tmrproc): one more tick,
// readers and pollers woken; no restart here.
func timerfd_tmrproc(h *ktime.Hrtimer) int {
	ctx := (*Timerfd_ctx)(unsafe.Pointer(h))
	flags := ctx.wqh.Lock()
	ctx.expired = true
	ctx.ticks++
	ctx.wqh.Unlock(flags)
	sched.Wake_up_interruptible_poll(&ctx.wqh, uapi.EPOLLIN)
	return ktime.HRTIMER_NORESTART
}

// timerfd_restart starts an expired periodic timer again, a whole
// number of periods after its last expiry, and returns the periods
// passed beyond the one already counted (Linux's hrtimer_forward_now -
// 1 then hrtimer_restart, in timerfd_read and timerfd_gettime). The lock
// is held.
func timerfd_restart(ctx *Timerfd_ctx) uint64 {
	n := ktime.Hrtimer_forward(&ctx.t, ktime.Ktime_get_ns(), ctx.tintv)
	ktime.Hrtimer_start(&ctx.t, ctx.t.Expires)
	if n == 0 {
		return 0
	}
	return n - 1
}

// timerfd_get_remaining: the time to the expiry set, 0 once due or
// when disarmed (Expires 0) (Linux timerfd_get_remaining, which reads
// the expiry whether or not the timer is queued).
func timerfd_get_remaining(ctx *Timerfd_ctx) uint64 {
	return uint64(max(ktime.Hrtimer_get_remaining(&ctx.t), 0))
}

// timerfd_read gives an 8-byte buffer the expirations since the last
// read (Linux timerfd_read): -EINVAL for less than 8 bytes, -EAGAIN with
// none and O_NONBLOCK, otherwise a sleep until one, -ERESTARTSYS on a
// signal.
func timerfd_read(f *File, to *Iov_iter, pos *int64) int64 {
	ctx := timerfd_ctx_of(f)
	if to.Count() < 8 {
		return -EINVAL
	}
	var ticks uint64
	for {
		flags := ctx.wqh.Lock()
		if ticks = ctx.ticks; ticks != 0 {
			if ctx.expired && ctx.tintv != 0 {
				ticks += timerfd_restart(ctx)
			}
			ctx.expired = false
			ctx.ticks = 0
		}
		ctx.wqh.Unlock(flags)
		if ticks != 0 {
			break
		}
		if f.F_flags&uapi.O_NONBLOCK != 0 {
			return -EAGAIN
		}
		if r := sched.Wait_event_interruptible(&ctx.wqh, func() bool { return timerfd_ticks(ctx) != 0 }); r != 0 {
			return int64(r)
		}
	}
	if to.Copy_to_iter(unsafe.Slice((*byte)(unsafe.Pointer(&ticks)), 8)) != 8 {
		return -EFAULT
	}
	return 8
}

// timerfd_ticks reads the count under the lock.
func timerfd_ticks(ctx *Timerfd_ctx) uint64 {
	flags := ctx.wqh.Lock()
	t := ctx.ticks
	ctx.wqh.Unlock(flags)
	return t
}

// timerfd_poll: readable while expirations wait to be read (Linux
// timerfd_poll).
func timerfd_poll(f *File, pt *Poll_table) uint32 {
	ctx := timerfd_ctx_of(f)
	Poll_wait(f, &ctx.wqh, pt)
	if timerfd_ticks(ctx) != 0 {
		return uapi.POLLIN
	}
	return 0
}

// timerfd_release stops the timer, waiting for an expiry running now,
// and frees the ctx (Linux timerfd_release).
func timerfd_release(inode *Inode, f *File) int {
	ctx := timerfd_ctx_of(f)
	ktime.Hrtimer_cancel(&ctx.t)
	timerfd_cache.Free(ctx)
	f.Private_data = 0
	return 0
}

// Timerfd_fops (Linux timerfd_fops).
var Timerfd_fops = FileOperations{
	Read:    timerfd_read,
	Poll:    timerfd_poll,
	Release: timerfd_release,
}

// timerfd_clock_valid: the clocks a timerfd may run on (Linux's
// CLOCK_REALTIME_ALARM and CLOCK_BOOTTIME_ALARM, which wake a suspended
// machine, are refused: gokern never suspends).
func timerfd_clock_valid(clockid int32) bool {
	return clockid == ktime.CLOCK_REALTIME || clockid == ktime.CLOCK_MONOTONIC || clockid == ktime.CLOCK_BOOTTIME
}

// Sys_timerfd_create: timerfd_create(clockid, flags) (Linux
// timerfd_create): -EINVAL for another clock or unknown flags.
func Sys_timerfd_create(r *asm.PtRegs) int64 {
	clockid, flags := int32(r.DI), uint32(r.SI)
	if flags&^TFD_CREATE_FLAGS != 0 || !timerfd_clock_valid(clockid) {
		return -EINVAL
	}
	ctx := timerfd_cache.Zalloc(mm.GFP_KERNEL)
	if ctx == nil {
		return -ENOMEM
	}
	ctx.clockid = clockid
	ktime.Hrtimer_init(&ctx.t, timerfd_tmrproc)
	fd := Anon_inode_getfd(&Timerfd_fops, uintptr(unsafe.Pointer(ctx)), uapi.O_RDWR|flags)
	if fd < 0 {
		timerfd_cache.Free(ctx)
	}
	return int64(fd)
}

// timerfd_fget: the timerfd at fd with a reference, or -EBADF, or
// -EINVAL for another kind of file (Linux timerfd_fget).
func timerfd_fget(fd int) (*File, int64) {
	f := Fget(fd)
	if f == nil {
		return nil, -EBADF
	}
	if f.F_op != &Timerfd_fops {
		Fput(f)
		return nil, -EINVAL
	}
	return f, 0
}

// timerfd_get_locked fills cur from ctx, starting an expired periodic
// timer again first (Linux do_timerfd_gettime's body). The lock is held.
func timerfd_get_locked(ctx *Timerfd_ctx, cur *Itimerspec64) {
	if ctx.expired && ctx.tintv != 0 {
		ctx.expired = false
		ctx.ticks += timerfd_restart(ctx)
	}
	cur.It_value = ktime.Ns_to_timespec64(int64(timerfd_get_remaining(ctx)))
	cur.It_interval = ktime.Ns_to_timespec64(int64(ctx.tintv))
}

// Sys_timerfd_gettime: timerfd_gettime(fd, curr_value).
func Sys_timerfd_gettime(r *asm.PtRegs) int64 {
	f, e := timerfd_fget(int(int32(r.DI)))
	if f == nil {
		return e
	}
	ctx := timerfd_ctx_of(f)
	var cur Itimerspec64
	flags := ctx.wqh.Lock()
	timerfd_get_locked(ctx, &cur)
	ctx.wqh.Unlock(flags)
	Fput(f)
	if asm.Copy_to_user(uintptr(r.SI), uintptr(unsafe.Pointer(&cur)), unsafe.Sizeof(cur)) != 0 {
		return -EFAULT
	}
	return 0
}

// Sys_timerfd_settime: timerfd_settime(fd, flags, new_value, old_value)
// (Linux do_timerfd_settime): the timer stopped — waiting, without the
// lock, for an expiry running now — the old setting read, the count
// cleared, and the timer armed again unless the new value is 0.
func Sys_timerfd_settime(r *asm.PtRegs) int64 {
	var nv, old Itimerspec64
	if asm.Copy_from_user(uintptr(unsafe.Pointer(&nv)), uintptr(r.DX), unsafe.Sizeof(nv)) != 0 {
		return -EFAULT
	}
	tflags := int(int32(r.SI))
	if tflags&^TFD_SETTIME_FLAGS != 0 || !itimerspec64_valid(&nv) {
		return -EINVAL
	}
	f, e := timerfd_fget(int(int32(r.DI)))
	if f == nil {
		return e
	}
	ctx := timerfd_ctx_of(f)
	if tflags&TFD_TIMER_CANCEL_ON_SET != 0 {
		// Linux accepts it for CLOCK_REALTIME absolute timers and
		// reads -ECANCELED after a clock_settime; gokern does not
		// track clock changes.
		Fput(f)
		return -EINVAL
	}
	flags := ctx.wqh.Lock()
	for ktime.Hrtimer_try_to_cancel(&ctx.t) < 0 {
		ctx.wqh.Unlock(flags)
		ktime.Hrtimer_cancel_wait_running(&ctx.t)
		flags = ctx.wqh.Lock()
	}
	// An expired periodic timer is moved to its next period first, so
	// that the old value is the time to it (Linux do_timerfd_settime).
	if ctx.expired && ctx.tintv != 0 {
		ktime.Hrtimer_forward(&ctx.t, ktime.Ktime_get_ns(), ctx.tintv)
	}
	old.It_value = ktime.Ns_to_timespec64(int64(timerfd_get_remaining(ctx)))
	old.It_interval = ktime.Ns_to_timespec64(int64(ctx.tintv))
	// timerfd_setup.
	ctx.expired, ctx.ticks = false, 0
	ctx.tintv = uint64(nv.It_interval.Tv_sec)*1000000000 + uint64(nv.It_interval.Tv_nsec)
	ctx.t.Expires = 0
	if v := uint64(nv.It_value.Tv_sec)*1000000000 + uint64(nv.It_value.Tv_nsec); v != 0 {
		expires := ktime.Ktime_get_ns() + v
		if tflags&TFD_TIMER_ABSTIME != 0 {
			mono := int64(v)
			if ctx.clockid == ktime.CLOCK_REALTIME {
				mono -= int64(ktime.Ktime_get_real_ns() - ktime.Ktime_get_ns())
			}
			expires = uint64(max(mono, 0))
		}
		ktime.Hrtimer_start(&ctx.t, expires)
	}
	ctx.wqh.Unlock(flags)
	Fput(f)
	if r.R10 != 0 && asm.Copy_to_user(uintptr(r.R10), uintptr(unsafe.Pointer(&old)), unsafe.Sizeof(old)) != 0 {
		return -EFAULT
	}
	return 0
}

// itimerspec64_valid: both times have seconds not negative and
// nanoseconds within [0, 1e9) (Linux itimerspec64_valid).
func itimerspec64_valid(its *Itimerspec64) bool {
	return ktime.Timespec64_valid(&its.It_value) && ktime.Timespec64_valid(&its.It_interval)
}
