package signal

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/mm/slab"
)

// POSIX timers: timer_create, timer_settime, timer_gettime,
// timer_getoverrun, timer_delete. Linux: kernel/time/posix-timers.c
// (do_timer_create, good_sigevent, posix_timer_add, common_timer_set,
// common_timer_get, posix_timer_fn, posixtimer_rearm, exit_itimers) and
// kernel/signal.c (posixtimer_send_sigqueue). A timer is a k_itimer on
// an hrtimer (kernel/time hrtimer.go: a tick's resolution) for the
// clocks CLOCK_REALTIME (and CLOCK_TAI, the same here), CLOCK_MONOTONIC
// and CLOCK_BOOTTIME (the same as CLOCK_MONOTONIC: gokern never
// suspends). On the CPU-time clocks CLOCK_PROCESS_CPUTIME_ID and
// CLOCK_THREAD_CPUTIME_ID (the caller's process or thread; the clock
// ids that name another pid are refused) it has no hrtimer: the tick
// checks it after charging the CPU time (run_posix_cpu_timers →
// check_posix_cpu_timers, Linux posix-cpu-timers.c), so it has the
// tick's resolution in CPU time. The Go runtime's CPU profiler arms one
// per thread (CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID, SIGPROF).
//
// A process's timers are on a list in its signal_struct
// (Signal_struct.Posix_timers), guarded by the siglock, as is every
// field of a timer but its hrtimer's queueing. Each expiry sends the
// timer's signal with si_code SI_TIMER, si_timerid, si_overrun and
// si_value; while that signal is still pending, further expiries are
// counted as overruns instead (Linux counts them when the signal is
// taken, forwarding the timer by the periods missed; the count is the
// same), and taking the signal (dequeue_signal → posixtimer_rearm)
// moves the count into its si_overrun and timer_getoverrun's answer.
// Reprogramming or deleting a timer withdraws its pending signal (Linux
// 6.13 and later drop such a signal when it would be delivered).

// x86-64 numbers (syscall_64.tbl).
const (
	X__NR_timer_create     = 222
	X__NR_timer_settime    = 223
	X__NR_timer_gettime    = 224
	X__NR_timer_getoverrun = 225
	X__NR_timer_delete     = 226
)

// sigev_notify values (include/uapi/asm-generic/siginfo.h) and the clock
// ids and flags (include/uapi/linux/time.h).
const (
	SIGEV_SIGNAL    = 0
	SIGEV_NONE      = 1
	SIGEV_THREAD    = 2
	SIGEV_THREAD_ID = 4

	SI_TIMER      = -2
	TIMER_ABSTIME = 1

	// DELAYTIMER_MAX caps si_overrun and timer_getoverrun (Linux
	// timer_overrun_to_int).
	DELAYTIMER_MAX = 0x7fffffff
)

// Sigevent is struct sigevent (64 bytes on x86-64): the value, the
// signal, how to notify and, for SIGEV_THREAD_ID, the thread.
type Sigevent struct {
	Sigev_value            uint64
	Sigev_signo            int32
	Sigev_notify           int32
	Sigev_notify_thread_id int32
	_                      [44]byte
}

// Itimerspec is struct __kernel_itimerspec: the period, then the value.
type Itimerspec struct {
	It_interval, It_value ktime.Timespec64
}

// k_itimer is one POSIX timer (Linux struct k_itimer).
type k_itimer struct {
	it       ktime.Hrtimer // first: posix_timer_fn finds the timer from it
	next     *k_itimer     // the process's list
	it_id    int32
	it_clock int32
	// The notification: SIGEV_SIGNAL, SIGEV_NONE or SIGEV_SIGNAL |
	// SIGEV_THREAD_ID; the signal and its si_value.
	it_sigev_notify int32
	it_sigev_signo  int32
	it_sigev_value  uint64
	// it_pid is the task the signal goes to: the thread of
	// SIGEV_THREAD_ID, whose task_struct the timer holds a reference to,
	// or the group's leader, for the whole process (Linux it_pid).
	it_pid *sched.Task_struct
	// it_interval is the period in ns, 0 for a one-shot timer;
	// it_active: armed (Linux it_active; a SIGEV_NONE timer is armed
	// without its hrtimer queued). it_dead: deleted or its process gone;
	// its expiry does nothing.
	it_interval uint64
	it_active   bool
	it_dead     bool
	// it_cpu_task is the thread whose CPU time a CLOCK_THREAD_CPUTIME_ID
	// timer counts (a reference held), and it_cpu_expires the CPU time,
	// in ns, a CPU-clock timer fires at (0: disarmed).
	it_cpu_task    *sched.Task_struct
	it_cpu_expires uint64
	// it_overrun counts expiries while the signal was pending;
	// it_overrun_last is the count the last signal taken carried
	// (timer_getoverrun).
	it_overrun, it_overrun_last int64
}

