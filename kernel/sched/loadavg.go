package sched

// The load averages' values (Linux kernel/sched/loadavg.c avenrun,
// get_avenrun): kernel/sys's timer folds the runnable tasks into them
// every LOAD_FREQ; sysinfo and /proc/loadavg read them.

// Avenrun holds the 1, 5 and 15 minute averages in FSHIFT-bit fixed
// point (Linux avenrun).
var Avenrun [3]uint64

// Get_avenrun copies the averages into loads, offset added to each
// (Linux get_avenrun: /proc/loadavg adds FIXED_1/200 to round to two
// decimals).
func Get_avenrun(loads *[3]uint64, offset uint64) {
	for i := range Avenrun {
		loads[i] = Avenrun[i] + offset
	}
}

// Idr_get_cursor is the last pid handed out (Linux idr_get_cursor of
// the pid namespace's idr, less one: /proc/loadavg's last field).
func Idr_get_cursor() int32 { return last_pid }
