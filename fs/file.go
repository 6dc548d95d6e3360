package fs

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// The descriptor table. Linux: fs/file.c (struct files_struct and
// fdtable, alloc_fd, get_unused_fd_flags, put_unused_fd, fd_install,
// close_fd, expand_files, dup_fd, put_files_struct, do_close_on_exec,
// ksys_dup, ksys_dup3, f_dupfd, fget), include/linux/fdtable.h.
// Seeds/003 "files_struct". A task embeds a *Files_struct (threads share
// one, fork copies it with Dup_fd); each slot holds a reference to its
// file. Tables start with NR_OPEN_DEFAULT slots inside the struct and
// grow in powers of two up to NR_OPEN.

// NR_OPEN_DEFAULT: the slots a table starts with (Linux BITS_PER_LONG).
const NR_OPEN_DEFAULT = 64

// Files_struct is struct files_struct with its struct fdtable folded in.
type Files_struct struct {
	Count int32
	// File_lock guards the table — the slots, the bitmaps, Next_fd, its
	// growth — against the other threads sharing it (Linux file_lock, a
	// spinlock, with RCU for fget; gokern's lookups take it too), taken
	// test-and-set with interrupts off (files_lock); expand_files drops
	// it to allocate and free, as Linux's does.
	// Without it two threads opening at once on two CPUs were handed
	// one descriptor and one file replaced the other's (selftest
	// fs_files_smp).
	File_lock asm.Arch_spinlock_t
	Next_fd   int
	Max_fds   int
	// Fd, Open_fds and Close_on_exec are the table: the embedded arrays
	// below until it grows, then kmalloc'd (nil: the embedded ones).
	Fd            []*File
	Open_fds      []uint64
	Close_on_exec []uint64

	Fd_array           [NR_OPEN_DEFAULT]*File
	Open_fds_init      [1]uint64
	Close_on_exec_init [1]uint64
}

// Init_files is the boot task's table (Linux init_files).
var Init_files = Files_struct{Count: 1}

// Get_current_files returns current->files; the scheduler sets it. Until
// then the kernel runs as the boot task, with Init_files.
var Get_current_files func() *Files_struct

func current_files() *Files_struct {
	if Get_current_files != nil {
		return Get_current_files()
	}
	return &Init_files
}

var files_cachep = objCache[Files_struct]{Name: "files_cache"}

// fdt makes sure the slices describe the table and returns files.
func fdt(files *Files_struct) *Files_struct {
	if files.Fd == nil {
		files.Fd = files.Fd_array[:]
		files.Open_fds = files.Open_fds_init[:]
		files.Close_on_exec = files.Close_on_exec_init[:]
		files.Max_fds = NR_OPEN_DEFAULT
	}
	return files
}

// The descriptor bitmaps' bit operations (Linux test_bit, __set_bit,
// __clear_bit, find_next_zero_bit; bootmem has its own for its map).
func fdBitTest(b []uint64, n int) bool { return b[n/64]&(1<<(n%64)) != 0 }
func fdBitSet(b []uint64, n int)       { b[n/64] |= 1 << (n % 64) }
func fdBitClear(b []uint64, n int)     { b[n/64] &^= 1 << (n % 64) }

// fdNextZeroBit is Linux's find_next_zero_bit, over the first size bits.
func fdNextZeroBit(b []uint64, size, start int) int {
	for i := start; i < size; {
		w := ^b[i/64] >> (i % 64)
		if w != 0 {
			return min(size, i+bits.TrailingZeros64(w))
		}
		i = (i/64 + 1) * 64
	}
	return size
}

