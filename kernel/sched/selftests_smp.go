package sched

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/cpumask"
	"gokern/kunit"
	"gokern/printk"
)

// The scheduler on several CPUs (issue 12): tasks spread over the CPUs
// and run there at the same time, wake-ups across CPUs are not lost, and
// the structures every CPU's tasks share — wait queues, completions, the
// timer bases — stay whole under them. Each test also holds at -smp 1,
// where it checks what one CPU can show.

// smp_deadline_ms bounds how long a test waits for its threads before it
// calls what is missing a lost wake-up (TCG on a loaded host is slow;
// a correct run takes a fraction of it).
const smp_deadline_ms = 60000

// wait_exited waits, sleeping 10 ms at a time, until every task of ts
// has exited, or the deadline; it reports how many have not.
func wait_exited(ts []*Task_struct, ms uint64) int {
	deadline := asm.Rdtsc() + ms*tsc.Tsc_khz
	for {
		left := 0
		for _, k := range ts {
			if k != nil && !Completion_done(&k.Exited) {
				left++
			}
		}
		if left == 0 || asm.Rdtsc() > deadline {
			return left
		}
		Msleep(10)
	}
}

// The spread test: SPREAD_THREADS_PER_CPU busy threads per online CPU,
// each SPREAD_ITERS iterations. Every iteration adds to beat[cpu] of the
// CPU it runs on; every SPREAD_SAMPLE iterations a thread looks at the
// other CPUs' beats twice, SPREAD_SAMPLE iterations apart: when another
// CPU's beat moved while this thread ran all along on its own CPU (no
// switch counted and the same CPU before and after), a thread ran on that
// CPU at the same time as this one — parallel, seen in the state, not
// inferred from timings.
const (
	SPREAD_THREADS_PER_CPU = 2
	SPREAD_ITERS           = 200000
	SPREAD_SAMPLE          = 2000
)

var spread struct {
	beat    [asm.NR_CPUS]atomic.Uint64
	iters   [asm.NR_CPUS]atomic.Uint64 // iterations run on each CPU
	overlap [asm.NR_CPUS]atomic.Uint64 // bit b of [a]: CPU b seen busy while a thread ran on a
	// start opens the gate once every thread exists: a thread that began
	// at once on another CPU finished before the creator's CPU ran any
	// (200000 iterations are a few ms), and no overlap could be seen.
	start atomic.Uint32
}

func spread_thread(uintptr) int {
	self := Get_current()
	for spread.start.Load() == 0 {
		Yield() // the creator may be on this CPU
	}
	var before [asm.NR_CPUS]uint64
	for i := 0; i < SPREAD_ITERS; i += SPREAD_SAMPLE {
		cpu0 := asm.Smp_processor_id()
		sw0 := atomic.LoadUint64(&self.Nivcsw) + atomic.LoadUint64(&self.Nvcsw)
		for c := range before {
			before[c] = spread.beat[c].Load()
		}
		for j := 0; j < SPREAD_SAMPLE; j++ {
			spread.beat[asm.Smp_processor_id()].Add(1)
		}
		cpu1 := asm.Smp_processor_id()
		spread.iters[cpu1].Add(SPREAD_SAMPLE)
		if cpu0 != cpu1 || atomic.LoadUint64(&self.Nivcsw)+atomic.LoadUint64(&self.Nvcsw) != sw0 {
			continue // switched meanwhile: this sample proves nothing
		}
		for c := range before {
			if c != cpu0 && spread.beat[c].Load() != before[c] {
				spread.overlap[cpu0].Or(1 << uint(c))
			}
		}
	}
	return 0
}

