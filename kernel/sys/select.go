package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// poll, ppoll, select, pselect6. Linux: fs/select.c. Each copies its
// descriptors in, waits in the VFS's do_sys_poll (fs.Do_sys_poll: the
// files' wait queues, then schedule_timeout; the tick wakes it), and
// copies the results out. select is poll over the descriptors whose
// bits are set (Linux's do_select asks the same f_op->poll with the
// same event sets).

// The poll bits select's three sets stand for (Linux POLLIN_SET,
// POLLOUT_SET, POLLEX_SET).
const (
	POLLIN_SET  = uapi.POLLRDNORM | uapi.POLLRDBAND | uapi.POLLIN | uapi.POLLHUP | uapi.POLLERR
	POLLOUT_SET = uapi.POLLWRBAND | uapi.POLLWRNORM | uapi.POLLOUT | uapi.POLLERR
	POLLEX_SET  = uapi.POLLPRI
)

// Timespec is struct __kernel_timespec and Timeval struct
// __kernel_old_timeval of x86-64 (and i386's *_time64 calls).
type Timespec struct{ Tv_sec, Tv_nsec int64 }
type Timeval struct{ Tv_sec, Tv_usec int64 }

const NSEC_PER_SEC = 1000000000

// timespec_to_jiffies rounds up: a sleep is never shorter than asked.
func timespec_to_jiffies(ts *Timespec) int64 {
	if ts.Tv_sec >= (1<<62)/NSEC_PER_SEC {
		return sched.MAX_SCHEDULE_TIMEOUT
	}
	ns := uint64(ts.Tv_sec)*NSEC_PER_SEC + uint64(ts.Tv_nsec)
	return int64((ns + ktime.TICK_NSEC - 1) / ktime.TICK_NSEC)
}

// poll_timeout is the wait the caller asked for: the jiffies to sleep
// (-1: for ever), one more than the time rounded up, for the jiffy
// already under way; the jiffy it ends at, for the time left; and its
// end on CLOCK_MONOTONIC (ns), before which the wait does not end (Linux
// poll_select_set_timeout and an hrtimer: never early; before, a wait
// begun late in a jiffy could end up to a jiffy early, while epoll's had
// the extra jiffy).
func poll_timeout(ts *Timespec) (int64, uint64, uint64) {
	if ts == nil {
		return -1, 0, 0
	}
	j := timespec_to_jiffies(ts)
	if j == 0 || j == sched.MAX_SCHEDULE_TIMEOUT {
		return j, ktime.Get_jiffies_64() + uint64(j), 0
	}
	return j + 1, ktime.Get_jiffies_64() + uint64(j), ktime.Ktime_get_ns() + uint64(ts.Tv_sec)*NSEC_PER_SEC + uint64(ts.Tv_nsec)
}

// remaining is what is left of a timeout that ends at end.
func remaining(end uint64) Timespec {
	now := ktime.Get_jiffies_64()
	if !ktime.Time_after(end, now) {
		return Timespec{}
	}
	ns := (end - now) * ktime.TICK_NSEC
	return Timespec{int64(ns / NSEC_PER_SEC), int64(ns % NSEC_PER_SEC)}
}

// get_timespec copies a timespec in and checks it (Linux
// get_timespec64 + timespec64_valid): -EINVAL for a negative or
// unnormalised value.
func get_timespec(ts *Timespec, user uintptr) int {
	if err := copy_from_user_obj(unsafe.Pointer(ts), user, unsafe.Sizeof(*ts)); err != 0 {
		return err
	}
	if ts.Tv_sec < 0 || uint64(ts.Tv_nsec) >= NSEC_PER_SEC {
		return -asm.EINVAL
	}
	return 0
}

// pollUser copies nfds pollfds in, polls, and copies them back out
// (Linux do_sys_poll): -EINVAL for more than RLIMIT_NOFILE (NR_OPEN).
func pollUser(ufds uintptr, nfds uint64, timeout int64, deadline uint64) int64 {
	if nfds > uapi.NR_OPEN {
		return -asm.EINVAL
	}
	var one [1]fs.Pollfd
	fds := one[:0]
	var p unsafe.Pointer
	size := uintptr(nfds) * unsafe.Sizeof(fs.Pollfd{})
	if nfds > 1 {
		if p = mm.Kmalloc(uint64(size), mm.GFP_KERNEL); p == nil {
			return -asm.ENOMEM
		}
		fds = unsafe.Slice((*fs.Pollfd)(p), nfds)
	} else if nfds == 1 {
		fds = one[:]
	}
	ret := int64(0)
	if nfds > 0 {
		ret = int64(copy_from_user_obj(unsafe.Pointer(&fds[0]), ufds, size))
	}
	if ret == 0 {
		ret = int64(fs.Do_sys_poll_deadline(fds, timeout, deadline))
		if ret >= 0 && nfds > 0 {
			if err := copy_to_user_obj(ufds, unsafe.Pointer(&fds[0]), size); err != 0 {
				ret = int64(err)
			}
		}
	}
	if p != nil {
		mm.Kfree(p)
	}
	return ret
}

