package sched

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/include/uapi"
	"gokern/kallsyms"
	ktime "gokern/kernel/time"
	"gokern/kunit"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
)

// The scheduler's KTAP selftests (selftest=sched_*). They run in
// kernel_init, pid 1, a kernel thread like the ones they start, and check
// the state behind each claim: pids and parents, counts of a ping-pong,
// the switch counters, jiffies, register contents, the per-CPU data.

// Test_sched_pids: kernel_init is pid 1, kthreadd pid 2, both children of
// init_task (pid 0, the idle task, on the boot stack); a kthread is
// kthreadd's child, created asleep; the running task's g and the per-CPU
// data describe the stack SP is on.
func Test_sched_pids(t *kunit.Kunit) {
	cur := Get_current()
	if cur == nil || cur.Pid != 1 || cur.Real_parent != &Init_task || cur.Flags&PF_KTHREAD == 0 {
		t.Errorf("the selftests do not run in pid 1, a kthread child of init_task")
		return
	}
	kd := Find_task_by_pid(2)
	if kd == nil || kd != Kthreadd_task || kd.Name() != "kthreadd" || kd.Real_parent != &Init_task {
		t.Errorf("pid 2 is not kthreadd, child of init_task")
	}
	it := &Init_task
	if it.Pid != 0 || it.Flags&PF_IDLE == 0 || it.Name() != "swapper/0" || Cpu_rq(0).Idle != it {
		t.Errorf("init_task: pid %d flags %#x comm %s", printk.Int(it.Pid), printk.Int(it.Flags), printk.Str(it.Name()))
	}
	sp := asm.Current_stack_pointer()
	p := asm.This_cpu()
	s := &p.Task_stack
	if sp < cur.Stack || sp >= cur.Stack+cur.Stack_size || s.Begin != cur.Stack || s.G != cur.G_ptr || p.Top_of_stack != cur.Thread.Sp0 {
		t.Errorf("SP %#x, task stack %#x-%#x, per-CPU task stack %#x-%#x", printk.Int(sp), printk.Int(cur.Stack),
			printk.Int(cur.Stack+cur.Stack_size), printk.Int(s.Begin), printk.Int(s.End))
	}
	slot, _ := kallsyms.Current_g_slot()
	if g := *slot; g != cur.G_ptr || cur.G.Stack_lo != cur.Stack || cur.G.Stackguard0 != cur.Stack-asm.PAGE_SIZE+STACK_SMALL {
		t.Errorf("TLS g %#x, task g %#x [%#x, %#x) guard %#x", printk.Int(g), printk.Int(cur.G_ptr),
			printk.Int(cur.G.Stack_lo), printk.Int(cur.G.Stack_hi), printk.Int(cur.G.Stackguard0))
	}
	k := Kthread_create(never_runs, 0, "selftest")
	if k == nil {
		t.Errorf("kthread_create failed")
		return
	}
	if k.Real_parent != Kthreadd_task || k.State != TASK_UNINTERRUPTIBLE || k.Pid <= 2 || k.Name() != "selftest" {
		t.Errorf("new kthread: parent %d state %#x pid %d comm %s", printk.Int(k.Real_parent.Pid),
			printk.Int(k.State), printk.Int(k.Pid), printk.Str(k.Name()))
	}
	// Stopped before it ever ran: kthread returns -EINTR for it.
	if ret := Kthread_stop(k); ret != -4 {
		t.Errorf("kthread_stop of a thread that never ran returned %d, want -4", printk.Int(ret))
	}
}

func never_runs(uintptr) int { return 1 }

// The ping-pong: two threads take turns through one wait queue.
const PINGPONG_ROUNDS = 1000

var pingpong struct {
	wq    Wait_queue_head
	turn  int
	count [2]int
	wrong int // a thread found the turn not its own after its wait
}

func pingpong_thread(id uintptr) int {
	pp := &pingpong
	for i := 0; i < PINGPONG_ROUNDS; i++ {
		Wait_event(&pp.wq, func() bool { return pp.turn%2 == int(id) })
		if pp.turn%2 != int(id) {
			pp.wrong++
		}
		pp.turn++
		pp.count[id]++
		Wake_up_all(&pp.wq)
	}
	return 100 + int(id)
}

