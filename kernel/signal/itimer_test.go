package signal

import (
	"testing"

	"gokern/kernel/sched"
)

// TestAlarmSeconds: alarm(2)'s answer from the time left, as Linux's
// alarm_setitimer rounds it (user/timertest checks the same on the host).
func TestAlarmSeconds(t *testing.T) {
	for _, c := range []struct{ ns, want uint64 }{
		{0, 0}, {1, 1}, {300_000_000, 1}, {999_999_999, 1}, {1_000_000_000, 1},
		{1_300_000_000, 1}, {1_499_999_999, 1}, {1_500_000_000, 2}, {1_700_000_000, 2}, {9_999_000_000, 10},
	} {
		if got := alarm_seconds(c.ns); got != c.want {
			t.Errorf("alarm_seconds(%d) = %d, want %d", c.ns, got, c.want)
		}
	}
}

// TestTimerSignalPending: a timer's pending signal is found by its
// si_code and si_timerid, not another timer's on the same signal nor a
// kill's; flush_timer_signal takes away only its own.
func TestTimerSignalPending(t *testing.T) {
	var p sched.Sigpending
	a := &k_itimer{it_id: 3, it_sigev_signo: 40}
	b := &k_itimer{it_id: 4, it_sigev_signo: 40}
	if timer_signal_pending(a, &p) {
		t.Fatal("pending in an empty set")
	}
	p.Signal |= sigmask(40)
	p.Info[39] = sched.Kernel_siginfo{Si_signo: 40, Si_code: SI_TIMER, Fields: [4]uint64{4}}
	if timer_signal_pending(a, &p) || !timer_signal_pending(b, &p) {
		t.Fatal("timer 4's signal taken for timer 3's, or not found")
	}
	p.Info[39].Si_code = -1 // SI_QUEUE, with the same first word
	if timer_signal_pending(b, &p) {
		t.Fatal("an rt_sigqueueinfo signal taken for a timer's")
	}
	p.Info[39] = sched.Kernel_siginfo{Si_signo: 40, Si_code: SI_TIMER, Fields: [4]uint64{3}}
	a.it_pid = &sched.Task_struct{}
	a.it_pid.Signal = &sched.Signal_struct{}
	a.it_pid.Signal.Shared_pending = p
	b.it_pid = a.it_pid
	flush_timer_signal(b) // not b's: stays
	if !timer_signal_pending(a, &a.it_pid.Signal.Shared_pending) {
		t.Fatal("flushing timer 4 took timer 3's signal")
	}
	flush_timer_signal(a)
	if timer_signal_pending(a, &a.it_pid.Signal.Shared_pending) || sigismember(a.it_pid.Signal.Shared_pending.Signal, 40) {
		t.Fatal("timer 3's signal still pending after flush_timer_signal")
	}
}