// expand_files grows the table to hold descriptor nr (Linux
// expand_files), its lock held in *fl: 0 when it holds nr already, 1
// when it grew (the lock was dropped meanwhile: the caller looks again),
// -EMFILE past NR_OPEN, -ENOMEM. The lock is dropped to allocate the
// new arrays and to free the old ones (nothing under a spinlock may
// wait for another CPU); lookups hold it, so none still reads the old.
func expand_files(files *Files_struct, nr int, fl *uint64) int {
	fdt(files)
	if nr < files.Max_fds {
		return 0
	}
	if nr >= uapi.NR_OPEN {
		return -EMFILE
	}
	n := files.Max_fds
	for n <= nr {
		n *= 2
	}
	files_unlock(files, *fl)
	fdb := kmalloc(n*8, mm.GFP_KERNEL)
	ob := kmalloc(n/8, mm.GFP_KERNEL)
	cb := kmalloc(n/8, mm.GFP_KERNEL)
	*fl = files_lock(files)
	if fdb == nil || ob == nil || cb == nil || files.Max_fds >= n {
		// No memory, or another thread grew it meanwhile.
		files_unlock(files, *fl)
		kfree(fdb)
		kfree(ob)
		kfree(cb)
		*fl = files_lock(files)
		if fdb == nil || ob == nil || cb == nil {
			return -ENOMEM
		}
		return 1
	}
	nfd := unsafe.Slice((**File)(unsafe.Pointer(unsafe.SliceData(fdb))), n)
	nopen := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(ob))), n/64)
	ncloexec := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(cb))), n/64)
	copy(nfd, files.Fd)
	copy(nopen, files.Open_fds)
	copy(ncloexec, files.Close_on_exec)
	var old Files_struct
	old.Fd, old.Open_fds, old.Close_on_exec, old.Max_fds = files.Fd, files.Open_fds, files.Close_on_exec, files.Max_fds
	files.Fd, files.Open_fds, files.Close_on_exec, files.Max_fds = nfd, nopen, ncloexec, n
	files_unlock(files, *fl)
	free_fdtable(&old)
	*fl = files_lock(files)
	return 1
}

// files_lock takes the table's lock, test-and-set with interrupts off
// (as asm's virt_spin_lock under a hypervisor: a ticket lock hands it to
// one particular vCPU, often not running, and four vCPUs on two host
// CPUs crawled); files_unlock lets it go.
func files_lock(files *Files_struct) uint64 {
	var flags uint64
	if sched.Hooks.Irq_save != nil {
		flags = sched.Hooks.Irq_save()
	}
	for !files.File_lock.Arch_spin_trylock() {
		asm.Cpu_relax()
	}
	return flags
}

func files_unlock(files *Files_struct, flags uint64) {
	files.File_lock.Arch_spin_unlock()
	if sched.Hooks.Irq_restore != nil {
		sched.Hooks.Irq_restore(flags)
	}
}

// free_fdtable frees a grown table's arrays (Linux __free_fdtable).
func free_fdtable(files *Files_struct) {
	if files.Max_fds <= NR_OPEN_DEFAULT || files.Fd == nil {
		return
	}
	n := files.Max_fds
	kfree(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(files.Fd))), n*8))
	kfree(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(files.Open_fds))), n/8))
	kfree(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(files.Close_on_exec))), n/8))
}

// alloc_fd reserves the lowest free descriptor in [start, end) (Linux
// alloc_fd), under the table's lock.
func alloc_fd(files *Files_struct, start, end int, flags uint32) int {
	fl := files_lock(files)
	fd := alloc_fd_locked(files, start, end, flags, &fl)
	files_unlock(files, fl)
	return fd
}

func alloc_fd_locked(files *Files_struct, start, end int, flags uint32, fl *uint64) int {
	var fd int
	for {
		fdt(files)
		fd = max(start, files.Next_fd)
		if fd < files.Max_fds {
			fd = fdNextZeroBit(files.Open_fds, files.Max_fds, fd)
		}
		if fd >= end {
			return -EMFILE
		}
		err := expand_files(files, fd, fl)
		if err < 0 {
			return err
		}
		if err == 0 {
			break
		}
		// The table grew while unlocked: look again (Linux "goto
		// repeat").
	}
	if start <= files.Next_fd {
		files.Next_fd = fd + 1
	}
	fdBitSet(files.Open_fds, fd)
	if flags&uapi.O_CLOEXEC != 0 {
		fdBitSet(files.Close_on_exec, fd)
	} else {
		fdBitClear(files.Close_on_exec, fd)
	}
	return fd
}

