package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_refcount_smp: mount and dentry references taken and
// dropped on every CPU at once, as path walks do on the root's mount and
// dentry. REFCOUNT_ST_THREADS kernel threads each take and drop a
// reference on one mount and one dentry REFCOUNT_ST_ROUNDS times; both
// counts must end where they began. With plain increments and decrements
// two CPUs lost updates, the root mount's count drifted to 0 and Mntput
// freed the mount under the tree (init.mode=reaper at -smp 4 faulted in
// lookup_mnt). The objects are the test's own, their counts started high,
// so that a lost update fails the test rather than freeing them.

const (
	REFCOUNT_ST_THREADS = 4
	REFCOUNT_ST_ROUNDS  = 100000
	refcount_st_start   = 1 << 20
)

var refcount_st struct {
	mnt     Mount
	dentry  Dentry
	ready   atomic.Int32 // threads at the start line
	running atomic.Int32
	cpus    atomic.Uint64 // CPUs the threads ran on
}

func refcount_st_thread(uintptr) int {
	st := &refcount_st
	// All start together, so that the rounds overlap.
	for st.ready.Add(1); st.ready.Load() < REFCOUNT_ST_THREADS; {
		sched.Yield()
	}
	for i := 0; i < REFCOUNT_ST_ROUNDS; i++ {
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		Mntget(&st.mnt.Mnt)
		Dget(&st.dentry)
		Dput(&st.dentry)
		Mntput(&st.mnt.Mnt)
	}
	st.running.Add(-1)
	return 0
}

// st_run_kthreads runs fn(0), ..., fn(n-1) on n kernel threads named
// name, at most 8, and waits for all of them to end; false, reported, if
// one could not be started.
func st_run_kthreads(t *kunit.Kunit, fn func(uintptr) int, n int, name string) bool {
	var ts [8]*sched.Task_struct
	for i := 0; i < n && i < len(ts); i++ {
		if ts[i] = sched.Kthread_run(fn, uintptr(i), name); ts[i] == nil {
			t.Errorf("kthread_run failed")
			return false
		}
	}
	for _, k := range ts[:n] {
		for !sched.Completion_done(&k.Exited) {
			sched.Msleep(10)
		}
		sched.Kthread_stop(k)
	}
	return true
}

// Test_fs_refcount_smp: no reference is lost or gained.
func Test_fs_refcount_smp(t *kunit.Kunit) {
	st := &refcount_st
	st.mnt.Mnt_count = refcount_st_start
	st.dentry.D_count = refcount_st_start
	st.ready.Store(0)
	st.running.Store(REFCOUNT_ST_THREADS)
	st.cpus.Store(0)
	if !st_run_kthreads(t, refcount_st_thread, REFCOUNT_ST_THREADS, "refcount") {
		return
	}
	m, d := atomic.LoadInt32(&st.mnt.Mnt_count)-refcount_st_start, atomic.LoadInt32(&st.dentry.D_count)-refcount_st_start
	printk.Pr_info("fs_refcount_smp: %d threads took and dropped %d mount and dentry references each, on CPUs %#x: mount count %+d, dentry count %+d\n",
		printk.Int(REFCOUNT_ST_THREADS), printk.Int(REFCOUNT_ST_ROUNDS), printk.Int(st.cpus.Load()), printk.Int(m), printk.Int(d))
	if m != 0 || d != 0 {
		t.Errorf("references lost or gained: mount count %+d, dentry count %+d", printk.Int(m), printk.Int(d))
	}
}

// Selftest fs_dcache_smp: lookups, creations and last references of one
// directory's children on every CPU at once, as walks of /proc make
// them. DCACHE_ST_THREADS kernel threads each look up one of eight names
// under a new directory DCACHE_ST_ROUNDS times, make the (negative)
// child when the lookup misses, drop it from the hash every third round,
// and put it: the last put unlinks and frees it while the others walk the
// same list. At the end no child is left, the directory's count is its
// own, no dentry is lost and no refcount bug was seen. Without
// dcache_lock a walk stood on a child as another CPU unlinked and zeroed
// it, and list updates were lost.

const (
	DCACHE_ST_THREADS = 4
	DCACHE_ST_ROUNDS  = 20000
)

var dcache_st struct {
	parent  *Dentry
	ready   atomic.Int32
	running atomic.Int32
	made    atomic.Int64
	cpus    atomic.Uint64
}

var dcache_st_names = [8]string{"a", "bb", "ccc", "dddd", "e", "ff", "ggg", "hhhh"}

func dcache_st_thread(i uintptr) int {
	st := &dcache_st
	for st.ready.Add(1); st.ready.Load() < DCACHE_ST_THREADS; {
		sched.Yield()
	}
	for r := 0; r < DCACHE_ST_ROUNDS; r++ {
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		name := dcache_st_names[(r+int(i))%len(dcache_st_names)]
		b := unsafe.Slice(unsafe.StringData(name), len(name))
		d := D_lookup(st.parent, b)
		if d == nil {
			if d = D_alloc(st.parent, b); d == nil {
				break
			}
			st.made.Add(1)
		}
		if r%3 == 0 {
			D_drop(d)
		}
		Dput(d)
	}
	st.running.Add(-1)
	return 0
}

// Test_fs_dcache_smp: the children come and go without a trace.
func Test_fs_dcache_smp(t *kunit.Kunit) {
	st := &dcache_st
	root := Init_ns.Root.Mnt.Mnt_root
	before, bugs := Nr_dentry(), Vfs_bugs
	if st.parent = D_alloc(root, []byte("fs_dcache_smp")); st.parent == nil {
		t.Errorf("no memory for the directory")
		return
	}
	st.ready.Store(0)
	st.made.Store(0)
	st.cpus.Store(0)
	st.running.Store(DCACHE_ST_THREADS)
	if !st_run_kthreads(t, dcache_st_thread, DCACHE_ST_THREADS, "dcache") {
		return
	}
	left, count := 0, atomic.LoadInt32(&st.parent.D_count)
	for l := st.parent.D_subdirs.Next; l != &st.parent.D_subdirs && left < 1000; l = l.Next {
		left++
	}
	Dput(st.parent)
	after := Nr_dentry()
	printk.Pr_info("fs_dcache_smp: %d threads, %d lookups each, %d children made, on CPUs %#x: %d left, directory count %d, dentries %d before and %d after, %d refcount bugs\n",
		printk.Int(DCACHE_ST_THREADS), printk.Int(DCACHE_ST_ROUNDS), printk.Int(st.made.Load()), printk.Int(st.cpus.Load()),
		printk.Int(left), printk.Int(count), printk.Int(before), printk.Int(after), printk.Int(Vfs_bugs-bugs))
	if left != 0 || count != 1 || after != before || Vfs_bugs != bugs {
		t.Errorf("%d children left, directory count %d (want 1), dentries %d → %d, %d refcount bugs",
			printk.Int(left), printk.Int(count), printk.Int(before), printk.Int(after), printk.Int(Vfs_bugs-bugs))
	}
}