// posix_timers_cache holds the k_itimers (Linux posix_timers_cache).
var posix_timers_cache slab.Cache[k_itimer]

func posix_timers_init() {
	posix_timers_cache = slab.NewCache[k_itimer]("posix_timers_cache", 0)
}

// timers_head is the first of sig's timers.
func timers_head(sig *sched.Signal_struct) *k_itimer { return (*k_itimer)(sig.Posix_timers) }

// posix_timer_by_id finds the current process's timer id (Linux
// posix_timer_by_id); the siglock is held.
func posix_timer_by_id(sig *sched.Signal_struct, id int32) *k_itimer {
	for t := timers_head(sig); t != nil; t = t.next {
		if t.it_id == id {
			return t
		}
	}
	return nil
}

// posix_timer_next_id takes the next free id from the process's cursor
// (Linux posix_timer_add: ids count up from 0 per process, wrap at
// INT_MAX, and are used up by a timer_create that fails after taking
// one, as Linux's does on a bad sigevent); the siglock is held.
func posix_timer_next_id(sig *sched.Signal_struct) int32 {
	for {
		id := sig.Next_posix_timer_id
		sig.Next_posix_timer_id = (id + 1) & 0x7fffffff
		if posix_timer_by_id(sig, id) == nil {
			return id
		}
	}
}

// clock_offset is what a clock reads minus CLOCK_MONOTONIC, in ns: the
// hrtimers run on CLOCK_MONOTONIC, and a CLOCK_REALTIME time is moved by
// it (Linux keeps a base per clock; a clock_settime after the timer was
// armed does not move it here).
func clock_offset(clock int32) int64 {
	if clock == ktime.CLOCK_REALTIME || clock == ktime.CLOCK_TAI {
		return int64(ktime.Ktime_get_real_ns() - ktime.Ktime_get_ns())
	}
	return 0
}

// timer_clock_valid: the clocks a timer may run on.
func timer_clock_valid(clock int32) bool {
	return clock == ktime.CLOCK_REALTIME || clock == ktime.CLOCK_MONOTONIC || clock == ktime.CLOCK_BOOTTIME ||
		clock == ktime.CLOCK_TAI || cpu_timer_clock(clock)
}

// cpu_timer_clock: the caller's process or thread CPU clock.
func cpu_timer_clock(clock int32) bool {
	return clock == ktime.CLOCK_PROCESS_CPUTIME_ID || clock == ktime.CLOCK_THREAD_CPUTIME_ID
}

// cpu_clock_sample is a CPU-clock timer's clock now, in ns (Linux
// cpu_clock_sample and cpu_clock_sample_group with CPUCLOCK_SCHED): the
// thread's ticks, or the process's, as the tick charges them.
func cpu_clock_sample(timr *k_itimer, sig *sched.Signal_struct) uint64 {
	if timr.it_clock == ktime.CLOCK_THREAD_CPUTIME_ID {
		t := timr.it_cpu_task
		return (t.Utime + t.Stime) * ktime.TICK_NSEC
	}
	return atomic.LoadUint64(&sig.Cputime_prof)
}