// Get_unused_fd_flags reserves a descriptor for an open in progress
// (Linux get_unused_fd_flags): below RLIMIT_NOFILE, or -EMFILE.
func Get_unused_fd_flags(flags uint32) int {
	return alloc_fd(current_files(), 0, rlimit_nofile(), flags)
}

// Rlimit is the current process's soft limit for a resource (Linux
// rlimit(); the process layer above sets it, as Get_current_files). Nil
// (the host tests): no limit but the table's.
var Rlimit func(resource int) uint64

// rlimit_nofile is the current process's RLIMIT_NOFILE, capped at the
// table's NR_OPEN (Linux rlimit(RLIMIT_NOFILE), capped by nr_open).
func rlimit_nofile() int {
	n := uint64(uapi.NR_OPEN)
	if Rlimit != nil {
		n = min(n, Rlimit(uapi.RLIMIT_NOFILE))
	}
	return int(n)
}

// Put_unused_fd gives back a reserved descriptor (Linux put_unused_fd).
func Put_unused_fd(fd int) {
	files := current_files()
	fl := files_lock(files)
	X__put_unused_fd(files, fd)
	files_unlock(files, fl)
}

// X__put_unused_fd frees descriptor fd of files (Linux __put_unused_fd),
// under the table's lock.
func X__put_unused_fd(files *Files_struct, fd int) {
	fdBitClear(files.Open_fds, fd)
	if fd < files.Next_fd {
		files.Next_fd = fd
	}
}

// Fd_install puts f in a reserved descriptor, which takes the caller's
// reference (Linux fd_install).
func Fd_install(fd int, f *File) {
	files := current_files()
	fl := files_lock(files)
	fdt(files).Fd[fd] = f
	files_unlock(files, fl)
}

// files_lookup_fd returns the file at fd, without a reference, or nil
// (Linux files_lookup_fd_raw), under the table's lock.
func files_lookup_fd(files *Files_struct, fd int) *File {
	fdt(files)
	if fd < 0 || fd >= files.Max_fds {
		return nil
	}
	return files.Fd[fd]
}

// Fget returns the file at fd with a reference, or nil (Linux fget).
// O_PATH files are found too (Linux fget_raw); the I/O calls check
// FMODE_PATH.
func Fget(fd int) *File { return Files_fget(current_files(), fd) }

// Files_fget returns the file at fd in files with a reference, or nil
// (Linux fget_task's lookup: /proc/<pid>/fd looks in another task's
// table, which its owner may change meanwhile).
func Files_fget(files *Files_struct, fd int) *File {
	fl := files_lock(files)
	f := files_lookup_fd(files, fd)
	if f != nil {
		Get_file(f)
	}
	files_unlock(files, fl)
	return f
}

// Files_max_fds is the size of files's table now (Linux
// files_fdtable(files)->max_fds).
func Files_max_fds(files *Files_struct) int {
	fl := files_lock(files)
	n := fdt(files).Max_fds
	files_unlock(files, fl)
	return n
}

// Close_fd closes descriptor fd (Linux close_fd + filp_close): 0 or
// -EBADF. The slot is emptied under the table's lock, the file closed
// after.
func Close_fd(fd int) int {
	files := current_files()
	fl := files_lock(files)
	f := files_lookup_fd(files, fd)
	if f != nil {
		files.Fd[fd] = nil
		X__put_unused_fd(files, fd)
	}
	files_unlock(files, fl)
	if f == nil {
		return -EBADF
	}
	Filp_close(f, files)
	return 0
}

// Filp_close closes a file a descriptor of the table id held (Linux
// filp_close): id's POSIX locks on it go.
func Filp_close(f *File, id *Files_struct) int {
	if f.F_op != nil && f.F_op.Flush != nil {
		f.F_op.Flush(f) // Linux filp_close → f_op->flush
	}
	Locks_remove_posix(f, id)
	Fput(f)
	return 0
}

// Get_close_on_exec and Set_close_on_exec are F_GETFD and F_SETFD's.
func Get_close_on_exec(fd int) bool {
	files := current_files()
	fl := files_lock(files)
	fdt(files)
	on := fd >= 0 && fd < files.Max_fds && fdBitTest(files.Close_on_exec, fd)
	files_unlock(files, fl)
	return on
}

