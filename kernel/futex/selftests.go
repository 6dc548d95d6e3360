package futex

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/kunit"
	"gokern/printk"
)

// The futex selftest (selftest=futex): kernel threads wait on and wake a
// kernel word through the same Futex_wait and Futex_wake the system call
// uses, with a key of their own making; the state behind each result is
// checked (the bucket's waiters, the sleeper's state and CPU time, the
// counts), and the wake latency measured.

// st is the test's shared state: the futex word, the threads' results.
var st struct {
	word     atomic.Uint32
	key      Futex_key
	ret      [4]int32
	woke_tsc [4]uint64
	rounds   int
	pp       [2]atomic.Uint32 // ping-pong words
	pp_keys  [2]Futex_key
	pp_count [2]int
}

func load_word() (uint32, int) { return st.word.Load(), 0 }

// waiter waits on st.key while the word is 0, then records its return
// and the TSC.
func waiter(i uintptr) int {
	st.ret[i] = int32(Futex_wait(&st.key, 0, load_word, sched.MAX_SCHEDULE_TIMEOUT, uapi.FUTEX_BITSET_MATCH_ANY))
	st.woke_tsc[i] = asm.Rdtsc()
	return 0
}

// wait_until_queued spins the test's own thread (yielding) until n
// waiters are queued in key's bucket.
func wait_until_queued(key *Futex_key, n int) bool {
	for i := 0; i < 100000; i++ {
		if futex_hash(key).Waiters == n {
			return true
		}
		sched.Yield()
	}
	return false
}