// check_posix_cpu_timers fires the CPU-clock timers of tsk's process
// that are due: those on the process's clock, and those on tsk's own
// thread clock (Linux check_thread_timers and check_process_timers,
// from run_posix_cpu_timers after the tick charged tsk); a periodic one
// moves on by whole periods, the ones the tick passed counted as
// overruns (Linux bump_cpu_timer). Called with the siglock held.
func check_posix_cpu_timers(tsk *sched.Task_struct) {
	sig := tsk.Signal
	armed := false
	for timr := timers_head(sig); timr != nil; timr = timr.next {
		if !cpu_timer_clock(timr.it_clock) || timr.it_cpu_expires == 0 {
			continue
		}
		armed = true
		if timr.it_clock == ktime.CLOCK_THREAD_CPUTIME_ID && timr.it_cpu_task != tsk {
			continue
		}
		now := cpu_clock_sample(timr, sig)
		if now < timr.it_cpu_expires {
			continue
		}
		orun := uint64(1)
		if iv := timr.it_interval; iv != 0 {
			orun = 1 + (now-timr.it_cpu_expires)/iv
			timr.it_cpu_expires += orun * iv
		} else {
			timr.it_cpu_expires = 0
			timr.it_active = false
		}
		posix_timer_event(timr, orun)
	}
	if !armed {
		atomic.StoreUint32(&sig.Posix_cputimers_armed, 0)
	}
}

func timespec64_to_ns(ts *ktime.Timespec64) uint64 {
	return uint64(ts.Tv_sec)*nsec_per_sec + uint64(ts.Tv_nsec)
}

// timer_signal_pending: timr's last signal is still pending, waiting in
// the set it went to; the siglock is held.
func timer_signal_pending(timr *k_itimer, pending *sched.Sigpending) bool {
	sig := int(timr.it_sigev_signo)
	if !sigismember(pending.Signal, sig) {
		return false
	}
	if timer_info_is(&pending.Info[sig-1], timr) {
		return true
	}
	for q := pending.Queue; q != nil; q = q.Next {
		if timer_info_is(&q.Info, timr) {
			return true
		}
	}
	return false
}

// timer_info_is: info is the siginfo of timr's signal.
func timer_info_is(info *sched.Kernel_siginfo, timr *k_itimer) bool {
	return info.Si_code == SI_TIMER && info.Si_signo == timr.it_sigev_signo && int32(info.Fields[0]) == timr.it_id
}

// timer_pending_set is the set timr's signal goes to.
func timer_pending_set(timr *k_itimer) *sched.Sigpending {
	if timr.it_sigev_notify&SIGEV_THREAD_ID != 0 {
		return &timr.it_pid.Pending
	}
	return &timr.it_pid.Signal.Shared_pending
}

// flush_timer_signal withdraws timr's pending signal, if any (a
// reprogrammed or deleted timer's; Linux 6.13+ posixtimer_deliver_signal
// drops it instead when it comes to be delivered); the siglock is held.
func flush_timer_signal(timr *k_itimer) {
	if timr.it_sigev_notify&^SIGEV_THREAD_ID != SIGEV_SIGNAL {
		return
	}
	pending := timer_pending_set(timr)
	if !timer_signal_pending(timr, pending) {
		return
	}
	sig := int(timr.it_sigev_signo)
	info := &pending.Info[sig-1]
	if timer_info_is(info, timr) {
		// The first instance: the next queued one, if any, takes its
		// place, as dequeue_signal does.
		pending.Signal &^= sigmask(sig)
		for p := &pending.Queue; *p != nil; p = &(*p).Next {
			if q := *p; int(q.Info.Si_signo) == sig {
				*info = q.Info
				pending.Signal |= sigmask(sig)
				*p = q.Next
				sigqueue_free(q)
				break
			}
		}
		return
	}
	for p := &pending.Queue; *p != nil; p = &(*p).Next {
		if q := *p; timer_info_is(&q.Info, timr) {
			*p = q.Next
			sigqueue_free(q)
			return
		}
	}
}

// posix_timer_event sends timr's signal (Linux posix_timer_queue_signal
// → posixtimer_send_sigqueue), or, while the last one is still pending,
// counts this expiry as an overrun. orun is the expiries this one
// stands for (more than 1 when the tick ran late). The siglock is held.
func posix_timer_event(timr *k_itimer, orun uint64) {
	if timr.it_sigev_notify == SIGEV_NONE {
		return
	}
	t := timr.it_pid
	if t.Flags&sched.PF_EXITING != 0 || t.Exit_state != 0 {
		return // a thread target gone (Linux: no task for it_pid)
	}
	pending := timer_pending_set(timr)
	if timer_signal_pending(timr, pending) {
		timr.it_overrun += int64(orun)
		return
	}
	timr.it_overrun += int64(orun) - 1
	sig := int(timr.it_sigev_signo)
	info := sched.Kernel_siginfo{Si_signo: int32(sig), Si_code: SI_TIMER}
	info.Fields[0] = uint64(uint32(timr.it_id)) // si_tid; si_overrun, high half, at delivery
	info.Fields[1] = timr.it_sigev_value
	send_signal_locked(sig, &info, t, timr.it_sigev_notify&SIGEV_THREAD_ID == 0, false)
}

