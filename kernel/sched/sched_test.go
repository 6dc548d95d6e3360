package sched

import (
	"slices"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// Host tests of the run queue's logic: enqueue, dequeue, pick_next_task,
// requeue and the round-robin tick, on task_structs in Go memory (none of
// this code touches the hardware). The context switch itself is proven by
// booting (selftests.go).

func newRq() *Rq {
	rq := &Rq{}
	init_rq(rq, 0)
	idle := &Task_struct{Pid: 0, Flags: PF_IDLE}
	rq.Idle, rq.Curr = idle, idle
	return rq
}

func newTask(pid int32) *Task_struct {
	t := &Task_struct{Pid: pid, Static_prio: DEFAULT_PRIO}
	Set_task_comm(t, "t")
	return t
}

// queue lists the pids on rq's queue, head first.
func queue(rq *Rq) []int32 {
	var pids []int32
	for l := rq.Queue.Next; l != &rq.Queue; l = l.Next {
		pids = append(pids, tasklist_entry(l, runListOffset).Pid)
	}
	return pids
}

func TestRunQueueOrder(t *testing.T) {
	rq := newRq()
	if pick_next_task(rq) != rq.Idle {
		t.Fatal("an empty queue must pick the idle task")
	}
	a, b, c := newTask(1), newTask(2), newTask(3)
	for _, p := range []*Task_struct{a, b, c} {
		enqueue_task(rq, p)
	}
	if got := queue(rq); !slices.Equal(got, []int32{1, 2, 3}) || rq.Nr_running != 3 {
		t.Fatalf("queue %v, nr_running %d", got, rq.Nr_running)
	}
	if a.On_rq != 1 || a.Time_slice != RR_TIMESLICE {
		t.Errorf("enqueued task: on_rq %d, slice %d", a.On_rq, a.Time_slice)
	}
	if pick_next_task(rq) != a {
		t.Error("pick_next_task is not the head")
	}
	dequeue_task(rq, b)
	if got := queue(rq); !slices.Equal(got, []int32{1, 3}) || rq.Nr_running != 2 || b.On_rq != 0 {
		t.Fatalf("after dequeue: %v, nr_running %d", got, rq.Nr_running)
	}
	requeue_task(rq, a)
	if got := queue(rq); !slices.Equal(got, []int32{3, 1}) {
		t.Fatalf("after requeue: %v", got)
	}
}

// TestRoundRobinTick: a task keeps the CPU for exactly RR_TIMESLICE ticks
// while another waits, then goes to the tail with a new slice; alone, it
// keeps the CPU; the idle task asks to reschedule as soon as anything is
// queued.
func TestRoundRobinTick(t *testing.T) {
	rq := newRq()
	if task_tick_rr(rq, rq.Idle) {
		t.Error("idle with nothing queued asked to reschedule")
	}
	a, b := newTask(1), newTask(2)
	enqueue_task(rq, a)
	if !task_tick_rr(rq, rq.Idle) {
		t.Error("idle with a task queued did not ask to reschedule")
	}
	rq.Curr = a
	// Alone: a full slice and more, never a reschedule.
	for i := 0; i < 3*RR_TIMESLICE; i++ {
		if task_tick_rr(rq, a) {
			t.Fatalf("tick %d: a alone asked to reschedule", i)
		}
	}
	enqueue_task(rq, b)
	a.Time_slice = RR_TIMESLICE
	for i := 1; i < RR_TIMESLICE; i++ {
		if task_tick_rr(rq, a) {
			t.Fatalf("tick %d of %d: rescheduled early", i, RR_TIMESLICE)
		}
	}
	if !task_tick_rr(rq, a) {
		t.Fatalf("tick %d: slice used up, no reschedule", RR_TIMESLICE)
	}
	if got := queue(rq); !slices.Equal(got, []int32{2, 1}) || a.Time_slice != RR_TIMESLICE || pick_next_task(rq) != b {
		t.Fatalf("after the slice: queue %v, a's slice %d", got, a.Time_slice)
	}
	if a.Sum_exec_ticks != 4*RR_TIMESLICE {
		t.Errorf("a ran %d ticks, want %d", a.Sum_exec_ticks, 4*RR_TIMESLICE)
	}
}

// TestRoundRobinFairness: three tasks on a tick-driven simulation of the
// queue get the same number of ticks each, to the tick.
func TestRoundRobinFairness(t *testing.T) {
	rq := newRq()
	tasks := []*Task_struct{newTask(1), newTask(2), newTask(3)}
	for _, p := range tasks {
		enqueue_task(rq, p)
	}
	rq.Curr = pick_next_task(rq)
	for tick := 0; tick < 30*RR_TIMESLICE; tick++ {
		if task_tick_rr(rq, rq.Curr) {
			rq.Curr = pick_next_task(rq)
			rq.Nr_switches++
		}
	}
	for _, p := range tasks {
		if p.Sum_exec_ticks != 10*RR_TIMESLICE {
			t.Errorf("pid %d ran %d ticks, want %d", p.Pid, p.Sum_exec_ticks, 10*RR_TIMESLICE)
		}
	}
	if rq.Nr_switches != 30 {
		t.Errorf("%d switches, want 30", rq.Nr_switches)
	}
}

// TestNiceShare: nice values give the round robin's slices by Linux
// 2.6's task_timeslice: one task at nice 0 and one at 10 share the CPU
// 100 ms to 48 ms, one at 19 gets a tick per round (4 ms), one at -20
// 800 ms; Set_user_nice clamps to [-20, 19].
func TestNiceShare(t *testing.T) {
	for _, c := range []struct {
		nice, set int
		slice     uint32
	}{{0, 0, 25}, {10, 10, 12}, {19, 19, 1}, {-20, -20, 200}, {-5, -5, 125}, {40, 19, 1}, {-99, -20, 200}} {
		p := newTask(1)
		Set_user_nice(p, c.nice)
		if Task_nice(p) != c.set || task_timeslice(p) != c.slice {
			t.Errorf("nice %d: Task_nice %d, slice %d ticks; want %d, %d", c.nice, Task_nice(p), task_timeslice(p), c.set, c.slice)
		}
	}
	rq := newRq()
	a, b := newTask(1), newTask(2)
	Set_user_nice(b, 10)
	enqueue_task(rq, a)
	enqueue_task(rq, b)
	rq.Curr = pick_next_task(rq)
	for tick := 0; tick < 10*(25+12); tick++ {
		if task_tick_rr(rq, rq.Curr) {
			rq.Curr = pick_next_task(rq)
		}
	}
	if a.Sum_exec_ticks != 250 || b.Sum_exec_ticks != 120 {
		t.Errorf("nice 0 ran %d ticks, nice 10 ran %d; want 250 and 120", a.Sum_exec_ticks, b.Sum_exec_ticks)
	}
}

func TestStateChar(t *testing.T) {
	for _, c := range []struct {
		state, exit uint32
		want        byte
	}{
		{TASK_RUNNING, 0, 'R'}, {TASK_INTERRUPTIBLE, 0, 'S'}, {TASK_UNINTERRUPTIBLE, 0, 'D'},
		{TASK_DEAD, EXIT_ZOMBIE, 'Z'}, {TASK_DEAD, 0, 'X'}, {TASK_NEW, 0, 'N'},
	} {
		if got := State_char(&Task_struct{State: c.state, Exit_state: c.exit}); got != c.want {
			t.Errorf("state %#x exit %#x: %c, want %c", c.state, c.exit, got, c.want)
		}
	}
}

func TestConstants(t *testing.T) {
	if RR_TIMESLICE*1000/ktime.HZ != 100 {
		t.Errorf("RR_TIMESLICE is %d ticks, not 100 ms at HZ=%d", RR_TIMESLICE, ktime.HZ)
	}
	if unsafe.Sizeof(Task_g{}) != G_SIZE || unsafe.Offsetof(Task_g{}.Stackguard0) != 16 || unsafe.Offsetof(Task_g{}.M) != 48 {
		t.Errorf("Task_g: %d bytes, stackguard0 at %d, m at %d", unsafe.Sizeof(Task_g{}), unsafe.Offsetof(Task_g{}.Stackguard0), unsafe.Offsetof(Task_g{}.M))
	}
	var f Fpu
	if a := f.Fxsave_area(); a%16 != 0 || a+512 > uintptr(unsafe.Pointer(&f.State[0]))+uintptr(len(f.State)) {
		t.Errorf("FXSAVE area %#x not aligned or not inside State", a)
	}
	// asm's spinlocks raise the running task's preempt count through
	// Current_task at TI_preempt_count: Thread_info first in Task_struct.
	if off := unsafe.Offsetof(Task_struct{}.Thread_info) + unsafe.Offsetof(Thread_info{}.Preempt_count); off != asm.TI_preempt_count {
		t.Errorf("the preempt count is at %d in Task_struct, asm.TI_preempt_count says %d", off, asm.TI_preempt_count)
	}
	var l mm.ListHead
	mm.INIT_LIST_HEAD(&l)
	if !list_empty_safe(&l) || !list_empty_safe(&mm.ListHead{}) {
		t.Error("list_empty_safe")
	}
}

func TestSortU64(t *testing.T) {
	a := []uint64{5, 1, 4, 1, 9, 2, 6, 5, 3, 5}
	sort_u64(a)
	if !slices.IsSorted(a) || len(a) != 10 || a[0] != 1 || a[9] != 9 {
		t.Errorf("sort_u64: %v", a)
	}
}
