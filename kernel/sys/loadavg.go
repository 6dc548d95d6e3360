package sys

import (
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
)

// The load averages (Linux kernel/sched/loadavg.c): every LOAD_FREQ a
// timer samples the runnable tasks of every CPU and folds them into
// three exponentially decaying averages of 1, 5 and 15 minutes, in
// FSHIFT-bit fixed point. Tasks in uninterruptible sleep, which Linux
// counts too, are not counted (gokern keeps no count of them).

const (
	FSHIFT    = 11
	FIXED_1   = 1 << FSHIFT
	LOAD_FREQ = 5*ktime.HZ + 1
	EXP_1     = 1884 // 1/exp(5sec/1min) in fixed point
	EXP_5     = 2014
	EXP_15    = 2037
)

var calc_load_timer ktime.Timer_list

// calc_load folds active into load (Linux calc_load), rounding up while
// the load grows so that it reaches a steady active.
func calc_load(load, exp, active uint64) uint64 {
	newload := load*exp + active*(FIXED_1-exp)
	if active >= load {
		newload += FIXED_1 - 1
	}
	return newload / FIXED_1
}

// calc_global_load samples and re-arms (Linux calc_global_load, from the
// tick).
func calc_global_load(t *ktime.Timer_list) {
	active := sched.Nr_running() * FIXED_1
	a := &sched.Avenrun
	a[0] = calc_load(a[0], EXP_1, active)
	a[1] = calc_load(a[1], EXP_5, active)
	a[2] = calc_load(a[2], EXP_15, active)
	t.Expires += LOAD_FREQ
	ktime.Add_timer(t)
}

// Loadavg_init starts the sampling (Linux: calc_load_update, set in
// sched_init).
func Loadavg_init() {
	calc_load_timer = ktime.Timer_list{Expires: ktime.Get_jiffies_64() + LOAD_FREQ, Function: calc_global_load}
	ktime.Add_timer(&calc_load_timer)
}