// posix_timer_fn is a timer's expiry, in the tick (Linux
// posix_timer_fn): the signal, and a periodic timer's next expiry, the
// first period boundary after now.
func posix_timer_fn(h *ktime.Hrtimer) int {
	timr := (*k_itimer)(unsafe.Pointer(h))
	sh, flags := lock_task_sighand(timr.it_pid)
	ret := ktime.HRTIMER_NORESTART
	if !timr.it_dead && timr.it_active {
		orun := uint64(1)
		if timr.it_interval != 0 {
			orun = ktime.Hrtimer_forward(h, ktime.Ktime_get_ns(), timr.it_interval)
			ret = ktime.HRTIMER_RESTART
		} else {
			timr.it_active = false
		}
		posix_timer_event(timr, orun)
	}
	unlock_task_sighand(sh, flags)
	return ret
}

// posixtimer_rearm is dequeue_signal's part for a timer's signal (Linux
// posixtimer_rearm and timer_overrun_to_int): the overruns counted while
// it waited go into its si_overrun and become timer_getoverrun's answer.
// The siglock is held.
func posixtimer_rearm(t *sched.Task_struct, info *sched.Kernel_siginfo) {
	timr := posix_timer_by_id(t.Signal, int32(info.Fields[0]))
	if timr == nil {
		return
	}
	o := min(timr.it_overrun, DELAYTIMER_MAX)
	timr.it_overrun_last, timr.it_overrun = o, 0
	info.Fields[0] = uint64(uint32(timr.it_id)) | uint64(uint32(o))<<32
}

// good_sigevent checks a sigevent and names the task its signal goes to
// (Linux good_sigevent): the caller's group leader, or for SIGEV_SIGNAL
// | SIGEV_THREAD_ID a thread of the caller's own process; nil for a bad
// one (-EINVAL). The caller holds Tasklist_lock.
func good_sigevent(ev *Sigevent) *sched.Task_struct {
	cur := sched.Get_current()
	leader := cur.Group_leader
	if leader == nil {
		leader = cur
	}
	switch ev.Sigev_notify {
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		t := find_task_by_vpid(ev.Sigev_notify_thread_id)
		if t == nil || !same_thread_group(t, cur) {
			return nil
		}
		if ev.Sigev_signo <= 0 || ev.Sigev_signo > uapi.NSIG {
			return nil
		}
		return t
	case SIGEV_SIGNAL, SIGEV_THREAD:
		if ev.Sigev_signo <= 0 || ev.Sigev_signo > uapi.NSIG {
			return nil
		}
		return leader
	case SIGEV_NONE:
		return leader
	}
	return nil
}

// timers_count is how many timers sig has.
func timers_count(sig *sched.Signal_struct) uint64 {
	n := uint64(0)
	for t := timers_head(sig); t != nil; t = t.next {
		n++
	}
	return n
}

