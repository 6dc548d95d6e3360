// Package futex is gokern's fast user-space mutex support: the futex(2)
// system call's FUTEX_WAIT and FUTEX_WAKE (and their bitset forms), with
// which the Go runtime parks and unparks its threads (notesleep,
// notewakeup) and a C library builds its mutexes and condition
// variables. docs/go-on-gokern.md §3.
//
// Linux: kernel/futex/core.c (futex_hash, get_futex_key, futex_q,
// __futex_queue, futex_unqueue), kernel/futex/waitwake.c (futex_wait,
// futex_wake, futex_wait_setup), kernel/futex/syscalls.c (sys_futex,
// do_futex). Seed: 002 "Kernel synchronisation: wait queues".
//
// A waiter reads the user's word under its hash bucket's lock, queues
// itself there if the word still holds the value it expects, and sleeps;
// a waker changes the word in user space first, then takes the same lock
// and wakes the queued waiters whose key matches. Because the waiter's
// test and its queueing happen under the lock the waker needs, a wake-up
// can never fall between them (futex(2): "the futex value is read ... and
// the comparison ... and the blocking are performed atomically").
package futex

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// Futex_key names a futex word (Linux union futex_key). gokern has
// private mappings only (no MAP_SHARED, no shared file pages), so every
// key is the private form: the address space and the word's address. The
// address space is the page-table root the CPU runs on (CR3): it is one
// to one with the mm_struct, is the same for every thread of a process,
// and needs no look-up of the current task.
type Futex_key struct {
	Mm      uint64 // the mm's PGD, physical (Linux key.private.mm)
	Address uintptr
}

// Futex_q is one waiter (Linux struct futex_q). It lives on the waiter's
// kernel stack while it sleeps; the bucket links waiters by address, as
// sched's wait queues do, so that no Go pointer leads from a global to a
// stack.
type Futex_q struct {
	next   uintptr // *Futex_q in the same bucket
	Task   uintptr // *sched.Task_struct
	Key    Futex_key
	Bitset uint32
	queued bool // on a bucket (Linux: !plist_node_empty(&q->list))
	woken  bool // taken off by a waker, not by its own timeout or signal
}

// Futex_hash_bucket is a list of waiters whose keys hash alike, and the
// lock that orders waiters against wakers (Linux struct
// futex_hash_bucket).
type Futex_hash_bucket struct {
	lock    asm.Spinlock_t
	head    uintptr // *Futex_q
	Waiters int     // waiters queued here
	// waiters_pending counts the tasks between starting a wait and
	// leaving it, queued or not yet (Linux futex_hash_bucket.waiters,
	// futex_hb_waiters_inc): a waker's lock-free test of it may say
	// "nobody waits" only when no waiter can still read the old value.
	waiters_pending atomic.Int32
}

// FUTEX_HASHSIZE: Linux sizes the table at 256 buckets per CPU
// (futex_init: roundup_pow_of_two(256 * num_possible_cpus())); gokern
// keeps a fixed 256, enough for the few processes it runs.
const FUTEX_HASHSIZE = 256

// futex_queues is the hash table (Linux __futex_data.queues).
var futex_queues [FUTEX_HASHSIZE]Futex_hash_bucket

// Stats: what the selftests and /proc-style figures read.
var (
	Nr_waits, Nr_wakes, Nr_woken, Nr_timeouts uint64
)

// futex_hash returns the bucket of key (Linux futex_hash: jhash2 of the
// key; here a 64-bit multiplicative hash of the address and the mm).
func futex_hash(key *Futex_key) *Futex_hash_bucket {
	h := (uint64(key.Address)>>2 ^ key.Mm>>12) * 0x9e3779b97f4a7c15
	return &futex_queues[h>>(64-8)]
}

// Get_futex_key makes the key of uaddr in the current address space
// (Linux get_futex_key): -EINVAL for a word that is not 4-byte aligned,
// -EFAULT for an address outside user space.
func Get_futex_key(uaddr uintptr, key *Futex_key) int {
	if uaddr%4 != 0 {
		return -uapi.EINVAL
	}
	if !asm.Access_ok(uaddr, 4) {
		return -uapi.EFAULT
	}
	key.Mm = asm.Read_cr3() &^ (asm.PAGE_SIZE - 1)
	key.Address = uaddr
	return 0
}

func q_at(a uintptr) *Futex_q { return (*Futex_q)(unsafe.Add(nil, a)) }

// addr is q's address, hidden from escape analysis (q is on a stack).
func addr(q *Futex_q) uintptr { return uintptr(unsafe.Pointer(q)) }

// futex_q_lock takes q's bucket's lock with interrupts off (Linux
// futex_q_lock: spin_lock(&hb->lock); interrupts go off here too, since
// a tick that preempted the holder would leave another task on this CPU
// spinning on it forever).
func futex_q_lock(hb *Futex_hash_bucket) uint64 { return hb.lock.Spin_lock_irqsave(0) }

func futex_q_unlock(hb *Futex_hash_bucket, flags uint64) { hb.lock.Spin_unlock_irqrestore(flags) }

// futex_queue puts q at the tail of hb (Linux __futex_queue; every waiter
// has the same priority, so the list is FIFO and the waker wakes the
// longest waiter first). hb's lock is held.
func futex_queue(q *Futex_q, hb *Futex_hash_bucket) {
	q.next = 0
	pp := &hb.head
	for *pp != 0 {
		pp = &q_at(*pp).next
	}
	*pp = addr(q)
	q.queued = true
	hb.Waiters++
}

// futex_unqueue_locked takes q off hb if it is still there and reports
// whether it was (Linux futex_unqueue: 1 if it was still queued, so not
// woken). hb's lock is held.
func futex_unqueue_locked(q *Futex_q, hb *Futex_hash_bucket) bool {
	if !q.queued {
		return false
	}
	for pp := &hb.head; *pp != 0; pp = &q_at(*pp).next {
		if *pp == addr(q) {
			*pp = q.next
			break
		}
	}
	q.next, q.queued = 0, false
	hb.Waiters--
	return true
}

// futex_wake_mark takes q off hb and marks it woken (Linux
// futex_wake_mark + __futex_unqueue). It returns the task to wake: the
// waker must not touch q after the lock is dropped, since the waiter may
// then return and its stack frame, q's home, be gone.
func futex_wake_mark(q *Futex_q, hb *Futex_hash_bucket) uintptr {
	t := q.Task
	futex_unqueue_locked(q, hb)
	q.woken = true
	return t
}

func task(t uintptr) *sched.Task_struct { return (*sched.Task_struct)(asm.KernelPtr(t)) }