// Test_futex: FUTEX_WAIT's -EAGAIN and -ETIMEDOUT, a sleeper that uses no
// CPU while it waits, FUTEX_WAKE's count, keys and bitsets, FIFO order,
// and the wake latency.
func Test_futex(t *kunit.Kunit) {
	st.key = Futex_key{Mm: 0x1000, Address: uintptr(unsafe.Pointer(&st.word))}
	st.word.Store(0)
	cur := sched.Get_current()

	// The word differs: no sleep at all.
	sw := cur.Nvcsw
	if r := Futex_wait(&st.key, 1, load_word, sched.MAX_SCHEDULE_TIMEOUT, uapi.FUTEX_BITSET_MATCH_ANY); r != -uapi.EAGAIN || cur.Nvcsw != sw {
		t.Errorf("wait for 1 on a word holding 0: %d after %d switches, want -EAGAIN (-11) at once", printk.Int(r), printk.Int(cur.Nvcsw-sw))
	}
	// A timeout of 5 jiffies: one voluntary switch, at least 5 jiffies.
	j0 := ktime.Get_jiffies_64()
	if r := Futex_wait(&st.key, 0, load_word, 5, uapi.FUTEX_BITSET_MATCH_ANY); r != -uapi.ETIMEDOUT {
		t.Errorf("timed wait returned %d, want -ETIMEDOUT (-110)", printk.Int(r))
	}
	if dj := ktime.Get_jiffies_64() - j0; dj < 4 || cur.Nvcsw == sw || futex_hash(&st.key).Waiters != 0 {
		t.Errorf("timed wait of 5 jiffies: %d jiffies (want at least 4), %d switches (want 1 or more), %d waiters left (want 0)", printk.Int(dj),
			printk.Int(cur.Nvcsw-sw), printk.Int(futex_hash(&st.key).Waiters))
	}
	// Jiffies that run out before the clock does (a late tick: under
	// TCG QEMU's timer thread can run behind the guest, and the jiffies
	// of a timeout then pass before its time has): one jiffy against a
	// 20 ms deadline. The wait ends only when CLOCK_MONOTONIC has
	// reached the deadline, never early.
	deadline := ktime.Ktime_get_ns() + 20*1000*1000
	r := futexWaitDeadline(&st.key, 0, load_word, 1, deadline, uapi.FUTEX_BITSET_MATCH_ANY)
	if now := ktime.Ktime_get_ns(); r != -uapi.ETIMEDOUT || now < deadline {
		t.Errorf("timed wait whose jiffies ran out first: %d, %d us before its deadline", printk.Int(r),
			printk.Int((int64(deadline)-int64(now))/1000))
	}
	if Futex_wait(&st.key, 0, load_word, 0, 0) != -uapi.EINVAL || Futex_wake(&st.key, 1, 0) != -uapi.EINVAL {
		t.Errorf("a zero bitset was accepted")
	}

	// One sleeper: asleep, off the run queue, no CPU time for 40 ms.
	st.ret[0] = 99
	w := sched.Kthread_run(waiter, 0, "futex-w0")
	if w == nil || !wait_until_queued(&st.key, 1) {
		t.Errorf("the waiter never queued")
		return
	}
	ticks := w.Sum_exec_ticks
	sched.Msleep(40)
	if w.State != sched.TASK_INTERRUPTIBLE || w.On_rq != 0 || w.Sum_exec_ticks != ticks || st.ret[0] != 99 {
		t.Errorf("waiter: state %#x on_rq %d ticks %d->%d ret %d: not asleep", printk.Int(w.State), printk.Int(w.On_rq),
			printk.Int(ticks), printk.Int(w.Sum_exec_ticks), printk.Int(st.ret[0]))
	}
	// Wrong address, wrong mm, no common bit: nobody wakes.
	other := st.key
	other.Address += 4
	mm2 := st.key
	mm2.Mm += 0x1000
	if Futex_wake(&other, 1, uapi.FUTEX_BITSET_MATCH_ANY) != 0 || Futex_wake(&mm2, 1, uapi.FUTEX_BITSET_MATCH_ANY) != 0 {
		t.Errorf("a wake of another key woke the waiter")
	}
	st.word.Store(1)
	t0 := asm.Rdtsc()
	if n := Futex_wake(&st.key, 10, uapi.FUTEX_BITSET_MATCH_ANY); n != 1 {
		t.Errorf("wake woke %d, want 1", printk.Int(n))
	}
	sched.Wait_for_completion(&w.Exited)
	lat := st.woke_tsc[0] - t0
	sched.Kthread_stop(w)
	if st.ret[0] != 0 || futex_hash(&st.key).Waiters != 0 {
		t.Errorf("woken waiter returned %d, %d left queued", printk.Int(st.ret[0]), printk.Int(futex_hash(&st.key).Waiters))
	}

	// Three sleepers: wake 2 wakes the first two (FIFO), then the rest.
	st.word.Store(0)
	var ws [3]*sched.Task_struct
	for i := range ws {
		st.ret[i] = 99
		ws[i] = sched.Kthread_run(waiter, uintptr(i), "futex-w")
		if ws[i] == nil || !wait_until_queued(&st.key, i+1) {
			t.Errorf("waiter %d never queued", printk.Int(i))
			return
		}
	}
	if n := Futex_wake(&st.key, 2, uapi.FUTEX_BITSET_MATCH_ANY); n != 2 {
		t.Errorf("wake 2 of 3 woke %d", printk.Int(n))
	}
	sched.Wait_for_completion(&ws[0].Exited)
	sched.Wait_for_completion(&ws[1].Exited)
	if st.ret[2] != 99 || futex_hash(&st.key).Waiters != 1 {
		t.Errorf("the third waiter (ret %d, %d queued) was woken by a wake of 2", printk.Int(st.ret[2]), printk.Int(futex_hash(&st.key).Waiters))
	}
	if n := Futex_wake(&st.key, 1<<30, uapi.FUTEX_BITSET_MATCH_ANY); n != 1 {
		t.Errorf("wake all woke %d, want 1", printk.Int(n))
	}
	for _, x := range ws {
		sched.Wait_for_completion(&x.Exited)
		sched.Kthread_stop(x)
	}
	if st.ret[0] != 0 || st.ret[1] != 0 || st.ret[2] != 0 {
		t.Errorf("waiters returned %d %d %d", printk.Int(st.ret[0]), printk.Int(st.ret[1]), printk.Int(st.ret[2]))
	}

	// Ping-pong: two threads hand a turn back and forth over two futex
	// words, PINGPONG rounds, every hand-over a wait and a wake.
	const PINGPONG = 500
	st.rounds = PINGPONG
	for i := range st.pp {
		st.pp[i].Store(0)
		st.pp_count[i] = 0
		st.pp_keys[i] = Futex_key{Mm: 0x1000, Address: uintptr(unsafe.Pointer(&st.pp[i]))}
	}
	c0 := asm.Rdtsc()
	a := sched.Kthread_run(pingpong, 0, "futex-ping")
	b := sched.Kthread_run(pingpong, 1, "futex-pong")
	if a == nil || b == nil {
		t.Errorf("kthread_run failed")
		return
	}
	sched.Wait_for_completion(&a.Exited)
	sched.Wait_for_completion(&b.Exited)
	cycles := asm.Rdtsc() - c0
	sched.Kthread_stop(a)
	sched.Kthread_stop(b)
	if st.pp_count[0] != PINGPONG || st.pp_count[1] != PINGPONG {
		t.Errorf("ping-pong counts %d %d, want %d each", printk.Int(st.pp_count[0]), printk.Int(st.pp_count[1]), printk.Int(PINGPONG))
	}
	t.Logf("futex wake latency: %d TSC cycles from FUTEX_WAKE to the sleeper running; ping-pong %d cycles per hand-over (%d rounds)",
		printk.Int(lat), printk.Int(cycles/(2*PINGPONG)), printk.Int(PINGPONG))
}