// sys_poll: poll(fds, nfds, timeout_ms): a negative timeout waits for
// ever.
func sys_poll(r *asm.PtRegs) int64 {
	ms := int3(r)
	if ms < 0 {
		return pollUser(uintptr(a1(r)), uint64(uint32(a2(r))), -1, 0)
	}
	ts := Timespec{int64(ms) / 1000, int64(ms) % 1000 * 1000000}
	timeout, _, deadline := poll_timeout(&ts)
	return pollUser(uintptr(a1(r)), uint64(uint32(a2(r))), timeout, deadline)
}

// sys_ppoll: ppoll(fds, nfds, tmo_p, sigmask, sigsetsize): the timeout a
// timespec (NULL: for ever), written back with what is left, as Linux
// does.
func sys_ppoll(r *asm.PtRegs) int64 {
	var ts Timespec
	var tsp *Timespec
	if a3(r) != 0 {
		if err := get_timespec(&ts, uintptr(a3(r))); err != 0 {
			return int64(err)
		}
		tsp = &ts
	}
	old, set, err := set_user_sigmask(uintptr(a4(r)), a5(r))
	if err != 0 {
		return int64(err)
	}
	timeout, end, deadline := poll_timeout(tsp)
	ret := pollUser(uintptr(a1(r)), uint64(uint32(a2(r))), timeout, deadline)
	if set {
		restore_saved_sigmask_unless(ret == -uapi.EINTR, old)
	}
	return poll_select_finish(ret, uintptr(a3(r)), tsp, end)
}

// poll_select_finish writes the time left back (Linux
// poll_select_finish): only when the call waited for a time, and a fault
// writing it is ignored when the call succeeded, as Linux does.
func poll_select_finish(ret int64, user uintptr, tsp *Timespec, end uint64) int64 {
	if tsp == nil || (tsp.Tv_sec == 0 && tsp.Tv_nsec == 0) {
		return ret
	}
	left := remaining(end)
	copy_to_user_obj(user, unsafe.Pointer(&left), unsafe.Sizeof(left))
	return ret
}

// set_user_sigmask copies a sigset in and makes it the task's mask for
// the call (Linux set_user_sigmask): NULL is none; a size other than the
// kernel's sigset_t (8 bytes) is -EINVAL. It returns the mask to restore.
func set_user_sigmask(user uintptr, size uint64) (uapi.Sigset_t, bool, int) {
	if user == 0 {
		return 0, false, 0
	}
	if size != 8 {
		return 0, false, -asm.EINVAL
	}
	var mask uapi.Sigset_t
	if err := copy_from_user_obj(unsafe.Pointer(&mask), user, 8); err != 0 {
		return 0, false, err
	}
	var old uapi.Sigset_t
	signal.Sigprocmask(uapi.SIG_SETMASK, mask, &old)
	return old, true, 0
}

// restore_saved_sigmask_unless puts the old mask back, unless the call
// was interrupted: then the signal is delivered under the call's mask
// and the old one comes back after (Linux restore_saved_sigmask_unless:
// saved_sigmask and TIF_RESTORE_SIGMASK, which the signal code honours on
// the way out).
func restore_saved_sigmask_unless(interrupted bool, old uapi.Sigset_t) {
	if interrupted {
		t := sched.Get_current()
		t.Saved_sigmask, t.Restore_sigmask = old, true
		return
	}
	signal.Sigprocmask(uapi.SIG_SETMASK, old, nil)
}

// FD_SETSIZE bits are what select can name (Linux: the descriptor
// table's size; gokern's is at most NR_OPEN).
const fdset_words = uapi.NR_OPEN / 64

// core_sys_select is select over the n first descriptors (Linux
// core_sys_select → do_select): the three sets copied in (NULL: none),
// a pollfd for every descriptor named in any, -EBADF for a descriptor
// that is not open, then the sets rewritten with the ready bits and
// their count returned.
func core_sys_select(n int, inp, outp, exp uintptr, timeout int64, deadline uint64) int64 {
	if n < 0 {
		return -asm.EINVAL
	}
	n = min(n, uapi.NR_OPEN)
	words := (n + 63) / 64
	var sets [3][fdset_words]uint64
	users := [3]uintptr{inp, outp, exp}
	for i, u := range users {
		if u != 0 && words > 0 {
			if err := copy_from_user_obj(unsafe.Pointer(&sets[i][0]), u, uintptr(words*8)); err != 0 {
				return int64(err)
			}
			// Bits past n are not the call's.
			if n%64 != 0 {
				sets[i][words-1] &= 1<<(n%64) - 1
			}
		}
	}
	nfds := 0
	for w := 0; w < words; w++ {
		all := sets[0][w] | sets[1][w] | sets[2][w]
		for ; all != 0; all &= all - 1 {
			nfds++
		}
	}
	var fds []fs.Pollfd
	var p unsafe.Pointer
	if nfds > 0 {
		if p = mm.Kmalloc(uint64(nfds)*uint64(unsafe.Sizeof(fs.Pollfd{})), mm.GFP_KERNEL); p == nil {
			return -asm.ENOMEM
		}
		fds = unsafe.Slice((*fs.Pollfd)(p), nfds)
	}
	ret := select_fds(n, &sets, fds, timeout, deadline)
	if p != nil {
		mm.Kfree(p)
	}
	if ret < 0 {
		return ret
	}
	for i, u := range users {
		if u != 0 && words > 0 {
			if err := copy_to_user_obj(u, unsafe.Pointer(&sets[i][0]), uintptr(words*8)); err != 0 {
				return int64(err)
			}
		}
	}
	return ret
}