// Test_sched_waitqueue: two kernel threads ping-pong PINGPONG_ROUNDS
// times each through a wait queue: exact counts, strict alternation, the
// voluntary switches it takes, the exit codes kthread_stop returns, and
// the threads' stacks back to vmalloc.
func Test_sched_waitqueue(t *kunit.Kunit) {
	pp := &pingpong
	pp.turn, pp.count, pp.wrong = 0, [2]int{}, 0
	Init_waitqueue_head(&pp.wq)
	vm0, thr0 := mm.Nr_vmalloc_pages, Nr_threads
	sw0 := Nr_context_switches()
	t0 := asm.Rdtsc()
	// Both on this CPU: each wait is then a switch (on two CPUs a wake
	// may come before the waiter has left its CPU, and keep it there).
	a := Kthread_create(pingpong_thread, 0, "ping")
	b := Kthread_create(pingpong_thread, 1, "pong")
	if a == nil || b == nil {
		t.Errorf("kthread_create failed")
		return
	}
	cpu := asm.Smp_processor_id()
	Kthread_bind(a, cpu)
	Kthread_bind(b, cpu)
	Wake_up_process(a)
	Wake_up_process(b)
	if vm := mm.Nr_vmalloc_pages - vm0; vm != 2*THREAD_SIZE/asm.PAGE_SIZE {
		t.Errorf("two threads hold %d vmalloc pages, want %d", printk.Int(vm), printk.Int(2*THREAD_SIZE/asm.PAGE_SIZE))
	}
	Wait_for_completion(&a.Exited)
	Wait_for_completion(&b.Exited)
	cycles := asm.Rdtsc() - t0
	switches := Nr_context_switches() - sw0
	na, nb := a.Nvcsw+a.Nivcsw, b.Nvcsw+b.Nivcsw
	ra, rb := Kthread_stop(a), Kthread_stop(b)
	if pp.turn != 2*PINGPONG_ROUNDS || pp.count[0] != PINGPONG_ROUNDS || pp.count[1] != PINGPONG_ROUNDS || pp.wrong != 0 {
		t.Errorf("turn %d, counts %d/%d, out of turn %d", printk.Int(pp.turn), printk.Int(pp.count[0]), printk.Int(pp.count[1]), printk.Int(pp.wrong))
	}
	if ra != 100 || rb != 101 {
		t.Errorf("exit codes %d %d, want 100 101", printk.Int(ra), printk.Int(rb))
	}
	// Each round but the first has each thread wait for the other.
	if na < PINGPONG_ROUNDS-1 || nb < PINGPONG_ROUNDS-1 || switches < 2*PINGPONG_ROUNDS {
		t.Errorf("switches: ping %d, pong %d, the CPU %d; each wait is one", printk.Int(na), printk.Int(nb), printk.Int(switches))
	}
	if mm.Nr_vmalloc_pages != vm0 || Nr_threads != thr0 || Find_task_by_pid(a.Pid) != nil {
		t.Errorf("after kthread_stop: %d vmalloc pages (was %d), %d threads (was %d)", printk.Int(mm.Nr_vmalloc_pages),
			printk.Int(vm0), printk.Int(Nr_threads), printk.Int(thr0))
	}
	t.Logf("ping-pong: %d rounds, %d context switches, %d cycles per switch (wake-up and wait included)",
		printk.Int(PINGPONG_ROUNDS), printk.Int(switches), printk.Int(cycles/max(switches, 1)))
}

// Switch cost: two threads that only yield to each other. Thread 0 reads
// the TSC at each of its rounds: a round is two switches (to the other
// thread and back) and the other thread's Yield. Under TCG on a busy host
// single rounds vary a lot, so the figure is the median and the fastest
// round, as trap_cost's (traps).
const YIELD_ROUNDS = 2000

var yield_rounds [YIELD_ROUNDS]uint64

func yield_thread(id uintptr) int {
	t0 := asm.Rdtsc()
	for i := 0; i < YIELD_ROUNDS; i++ {
		Yield()
		if id == 0 {
			t1 := asm.Rdtsc()
			yield_rounds[i] = t1 - t0
			t0 = t1
		}
	}
	return 0
}

// sort_u64 sorts a in place (Shell's sort: no allocation, few lines).
func sort_u64(a []uint64) {
	for gap := len(a) / 2; gap > 0; gap /= 2 {
		for i := gap; i < len(a); i++ {
			for j := i; j >= gap && a[j-gap] > a[j]; j -= gap {
				a[j-gap], a[j] = a[j], a[j-gap]
			}
		}
	}
}