// pingpong is one side: it waits until its word says it is its turn,
// hands the turn to the other side, and wakes it.
func pingpong(id uintptr) int {
	me, other := &st.pp[id], &st.pp[1-id]
	get := func() (uint32, int) { return me.Load(), 0 }
	if id == 0 {
		me.Store(1) // ping starts
	}
	for i := 0; i < st.rounds; i++ {
		for me.Load() == 0 {
			Futex_wait(&st.pp_keys[id], 0, get, sched.MAX_SCHEDULE_TIMEOUT, uapi.FUTEX_BITSET_MATCH_ANY)
		}
		me.Store(0)
		st.pp_count[id]++
		other.Store(1)
		Futex_wake(&st.pp_keys[1-id], 1, uapi.FUTEX_BITSET_MATCH_ANY)
	}
	return 0
}

// The SMP stress (selftest=futex_smp_stress): RING_THREADS kernel threads,
// on whichever CPUs the scheduler puts them, stand in a ring and pass
// RING_TOKENS tokens
// round it, RING_ROUNDS hand-overs each: a thread waits (FUTEX_WAIT) until
// its word holds a token, takes it, puts it in the next thread's word and
// wakes that one (FUTEX_WAKE). Every hand-over is a wake of a task that
// may be asleep, on its way to sleep or still running, on another CPU.
// Every other wait has a timeout of 1 or 2 jiffies, so that timers are
// added, expire and are deleted on one CPU while a wake-up comes from
// another: a timed-out wait goes round again (a spurious wake-up for the
// ring). A wake-up lost anywhere (futex, scheduler, timers) stops the
// ring, since the tokens never leave the sleeper's word: the test fails
// when the threads do not finish by its deadline, and reports which.
const (
	RING_THREADS = 12
	RING_TOKENS  = 2
	RING_ROUNDS  = 500
)

var ring struct {
	n        int
	word     [RING_THREADS]atomic.Uint32
	key      [RING_THREADS]Futex_key
	count    [RING_THREADS]int
	timeouts atomic.Int64
	finished atomic.Int32  // threads that made their RING_ROUNDS
	cpus     atomic.Uint64 // the CPUs the hand-overs ran on
}

func ring_thread(id uintptr) int {
	i := int(id)
	me, next := &ring.word[i], &ring.word[(i+1)%ring.n]
	// The word as the wait sees it: nonzero once every thread is done,
	// read under the bucket's lock, so that the last thread's broadcast
	// cannot fall between a look at finished and the sleep.
	get := func() (uint32, int) {
		if ring.finished.Load() == int32(ring.n) {
			return 1 << 31, 0
		}
		return me.Load(), 0
	}
	for waits := 0; ring.finished.Load() != int32(ring.n); waits++ {
		if me.Load() == 0 {
			to := sched.MAX_SCHEDULE_TIMEOUT
			if waits%2 == 1 {
				to = int64(1 + waits%4/2)
			}
			if Futex_wait(&ring.key[i], 0, get, to, uapi.FUTEX_BITSET_MATCH_ANY) == -uapi.ETIMEDOUT {
				ring.timeouts.Add(1)
			}
			continue
		}
		// Take one token, pass it on.
		me.Add(^uint32(0))
		ring.cpus.Or(1 << uint(asm.Smp_processor_id()))
		next.Add(1)
		Futex_wake(&ring.key[(i+1)%ring.n], 1, uapi.FUTEX_BITSET_MATCH_ANY)
		if ring.count[i]++; ring.count[i] == RING_ROUNDS && ring.finished.Add(1) == int32(ring.n) {
			for k := 0; k < ring.n; k++ {
				Futex_wake(&ring.key[k], 1<<30, uapi.FUTEX_BITSET_MATCH_ANY)
			}
		}
	}
	return 0
}

