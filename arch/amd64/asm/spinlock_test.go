package asm

import (
	"runtime"
	"sync"
	"testing"
)

// The ticket lock against its model, on the host's CPUs: goroutines that
// each add to a plain counter n times under the lock end with the
// exact total (run under -race too: the lock's atomics are what order the
// counter's plain reads and writes); the tickets are taken and served in order; trylock
// fails while held and succeeds when free; head wraps past 0xffff.
func TestArchSpinlockCounter(t *testing.T) {
	var l Arch_spinlock_t
	// One spinning goroutine per host CPU: more spinners than CPUs make a
	// spinlock wait for the scheduler to preempt them (as more vCPUs than
	// host CPUs do under a hypervisor: Linux's paravirt spinlocks).
	workers := runtime.GOMAXPROCS(0)
	n := 200000
	if testing.Short() || raceEnabled {
		n = 10000
	}
	checkLockedCount(t, &l, workers, n, func(int) { l.Arch_spin_lock() })
}

// checkLockedCount has workers goroutines each add to a plain counter n
// times between lock(worker) and l's unlock, and checks the total is
// exact and l free at the end.
func checkLockedCount(t *testing.T, l *Arch_spinlock_t, workers, n int, lock func(w int)) {
	t.Helper()
	var counter uint64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				lock(w)
				counter++
				l.Arch_spin_unlock()
			}
		}()
	}
	wg.Wait()
	if want := uint64(workers * n); counter != want {
		t.Fatalf("counter %d, want %d", counter, want)
	}
	if l.Arch_spin_is_locked() {
		t.Fatalf("lock %#x still held", l.v.Load())
	}
}

func TestArchSpinlockTicketsAndWrap(t *testing.T) {
	var l Arch_spinlock_t
	l.v.Store(0xffff_ffff) // head 0xffff, tail 0xffff: free, about to wrap
	if l.Arch_spin_is_locked() || !l.Arch_spin_trylock() {
		t.Fatalf("free lock %#x not taken", l.v.Load())
	}
	if l.Arch_spin_trylock() || !l.Arch_spin_is_locked() {
		t.Fatalf("held lock %#x taken twice", l.v.Load())
	}
	l.Arch_spin_unlock()
	if l.v.Load() != 0 || l.Arch_spin_is_locked() {
		t.Fatalf("after the wrap: %#x, want 0 (head 0, tail 0)", l.v.Load())
	}
	// Tickets: the holder has ticket 0 (head 0, tail 1); a waiter's
	// XADD takes ticket 1 (tail 2) and it is served when head reaches 1.
	l.Arch_spin_lock()
	if l.v.Load() != 0x1_0000 {
		t.Fatalf("held: %#x, want head 0 tail 1", l.v.Load())
	}
	done := make(chan bool)
	go func() { l.Arch_spin_lock(); done <- true }()
	for l.v.Load() != 0x2_0000 {
		runtime.Gosched()
	}
	l.Arch_spin_unlock()
	<-done
	if l.v.Load() != 0x2_0001 {
		t.Fatalf("waiter holds: %#x, want head 1 tail 2", l.v.Load())
	}
}

// TestVirtSpinLockCounter: the test-and-set waiters of Virt_spin_lock_key
// keep the counter exact, alone and mixed with ticket waiters on the same
// lock (a trylock takes a ticket only when none is out).
func TestVirtSpinLockCounter(t *testing.T) {
	var l Arch_spinlock_t
	workers := max(runtime.GOMAXPROCS(0), 2)
	n := 100000
	if testing.Short() || raceEnabled {
		n = 5000
	}
	checkLockedCount(t, &l, workers, n, func(w int) {
		if w%2 == 1 {
			l.Arch_spin_lock()
		} else {
			l.virt_spin_lock_report(1<<62, nil)
		}
	})
}
