package fs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// POSIX record locks: fcntl's F_GETLK, F_SETLK and F_SETLKW. Linux:
// fs/locks.c (fcntl_getlk, fcntl_setlk, flock_to_posix_lock,
// posix_test_lock, posix_lock_inode, posix_locks_conflict,
// posix_locks_deadlock, locks_remove_posix). A lock covers a byte range
// of an inode and belongs to a descriptor table (fl_owner: the process's
// files_struct, so a child sharing the open file through fork or
// SCM_RIGHTS is another owner), and goes when its owner closes any
// descriptor of the inode, or ends. Read locks share, a write lock
// excludes every other owner's lock on the bytes it covers; an owner's
// own locks never conflict, a new one replaces whatever it held on the
// range (splitting or merging its old ones).
//
// gokern keeps the inode's locks on one unsorted list, all lists under
// one spinlock, and wakes every F_SETLKW waiter on any unlock to look
// again (Linux queues a waiter on the lock that blocks it).

// The commands and types (include/uapi/asm-generic/fcntl.h).
const (
	F_GETLK  = 5
	F_SETLK  = 6
	F_SETLKW = 7

	F_RDLCK = 0
	F_WRLCK = 1
	F_UNLCK = 2

	// OFFSET_MAX: a lock with l_len 0 reaches here, the end of any file.
	OFFSET_MAX = 1<<63 - 1
)

// Flock is struct flock on x86-64.
type Flock struct {
	L_type   int16
	L_whence int16
	_        int32
	L_start  int64
	L_len    int64
	L_pid    int32
	_        int32
}

// File_lock is one POSIX lock (Linux struct file_lock): [Fl_start,
// Fl_end], both included.
type File_lock struct {
	Fl_next  *File_lock // the inode's next (Linux flc_posix)
	Fl_owner *Files_struct
	Fl_pid   int32 // the owner's process, for F_GETLK
	Fl_type  int16
	Fl_start int64
	Fl_end   int64
}

var file_lock_cachep = objCache[File_lock]{Name: "file_lock_cache"}

// file_lock_lock guards every inode's I_flctx list and blocked_locks.
var file_lock_lock = asm.Spinlock_t{Owner_cpu: -1, Name: "file_lock_lock"}

// file_lock_wait is where F_SETLKW sleeps until a lock goes.
var file_lock_wait sched.Wait_queue_head

// MAX_DEADLK_ITERATIONS: how far posix_locks_deadlock follows the chain
// of waiting owners (Linux's 10).
const MAX_DEADLK_ITERATIONS = 10

// blocked_locks records who waits for whom in F_SETLKW (Linux
// blocked_hash: each waiter's owner and the owner of the lock blocking
// it), for the deadlock check. A waiter that finds it full gets -ENOLCK.
var blocked_locks [64]struct{ owner, blocker *Files_struct }

// Tgid_hook is the caller's process id, which a lock records for
// F_GETLK (fl_pid); kernel/exec sets it. Nil: 0.
var Tgid_hook func() int32

func lockPid() int32 {
	if Tgid_hook == nil {
		return 0
	}
	return Tgid_hook()
}

// flock_to_posix_lock turns l into a byte range of f (Linux
// flock_to_posix_lock): -EINVAL for a bad whence or a range starting
// before 0, -EOVERFLOW past OFFSET_MAX.
func flock_to_posix_lock(f *File, l *Flock) (start, end int64, err int) {
	switch l.L_whence {
	case uapi.SEEK_SET:
	case uapi.SEEK_CUR:
		start = f.F_pos
	case uapi.SEEK_END:
		start = f.F_inode.I_size
	default:
		return 0, 0, -EINVAL
	}
	if l.L_start > OFFSET_MAX-start {
		return 0, 0, -uapi.EOVERFLOW
	}
	start += l.L_start
	if start < 0 {
		return 0, 0, -EINVAL
	}
	switch {
	case l.L_len > 0:
		if l.L_len-1 > OFFSET_MAX-start {
			return 0, 0, -uapi.EOVERFLOW
		}
		end = start + l.L_len - 1
	case l.L_len < 0:
		end = start - 1
		start += l.L_len
		if start < 0 {
			return 0, 0, -EINVAL
		}
	default:
		end = OFFSET_MAX
	}
	return start, end, 0
}

// posix_locks_conflict: fl, another owner's, stands in the way of a
// request of owner, typ and range (Linux posix_locks_conflict).
func posix_locks_conflict(fl *File_lock, owner *Files_struct, typ int16, start, end int64) bool {
	return fl.Fl_owner != owner && fl.Fl_start <= end && start <= fl.Fl_end &&
		(typ == F_WRLCK || fl.Fl_type == F_WRLCK)
}

