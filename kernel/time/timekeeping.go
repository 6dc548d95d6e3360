package time

import (
	"math/bits"
	"sync/atomic"
)

// Timekeeping: the clocks a program reads (CLOCK_REALTIME, _MONOTONIC,
// _BOOTTIME, the coarse ones) kept from a clocksource's counter. Linux:
// kernel/time/timekeeping.c (tk_core, timekeeping_init,
// timekeeping_advance, ktime_get_ts64, ktime_get_real_ts64),
// include/linux/timekeeper_internal.h (struct timekeeper, tk_read_base),
// kernel/time/clocksource.c (clocks_calc_mult_shift), kernel/time/jiffies.c
// (clocksource_jiffies). Seeds/002 "Virtual Dynamic Shared Object": the
// same numbers, published in the vvar page (vsyscall.go), let a program
// read the time without entering the kernel.
//
// The time is a base, advanced at every tick, plus what the counter
// counted since: ns = (xtime_nsec + (cycles - cycle_last) * mult) >> shift,
// xtime_nsec kept shifted so that no nanosecond fraction is lost between
// ticks. The vDSO computes the very same expression from the vvar page,
// so a system call and the vDSO read the same clock.

// Timespec64 is struct timespec64 (include/linux/time64.h).
type Timespec64 struct {
	Tv_sec  int64
	Tv_nsec int64
}

// NSEC_PER_SEC (include/vdso/time64.h).
const NSEC_PER_SEC = 1000000000

// Clock ids (include/uapi/linux/time.h).
const (
	CLOCK_REALTIME           = 0
	CLOCK_MONOTONIC          = 1
	CLOCK_PROCESS_CPUTIME_ID = 2
	CLOCK_THREAD_CPUTIME_ID  = 3
	CLOCK_MONOTONIC_RAW      = 4
	CLOCK_REALTIME_COARSE    = 5
	CLOCK_MONOTONIC_COARSE   = 6
	CLOCK_BOOTTIME           = 7
	CLOCK_TAI                = 11
)

// Clocksource is a free-running counter the clocks are kept from (Linux
// struct clocksource): Read gives its value, Mult and Shift turn counts
// into nanoseconds (ns = counts * Mult >> Shift), Vdso_clock_mode says
// whether user space may read it itself (VDSO_CLOCKMODE_TSC) or must ask
// the kernel (VDSO_CLOCKMODE_NONE).
type Clocksource struct {
	Name            string
	Read            func() uint64
	Mult, Shift     uint32
	Vdso_clock_mode int32
}

// vdso_clock_mode values (include/vdso/clocksource.h, x86's
// VDSO_CLOCKMODE_TSC from asm/vdso/clocksource.h).
const (
	VDSO_CLOCKMODE_NONE = 0
	VDSO_CLOCKMODE_TSC  = 1
)

// JIFFIES_SHIFT: jiffies counted in 1/256 ns units (Linux
// kernel/time/jiffies.c: a low shift, since a jiffy is a large count).
const JIFFIES_SHIFT = 8

func jiffies_read() uint64 { return Get_jiffies_64() }

// Clocksource_jiffies is the clocksource every machine has (Linux
// clocksource_jiffies): until a better one registers, and for good where
// none does; its resolution is a tick, and the vDSO does not read it.
var Clocksource_jiffies = Clocksource{Name: "jiffies", Read: jiffies_read,
	Mult: TICK_NSEC << JIFFIES_SHIFT, Shift: JIFFIES_SHIFT, Vdso_clock_mode: VDSO_CLOCKMODE_NONE}

// Tk_read_base is the clocksource's part of the timekeeper (Linux struct
// tk_read_base): its counter at the last update, its scale, and the
// nanoseconds of the second at that update, shifted left by Shift.
type Tk_read_base struct {
	Clock       *Clocksource
	Cycle_last  uint64
	Mult, Shift uint32
	Xtime_nsec  uint64
}