// Test_sched_smp_spread: busy kernel threads, created from one CPU, are
// placed on the least loaded CPUs (wake_up_new_task → select_task_rq) or
// pulled there by idle CPUs (pull_rt_task); several CPUs run the work
// (all of them on an idle host), and two or more at the same time.
func Test_sched_smp_spread(t *kunit.Kunit) {
	online := cpumask.Num_online_cpus()
	n := SPREAD_THREADS_PER_CPU * online
	var ms, migrations, total uint64
	var busy, pairs, attempt int
	var line [160]byte
	l := 0
	// Two CPUs seen busy at once is a fact one sample can show: a host
	// that runs only one vCPU thread while the work lasts (tens of ms
	// under TCG on a loaded host) hides it, so the work runs again, up to
	// SPREAD_ATTEMPTS times, until it is seen.
	for attempt = 1; attempt <= SPREAD_ATTEMPTS; attempt++ {
		for c := range spread.beat {
			spread.beat[c].Store(0)
			spread.iters[c].Store(0)
			spread.overlap[c].Store(0)
		}
		var ts [SPREAD_THREADS_PER_CPU * asm.NR_CPUS]*Task_struct
		spread.start.Store(0)
		t0 := asm.Rdtsc()
		for i := 0; i < n; i++ {
			if ts[i] = Kthread_run(spread_thread, uintptr(i), "spread"); ts[i] == nil {
				t.Errorf("kthread_run %d failed", printk.Int(i))
			}
		}
		spread.start.Store(1)
		if left := wait_exited(ts[:n], smp_deadline_ms); left != 0 {
			t.Errorf("%d of %d busy threads did not finish in %d s", printk.Int(left), printk.Int(n), printk.Int(smp_deadline_ms/1000))
			return
		}
		ms = (asm.Rdtsc() - t0) / tsc.Tsc_khz
		migrations = 0
		for _, k := range ts[:n] {
			migrations += k.Nr_migrations
			Kthread_stop(k)
		}
		total, busy, pairs, l = 0, 0, 0, 0
		for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
			if !cpumask.Cpu_online(cpu) {
				continue
			}
			it := spread.iters[cpu].Load()
			total += it
			if it > 0 {
				busy++
			}
			for m := spread.overlap[cpu].Load(); m != 0; m &= m - 1 {
				pairs++
			}
			l += printk.Snprintf(line[l:], " CPU%d %d", printk.Int(cpu), printk.Int(it/1000))
		}
		if want := uint64(n) * SPREAD_ITERS; total != want {
			t.Errorf("%d iterations counted, want %d", printk.Int(total), printk.Int(want))
			return
		}
		if online < 2 || pairs > 0 {
			break
		}
		t.Logf("attempt %d: no two CPUs seen busy at once:%s (thousands)", printk.Int(attempt), printk.Bytes(line[:l]))
	}
	// Several CPUs, not necessarily all: under TCG on a loaded host a
	// vCPU may not be scheduled at all while the work lasts (its threads
	// are then pulled by the others).
	if busy < min(online, 2) {
		t.Errorf("the work ran on %d of %d online CPUs:%s (thousands)", printk.Int(busy), printk.Int(online), printk.Bytes(line[:l]))
	}
	if online > 1 && pairs == 0 {
		t.Errorf("no two CPUs were seen running the threads at the same time in %d attempts:%s", printk.Int(SPREAD_ATTEMPTS), printk.Bytes(line[:l]))
	}
	t.Logf("%d threads x %d iterations on %d CPUs in %d ms: per CPU (thousands)%s; %d CPU pairs seen busy at once, %d migrations",
		printk.Int(n), printk.Int(SPREAD_ITERS), printk.Int(online), printk.Int(ms), printk.Bytes(line[:l]), printk.Int(pairs), printk.Int(migrations))
}

// SPREAD_ATTEMPTS: how many times Test_sched_smp_spread runs the work
// to see two CPUs busy at once.
const SPREAD_ATTEMPTS = 5

// The cross-CPU ping-pong: two threads bound to two different CPUs take
// turns through one wait queue, XPING_ROUNDS times each; every turn is a
// wake-up of a task on the other CPU (try_to_wake_up → ttwu_queue on the
// remote run queue, or ttwu_runnable when the sleeper has not left its
// CPU yet, with a RESCHEDULE_VECTOR IPI when that CPU idles). One lost
// wake-up stops both threads for good. Each round trip costs a
// reschedule IPI and the other vCPU's wake-up from HLT, milliseconds on a
// loaded TCG host, so the rounds are thousands, not the million a real
// machine does in a second.
const XPING_ROUNDS = 200

var xping struct {
	wq    Wait_queue_head
	turn  atomic.Int64
	count [2]int
	wrong int
	cpu   [2]int32
}

func xping_thread(id uintptr) int {
	x := &xping
	for i := 0; i < XPING_ROUNDS; i++ {
		Wait_event(&x.wq, func() bool { return x.turn.Load()%2 == int64(id) })
		if x.turn.Load()%2 != int64(id) || int32(asm.Smp_processor_id()) != x.cpu[id] {
			x.wrong++
		}
		x.count[id]++
		x.turn.Add(1)
		Wake_up_all(&x.wq)
	}
	return 0
}