// Test_futex_smp_stress: every thread makes at least its RING_ROUNDS
// hand-overs (it passes tokens on until all are done), the tokens are all
// still there at the end, and no waiter is left queued.
func Test_futex_smp_stress(t *kunit.Kunit) {
	n := RING_THREADS
	ring.n = n
	ring.cpus.Store(0)
	ring.timeouts.Store(0)
	ring.finished.Store(0)
	for i := 0; i < n; i++ {
		ring.word[i].Store(0)
		ring.count[i] = 0
		ring.key[i] = Futex_key{Mm: 0x2000, Address: uintptr(unsafe.Pointer(&ring.word[i]))}
	}
	for k := 0; k < RING_TOKENS; k++ {
		ring.word[k*n/RING_TOKENS].Add(1)
	}
	var ts [RING_THREADS]*sched.Task_struct
	t0 := ktime.Ktime_get_ns()
	for i := 0; i < n; i++ {
		if ts[i] = sched.Kthread_run(ring_thread, uintptr(i), "futex-ring"); ts[i] == nil {
			t.Errorf("kthread_run failed")
		}
	}
	deadline := t0 + 60*uapi.NSEC_PER_SEC
	for {
		left := 0
		for _, k := range ts[:n] {
			if k != nil && !sched.Completion_done(&k.Exited) {
				left++
			}
		}
		if left == 0 {
			break
		}
		if ktime.Ktime_get_ns() > deadline {
			var line [256]byte
			l := 0
			for i := 0; i < n && l < len(line)-24; i++ {
				l += printk.Snprintf(line[l:], " %d:%d/%d", printk.Int(i), printk.Int(ring.count[i]), printk.Int(ring.word[i].Load()))
			}
			t.Errorf("lost wake-up: %d of %d threads still waiting after 60 s (thread:hand-overs/tokens)%s", printk.Int(left), printk.Int(n), printk.Bytes(line[:l]))
			ring.finished.Store(int32(n))
			for i := 0; i < n; i++ {
				Futex_wake(&ring.key[i], 1<<30, uapi.FUTEX_BITSET_MATCH_ANY)
			}
			break
		}
		sched.Msleep(10)
	}
	ms := (ktime.Ktime_get_ns() - t0) / 1000000
	for _, k := range ts[:n] {
		if k != nil && sched.Completion_done(&k.Exited) {
			sched.Kthread_stop(k)
		}
	}
	tokens := uint32(0)
	for i := 0; i < n; i++ {
		tokens += ring.word[i].Load()
		if ring.count[i] < RING_ROUNDS {
			t.Errorf("thread %d made %d hand-overs of %d", printk.Int(i), printk.Int(ring.count[i]), printk.Int(RING_ROUNDS))
		}
		if h := futex_hash(&ring.key[i]); h.Waiters != 0 {
			t.Errorf("thread %d's bucket still has %d waiters", printk.Int(i), printk.Int(h.Waiters))
		}
	}
	if tokens != RING_TOKENS {
		t.Errorf("%d tokens at the end, want %d", printk.Int(tokens), printk.Int(RING_TOKENS))
	}
	t.Logf("%d threads, %d tokens: %d hand-overs on CPUs %#x in %d ms, %d timed waits ran out", printk.Int(n),
		printk.Int(RING_TOKENS), printk.Int(ring_handovers(n)), printk.Int(ring.cpus.Load()), printk.Int(ms), printk.Int(ring.timeouts.Load()))
}

func ring_handovers(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += ring.count[i]
	}
	return s
}