// Timekeeper is the kernel's clock (Linux struct timekeeper):
// CLOCK_REALTIME is Xtime_sec + Tkr_mono.Xtime_nsec>>Shift (+ the
// counter's progress), CLOCK_MONOTONIC that plus Wall_to_monotonic.
// gokern never suspends, so CLOCK_BOOTTIME is CLOCK_MONOTONIC, and keeps
// no leap seconds (tai_offset 0), so CLOCK_TAI is CLOCK_REALTIME.
type Timekeeper struct {
	Tkr_mono          Tk_read_base
	Xtime_sec         int64
	Wall_to_monotonic Timespec64
	// Seq is the seqcount of tk_core: odd while an update is under way;
	// readers retry when it moved.
	Seq uint32
	// Valid: timekeeping_init ran.
	Valid bool
}

// Tk_core is the timekeeper (Linux tk_core.timekeeper with its seq).
var Tk_core Timekeeper

// Clocks_calc_mult_shift picks mult and shift to turn counts of a
// counter running at from Hz into nanoseconds, keeping maxsec seconds of
// counts inside 64 bits of counts*mult, with as large a shift (as many
// fraction bits) as that allows (Linux clocks_calc_mult_shift).
func Clocks_calc_mult_shift(from, maxsec uint64) (mult, shift uint32) {
	to := uint64(NSEC_PER_SEC)
	// The bits a product of maxsec seconds of counts may use.
	tmp := (maxsec * from) >> 32
	sftacc := uint32(32)
	for tmp != 0 {
		tmp >>= 1
		sftacc--
	}
	for shift = 32; shift > 0; shift-- {
		tmp = (to << shift) + from/2
		tmp /= from
		if tmp>>sftacc == 0 {
			break
		}
	}
	return uint32(tmp), shift
}

// Clocksource_register_hz scales cs for a counter at hz (maxsec 600, as
// Linux's clocksource_update_freq_scale does for most counters) and makes
// it the timekeeper's clock, carrying the time over so that no clock
// jumps (Linux __clocksource_register_scale → timekeeping_notify →
// change_clocksource). Interrupts must be off.
func Clocksource_register_hz(cs *Clocksource, hz uint64) {
	cs.Mult, cs.Shift = Clocks_calc_mult_shift(hz, 600)
	tk := &Tk_core
	if !tk.Valid {
		return
	}
	write_seqcount_begin(tk)
	timekeeping_forward_now(tk)
	// The nanoseconds keep their value under the new shift.
	tk.Tkr_mono.Xtime_nsec = tk.Tkr_mono.Xtime_nsec >> tk.Tkr_mono.Shift << cs.Shift
	tk.Tkr_mono.Clock, tk.Tkr_mono.Mult, tk.Tkr_mono.Shift = cs, cs.Mult, cs.Shift
	tk.Tkr_mono.Cycle_last = cs.Read()
	write_seqcount_end(tk)
	update_vsyscall(tk)
}

// Timekeeping_init starts the clocks (Linux timekeeping_init): the wall
// clock at wall (the persistent clock, the RTC), the monotonic clock at
// boot_ns, the time since the boot began, as Linux sets it from
// read_boot_clock64/local_clock so that CLOCK_MONOTONIC matches the log's
// timestamps. The clocksource is jiffies until a better one registers.
func Timekeeping_init(wall Timespec64, boot_ns uint64) {
	tk := &Tk_core
	cs := &Clocksource_jiffies
	write_seqcount_begin(tk)
	tk.Tkr_mono = Tk_read_base{Clock: cs, Cycle_last: cs.Read(), Mult: cs.Mult, Shift: cs.Shift,
		Xtime_nsec: uint64(wall.Tv_nsec) << cs.Shift}
	tk.Xtime_sec = wall.Tv_sec
	// wall + wall_to_monotonic = boot_ns.
	w2m := int64(boot_ns) - (wall.Tv_sec*NSEC_PER_SEC + wall.Tv_nsec)
	tk.Wall_to_monotonic = Ns_to_timespec64(w2m)
	tk.Valid = true
	write_seqcount_end(tk)
	update_vsyscall(tk)
}

