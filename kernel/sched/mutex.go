package sched

import "sync/atomic"

// Mutex is a sleeping lock (Linux struct mutex, kernel/locking/mutex.c,
// without its optimistic spinning and handoff): a task that finds it
// taken sleeps, uninterruptibly, on its wait queue until the holder lets
// go. For locks held across work that may sleep or fault (epoll's
// ep->mtx and epmutex); a spinlock's holder must not sleep.
type Mutex struct {
	owner uint32 // 1 while held
	wait  Wait_queue_head
}

// Mutex_lock takes m, sleeping while another task holds it (Linux
// mutex_lock).
func Mutex_lock(m *Mutex) {
	Wait_event(&m.wait, func() bool { return atomic.CompareAndSwapUint32(&m.owner, 0, 1) })
}

// Mutex_unlock releases m and wakes its sleepers, which try again
// (Linux mutex_unlock).
func Mutex_unlock(m *Mutex) {
	atomic.StoreUint32(&m.owner, 0)
	Wake_up(&m.wait)
}