// do_timer_create (Linux do_timer_create): a NULL sigevent means
// SIGEV_SIGNAL with SIGALRM and the timer's id as si_value. A timer
// holds a preallocated signal, so timers count against
// RLIMIT_SIGPENDING as pending signals do (Linux sigqueue_alloc):
// -EAGAIN past it. A clock with no timers is -EOPNOTSUPP, an unknown
// one -EINVAL (Linux's posix_clocks[] without timer_create).
func do_timer_create(clock int32, ev *Sigevent, created_timer_id uint64) int64 {
	if !timer_clock_valid(clock) {
		switch clock {
		case ktime.CLOCK_MONOTONIC_RAW, ktime.CLOCK_REALTIME_COARSE, ktime.CLOCK_MONOTONIC_COARSE:
			return -uapi.EOPNOTSUPP
		}
		return -uapi.EINVAL
	}
	cur := sched.Get_current()
	Task_init_signal(cur)
	timr := posix_timers_cache.Zalloc(mm.GFP_KERNEL)
	if timr == nil {
		return -uapi.EAGAIN
	}
	ktime.Hrtimer_init(&timr.it, posix_timer_fn)
	timr.it_clock = clock
	sh, flags := lock_task_sighand(cur)
	if timers_count(cur.Signal)+1 > cur.Rlim[uapi.RLIMIT_SIGPENDING].Rlim_cur {
		unlock_task_sighand(sh, flags)
		posix_timers_cache.Free(timr)
		return -uapi.EAGAIN
	}
	id := posix_timer_next_id(cur.Signal)
	unlock_task_sighand(sh, flags)
	timr.it_id = id
	// The signal: SIGALRM with the id as its value by default.
	timr.it_sigev_notify, timr.it_sigev_signo, timr.it_sigev_value = SIGEV_SIGNAL, uapi.SIGALRM, uint64(uint32(id))
	var t *sched.Task_struct
	tl := sched.Tasklist_lock.Spin_lock_irqsave(0)
	if ev != nil {
		t = good_sigevent(ev)
		timr.it_sigev_notify, timr.it_sigev_signo, timr.it_sigev_value = ev.Sigev_notify, ev.Sigev_signo, ev.Sigev_value
		if timr.it_sigev_notify == SIGEV_THREAD {
			timr.it_sigev_notify = SIGEV_SIGNAL // the C library's; a signal to the kernel
		}
	} else if t = cur.Group_leader; t == nil {
		t = cur
	}
	if t != nil {
		sched.Get_task_struct(t)
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(tl)
	if t == nil {
		posix_timers_cache.Free(timr)
		return -uapi.EINVAL
	}
	timr.it_pid = t
	if clock == ktime.CLOCK_THREAD_CPUTIME_ID {
		sched.Get_task_struct(cur)
		timr.it_cpu_task = cur
	}
	sh, flags = lock_task_sighand(cur)
	timr.next = timers_head(cur.Signal)
	cur.Signal.Posix_timers = unsafe.Pointer(timr)
	unlock_task_sighand(sh, flags)
	if !copy_out(created_timer_id, &id) {
		// Linux undoes the timer when its id cannot be written.
		do_timer_delete(id)
		return -uapi.EFAULT
	}
	return 0
}

// sys_timer_create: timer_create(clockid, sevp, timerid).
func sys_timer_create(r *asm.PtRegs) int64 {
	if a2(r) != 0 {
		var ev Sigevent
		if !copy_in(&ev, a2(r)) {
			return -uapi.EFAULT
		}
		return do_timer_create(int32(a1(r)), &ev, a3(r))
	}
	return do_timer_create(int32(a1(r)), nil, a3(r))
}

// common_timer_get reads timr's setting (Linux common_timer_get): the
// period, and the time left, which is never 0 for an armed timer whose
// signal is due (1 ns), but is 0 for a SIGEV_NONE timer past its
// expiry. A periodic SIGEV_NONE timer, never queued, is moved on
// through the periods passed first. The siglock is held.
func common_timer_get(timr *k_itimer, cur *Itimerspec) {
	*cur = Itimerspec{}
	sig_none := timr.it_sigev_notify == SIGEV_NONE
	iv := timr.it_interval
	if iv != 0 {
		cur.It_interval = ktime.Ns_to_timespec64(int64(iv))
	}
	if !timr.it_active {
		return
	}
	if cpu_timer_clock(timr.it_clock) {
		// Linux posix_cpu_timer_get: a timer due but not yet fired
		// by the tick reads 1 ns.
		if now := cpu_clock_sample(timr, sched.Get_current().Signal); now < timr.it_cpu_expires {
			cur.It_value = ktime.Ns_to_timespec64(int64(timr.it_cpu_expires - now))
		} else {
			cur.It_value.Tv_nsec = 1
		}
		return
	}
	now := ktime.Ktime_get_ns()
	if iv != 0 && sig_none {
		timr.it_overrun += int64(ktime.Hrtimer_forward(&timr.it, now, iv))
	}
	if rem := int64(timr.it.Expires - now); rem > 0 {
		cur.It_value = ktime.Ns_to_timespec64(rem)
	} else if !sig_none {
		cur.It_value.Tv_nsec = 1
	}
}

// posix_lock_timer finds the current process's timer id with the
// siglock held (Linux lock_timer); nil, and no lock, for none.
func posix_lock_timer(id int32) (*k_itimer, *sched.Sighand_struct, uint64) {
	cur := sched.Get_current()
	Task_init_signal(cur)
	sh, flags := lock_task_sighand(cur)
	if timr := posix_timer_by_id(cur.Signal, id); timr != nil {
		return timr, sh, flags
	}
	unlock_task_sighand(sh, flags)
	return nil, nil, 0
}

// sys_timer_gettime: timer_gettime(timerid, curr_value).
func sys_timer_gettime(r *asm.PtRegs) int64 {
	timr, sh, flags := posix_lock_timer(int32(a1(r)))
	if timr == nil {
		return -uapi.EINVAL
	}
	var cur Itimerspec
	common_timer_get(timr, &cur)
	unlock_task_sighand(sh, flags)
	if !copy_out(a2(r), &cur) {
		return -uapi.EFAULT
	}
	return 0
}

// sys_timer_getoverrun: timer_getoverrun(timerid), the overruns the
// last signal taken carried (Linux timer_getoverrun).
func sys_timer_getoverrun(r *asm.PtRegs) int64 {
	timr, sh, flags := posix_lock_timer(int32(a1(r)))
	if timr == nil {
		return -uapi.EINVAL
	}
	o := timr.it_overrun_last
	unlock_task_sighand(sh, flags)
	return o
}

// sys_timer_settime: timer_settime(timerid, flags, new_value,
// old_value) (Linux do_timer_settime → common_timer_set): the old
// setting first, then the timer is stopped — waiting, without the
// siglock, for an expiry running now — its pending signal withdrawn,
// and armed again unless the new value is 0. TIMER_ABSTIME takes the
// value as a time on the timer's clock; a time already past fires at
// the next tick.
func sys_timer_settime(r *asm.PtRegs) int64 {
	var nv Itimerspec
	if a3(r) == 0 {
		return -uapi.EINVAL
	}
	if !copy_in(&nv, a3(r)) {
		return -uapi.EFAULT
	}
	if !ktime.Timespec64_valid(&nv.It_interval) || !ktime.Timespec64_valid(&nv.It_value) {
		return -uapi.EINVAL
	}
	tflags := int(int32(a2(r)))
	var old Itimerspec
	for {
		timr, sh, flags := posix_lock_timer(int32(a1(r)))
		if timr == nil {
			return -uapi.EINVAL
		}
		common_timer_get(timr, &old)
		if ktime.Hrtimer_try_to_cancel(&timr.it) < 0 {
			unlock_task_sighand(sh, flags)
			ktime.Hrtimer_cancel_wait_running(&timr.it)
			continue
		}
		common_timer_set(timr, tflags, &nv)
		unlock_task_sighand(sh, flags)
		break
	}
	if a4(r) != 0 && !copy_out(a4(r), &old) {
		return -uapi.EFAULT
	}
	return 0
}

// common_timer_set arms a stopped timer (Linux common_timer_set after
// its cancel); the siglock is held.
func common_timer_set(timr *k_itimer, flags int, nv *Itimerspec) {
	flush_timer_signal(timr)
	timr.it_active = false
	timr.it_cpu_expires = 0
	timr.it_interval = 0
	timr.it_overrun, timr.it_overrun_last = 0, 0
	value := timespec64_to_ns(&nv.It_value)
	if value == 0 {
		return
	}
	timr.it_interval = timespec64_to_ns(&nv.It_interval)
	if cpu_timer_clock(timr.it_clock) {
		// Linux posix_cpu_timer_set: a time on the CPU clock,
		// relative to it now unless TIMER_ABSTIME; an absolute one
		// already passed fires at the next tick.
		sig := sched.Get_current().Signal
		expires := value
		if flags&TIMER_ABSTIME == 0 {
			expires += cpu_clock_sample(timr, sig)
		}
		timr.it_cpu_expires = max(expires, 1)
		timr.it_active = true
		atomic.StoreUint32(&sig.Posix_cputimers_armed, 1)
		return
	}
	now := ktime.Ktime_get_ns()
	var expires uint64
	if flags&TIMER_ABSTIME != 0 {
		mono := int64(value) - clock_offset(timr.it_clock)
		expires = uint64(max(mono, 0))
	} else {
		expires = now + value
	}
	timr.it_active = true
	if timr.it_sigev_notify == SIGEV_NONE {
		timr.it.Expires = expires // never queued: common_timer_get reads it
		return
	}
	ktime.Hrtimer_start(&timr.it, expires)
}

// do_timer_delete takes timer id off the current process's list, stops
// it, withdraws its signal and frees it (Linux timer_delete); -EINVAL
// for an id the process does not have.
func do_timer_delete(id int32) int64 {
	cur := sched.Get_current()
	Task_init_signal(cur)
	sh, flags := lock_task_sighand(cur)
	var timr *k_itimer
	for p := (**k_itimer)(unsafe.Pointer(&cur.Signal.Posix_timers)); *p != nil; p = &(*p).next {
		if (*p).it_id == id {
			timr = *p
			*p = timr.next
			break
		}
	}
	if timr == nil {
		unlock_task_sighand(sh, flags)
		return -uapi.EINVAL
	}
	timr.it_dead = true
	flush_timer_signal(timr)
	unlock_task_sighand(sh, flags)
	release_posix_timer(timr)
	return 0
}

// release_posix_timer stops a timer already off its list and marked
// dead, waiting for an expiry running now, and frees it (Linux
// posix_timer_delete's hrtimer cancel and posixtimer_free_timer).
func release_posix_timer(timr *k_itimer) {
	ktime.Hrtimer_cancel(&timr.it)
	sched.Put_task_struct(timr.it_pid)
	if timr.it_cpu_task != nil {
		sched.Put_task_struct(timr.it_cpu_task)
	}
	posix_timers_cache.Free(timr)
}

// sys_timer_delete: timer_delete(timerid).
func sys_timer_delete(r *asm.PtRegs) int64 { return do_timer_delete(int32(a1(r))) }

// exit_posix_timers deletes every POSIX timer of t's process (Linux
// exit_itimers, at execve and when the process ends): the list is taken
// off under the siglock, each timer marked dead and its signal
// withdrawn, then each is stopped and freed without the lock.
func exit_posix_timers(t *sched.Task_struct) {
	sh, flags := lock_task_sighand(t)
	list := timers_head(t.Signal)
	t.Signal.Posix_timers = nil
	for timr := list; timr != nil; timr = timr.next {
		timr.it_dead = true
		flush_timer_signal(timr)
	}
	unlock_task_sighand(sh, flags)
	for timr := list; timr != nil; {
		next := timr.next
		release_posix_timer(timr)
		timr = next
	}
}

// Exit_itimers_exec: at execve the process's POSIX timers go, and
// ITIMER_REAL stays (Linux begin_new_exec → exit_itimers). Called after
// de_thread, when the caller is the only thread.
func Exit_itimers_exec(t *sched.Task_struct) {
	Task_init_signal(t)
	exit_posix_timers(t)
}

// Exit_itimers: a thread of t's process is exiting (after
// Exit_signals); if every thread of it now is, the process's timers
// end: ITIMER_REAL is cancelled and the POSIX timers deleted (Linux
// do_exit's group_dead: hrtimer_cancel(&sig->real_timer) and
// exit_itimers). Two threads exiting at once may both see it; the
// second finds nothing left.
func Exit_itimers(t *sched.Task_struct) {
	Task_init_signal(t)
	sh, flags := lock_task_sighand(t)
	dead := true
	for_each_thread(t, func(u *sched.Task_struct) bool {
		if u.Flags&sched.PF_EXITING == 0 {
			dead = false
			return false
		}
		return true
	})
	if !dead {
		unlock_task_sighand(sh, flags)
		return
	}
	t.Signal.It_real_incr = 0
	unlock_task_sighand(sh, flags)
	if t.Signal.Real_timer.Function != nil {
		ktime.Hrtimer_cancel(&t.Signal.Real_timer)
	}
	exit_posix_timers(t)
}