// Ns_to_timespec64 splits ns, the nanoseconds always in [0, 1e9) (Linux
// ns_to_timespec64).
func Ns_to_timespec64(ns int64) Timespec64 {
	s, r := ns/NSEC_PER_SEC, ns%NSEC_PER_SEC
	if r < 0 {
		s, r = s-1, r+NSEC_PER_SEC
	}
	return Timespec64{s, r}
}

func write_seqcount_begin(tk *Timekeeper) { atomic.AddUint32(&tk.Seq, 1) }
func write_seqcount_end(tk *Timekeeper)   { atomic.AddUint32(&tk.Seq, 1) }

// accumulate adds delta counts to the base, whole seconds carried into
// Xtime_sec; counts are taken in pieces small enough that delta*mult
// never overflows, however long the tick was away (Linux
// logarithmic_accumulation's role).
func accumulate(tk *Timekeeper, delta uint64) {
	r := &tk.Tkr_mono
	max := ^uint64(0) / 2 / uint64(r.Mult)
	for delta > 0 {
		d := min(delta, max)
		delta -= d
		r.Xtime_nsec += d * uint64(r.Mult)
		for r.Xtime_nsec >= NSEC_PER_SEC<<r.Shift {
			r.Xtime_nsec -= NSEC_PER_SEC << r.Shift
			tk.Xtime_sec++
		}
	}
}

// timekeeping_forward_now moves the base to the counter's present value
// (Linux timekeeping_forward_now).
func timekeeping_forward_now(tk *Timekeeper) {
	now := tk.Tkr_mono.Clock.Read()
	accumulate(tk, clocksource_delta(now, tk.Tkr_mono.Cycle_last))
	tk.Tkr_mono.Cycle_last = now
}

// clocksource_delta: the counts since last, 0 if the counter reads
// behind it (another CPU's TSC slightly behind: Linux x86's vdso and
// clocksource_delta with CLOCKSOURCE_VALIDATE_LAST_CYCLE both clamp).
func clocksource_delta(now, last uint64) uint64 {
	if now < last {
		return 0
	}
	return now - last
}

// Update_wall_time is the tick's step of timekeeping (Linux
// update_wall_time → timekeeping_advance): the counter's progress goes
// into the base, and the vvar page follows.
func Update_wall_time() {
	tk := &Tk_core
	if !tk.Valid {
		return
	}
	write_seqcount_begin(tk)
	timekeeping_forward_now(tk)
	write_seqcount_end(tk)
	update_vsyscall(tk)
}

// read_base returns the base and the shifted nanoseconds since the
// second it names, under the seqcount (Linux timekeeping_get_ns inside a
// read_seqcount_begin/retry loop).
func read_base() (sec int64, nsec uint64, w2m Timespec64) {
	tk := &Tk_core
	for {
		seq := atomic.LoadUint32(&tk.Seq)
		if seq&1 != 0 {
			continue
		}
		r := &tk.Tkr_mono
		if r.Clock == nil {
			return 0, 0, Timespec64{}
		}
		hi, lo := bits.Mul64(clocksource_delta(r.Clock.Read(), r.Cycle_last), uint64(r.Mult))
		lo, c := bits.Add64(lo, r.Xtime_nsec, 0)
		hi += c
		ns := lo>>r.Shift | hi<<(64-r.Shift)
		sec, w2m = tk.Xtime_sec, tk.Wall_to_monotonic
		if atomic.LoadUint32(&tk.Seq) == seq {
			return sec, ns, w2m
		}
	}
}

// timespec64_add_ns adds ns to a second count: the result normalised
// (Linux timespec64_add_ns).
func timespec64_add_ns(sec int64, ns uint64) Timespec64 {
	return Timespec64{sec + int64(ns/NSEC_PER_SEC), int64(ns % NSEC_PER_SEC)}
}