func Set_close_on_exec(fd int, on bool) {
	files := current_files()
	fl := files_lock(files)
	fdt(files)
	if on {
		fdBitSet(files.Close_on_exec, fd)
	} else {
		fdBitClear(files.Close_on_exec, fd)
	}
	files_unlock(files, fl)
}

// Ksys_dup is dup(2) (Linux ksys_dup).
func Ksys_dup(fildes int) int {
	f := Fget(fildes)
	if f == nil {
		return -EBADF
	}
	fd := Get_unused_fd_flags(0)
	if fd < 0 {
		Fput(f)
		return fd
	}
	Fd_install(fd, f)
	return fd
}

// Ksys_dup3 is dup3(2): newfd becomes a copy of oldfd, closing what was
// there (Linux ksys_dup3 → do_dup2).
func Ksys_dup3(oldfd, newfd int, flags uint32) int {
	if flags&^uapi.O_CLOEXEC != 0 {
		return -EINVAL
	}
	if oldfd == newfd {
		return -EINVAL
	}
	if newfd < 0 || newfd >= rlimit_nofile() {
		return -EBADF
	}
	files := current_files()
	fl := files_lock(files)
	tofree, ret := do_dup2(files, oldfd, newfd, flags, &fl)
	files_unlock(files, fl)
	if tofree != nil {
		Filp_close(tofree, files)
	}
	return ret
}

// do_dup2 is dup3's change of the table, under its lock (Linux
// do_dup2): it returns the file newfd held, for the caller to close
// after the lock.
func do_dup2(files *Files_struct, oldfd, newfd int, flags uint32, fl *uint64) (*File, int) {
	for {
		err := expand_files(files, newfd, fl)
		if err < 0 {
			return nil, err
		}
		if err == 0 {
			break
		}
	}
	f := files_lookup_fd(files, oldfd)
	if f == nil {
		return nil, -EBADF
	}
	tofree := files.Fd[newfd]
	if tofree == nil && fdBitTest(files.Open_fds, newfd) {
		// Reserved by an open in progress (another thread's).
		return nil, -EBUSY
	}
	files.Fd[newfd] = Get_file(f)
	fdBitSet(files.Open_fds, newfd)
	if flags&uapi.O_CLOEXEC != 0 {
		fdBitSet(files.Close_on_exec, newfd)
	} else {
		fdBitClear(files.Close_on_exec, newfd)
	}
	return tofree, newfd
}

// Ksys_dup2 is dup2(2): as dup3, but oldfd == newfd is a no-op that
// checks oldfd (Linux sys_dup2).
func Ksys_dup2(oldfd, newfd int) int {
	if oldfd == newfd {
		f := Fget(oldfd)
		if f == nil {
			return -EBADF
		}
		Fput(f)
		return newfd
	}
	return Ksys_dup3(oldfd, newfd, 0)
}

// f_dupfd is F_DUPFD: the lowest free descriptor >= from (Linux f_dupfd).
func f_dupfd(from int, f *File, flags uint32) int {
	if from < 0 || from >= rlimit_nofile() {
		return -EINVAL
	}
	fd := alloc_fd(current_files(), from, rlimit_nofile(), flags)
	if fd < 0 {
		return fd
	}
	Fd_install(fd, Get_file(f))
	return fd
}

// Dup_fd copies a table for fork (Linux dup_fd): every open file gains a
// reference. Nil and -ENOMEM when memory is short. The old table is
// locked while it is read: the forking thread's siblings use it.
func Dup_fd(old *Files_struct) (*Files_struct, int) {
	files := files_cachep.Zalloc(mm.GFP_KERNEL)
	if files == nil {
		return nil, -ENOMEM
	}
	files.Count = 1
	fdt(files)
	// The new table is sized to the old one's highest open descriptor
	// with the old one's lock dropped, as Linux's dup_fd does, and again
	// if the old one grew meanwhile.
	ofl := files_lock(old)
	for {
		last := old_last_fd(old)
		if last < files.Max_fds {
			break
		}
		files_unlock(old, ofl)
		fl := files_lock(files)
		err := expand_files(files, last, &fl)
		files_unlock(files, fl)
		ofl = files_lock(old)
		if err < 0 {
			files_unlock(old, ofl)
			free_fdtable(files)
			files_cachep.Free(files)
			return nil, err
		}
	}
	dup_fd_copy(old, files)
	files_unlock(old, ofl)
	return files, 0
}