// Test_sched_smp_pingpong: no wake-up across CPUs is lost (exact counts,
// strict alternation, each thread always on its own CPU), and the remote
// wake-ups went through the other CPU's run queue.
func Test_sched_smp_pingpong(t *kunit.Kunit) {
	x := &xping
	x.turn.Store(0)
	x.count, x.wrong = [2]int{}, 0
	Init_waitqueue_head(&x.wq)
	// The two highest online CPUs (CPU 0 alone at -smp 1).
	x.cpu[0], x.cpu[1] = 0, 0
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			x.cpu[0], x.cpu[1] = x.cpu[1], int32(cpu)
		}
	}
	remote0 := Cpu_rq(int(x.cpu[0])).Nr_ttwu_remote + Cpu_rq(int(x.cpu[1])).Nr_ttwu_remote
	a := Kthread_create(xping_thread, 0, "xping")
	b := Kthread_create(xping_thread, 1, "xpong")
	if a == nil || b == nil {
		t.Errorf("kthread_create failed")
		return
	}
	Kthread_bind(a, int(x.cpu[0]))
	Kthread_bind(b, int(x.cpu[1]))
	t0 := asm.Rdtsc()
	Wake_up_process(a)
	Wake_up_process(b)
	ts := [2]*Task_struct{a, b}
	if left := wait_exited(ts[:], smp_deadline_ms); left != 0 {
		t.Errorf("lost wake-up: after %d s, turn %d, counts %d/%d; %d threads still waiting", printk.Int(smp_deadline_ms/1000),
			printk.Int(x.turn.Load()), printk.Int(x.count[0]), printk.Int(x.count[1]), printk.Int(left))
		return
	}
	cycles := asm.Rdtsc() - t0
	Kthread_stop(a)
	Kthread_stop(b)
	remote := Cpu_rq(int(x.cpu[0])).Nr_ttwu_remote + Cpu_rq(int(x.cpu[1])).Nr_ttwu_remote - remote0
	if x.turn.Load() != 2*XPING_ROUNDS || x.count[0] != XPING_ROUNDS || x.count[1] != XPING_ROUNDS || x.wrong != 0 {
		t.Errorf("turn %d, counts %d/%d, out of turn or off its CPU %d", printk.Int(x.turn.Load()), printk.Int(x.count[0]),
			printk.Int(x.count[1]), printk.Int(x.wrong))
	}
	if x.cpu[0] != x.cpu[1] && remote == 0 {
		t.Errorf("no wake-up was queued on the other CPU's run queue")
	}
	t.Logf("CPU %d <-> CPU %d: %d round trips, %d ns each (TCG), %d wake-ups queued from the other CPU",
		printk.Int(x.cpu[0]), printk.Int(x.cpu[1]), printk.Int(XPING_ROUNDS),
		printk.Int(tsc.Cycles_2_ns(cycles/XPING_ROUNDS, tsc.Tsc_khz)), printk.Int(remote))
}

// The stress test of what the CPUs' tasks share: STRESS_PAIRS_PER_CPU
// completers and as many waiters per online CPU, none bound, all on one
// completion. Each completer completes it STRESS_ROUNDS times; each
// waiter consumes STRESS_ROUNDS completions; every STRESS_NAP rounds each
// sleeps a jiffy on a timer (schedule_timeout: a timer added on one CPU
// and deleted, maybe, from another after a wake-up moved the task). The
// completion's count and its wait queue are changed from every CPU at
// once: without the queue's lock entries are lost from the list (a
// waiter never woken: the test ends on its deadline) or the count loses
// updates (consumed != completed).
const (
	STRESS_PAIRS_PER_CPU = 1
	STRESS_ROUNDS        = 100
	STRESS_NAP           = 25
)

var stress struct {
	c        Completion
	consumed atomic.Int64
	cpus     atomic.Uint64 // the CPUs the threads ran on
}

func stress_completer(uintptr) int {
	for i := 1; i <= STRESS_ROUNDS; i++ {
		Complete(&stress.c)
		stress.cpus.Or(1 << uint(asm.Smp_processor_id()))
		if i%STRESS_NAP == 0 {
			Schedule_timeout_uninterruptible(1)
		}
	}
	return 0
}

func stress_waiter(uintptr) int {
	for i := 1; i <= STRESS_ROUNDS; i++ {
		Wait_for_completion(&stress.c)
		stress.consumed.Add(1)
		stress.cpus.Or(1 << uint(asm.Smp_processor_id()))
		if i%STRESS_NAP == 0 {
			Schedule_timeout_uninterruptible(1)
		}
	}
	return 0
}