// Bench_context_switch measures the cost of a context switch between two
// kernel threads that do nothing but Yield to each other, in TSC cycles:
// the median and the fastest of YIELD_ROUNDS rounds, each two switches
// (bench=sched; the sched_switch_cost selftest). It returns the median
// and the number of switches the run queue counted.
func Bench_context_switch() (median, switches uint64) {
	sw0 := Nr_context_switches()
	a := Kthread_create(yield_thread, 0, "yield-a")
	b := Kthread_create(yield_thread, 1, "yield-b")
	if a == nil || b == nil {
		return 0, 0
	}
	// On one CPU: a Yield with nobody else on the queue switches nothing.
	cpu := asm.Smp_processor_id()
	Kthread_bind(a, cpu)
	Kthread_bind(b, cpu)
	Wake_up_process(a)
	Wake_up_process(b)
	Wait_for_completion(&a.Exited)
	Wait_for_completion(&b.Exited)
	switches = Nr_context_switches() - sw0
	Kthread_stop(a)
	Kthread_stop(b)
	r := yield_rounds[1:] // the first round includes b's start
	sort_u64(r)
	median, fastest := r[len(r)/2]/2, r[0]/2
	printk.Pr_info("sched: context switch between two kernel threads: median %d TSC cycles (%d ns), fastest %d, over %d rounds of two switches (%d switches in all)\n",
		printk.Int(median), printk.Int(tsc.Cycles_2_ns(median, tsc.Tsc_khz)), printk.Int(fastest), printk.Int(len(r)), printk.Int(switches))
	return median, switches
}

// Test_sched_switch_cost: the benchmark's switches happened (each Yield
// of one thread is one switch to the other) and cost something.
func Test_sched_switch_cost(t *kunit.Kunit) {
	c, n := Bench_context_switch()
	if n < 2*YIELD_ROUNDS || c == 0 {
		t.Errorf("%d switches at %d cycles, want at least %d", printk.Int(n), printk.Int(c), printk.Int(2*YIELD_ROUNDS))
	}
}

// fpu_regs is what fpu_set loads and fpu_get reads back.
type fpu_regs struct {
	Fcw   uint16
	_     uint16
	Mxcsr uint32
	St0   float64
}

//go:noescape
func fpu_set(r *fpu_regs)

//go:noescape
func fpu_get(r *fpu_regs)

var fpu_test struct {
	a_set, b_done Completion
	a_got, b_got  fpu_regs
}

// The two settings: rounding toward zero and toward minus infinity, in
// both x87 control word (RC, bits 11:10) and MXCSR (RC, bits 14:13; FZ
// bit 15), values Go code never sets.
var (
	fpu_a = fpu_regs{Fcw: 0x0f7f, Mxcsr: 0x7f80, St0: 3.25}
	fpu_b = fpu_regs{Fcw: 0x077f, Mxcsr: 0xbf80, St0: -7.5}
)

func fpu_thread_a(uintptr) int {
	r := fpu_a
	fpu_set(&r)
	Complete(&fpu_test.a_set)
	Wait_for_completion(&fpu_test.b_done)
	fpu_get(&fpu_test.a_got)
	return 0
}

func fpu_thread_b(uintptr) int {
	Wait_for_completion(&fpu_test.a_set)
	r := fpu_b
	fpu_set(&r)
	fpu_get(&fpu_test.b_got)
	Complete(&fpu_test.b_done)
	return 0
}

func fpu_check(t *kunit.Kunit, who string, got, want *fpu_regs) {
	if got.Fcw != want.Fcw || got.Mxcsr&0xffff != want.Mxcsr || got.St0 != want.St0 {
		t.Errorf("%s: FCW %#x MXCSR %#x ST0 %#x, want %#x %#x %#x", printk.Str(who), printk.Int(got.Fcw), printk.Int(got.Mxcsr),
			printk.Int(*(*uint64)(unsafe.Pointer(&got.St0))), printk.Int(want.Fcw), printk.Int(want.Mxcsr),
			printk.Int(*(*uint64)(unsafe.Pointer(&want.St0))))
	}
}