// old_last_fd is old's highest open descriptor, or -1; its lock held.
func old_last_fd(old *Files_struct) int {
	fdt(old)
	for i := old.Max_fds - 1; i >= 0; i-- {
		if fdBitTest(old.Open_fds, i) {
			return i
		}
	}
	return -1
}

// dup_fd_copy fills files from old, whose lock is held and whose open
// descriptors all fit.
func dup_fd_copy(old, files *Files_struct) {
	last := old_last_fd(old)
	for i := 0; i <= last; i++ {
		if f := old.Fd[i]; f != nil {
			files.Fd[i] = Get_file(f)
			fdBitSet(files.Open_fds, i)
			if fdBitTest(old.Close_on_exec, i) {
				fdBitSet(files.Close_on_exec, i)
			}
		}
	}
	files.Next_fd = old.Next_fd
}

// task_files_lock guards every task's Files and Fs pointers where
// another task reads them (Linux task_lock, as get_files_struct,
// exit_files, get_task_root and exit_fs take it): /proc/<pid>/fd, cwd
// and root take a reference under it, and the exiting task clears its
// pointer under it before its last put.
var task_files_lock asm.Arch_spinlock_t

// Get_files_struct returns t's table with a reference, which the caller
// drops with Put_files_struct (Linux get_files_struct). A task without
// its own (init before its first fork of the table) has the boot
// task's, whose count never reaches 0.
func Get_files_struct(t *sched.Task_struct) *Files_struct {
	flags := vfs_lock_irq(&task_files_lock)
	files := (*Files_struct)(t.Files)
	if files == nil {
		files = &Init_files
	}
	atomic.AddInt32(&files.Count, 1)
	vfs_unlock_irq(&task_files_lock, flags)
	return files
}

// Exit_files detaches t's table and drops t's reference (Linux
// exit_files); the last user closes the files.
func Exit_files(t *sched.Task_struct) {
	flags := vfs_lock_irq(&task_files_lock)
	files := (*Files_struct)(t.Files)
	t.Files = nil
	vfs_unlock_irq(&task_files_lock, flags)
	if files != nil {
		Put_files_struct(files)
	}
}

// Put_files_struct drops a user of the table; the last closes every file
// and frees it (Linux put_files_struct → close_files).
func Put_files_struct(files *Files_struct) {
	// Atomic (Linux atomic_t count): threads sharing the table clone
	// and exit on different CPUs at once.
	if atomic.AddInt32(&files.Count, -1) > 0 {
		return
	}
	fdt(files)
	for i := 0; i < files.Max_fds; i++ {
		if f := files.Fd[i]; f != nil {
			files.Fd[i] = nil
			Filp_close(f, files)
		}
	}
	free_fdtable(files)
	if files == &Init_files {
		*files = Files_struct{}
		return
	}
	*files = Files_struct{}
	files_cachep.Free(files)
}

// Do_close_on_exec closes the close-on-exec descriptors (Linux
// do_close_on_exec), for execve.
func Do_close_on_exec(files *Files_struct) {
	fl := files_lock(files)
	fdt(files)
	for i := 0; i < files.Max_fds; i++ {
		if fdBitTest(files.Close_on_exec, i) {
			fdBitClear(files.Close_on_exec, i)
			if f := files.Fd[i]; f != nil {
				files.Fd[i] = nil
				X__put_unused_fd(files, i)
				// Closed without the lock, as Linux does.
				files_unlock(files, fl)
				Filp_close(f, files)
				fl = files_lock(files)
			}
		}
	}
	files_unlock(files, fl)
}