// Ktime_get_real_ts64 is CLOCK_REALTIME (Linux ktime_get_real_ts64).
func Ktime_get_real_ts64() Timespec64 {
	sec, ns, _ := read_base()
	return timespec64_add_ns(sec, ns)
}

// Ktime_get_ts64 is CLOCK_MONOTONIC (Linux ktime_get_ts64): the wall
// clock plus wall_to_monotonic.
func Ktime_get_ts64() Timespec64 {
	sec, ns, w2m := read_base()
	return timespec64_add_ns(sec+w2m.Tv_sec, ns+uint64(w2m.Tv_nsec))
}

// Ktime_get_ns is CLOCK_MONOTONIC in nanoseconds (Linux ktime_get_ns).
func Ktime_get_ns() uint64 {
	t := Ktime_get_ts64()
	return uint64(t.Tv_sec)*NSEC_PER_SEC + uint64(t.Tv_nsec)
}

// Ktime_get_real_ns is CLOCK_REALTIME in nanoseconds (Linux
// ktime_get_real_ns).
func Ktime_get_real_ns() uint64 {
	t := Ktime_get_real_ts64()
	return uint64(t.Tv_sec)*NSEC_PER_SEC + uint64(t.Tv_nsec)
}

// Ktime_get_coarse_real_ts64 is CLOCK_REALTIME_COARSE (Linux
// ktime_get_coarse_real_ts64): the base at the last tick, no counter read.
func Ktime_get_coarse_real_ts64() Timespec64 {
	tk := &Tk_core
	for {
		seq := atomic.LoadUint32(&tk.Seq)
		t := Timespec64{tk.Xtime_sec, int64(tk.Tkr_mono.Xtime_nsec >> tk.Tkr_mono.Shift)}
		if seq&1 == 0 && atomic.LoadUint32(&tk.Seq) == seq {
			return t
		}
	}
}

// Ktime_get_coarse_ts64 is CLOCK_MONOTONIC_COARSE (Linux
// ktime_get_coarse_ts64).
func Ktime_get_coarse_ts64() Timespec64 {
	tk := &Tk_core
	for {
		seq := atomic.LoadUint32(&tk.Seq)
		t := timespec64_add_ns(tk.Xtime_sec+tk.Wall_to_monotonic.Tv_sec,
			tk.Tkr_mono.Xtime_nsec>>tk.Tkr_mono.Shift+uint64(tk.Wall_to_monotonic.Tv_nsec))
		if seq&1 == 0 && atomic.LoadUint32(&tk.Seq) == seq {
			return t
		}
	}
}

// Posix_get_timespec reads clock which for clock_gettime (Linux
// kernel/time/posix-timers.c posix_clocks[which]->clock_get_timespec):
// 0, or -EINVAL (22) for a clock gokern does not keep (the CPU-time
// clocks).
func Posix_get_timespec(which int, tp *Timespec64) int {
	switch which {
	case CLOCK_REALTIME, CLOCK_TAI:
		*tp = Ktime_get_real_ts64()
	case CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME:
		*tp = Ktime_get_ts64()
	case CLOCK_REALTIME_COARSE:
		*tp = Ktime_get_coarse_real_ts64()
	case CLOCK_MONOTONIC_COARSE:
		*tp = Ktime_get_coarse_ts64()
	default:
		return -22
	}
	return 0
}

// Posix_get_resolution is clock_getres's answer (Linux
// posix_get_hrtimer_res and posix_get_coarse_res): the coarse clocks
// move a tick at a time; the others by the hrtimer resolution, which
// without high-resolution timers is a tick as well (LOW_RES_NSEC).
func Posix_get_resolution(which int, tp *Timespec64) int {
	switch which {
	case CLOCK_REALTIME, CLOCK_TAI, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
		CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE:
		*tp = Timespec64{0, TICK_NSEC}
		return 0
	}
	return -22
}