// Test_sched_fpu: a thread's x87 control word, ST0 and MXCSR survive
// another thread's loading different ones between its switches (FXSAVE64
// and FXRSTOR64 in __switch_to). Go code saves none of them itself. Both
// threads on this CPU: on two CPUs fpu-b would load its values into the
// other CPU's registers and prove nothing about the switch.
//
// The test waits for both threads to exit before kthread_stop. Linux's
// kthread() (kernel/kthread.c) runs threadfn only if KTHREAD_SHOULD_STOP
// is still clear when the new thread first runs: kthread_stop is "stop
// this thread", not "wait for it". This test used to call kthread_stop
// straight after kthread_run; when fpu-a had not yet run (its CPU busy or,
// under TCG, its vCPU descheduled by the host), it returned -EINTR without
// running, and fpu-b waited for fpu-a's completion for ever: 1 boot in 8
// at -smp 4 under load, every CPU idle, pid 1 in kthread_stop and fpu-b
// in D.
func Test_sched_fpu(t *kunit.Kunit) {
	Init_completion(&fpu_test.a_set)
	Init_completion(&fpu_test.b_done)
	fpu_test.a_got, fpu_test.b_got = fpu_regs{}, fpu_regs{}
	var mine, after fpu_regs
	fpu_get(&mine)
	a := Kthread_create(fpu_thread_a, 0, "fpu-a")
	b := Kthread_create(fpu_thread_b, 0, "fpu-b")
	if a == nil || b == nil {
		t.Errorf("kthread_create failed")
		return
	}
	cpu := asm.Smp_processor_id()
	Kthread_bind(a, cpu)
	Kthread_bind(b, cpu)
	Wake_up_process(a)
	Wake_up_process(b)
	ts := [2]*Task_struct{a, b}
	if left := wait_exited(ts[:], smp_deadline_ms); left != 0 {
		t.Errorf("%d of the 2 threads did not finish in %d s", printk.Int(left), printk.Int(smp_deadline_ms/1000))
		Complete_all(&fpu_test.a_set) // let them go
		Complete_all(&fpu_test.b_done)
		wait_exited(ts[:], smp_deadline_ms)
	}
	// Both ran their function: 0, not kthread()'s -EINTR for a thread
	// stopped before it ran.
	if ra, rb := Kthread_stop(a), Kthread_stop(b); ra != 0 || rb != 0 {
		t.Errorf("fpu-a returned %d, fpu-b %d, want 0 and 0", printk.Int(ra), printk.Int(rb))
	}
	fpu_get(&after)
	fpu_check(t, "fpu-a after fpu-b ran", &fpu_test.a_got, &fpu_a)
	fpu_check(t, "fpu-b", &fpu_test.b_got, &fpu_b)
	if after.Fcw != mine.Fcw || after.Mxcsr != mine.Mxcsr {
		t.Errorf("the test's own FCW/MXCSR changed: %#x/%#x, was %#x/%#x", printk.Int(after.Fcw), printk.Int(after.Mxcsr), printk.Int(mine.Fcw), printk.Int(mine.Mxcsr))
	}
}

// The preemption test: a thread that spins in assembly, calling nothing,
// with values in X0-X14 and MXCSR, and a thread that can only run if the
// tick preempts the spinner: it clobbers the same registers and sets the
// flag the spinner waits for.
//
//go:noescape
func spin_xmm(pat *[15][2]uint64, mxcsr uint32, flag *uint32, deadline uint64, out *[16][2]uint64) uint64
func clobber_xmm(v uint64, mxcsr uint32)

var preempt_test struct {
	flag     uint32
	pat      [15][2]uint64
	out      [16][2]uint64
	iters    uint64
	saw_flag uint32 // the flag as the spinner left its loop
	progress int
	spinner  *Task_struct
}

const SPIN_MXCSR = 0x5f80 // round down, all exceptions masked

// SPIN_BOUND_S: how long the spinner waits to be preempted, in seconds
// of TSC time (25 ticks, one time slice, suffice on a healthy machine).
const SPIN_BOUND_S = 60

func spinner_thread(uintptr) int {
	pt := &preempt_test
	// A long bound, left early as soon as the other thread ran: under
	// TCG on a loaded host, a guest that spins can starve QEMU's timer
	// thread, and 5 s once passed without a single tick reaching it.
	deadline := asm.Rdtsc() + SPIN_BOUND_S*1000*tsc.Tsc_khz
	pt.iters = spin_xmm(&pt.pat, SPIN_MXCSR, &pt.flag, deadline, &pt.out)
	pt.saw_flag = pt.flag
	return 0
}

func clobber_thread(uintptr) int {
	pt := &preempt_test
	clobber_xmm(0xdeaddeaddeaddead, 0x3f80)
	pt.progress++
	pt.flag = 1
	return 0
}