// Test_sched_smp_stress: every completion is consumed exactly once, no
// waiter is left asleep, the completion ends at 0 with an empty queue,
// and the threads ran on every online CPU.
func Test_sched_smp_stress(t *kunit.Kunit) {
	online := cpumask.Num_online_cpus()
	Init_completion(&stress.c)
	stress.consumed.Store(0)
	stress.cpus.Store(0)
	n := STRESS_PAIRS_PER_CPU * online
	var ts [2 * STRESS_PAIRS_PER_CPU * asm.NR_CPUS]*Task_struct
	t0 := asm.Rdtsc()
	for i := 0; i < n; i++ {
		ts[2*i] = Kthread_run(stress_waiter, 0, "stress-wait")
		ts[2*i+1] = Kthread_run(stress_completer, 0, "stress-done")
		if ts[2*i] == nil || ts[2*i+1] == nil {
			t.Errorf("kthread_run failed")
		}
	}
	if left := wait_exited(ts[:2*n], smp_deadline_ms); left != 0 {
		t.Errorf("lost wake-up: %d of %d threads still running after %d s; consumed %d of %d, done %d",
			printk.Int(left), printk.Int(2*n), printk.Int(smp_deadline_ms/1000), printk.Int(stress.consumed.Load()),
			printk.Int(n*STRESS_ROUNDS), printk.Int(stress.c.Done))
		Complete_all(&stress.c) // let the waiters go
		wait_exited(ts[:2*n], smp_deadline_ms)
	}
	ms := (asm.Rdtsc() - t0) / tsc.Tsc_khz
	for _, k := range ts[:2*n] {
		if k != nil {
			Kthread_stop(k)
		}
	}
	if got, want := stress.consumed.Load(), int64(n*STRESS_ROUNDS); got != want || stress.c.Done != 0 || Waitqueue_active(&stress.c.Wait) {
		t.Errorf("consumed %d completions of %d; %d left, first queued waiter %#x", printk.Int(got), printk.Int(want),
			printk.Int(stress.c.Done), printk.Int(stress.c.Wait.head))
	}
	if cpus := stress.cpus.Load(); cpus != cpumask.Cpu_online_mask.Bits() {
		t.Errorf("the threads ran on CPUs %#x, online %#x", printk.Int(cpus), printk.Int(cpumask.Cpu_online_mask.Bits()))
	}
	t.Logf("%d waiters and %d completers, %d completions each, on CPUs %#x: %d ms", printk.Int(n), printk.Int(n),
		printk.Int(STRESS_ROUNDS), printk.Int(stress.cpus.Load()), printk.Int(ms))
}

// The affinity test's thread: it spins, noting the CPU it runs on, until
// told to stop.
var affinity struct {
	cpu  atomic.Int32
	stop atomic.Bool
}

func affinity_thread(uintptr) int {
	for !affinity.stop.Load() {
		affinity.cpu.Store(int32(asm.Smp_processor_id()))
	}
	return 0
}

// affinity_wait waits up to 10 s until the thread reports cpu.
func affinity_wait(cpu int) bool {
	budget := tsc.New_run_budget(10000) // not counting host stalls
	for affinity.cpu.Load() != int32(cpu) && !budget.Spent() {
		Msleep(1)
	}
	return affinity.cpu.Load() == int32(cpu)
}

// Test_sched_smp_affinity: set_cpus_allowed_ptr moves a running task to
// the one CPU its new mask allows (its CPU pushes it away after the
// switch), and then to another; a mask with no online CPU is refused.
func Test_sched_smp_affinity(t *kunit.Kunit) {
	online := cpumask.Cpu_online_mask.Bits()
	first, last := -1, -1
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if online&(1<<uint(cpu)) != 0 {
			if first < 0 {
				first = cpu
			}
			last = cpu
		}
	}
	affinity.stop.Store(false)
	affinity.cpu.Store(-1)
	k := Kthread_create(affinity_thread, 0, "affinity")
	if k == nil {
		t.Errorf("kthread_create failed")
		return
	}
	Kthread_bind(k, first)
	Wake_up_process(k)
	if !affinity_wait(first) {
		t.Errorf("bound to CPU %d, the thread runs on %d", printk.Int(first), printk.Int(affinity.cpu.Load()))
	}
	pushed0 := Cpu_rq(first).Nr_pushed
	if r := Set_cpus_allowed_ptr(k, 1<<uint(last)); r != 0 || !affinity_wait(last) {
		t.Errorf("set_cpus_allowed_ptr(CPU %d): %d, the thread runs on %d", printk.Int(last), printk.Int(r), printk.Int(affinity.cpu.Load()))
	}
	if first != last && Cpu_rq(first).Nr_pushed == pushed0 {
		t.Errorf("CPU %d did not push the thread away", printk.Int(first))
	}
	if r := Set_cpus_allowed_ptr(k, ^online); r != -22 {
		t.Errorf("a mask of no online CPU: %d, want -EINVAL (-22)", printk.Int(r))
	}
	if r := Set_cpus_allowed_ptr(k, 1<<uint(first)); r != 0 || !affinity_wait(first) {
		t.Errorf("back to CPU %d: %d, the thread runs on %d", printk.Int(first), printk.Int(r), printk.Int(affinity.cpu.Load()))
	}
	affinity.stop.Store(true)
	Kthread_stop(k)
	t.Logf("a running thread moved CPU %d -> %d -> %d, %d migrations", printk.Int(first), printk.Int(last), printk.Int(first),
		printk.Int(k.Nr_migrations))
}

