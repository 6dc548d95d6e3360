package time

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
)

// The periodic tick. Linux: kernel/time/tick-common.c
// (tick_handle_periodic, tick_periodic), tick-sched.c
// (tick_do_update_jiffies64, last_jiffies_update, tick_next_period) and
// timekeeping.c (do_timer, jiffies_lock, jiffies_seq).
//
// One tick interrupt does not stand for one jiffy. When the host
// deschedules QEMU's vCPU thread, or the kernel runs long with interrupts
// off, the local APIC timer's expiries pile up into a single pending
// interrupt: counting jiffies++ per interrupt loses the rest, and jiffies
// fall behind the clock (15-21% in a clean-clone run, enough to make Go's
// read deadlines late). So jiffies are derived from the clocksource, as
// Linux's NOHZ tick does: each tick asks how many whole periods of
// CLOCK_MONOTONIC have passed since last_jiffies_update and advances
// jiffies by all of them.

// Tick_stamp, when set, is called on every tick of Tick_do_timer_cpu with
// nothing; the architecture uses it to record the tick's TSC time (for
// the jitter figure) — a hook, nil until set.
var Tick_stamp func()

// Do_timer advances jiffies by ticks (Linux do_timer). The caller holds
// Jiffies_lock.
func Do_timer(ticks uint64) { atomic.AddUint64(&Jiffies_64, ticks) }

// Tick_do_timer_cpu is the CPU whose tick advances jiffies (Linux
// tick_do_timer_cpu): the boot CPU. Every CPU ticks; one counts time, or
// jiffies would be asked about as many times per period as there are
// CPUs. Other CPUs bring jiffies up to date too, when they need them
// current (Tick_update_jiffies, before a timeout is computed).
const Tick_do_timer_cpu = 0

var (
	// Jiffies_lock serialises the writers of jiffies, of the two times
	// below and of the timekeeper's base (Linux jiffies_lock).
	Jiffies_lock asm.Spinlock_t
	// Jiffies_seq is odd while jiffies and Last_jiffies_update change
	// together (Linux jiffies_seq): Get_jiffies_update reads the pair
	// consistently without the lock.
	Jiffies_seq uint32
	// Last_jiffies_update is the CLOCK_MONOTONIC time, in ns, of the
	// period boundary jiffies last reached (Linux last_jiffies_update);
	// Tick_next_period is the next boundary, Last_jiffies_update +
	// TICK_NSEC (Linux tick_next_period), read without the lock for the
	// fast check. Both 0 until the clocksource is not jiffies.
	Last_jiffies_update uint64
	Tick_next_period    uint64
)

// Tick_periods_elapsed is the arithmetic of tick_do_update_jiffies64: at
// CLOCK_MONOTONIC time now, with the next period boundary at next, how
// many periods have ended (0 when now is before next) and the boundary
// the last of them ended on, the new last_jiffies_update. A tick that
// comes n periods late advances jiffies by n+1 at once.
func Tick_periods_elapsed(now, next uint64) (ticks, last uint64) {
	if now < next {
		return 0, next - TICK_NSEC
	}
	ticks = 1 + (now-next)/TICK_NSEC
	return ticks, next + (ticks-1)*TICK_NSEC
}

// clock_is_jiffies: the timekeeper's clock is jiffies themselves (before
// the TSC registers, or for good when its frequency is unknown); jiffies
// cannot be derived from it, and each tick counts one.
func clock_is_jiffies() bool {
	return !Tk_core.Valid || Tk_core.Tkr_mono.Clock == &Clocksource_jiffies
}

// Tick_do_update_jiffies64 brings jiffies up to CLOCK_MONOTONIC: every
// period that ended since Last_jiffies_update is counted, and the
// timekeeper's base follows (Linux tick_do_update_jiffies64, which calls
// update_wall_time after it). It reports how many jiffies it added.
// Interrupts must be off: the tick's interrupt on this CPU would spin on
// Jiffies_lock.
//
// The first call on the clocksource counts one jiffy, as a tick did
// before, and puts the period boundaries half a period behind now, that
// is halfway between two ticks of a periodic timer: a tick then counts
// its jiffy while it is up to TICK_NSEC/2 early or late against the
// clock (Linux aligns last_jiffies_update to the first tick instead, in
// tick_init_jiffy_update, for a one-shot timer it programs to the
// boundaries themselves; gokern's timer is periodic and its interrupts
// wander by their delivery latency).
func Tick_do_update_jiffies64(now uint64) uint64 {
	// The fast check without the lock (Linux reads tick_next_period
	// the same way): most calls between two boundaries find nothing.
	if next := atomic.LoadUint64(&Tick_next_period); next != 0 && now < next {
		return 0
	}
	Jiffies_lock.Spin_lock(0)
	next := Tick_next_period
	if next == 0 { // the first call on this clock: its period ends now
		next = max(now, TICK_NSEC) - TICK_NSEC/2
	}
	ticks, last := Tick_periods_elapsed(now, next)
	if ticks == 0 {
		atomic.StoreUint64(&Tick_next_period, next)
		Jiffies_lock.Spin_unlock()
		return 0
	}
	atomic.AddUint32(&Jiffies_seq, 1)
	Do_timer(ticks)
	Last_jiffies_update = last
	atomic.StoreUint64(&Tick_next_period, last+TICK_NSEC)
	atomic.AddUint32(&Jiffies_seq, 1)
	Update_wall_time()
	Jiffies_lock.Spin_unlock()
	return ticks
}

// Tick_update_jiffies brings jiffies up to the clock now, from any CPU
// (Linux tick_nohz_update_jiffies, which the NOHZ kernel calls on an
// interrupt's entry from idle). A timeout computed from jiffies that lag
// the clock — the tick is late, pending behind a host stall or a section
// with interrupts off — would end early by the lag; Schedule_timeout
// calls this first. Nothing while the clock is jiffies themselves.
func Tick_update_jiffies() {
	if clock_is_jiffies() {
		return
	}
	flags := asm.Arch_local_irq_save()
	Tick_do_update_jiffies64(Ktime_get_ns())
	asm.Arch_local_irq_restore(flags)
}

// Get_jiffies_update reads jiffies and the clock time of the boundary
// they last reached together (Linux get_jiffies_update).
func Get_jiffies_update() (j, last uint64) {
	for {
		seq := atomic.LoadUint32(&Jiffies_seq)
		j, last = Get_jiffies_64(), atomic.LoadUint64(&Last_jiffies_update)
		if seq&1 == 0 && atomic.LoadUint32(&Jiffies_seq) == seq {
			return j, last
		}
	}
}

// tick_periodic is one tick of a CPU (Linux tick_periodic, with the
// NOHZ tick's tick_do_update_jiffies64 in place of its do_timer(1)): the
// timekeeping CPU advances jiffies by the periods that have passed and
// the wall time with them, then every CPU does its own half,
// update_process_times: its expired timers and its scheduler's tick.
func tick_periodic() {
	if asm.Smp_processor_id() == Tick_do_timer_cpu {
		if clock_is_jiffies() {
			Jiffies_lock.Spin_lock(0)
			Do_timer(1)
			Update_wall_time()
			Jiffies_lock.Spin_unlock()
		} else {
			Tick_do_update_jiffies64(Ktime_get_ns())
		}
		if Tick_stamp != nil {
			Tick_stamp()
		}
	}
	update_process_times()
}

// Tick_handle_periodic is the clock event handler of a periodic tick
// device (Linux tick_handle_periodic), called from its interrupt.
func Tick_handle_periodic() { tick_periodic() }