// Test_sched_preempt: the tick preempts a CPU-bound thread that never
// yields (the other thread, on the same CPU, makes progress meanwhile), and the spinner's
// XMM registers and MXCSR are intact when it runs again.
func Test_sched_preempt(t *kunit.Kunit) {
	pt := &preempt_test
	pt.flag, pt.saw_flag, pt.iters, pt.progress, pt.out = 0, 0, 0, 0, [16][2]uint64{}
	for i := range pt.pat {
		pt.pat[i] = [2]uint64{0x1111111111111111 * uint64(i+1), ^(0x0101010101010101 * uint64(i+1))}
	}
	// Both on one CPU: on two, the other thread would simply run beside
	// the spinner.
	s := Kthread_create(spinner_thread, 0, "spinner")
	c := Kthread_create(clobber_thread, 0, "clobber")
	if s == nil || c == nil {
		t.Errorf("kthread_create failed")
		return
	}
	cpu := asm.Smp_processor_id()
	Kthread_bind(s, cpu)
	Kthread_bind(c, cpu)
	Wake_up_process(s)
	Wake_up_process(c)
	Wait_for_completion(&s.Exited)
	Wait_for_completion(&c.Exited)
	niv := s.Nivcsw
	Kthread_stop(s)
	Kthread_stop(c)
	if pt.saw_flag == 0 || pt.progress != 1 {
		t.Errorf("the spinner ran %d iterations for %d s without being preempted: the other thread never ran", printk.Int(pt.iters),
			printk.Int(SPIN_BOUND_S))
		return
	}
	if niv == 0 {
		t.Errorf("the other thread ran but the spinner has no involuntary switch")
	}
	for i := range pt.pat {
		if pt.out[i] != pt.pat[i] {
			t.Errorf("X%d after preemption %#x:%#x, want %#x:%#x", printk.Int(i), printk.Int(pt.out[i][1]), printk.Int(pt.out[i][0]),
				printk.Int(pt.pat[i][1]), printk.Int(pt.pat[i][0]))
		}
	}
	if mx := uint32(pt.out[15][0]); mx&0xffff != SPIN_MXCSR {
		t.Errorf("MXCSR after preemption %#x, want %#x", printk.Int(mx), printk.Int(SPIN_MXCSR))
	}
	t.Logf("spinner: %d iterations, %d involuntary switches", printk.Int(pt.iters), printk.Int(niv))
}

// The spinlock-preemption test: a holder of a spinlock taken with
// interrupts on, and a busy thread on the same CPU that only an
// involuntary switch lets run. Linux's spin_lock disables preemption, so
// the tick may end the holder's slice but the way out of the interrupt
// must not switch away from it: a holder switched out leaves its lock
// held by a task on no CPU, and the next task on that CPU that wants the
// lock spins for ever (the -smp 4 hang of init_mm_page_table_lock in
// vfree, asm.Spin_lock's comment).
var lock_preempt struct {
	lock   asm.Spinlock_t
	other  atomic.Uint64 // the busy thread's iterations
	stop   atomic.Bool
	during uint64 // its iterations while the holder held the lock
	ticks  uint64 // ticks the holder's CPU took meanwhile
	count  int32  // the holder's preempt count while it held the lock
	nivcsw uint64 // the holder's involuntary switches meanwhile
}

// LOCK_PREEMPT_TICKS: how long the holder keeps the lock, in ticks of its
// own CPU: two time slices, so that the tick asks for a switch at least
// once. Counted in ticks taken, not time: a host that stalls the vCPU
// only makes the test take longer.
const LOCK_PREEMPT_TICKS = 2*RR_TIMESLICE + 2

func lock_busy_thread(uintptr) int {
	lp := &lock_preempt
	for !lp.stop.Load() {
		lp.other.Add(1)
	}
	return 0
}

func lock_holder_thread(uintptr) int {
	lp := &lock_preempt
	self := Get_current()
	deadline := asm.Rdtsc() + SPIN_BOUND_S*1000*tsc.Tsc_khz
	for lp.other.Load() == 0 && asm.Rdtsc() < deadline {
		Yield() // the busy thread is queued here and has run
	}
	lp.lock.Spin_lock(0)
	rq := this_rq()
	t0, before, niv := atomic.LoadUint64(&rq.Clock_ticks), lp.other.Load(), self.Nivcsw
	lp.count = Preempt_count()
	for atomic.LoadUint64(&rq.Clock_ticks)-t0 < LOCK_PREEMPT_TICKS && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	lp.during, lp.ticks, lp.nivcsw = lp.other.Load()-before, atomic.LoadUint64(&rq.Clock_ticks)-t0, self.Nivcsw-niv
	lp.lock.Spin_unlock()
	lp.stop.Store(true)
	if Preempt_count() != 0 {
		lp.count = -Preempt_count() // unbalanced: reported by the test
	}
	return 0
}

