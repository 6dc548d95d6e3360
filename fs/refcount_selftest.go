package fs

import (
	"sync/atomic"

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

// Test_fs_refcount_smp: no reference is lost or gained.
func Test_fs_refcount_smp(t *kunit.Kunit) {
	st := &refcount_st
	st.mnt.Mnt_count = refcount_st_start
	st.dentry.D_count = refcount_st_start
	st.ready.Store(0)
	st.running.Store(REFCOUNT_ST_THREADS)
	st.cpus.Store(0)
	var ts [REFCOUNT_ST_THREADS]*sched.Task_struct
	for i := range ts {
		if ts[i] = sched.Kthread_run(refcount_st_thread, uintptr(i), "refcount"); ts[i] == nil {
			t.Errorf("kthread_run failed")
			return
		}
	}
	for _, k := range ts {
		for !sched.Completion_done(&k.Exited) {
			sched.Msleep(10)
		}
		sched.Kthread_stop(k)
	}
	m, d := atomic.LoadInt32(&st.mnt.Mnt_count)-refcount_st_start, atomic.LoadInt32(&st.dentry.D_count)-refcount_st_start
	printk.Pr_info("fs_refcount_smp: %d threads took and dropped %d mount and dentry references each, on CPUs %#x: mount count %+d, dentry count %+d\n",
		printk.Int(REFCOUNT_ST_THREADS), printk.Int(REFCOUNT_ST_ROUNDS), printk.Int(st.cpus.Load()), printk.Int(m), printk.Int(d))
	if m != 0 || d != 0 {
		t.Errorf("references lost or gained: mount count %+d, dentry count %+d", printk.Int(m), printk.Int(d))
	}
}