// select_fds polls the descriptors of sets through fds and leaves in
// sets the ready ones: the number of bits set.
func select_fds(n int, sets *[3][fdset_words]uint64, fds []fs.Pollfd, timeout int64, deadline uint64) int64 {
	k := 0
	for fd := 0; fd < n; fd++ {
		w, bit := fd/64, uint64(1)<<(fd%64)
		var ev int16
		if sets[0][w]&bit != 0 {
			ev |= POLLIN_SET
		}
		if sets[1][w]&bit != 0 {
			ev |= POLLOUT_SET
		}
		if sets[2][w]&bit != 0 {
			ev |= POLLEX_SET
		}
		if ev == 0 {
			continue
		}
		f := fs.Fget(fd)
		if f == nil {
			return -asm.EBADF
		}
		fs.Fput(f)
		fds[k] = fs.Pollfd{Fd: int32(fd), Events: ev}
		k++
	}
	ret := int64(fs.Do_sys_poll_deadline(fds, timeout, deadline))
	if ret < 0 {
		return ret
	}
	*sets = [3][fdset_words]uint64{}
	count := int64(0)
	for _, pf := range fds {
		w, bit := pf.Fd/64, uint64(1)<<(pf.Fd%64)
		for i, set := range [3]int16{POLLIN_SET, POLLOUT_SET, POLLEX_SET} {
			if pf.Revents&set != 0 && pf.Events&set != 0 {
				sets[i][w] |= bit
				count++
			}
		}
	}
	return count
}

// sys_select: select(nfds, readfds, writefds, exceptfds, timeout): the
// timeout a timeval (NULL: for ever), written back with what is left.
func sys_select(r *asm.PtRegs) int64 {
	var tsp *Timespec
	var ts Timespec
	if u := uintptr(a5(r)); u != 0 {
		var tv Timeval
		if err := copy_from_user_obj(unsafe.Pointer(&tv), u, unsafe.Sizeof(tv)); err != 0 {
			return int64(err)
		}
		if tv.Tv_sec < 0 || uint64(tv.Tv_usec) >= 1000000 {
			return -asm.EINVAL
		}
		ts, tsp = Timespec{tv.Tv_sec, tv.Tv_usec * 1000}, &ts
	}
	timeout, end, deadline := poll_timeout(tsp)
	ret := core_sys_select(int1(r), uintptr(a2(r)), uintptr(a3(r)), uintptr(a4(r)), timeout, deadline)
	if tsp != nil && (ts.Tv_sec != 0 || ts.Tv_nsec != 0) {
		left := remaining(end)
		tv := Timeval{left.Tv_sec, left.Tv_nsec / 1000}
		copy_to_user_obj(uintptr(a5(r)), unsafe.Pointer(&tv), unsafe.Sizeof(tv))
	}
	return ret
}

// sys_pselect6: pselect6(nfds, readfds, writefds, exceptfds, timeout,
// sig): a timespec, and sig points at {sigset pointer, its size}.
func sys_pselect6(r *asm.PtRegs) int64 {
	var ts Timespec
	var tsp *Timespec
	if a5(r) != 0 {
		if err := get_timespec(&ts, uintptr(a5(r))); err != 0 {
			return int64(err)
		}
		tsp = &ts
	}
	var sig struct {
		p    uintptr
		size uint64
	}
	if u := uintptr(r.R9); u != 0 {
		if err := copy_from_user_obj(unsafe.Pointer(&sig), u, unsafe.Sizeof(sig)); err != 0 {
			return int64(err)
		}
	}
	old, set, err := set_user_sigmask(sig.p, sig.size)
	if err != 0 {
		return int64(err)
	}
	timeout, end, deadline := poll_timeout(tsp)
	ret := core_sys_select(int1(r), uintptr(a2(r)), uintptr(a3(r)), uintptr(a4(r)), timeout, deadline)
	if set {
		restore_saved_sigmask_unless(ret == -uapi.EINTR, old)
	}
	return poll_select_finish(ret, uintptr(a5(r)), tsp, end)
}