// Test_sched_spinlock_preempt: while a thread holds a spinlock (taken
// with interrupts on) for two time slices' worth of its CPU's ticks,
// its preempt count is 1, it is not switched out, and the busy thread
// bound to the same CPU does not run; after the unlock the count is 0
// again.
func Test_sched_spinlock_preempt(t *kunit.Kunit) {
	lp := &lock_preempt
	lp.lock = asm.Spinlock_t{Owner_cpu: -1, Name: "lock_preempt"}
	lp.other.Store(0)
	lp.stop.Store(false)
	lp.during, lp.ticks, lp.count, lp.nivcsw = 0, 0, 0, 0
	h := Kthread_create(lock_holder_thread, 0, "lock-holder")
	b := Kthread_create(lock_busy_thread, 0, "lock-busy")
	if h == nil || b == nil {
		t.Errorf("kthread_create failed")
		return
	}
	cpu := asm.Smp_processor_id()
	Kthread_bind(h, cpu)
	Kthread_bind(b, cpu)
	Wake_up_process(b)
	Wake_up_process(h)
	Wait_for_completion(&h.Exited)
	lp.stop.Store(true)
	Wait_for_completion(&b.Exited)
	Kthread_stop(h)
	Kthread_stop(b)
	if lp.ticks < LOCK_PREEMPT_TICKS {
		t.Errorf("the holder's CPU took %d ticks in %d s, want %d: no conclusion", printk.Int(lp.ticks),
			printk.Int(SPIN_BOUND_S), printk.Int(LOCK_PREEMPT_TICKS))
	}
	if lp.count != 1 {
		t.Errorf("preempt count %d while holding the lock (negative: left after the unlock), want 1", printk.Int(lp.count))
	}
	if lp.during != 0 || lp.nivcsw != 0 {
		t.Errorf("the holder was preempted with the lock held: %d involuntary switches, the busy thread ran %d iterations meanwhile",
			printk.Int(lp.nivcsw), printk.Int(lp.during))
	}
	t.Logf("lock held over %d ticks of CPU %d: preempt count %d, %d involuntary switches, busy thread's iterations meanwhile %d",
		printk.Int(lp.ticks), printk.Int(cpu), printk.Int(lp.count), printk.Int(lp.nivcsw), printk.Int(lp.during))
}

// The munmap test's record: the page tables of its one page, and the
// count of local TLB flushes when each went back to the quicklist.
var munmap_tables struct {
	pa       [3]paging.PhysAddr // the PTE, PMD and PUD tables
	flushes  [3]uint64
	freed    [3]bool
	pgd_free func(pa paging.PhysAddr)
}

// munmap_tables_free is paging.PgtableFree for the test's duration: it
// notes when one of the test's tables is freed, and frees it.
func munmap_tables_free(pa paging.PhysAddr) {
	mt := &munmap_tables
	for i, t := range mt.pa {
		if pa == t && !mt.freed[i] {
			mt.freed[i], mt.flushes[i] = true, tlb_local_flushes()
		}
	}
	mt.pgd_free(pa)
}

func tlb_local_flushes() uint64 {
	return atomic.LoadUint64(&mm.Nr_tlb_local_flush_one) + atomic.LoadUint64(&mm.Nr_tlb_local_flush_all)
}

// test_mm_enter makes a new mm the current task's, a process of the
// test's own, its CR3 loaded; preemption stays off until test_mm_leave,
// so that the mm stays this CPU's. nil if mm_alloc failed.
func test_mm_enter() (m, saved, saved_active *mm.MmStruct) {
	c := Get_current()
	saved, saved_active = c.Mm, c.Active_mm
	if saved_active == nil {
		saved_active = &mm.Init_mm
	}
	if m = mm.Mm_alloc(); m == nil {
		return nil, nil, nil
	}
	Preempt_disable()
	c.Mm, c.Active_mm = m, m
	Switch_mm(saved_active, m)
	return m, saved, saved_active
}

// test_mm_leave puts the task's own mm back and frees the test's.
func test_mm_leave(m, saved, saved_active *mm.MmStruct) {
	c := Get_current()
	c.Mm, c.Active_mm = saved, saved_active
	Switch_mm(m, saved_active)
	Preempt_enable()
	mm.Exit_mmap(m)
}

// MUNMAP_TABLES_BASE: 512 GiB, the first address of the second PGD slot,
// where the test's mm has nothing else: the page's PTE, PMD and PUD
// tables are its own, and its munmap empties all three.
const MUNMAP_TABLES_BASE = 512 << 30