// Selftest sched_task_ref_smp: a task looked up by pid stays the task it
// was while the looker holds its reference, though it dies, is released
// and its slot in the slab would be reused meanwhile (Linux
// get_task_struct / put_task_struct; its RCU lookups keep the memory as
// long). One thread starts and stops TASK_REF_ROUNDS short kernel threads
// one after the other; a looker on each other CPU takes the newest by pid
// (Find_get_task_by_pid), reads its pid TASK_REF_READS times and puts it.
// A task_struct freed under a looker is zeroed and taken by the creator's
// next thread (the slab hands the last freed object out first): its pid
// changes under the looker. Without the reference (Find_task_by_pid and
// no put, as every lookup was before), it did.
const (
	TASK_REF_ROUNDS = 400
	TASK_REF_READS  = 2000
)

var task_ref struct {
	pid     atomic.Int32  // the newest thread's pid
	done    atomic.Uint32 // the creator has finished
	held    atomic.Uint64 // lookups that found a task
	late    atomic.Uint64 // holds that outlived the task's release
	changed atomic.Uint64 // reads that found another pid
	first   atomic.Int64  // the first wrong read: pid << 32 | read pid
}

func task_ref_short(uintptr) int { return 0 }

func task_ref_looker(uintptr) int {
	for task_ref.done.Load() == 0 {
		pid := task_ref.pid.Load()
		t := Find_get_task_by_pid(pid)
		if t == nil || pid == 0 {
			if t != nil {
				Put_task_struct(t)
			}
			Yield()
			continue
		}
		task_ref.held.Add(1)
		for i := 0; i < TASK_REF_READS; i++ {
			if p := atomic.LoadInt32(&t.Pid); p != pid {
				if task_ref.changed.Add(1) == 1 {
					task_ref.first.Store(int64(pid)<<32 | int64(uint32(p)))
				}
				break
			}
		}
		if !Pid_alive(t) {
			task_ref.late.Add(1)
		}
		Put_task_struct(t)
	}
	return 0
}

// Test_sched_task_ref_smp: no looker saw its task's pid change.
func Test_sched_task_ref_smp(t *kunit.Kunit) {
	st := &task_ref
	st.pid.Store(0)
	st.done.Store(0)
	st.held.Store(0)
	st.late.Store(0)
	st.changed.Store(0)
	n := min(cpumask.Num_online_cpus(), 4)
	if n < 2 {
		t.Skip("needs two CPUs")
		return
	}
	thr0 := Nr_threads
	var lookers [3]*Task_struct
	for i := 0; i < n-1; i++ {
		if lookers[i] = Kthread_run(task_ref_looker, uintptr(i), "task-ref"); lookers[i] == nil {
			t.Errorf("kthread_run failed")
			return
		}
	}
	for i := 0; i < TASK_REF_ROUNDS; i++ {
		k := Kthread_create(task_ref_short, 0, "task-ref-short")
		if k == nil {
			t.Errorf("kthread_create failed in round %d", printk.Int(i))
			break
		}
		st.pid.Store(k.Pid)
		Wake_up_process(k)
		Kthread_stop(k)
	}
	st.done.Store(1)
	for _, k := range lookers[:n-1] {
		Kthread_stop(k)
	}
	printk.Pr_info("sched_task_ref_smp: %d threads started and released, %d lookups held one, %d of them past its release, %d saw another pid\n",
		printk.Int(TASK_REF_ROUNDS), printk.Int(st.held.Load()), printk.Int(st.late.Load()), printk.Int(st.changed.Load()))
	if c := st.changed.Load(); c != 0 {
		f := st.first.Load()
		t.Errorf("%d held tasks changed under their holder: pid %d read as %d (freed and reused)", printk.Int(c), printk.Int(f>>32), printk.Int(int32(f)))
	}
	if Nr_threads != thr0 {
		t.Errorf("%d threads after, %d before: a task was not released", printk.Int(Nr_threads), printk.Int(thr0))
	}
}
