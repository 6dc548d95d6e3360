package time

import "sync/atomic"

// The vvar page: the timekeeper's numbers as the vDSO reads them in user
// mode. Linux: include/vdso/datapage.h (struct vdso_data, struct
// vdso_timestamp), kernel/time/vsyscall.c (update_vsyscall,
// update_vdso_data). The layout is the vDSO's ABI with its own code
// (arch/amd64/entry/vdso/vdso.S reads these offsets; a host test checks
// them).

// VDSO_BASES: one base per clock id up to CLOCK_TAI (Linux VDSO_BASES).
const VDSO_BASES = CLOCK_TAI + 1

// Vdso_timestamp is one clock's base (Linux struct vdso_timestamp): for
// the high-resolution clocks Nsec is shifted left by Vdso_data.Shift, for
// the coarse ones it is plain nanoseconds.
type Vdso_timestamp struct {
	Sec  uint64
	Nsec uint64
}

// Vdso_data is what the vvar page holds (Linux struct vdso_data, the
// CS_HRES_COARSE one; gokern keeps no separate raw clock: CLOCK_MONOTONIC_RAW
// has the monotonic base, as no NTP ever slews it here).
type Vdso_data struct {
	Seq            uint32
	Clock_mode     int32
	Cycle_last     uint64
	Mask           uint64
	Mult, Shift    uint32
	Basetime       [VDSO_BASES]Vdso_timestamp
	Tz_minuteswest int32
	Tz_dsttime     int32
	Hrtimer_res    uint32
	X__unused      uint32
}

// Vdso_data_page is the vvar page's data, set by the vDSO's setup (which
// allocates the page it maps into every process); nil until then.
var Vdso_data_page *Vdso_data

// update_vsyscall publishes the timekeeper in the vvar page (Linux
// update_vsyscall → update_vdso_data), inside the page's own seqcount so
// that a program reading it meanwhile retries.
func update_vsyscall(tk *Timekeeper) {
	vd := Vdso_data_page
	if vd == nil {
		return
	}
	atomic.AddUint32(&vd.Seq, 1)
	r := &tk.Tkr_mono
	vd.Clock_mode = r.Clock.Vdso_clock_mode
	vd.Cycle_last, vd.Mask = r.Cycle_last, ^uint64(0)
	vd.Mult, vd.Shift = r.Mult, r.Shift
	real := Vdso_timestamp{uint64(tk.Xtime_sec), r.Xtime_nsec}
	mono := Vdso_timestamp{uint64(tk.Xtime_sec + tk.Wall_to_monotonic.Tv_sec),
		r.Xtime_nsec + uint64(tk.Wall_to_monotonic.Tv_nsec)<<r.Shift}
	for mono.Nsec >= NSEC_PER_SEC<<r.Shift {
		mono.Nsec -= NSEC_PER_SEC << r.Shift
		mono.Sec++
	}
	vd.Basetime[CLOCK_REALTIME] = real
	vd.Basetime[CLOCK_TAI] = real
	vd.Basetime[CLOCK_MONOTONIC] = mono
	vd.Basetime[CLOCK_MONOTONIC_RAW] = mono
	vd.Basetime[CLOCK_BOOTTIME] = mono
	vd.Basetime[CLOCK_REALTIME_COARSE] = Vdso_timestamp{real.Sec, real.Nsec >> r.Shift}
	vd.Basetime[CLOCK_MONOTONIC_COARSE] = Vdso_timestamp{mono.Sec, mono.Nsec >> r.Shift}
	vd.Hrtimer_res = TICK_NSEC
	atomic.AddUint32(&vd.Seq, 1)
}

// Vdso_data_set gives timekeeping the vvar page (the vDSO's setup
// allocates it) and fills it at once if the clocks already run.
func Vdso_data_set(vd *Vdso_data) {
	Vdso_data_page = vd
	if Tk_core.Valid {
		update_vsyscall(&Tk_core)
	}
}
