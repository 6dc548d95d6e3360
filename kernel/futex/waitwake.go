package futex

import (
	"unsafe"

	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
)

// FUTEX_WAIT and FUTEX_WAKE. Linux: kernel/futex/waitwake.c.

// Futex_wait sleeps on key while the word, read by get under the
// bucket's lock, equals val (Linux futex_wait → futex_wait_setup,
// futex_wait_queue). timeout is in jiffies, sched.MAX_SCHEDULE_TIMEOUT
// for none. It returns 0 when woken by Futex_wake, -EAGAIN if the word
// differs (the waker got there first), -ETIMEDOUT, -EINTR if a signal
// came, or get's -EFAULT. A sleeper is TASK_INTERRUPTIBLE and off the
// run queue: it costs no CPU time until a waker, its timer or a signal
// makes it runnable.
//
// get reads the word; the system call passes a get_user of the user's
// address, the selftests a load of a kernel word. It must not escape.
func Futex_wait(key *Futex_key, val uint32, get func() (uint32, int), timeout int64, bitset uint32) int {
	return futexWaitDeadline(key, val, get, timeout, 0, bitset)
}

// futexWaitDeadline is Futex_wait with the deadline of a timed wait on
// CLOCK_MONOTONIC, in nanoseconds (0: none, the jiffies alone). The
// tick's timer may end the sleep early by that clock: when a tick came
// late (under TCG, QEMU's timer thread falls behind the guest on a loaded
// host; jiffies then lag the TSC), the jiffies of the timeout pass before
// its time has. With a deadline the wait ends only when the clock has
// reached it, as Linux's hrtimer_sleeper never wakes early (POSIX).
func futexWaitDeadline(key *Futex_key, val uint32, get func() (uint32, int), timeout int64, deadline uint64, bitset uint32) int {
	if bitset == 0 {
		return -uapi.EINVAL
	}
	// Fault the word's page in outside the lock (Linux: the
	// get_futex_value_locked failure path's get_user), so that the read
	// under the lock, with interrupts off, normally finds it present.
	if _, r := get(); r != 0 {
		return r
	}
	Nr_waits++
	var q Futex_q
	q.Key, q.Bitset = *key, bitset
	q.Task = uintptr(unsafePointer(sched.Get_current()))
	hb := futex_hash(key)
	// Counted before the value is read, with a full barrier (LOCK XADD):
	// a waker that stored the new value and then finds no waiter pending
	// (Futex_wake's fast path) ran before this, and the read below sees
	// its value (Linux futex_hb_waiters_inc; without it, a waiter on one
	// CPU could read the old value, a waker on another skip the bucket,
	// and the waiter sleep for ever).
	hb.waiters_pending.Add(1)
	r := futex_wait_queue(key, val, get, timeout, deadline, hb, &q)
	hb.waiters_pending.Add(-1)
	return r
}

// futex_wait_queue is Futex_wait's loop, counted in hb's pending waiters
// (Linux futex_wait_setup and futex_wait_queue).
func futex_wait_queue(key *Futex_key, val uint32, get func() (uint32, int), timeout int64, deadline uint64, hb *Futex_hash_bucket, q *Futex_q) int {
	for {
		flags := futex_q_lock(hb)
		uval, r := get()
		if r != 0 {
			futex_q_unlock(hb, flags)
			return r
		}
		if uval != val {
			futex_q_unlock(hb, flags)
			return -uapi.EAGAIN
		}
		// Queued and asleep before the lock goes: a waker, who needs the
		// lock, finds the task TASK_INTERRUPTIBLE and queued, and its
		// wake-up makes the schedule() below return at once.
		q.woken = false
		futex_queue(q, hb)
		sched.Set_current_state(sched.TASK_INTERRUPTIBLE)
		futex_q_unlock(hb, flags)
		left := sched.Schedule_timeout(timeout)
		sched.Set_current_state(sched.TASK_RUNNING)
		flags = futex_q_lock(hb)
		still := futex_unqueue_locked(q, hb)
		woken := q.woken
		futex_q_unlock(hb, flags)
		switch {
		case !still && woken:
			return 0
		case left == 0 && timeout != sched.MAX_SCHEDULE_TIMEOUT:
			if now := ktime.Ktime_get_ns(); deadline != 0 && now < deadline {
				// The jiffies ran out before the clock did: sleep on.
				timeout = deadlineJiffies(deadline, now)
				continue
			}
			Nr_timeouts++
			return -uapi.ETIMEDOUT
		case sched.Signal_pending():
			// Linux returns -ERESTARTSYS (no timeout) or
			// -ERESTART_RESTARTBLOCK and restarts the wait after the
			// handler; gokern returns -EINTR, which every futex user
			// (the Go runtime, a C library) treats as a spurious wake-up.
			return -uapi.EINTR
		}
		// A spurious wake-up: wait again, with the time left (Linux:
		// "We expect signal_pending(current), but we might be the
		// victim of a spurious wakeup as well" → retry).
		if timeout != sched.MAX_SCHEDULE_TIMEOUT {
			timeout = left
		}
	}
}

// Futex_wake wakes up to nr waiters on key whose bitset meets bitset, the
// longest waiting first, and returns how many it woke (Linux futex_wake).
func Futex_wake(key *Futex_key, nr int, bitset uint32) int {
	if bitset == 0 {
		return -uapi.EINVAL
	}
	Nr_wakes++
	hb := futex_hash(key)
	// Linux's futex_hb_waiters_pending fast path; Add(0) is a LOCK XADD,
	// the full barrier (smp_mb) between the caller's store of the new
	// value and this read.
	if hb.waiters_pending.Add(0) == 0 {
		return 0
	}
	ret := 0
	flags := futex_q_lock(hb)
	for a := hb.head; a != 0 && ret < nr; {
		q := q_at(a)
		a = q.next
		if q.Key != *key || q.Bitset&bitset == 0 {
			continue
		}
		// Woken under the lock: the waiter takes the lock again before
		// it returns, so q stays valid until futex_wake_mark is done.
		sched.Wake_up_process(task(futex_wake_mark(q, hb)))
		ret++
	}
	futex_q_unlock(hb, flags)
	Nr_woken += uint64(ret)
	return ret
}

// timeoutJiffies converts a relative timeout to the jiffies
// schedule_timeout sleeps, rounded up and one more, since the current
// jiffy is already partly gone (Linux's hrtimer sleeps to the
// nanosecond; gokern's timers run on the tick, so a timeout ends on the
// first tick at or after it).
func timeoutJiffies(ts *uapi.X__kernel_timespec) int64 {
	ns := uint64(ts.Tv_sec)*uapi.NSEC_PER_SEC + uint64(ts.Tv_nsec)
	return int64((ns+ktime.TICK_NSEC-1)/ktime.TICK_NSEC) + 1
}

// deadlineJiffies is the jiffies from now to deadline (nanoseconds of
// CLOCK_MONOTONIC), rounded up; 0 once it has passed.
func deadlineJiffies(deadline, now uint64) int64 {
	if now >= deadline {
		return 0
	}
	return int64((deadline - now + ktime.TICK_NSEC - 1) / ktime.TICK_NSEC)
}

func unsafePointer(t *sched.Task_struct) unsafe.Pointer { return unsafe.Pointer(t) }