// Test_sched_munmap_tables_after_flush: the page tables a munmap
// empties go back to the quicklist only after the TLB flush of the range
// (Linux's mmu_gather and tlb_remove_table): another thread of the
// process, on another CPU, may still hold them in its paging-structure
// caches until the shootdown. A process of its own (an mm of the
// test's, current for the test) maps, touches and unmaps one page.
func Test_sched_munmap_tables_after_flush(t *kunit.Kunit) {
	mt := &munmap_tables
	m, saved, saved_active := test_mm_enter()
	if m == nil {
		t.Errorf("mm_alloc failed")
		return
	}
	const va = MUNMAP_TABLES_BASE
	ok := mm.Do_mmap(m, va, asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED, nil, 0, 0) == va &&
		asm.Put_user(uint64(1), va) == 0
	if !ok {
		t.Errorf("mmap and a write at %#x failed", printk.Int(uint64(va)))
	} else {
		p4d := paging.P4d_offset(paging.Pgd_offset(&asm.DirectMap, m.Pgd, va), va)
		pud := paging.Pud_offset(&asm.DirectMap, p4d, va)
		pmd := paging.Pmd_offset(&asm.DirectMap, pud, va)
		mt.pa = [3]paging.PhysAddr{pmd.Phys(), pud.Phys(), p4d.Phys()}
		mt.freed, mt.flushes = [3]bool{}, [3]uint64{}
		mt.pgd_free = paging.PgtableFree
		before := tlb_local_flushes()
		paging.PgtableFree = munmap_tables_free
		r := mm.Do_munmap(m, va, asm.PAGE_SIZE)
		paging.PgtableFree = mt.pgd_free
		if r != 0 {
			t.Errorf("munmap = %d", printk.Int(r))
		}
		for i, name := range [3]string{"PTE", "PMD", "PUD"} {
			switch {
			case !mt.freed[i]:
				t.Errorf("the %s table %#x was not freed", printk.Str(name), printk.Int(mt.pa[i]))
			case mt.flushes[i] == before:
				t.Errorf("the %s table %#x was freed before the range's TLB flush", printk.Str(name), printk.Int(mt.pa[i]))
			}
		}
		t.Logf("munmap of %#x: its PTE, PMD and PUD tables freed after %d local TLB flushes", printk.Int(uint64(va)),
			printk.Int(mt.flushes[0]-before))
	}
	test_mm_leave(m, saved, saved_active)
}

// MPROTECT_PAGES: the pages Test_sched_mprotect_flush changes at once.
const MPROTECT_PAGES = 16

// Test_sched_mprotect_flush: mprotect of MPROTECT_PAGES present pages
// flushes their range once (Linux change_protection_range's one
// flush_tlb_range), not once per page: each flush of an mm that runs on
// other CPUs is one IPI to each of them. And the flush happened: a write
// to a page made read-only faults (put_user fails), a read still works.
// An mm of the test's, current for the test, as the munmap test's.
func Test_sched_mprotect_flush(t *kunit.Kunit) {
	m, saved, saved_active := test_mm_enter()
	if m == nil {
		t.Errorf("mm_alloc failed")
		return
	}
	const va, size = MUNMAP_TABLES_BASE, MPROTECT_PAGES * asm.PAGE_SIZE
	ok := mm.Do_mmap(m, va, size, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED, nil, 0, 0) == va
	for i := uint64(0); ok && i < MPROTECT_PAGES; i++ {
		ok = asm.Put_user(i+1, uintptr(va+i*asm.PAGE_SIZE)) == 0
	}
	if !ok {
		t.Errorf("mmap and writes at %#x failed", printk.Int(uint64(va)))
	} else {
		before := tlb_local_flushes()
		r := mm.Do_mprotect(m, va, size, mm.PROT_READ)
		flushes := tlb_local_flushes() - before
		if r != 0 || flushes != 1 {
			t.Errorf("mprotect of %d present pages = %d with %d TLB flushes, want 0 with 1", printk.Int(MPROTECT_PAGES), printk.Int(r), printk.Int(flushes))
		}
		x, err := asm.Get_user[uint64](va + 5*asm.PAGE_SIZE)
		if asm.Put_user(uint64(99), va+5*asm.PAGE_SIZE) == 0 || err != 0 || x != 6 {
			t.Errorf("after mprotect(PROT_READ): a write did not fault, or the read gave %d, want 6", printk.Int(x))
		}
		t.Logf("mprotect of %d present pages: %d TLB flush", printk.Int(MPROTECT_PAGES), printk.Int(flushes))
	}
	test_mm_leave(m, saved, saved_active)
}