// first_conflict is the first lock of inode that blocks the request, or
// nil. file_lock_lock is held.
func first_conflict(inode *Inode, owner *Files_struct, typ int16, start, end int64) *File_lock {
	for fl := inode.I_flctx; fl != nil; fl = fl.Fl_next {
		if posix_locks_conflict(fl, owner, typ, start, end) {
			return fl
		}
	}
	return nil
}

// fcntl_getlk is F_GETLK (Linux fcntl_getlk): the first lock that would
// block the request, written back with l_whence SEEK_SET and the owner's
// pid, or l_type F_UNLCK when nothing would.
func fcntl_getlk(f *File, arg uintptr) int64 {
	var l Flock
	if err := CopyObjFromUser(unsafe.Pointer(&l), arg, unsafe.Sizeof(l)); err != 0 {
		return int64(err)
	}
	if l.L_type != F_RDLCK && l.L_type != F_WRLCK {
		return -EINVAL
	}
	start, end, err := flock_to_posix_lock(f, &l)
	if err != 0 {
		return int64(err)
	}
	flags := file_lock_lock.Spin_lock_irqsave(0)
	if fl := first_conflict(f.F_inode, current_files(), l.L_type, start, end); fl != nil {
		l.L_type, l.L_whence, l.L_start, l.L_pid = fl.Fl_type, uapi.SEEK_SET, fl.Fl_start, fl.Fl_pid
		l.L_len = 0
		if fl.Fl_end != OFFSET_MAX {
			l.L_len = fl.Fl_end - fl.Fl_start + 1
		}
	} else {
		l.L_type = F_UNLCK
	}
	file_lock_lock.Spin_unlock_irqrestore(flags)
	return int64(CopyObjToUser(arg, unsafe.Pointer(&l), unsafe.Sizeof(l)))
}

// what_owner_is_waiting_for is the owner of the lock that owner waits
// for in F_SETLKW, or nil (Linux what_owner_is_waiting_for).
func what_owner_is_waiting_for(owner *Files_struct) *Files_struct {
	for i := range blocked_locks {
		if blocked_locks[i].owner == owner {
			return blocked_locks[i].blocker
		}
	}
	return nil
}

// posix_locks_deadlock: waiting for blocker's owner would close a cycle
// of owners each waiting for the next (Linux posix_locks_deadlock).
func posix_locks_deadlock(owner, blocker *Files_struct) bool {
	for i := 0; i < MAX_DEADLK_ITERATIONS && blocker != nil; i++ {
		if blocker == owner {
			return true
		}
		blocker = what_owner_is_waiting_for(blocker)
	}
	return false
}

// posix_lock_inode applies owner's request to inode's list (Linux
// posix_lock_inode) when no other owner's lock conflicts; file_lock_lock
// is held. spare holds two preallocated locks: one for the request, one
// for the far end of an old lock the request splits; it takes what it
// uses and frees what the request removes into freed (at most the
// owner's locks the range touches, freed by the caller after unlocking).
// It returns the conflicting lock, or nil when done.
func posix_lock_inode(inode *Inode, owner *Files_struct, pid int32, typ int16, start, end int64,
	spare *[2]*File_lock, freed **File_lock) *File_lock {
	if typ != F_UNLCK {
		if fl := first_conflict(inode, owner, typ, start, end); fl != nil {
			return fl
		}
	}
	// Take the range out of the owner's locks.
	for pp := &inode.I_flctx; *pp != nil; {
		fl := *pp
		if fl.Fl_owner != owner || fl.Fl_end < start || fl.Fl_start > end {
			pp = &fl.Fl_next
			continue
		}
		switch {
		case fl.Fl_start < start && fl.Fl_end > end:
			// Split: fl keeps the left part, a new lock the right.
			right := spare[1]
			spare[1] = nil
			*right = *fl
			right.Fl_start = end + 1
			fl.Fl_end = start - 1
			fl.Fl_next = right
			pp = &right.Fl_next
		case fl.Fl_start < start:
			fl.Fl_end = start - 1
			pp = &fl.Fl_next
		case fl.Fl_end > end:
			fl.Fl_start = end + 1
			pp = &fl.Fl_next
		default:
			*pp = fl.Fl_next
			fl.Fl_next = *freed
			*freed = fl
		}
	}
	if typ == F_UNLCK {
		return nil
	}
	// Merge with the owner's locks of the same type that touch it.
	for pp := &inode.I_flctx; *pp != nil; {
		fl := *pp
		if fl.Fl_owner == owner && fl.Fl_type == typ &&
			((fl.Fl_end != OFFSET_MAX && fl.Fl_end+1 == start) || (end != OFFSET_MAX && end+1 == fl.Fl_start)) {
			start, end = min(start, fl.Fl_start), max(end, fl.Fl_end)
			*pp = fl.Fl_next
			fl.Fl_next = *freed
			*freed = fl
			continue
		}
		pp = &fl.Fl_next
	}
	fl := spare[0]
	spare[0] = nil
	*fl = File_lock{Fl_next: inode.I_flctx, Fl_owner: owner, Fl_pid: pid, Fl_type: typ, Fl_start: start, Fl_end: end}
	inode.I_flctx = fl
	return nil
}

