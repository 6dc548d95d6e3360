package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_eventfd_smp: eventfd's count under its lock, on every CPU
// at once. EVENTFD_ST_WRITERS kernel threads add 1 to one counter
// EVENTFD_ST_ADDS times each, through eventfd_write's locked add, while
// EVENTFD_ST_READERS take what is there through eventfd_read's locked
// take; what the readers took plus what is left must be every add. With
// the count changed by plain read-modify-writes, as before, adds and
// takes on two CPUs overwrote each other (Linux: fs/eventfd.c takes
// wqh.lock around both).

const (
	EVENTFD_ST_WRITERS = 3
	EVENTFD_ST_READERS = 2
	EVENTFD_ST_ADDS    = 20000
)

var eventfd_st struct {
	ctx     Eventfd_ctx
	writers atomic.Int32 // still adding
	taken   [EVENTFD_ST_READERS]uint64
	cpus    atomic.Uint64 // CPUs the threads ran on
}

func eventfd_st_writer(uintptr) int {
	for i := 0; i < EVENTFD_ST_ADDS; i++ {
		eventfd_st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		eventfd_add(&eventfd_st.ctx, 1)
	}
	eventfd_st.writers.Add(-1)
	return 0
}

func eventfd_st_reader(i uintptr) int {
	for {
		done := eventfd_st.writers.Load() == 0
		var n uint64
		if eventfd_ctx_do_read(&eventfd_st.ctx, &n) {
			eventfd_st.taken[i] += n
		} else if done {
			return 0
		}
		eventfd_st.cpus.Or(1 << uint(asm.Smp_processor_id()))
	}
}

// Test_fs_eventfd_smp: every add is either taken by a reader or still in
// the count.
func Test_fs_eventfd_smp(t *kunit.Kunit) {
	st := &eventfd_st
	st.ctx = Eventfd_ctx{}
	st.writers.Store(EVENTFD_ST_WRITERS)
	st.cpus.Store(0)
	var ts [EVENTFD_ST_WRITERS + EVENTFD_ST_READERS]*sched.Task_struct
	for i := range ts {
		if i < EVENTFD_ST_WRITERS {
			ts[i] = sched.Kthread_run(eventfd_st_writer, uintptr(i), "eventfd-w")
		} else {
			st.taken[i-EVENTFD_ST_WRITERS] = 0
			ts[i] = sched.Kthread_run(eventfd_st_reader, uintptr(i-EVENTFD_ST_WRITERS), "eventfd-r")
		}
		if ts[i] == nil {
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
	var taken uint64
	for _, n := range st.taken {
		taken += n
	}
	want := uint64(EVENTFD_ST_WRITERS * EVENTFD_ST_ADDS)
	left := atomic.LoadUint64(&st.ctx.count)
	printk.Pr_info("fs_eventfd_smp: %d writers added %d, %d readers took %d, %d left, on CPUs %#x\n",
		printk.Int(EVENTFD_ST_WRITERS), printk.Int(want), printk.Int(EVENTFD_ST_READERS), printk.Int(taken), printk.Int(left), printk.Int(st.cpus.Load()))
	if taken+left != want {
		t.Errorf("%d added, %d taken and %d left: %d lost", printk.Int(want), printk.Int(taken), printk.Int(left), printk.Int(int64(want)-int64(taken+left)))
	}
}