// Test_sched_msleep: msleep(100) sleeps at least 100 ms of jiffies (one
// more jiffy than the conversion, as Linux) and of TSC time, voluntarily
// (a switch away, the idle task running meanwhile).
func Test_sched_msleep(t *kunit.Kunit) {
	cur := Get_current()
	idle := Cpu_rq(0).Idle
	j0, c0, nv0, idle0 := ktime.Get_jiffies_64(), asm.Rdtsc(), cur.Nvcsw, idle.Sum_exec_ticks
	Msleep(100)
	j1, c1 := ktime.Get_jiffies_64(), asm.Rdtsc()
	want := ktime.Msecs_to_jiffies(100) + 1
	if j1-j0 < want {
		t.Errorf("msleep(100): jiffies advanced %d, want at least %d", printk.Int(j1-j0), printk.Int(want))
	}
	if ms := (c1 - c0) / tsc.Tsc_khz; ms < 100 {
		t.Errorf("msleep(100): %d ms of TSC time", printk.Int(ms))
	}
	if cur.Nvcsw == nv0 || idle.Sum_exec_ticks == idle0 {
		t.Errorf("msleep(100) did not sleep: %d voluntary switches, idle ran %d ticks", printk.Int(cur.Nvcsw-nv0), printk.Int(idle.Sum_exec_ticks-idle0))
	}
	t.Logf("msleep(100): %d jiffies, %d us, idle %d ticks", printk.Int(j1-j0), printk.Int((c1-c0)*1000/tsc.Tsc_khz), printk.Int(idle.Sum_exec_ticks-idle0))
}

// recurse descends a frame at a time, each frame of about 300 bytes.
//
//go:noinline
func recurse(depth uint64) uint64 {
	var buf [32]uint64
	buf[depth%32] = depth
	return recurse(depth+1) + buf[(depth+1)%32]
}

func overflow_thread(uintptr) int {
	c := Get_current()
	printk.Pr_info("sched_stack_overflow: %s/%d recurses on its stack %016x..%016x, guard page %016x\n", printk.Str(c.Name()),
		printk.Int(c.Pid), printk.Int(c.Stack), printk.Int(c.Stack+c.Stack_size-1), printk.Int(c.Stack-asm.PAGE_SIZE))
	return int(recurse(0))
}

// Test_sched_stack_overflow (explicit: it stops the kernel): a kernel
// thread that overflows its stack runs into its guard page; the #DF
// handler reports "BUG: TASK stack guard page was hit" with the thread's
// stack, and the kernel panics, as Linux's handle_stack_overflow does.
func Test_sched_stack_overflow(t *kunit.Kunit) {
	k := Kthread_run(overflow_thread, 0, "overflow")
	if k == nil {
		t.Errorf("kthread_run failed")
		return
	}
	Wait_for_completion(&k.Exited)
	t.Errorf("the overflowing thread exited")
}

// Test_sched_signal_pending_state: a task that sets an interruptible
// state with a signal already pending does not sleep: schedule() leaves
// it running (Linux __schedule's signal_pending_state), so its wait sees
// the signal; an uninterruptible sleep sleeps anyway, SIGKILL or not
// (a stopped one, which only SIGKILL's wake-up ends, is not tried: its
// timer could not wake it). Before, a signal sent just before the state change
// was lost (signal_wake_up found the task running and woke nobody): the
// futex waiter slept for ever (the reaper/smp4 hang). kernel_init gets
// TIF_SIGPENDING (and SIGKILL) here by hand, and loses them after.
func Test_sched_signal_pending_state(t *kunit.Kunit) {
	cur := Get_current()
	const sleep = 25 // jiffies
	try := func(state uint32, kill bool) (left int64, switches uint64) {
		nv := cur.Nvcsw
		if kill {
			cur.Pending.Signal |= 1 << (uapi.SIGKILL - 1)
		}
		Set_tsk_thread_flag(cur, TIF_SIGPENDING)
		Set_current_state(state)
		left = Schedule_timeout(sleep)
		Set_current_state(TASK_RUNNING)
		Clear_tsk_thread_flag(cur, TIF_SIGPENDING)
		cur.Pending.Signal &^= 1 << (uapi.SIGKILL - 1)
		return left, cur.Nvcsw - nv
	}
	if left, sw := try(TASK_INTERRUPTIBLE, false); left == 0 || sw != 0 {
		t.Errorf("TASK_INTERRUPTIBLE with a signal pending: slept (%d of %d jiffies left, %d voluntary switches)", printk.Int(left), printk.Int(sleep), printk.Int(sw))
	}
	if left, sw := try(TASK_UNINTERRUPTIBLE, true); left != 0 || sw == 0 {
		t.Errorf("TASK_UNINTERRUPTIBLE with SIGKILL pending: did not sleep (%d of %d jiffies left, %d voluntary switches)", printk.Int(left), printk.Int(sleep), printk.Int(sw))
	}
}