// free_locks gives a chain of locks back.
func free_locks(fl *File_lock) {
	for fl != nil {
		next := fl.Fl_next
		file_lock_cachep.Free(fl)
		fl = next
	}
}

// fcntl_setlk is F_SETLK and F_SETLKW (Linux fcntl_setlk): -EBADF for a
// read lock on a file not open for reading or a write lock on one not
// open for writing, -EAGAIN when another owner's lock conflicts
// (F_SETLK), else F_SETLKW sleeps until none does: -EDEADLK when the
// owner of the lock in the way waits, through a chain, for the caller,
// -ERESTARTSYS on a signal.
func fcntl_setlk(f *File, cmd int, arg uintptr) int64 {
	var l Flock
	if err := CopyObjFromUser(unsafe.Pointer(&l), arg, unsafe.Sizeof(l)); err != 0 {
		return int64(err)
	}
	switch l.L_type {
	case F_RDLCK:
		if f.F_mode&FMODE_READ == 0 {
			return -EBADF
		}
	case F_WRLCK:
		if f.F_mode&FMODE_WRITE == 0 {
			return -EBADF
		}
	case F_UNLCK:
	default:
		return -EINVAL
	}
	start, end, err := flock_to_posix_lock(f, &l)
	if err != 0 {
		return int64(err)
	}
	var spare [2]*File_lock
	for i := range spare {
		if spare[i] = file_lock_cachep.Zalloc(mm.GFP_KERNEL); spare[i] == nil {
			file_lock_cachep.Free(spare[0])
			return -ENOMEM
		}
	}
	owner, pid := current_files(), lockPid()
	var freed *File_lock
	ret := int64(0)
	slot := -1
	cond := func() bool {
		flags := file_lock_lock.Spin_lock_irqsave(0)
		blocker := posix_lock_inode(f.F_inode, owner, pid, l.L_type, start, end, &spare, &freed)
		done := true
		switch {
		case blocker == nil:
		case cmd == F_SETLK:
			ret = -EAGAIN
		case posix_locks_deadlock(owner, blocker.Fl_owner):
			ret = -uapi.EDEADLK
		default:
			// Record the wait for the deadlock check, and sleep.
			if slot < 0 {
				for i := range blocked_locks {
					if blocked_locks[i].owner == nil {
						slot = i
						break
					}
				}
			}
			if slot < 0 {
				ret = -uapi.ENOLCK
				break
			}
			blocked_locks[slot].owner, blocked_locks[slot].blocker = owner, blocker.Fl_owner
			done = false
		}
		if done && slot >= 0 {
			blocked_locks[slot].owner, blocked_locks[slot].blocker = nil, nil
		}
		file_lock_lock.Spin_unlock_irqrestore(flags)
		return done
	}
	if r := sched.Wait_event_interruptible(&file_lock_wait, cond); r != 0 {
		ret = int64(r)
		flags := file_lock_lock.Spin_lock_irqsave(0)
		if slot >= 0 {
			blocked_locks[slot].owner, blocked_locks[slot].blocker = nil, nil
		}
		file_lock_lock.Spin_unlock_irqrestore(flags)
	}
	file_lock_cachep.Free(spare[0])
	file_lock_cachep.Free(spare[1])
	if freed != nil || l.L_type == F_UNLCK {
		free_locks(freed)
		// Bytes came free: the waiters look again.
		sched.Wake_up_interruptible(&file_lock_wait)
	}
	return ret
}

// Locks_remove_posix drops owner's locks on f's inode (Linux
// locks_remove_posix, from filp_close: closing any descriptor of a file
// releases the process's locks on it).
func Locks_remove_posix(f *File, owner *Files_struct) {
	inode := f.F_inode
	if inode == nil || owner == nil || inode.I_flctx == nil {
		return
	}
	var freed *File_lock
	flags := file_lock_lock.Spin_lock_irqsave(0)
	for pp := &inode.I_flctx; *pp != nil; {
		fl := *pp
		if fl.Fl_owner == owner {
			*pp = fl.Fl_next
			fl.Fl_next = freed
			freed = fl
			continue
		}
		pp = &fl.Fl_next
	}
	file_lock_lock.Spin_unlock_irqrestore(flags)
	if freed != nil {
		free_locks(freed)
		sched.Wake_up_interruptible(&file_lock_wait)
	}
}
