package time

// Mktime64 converts a Gregorian date and time to seconds since
// 1970-01-01 00:00:00 (Linux kernel/time/time.c mktime64, Gauss's
// algorithm: March is month 1, so February's leap day falls last).
func Mktime64(year, mon, day, hour, min, sec uint64) int64 {
	if int64(mon)-2 <= 0 { // 1..12 -> 11,12,1..10
		mon += 10
		year--
	} else {
		mon -= 2
	}
	days := year/4 - year/100 + year/400 + 367*mon/12 + day + year*365 - 719499
	return int64(((days*24+hour)*60+min)*60 + sec)
}

// Timespec64_valid: seconds not negative, nanoseconds within [0, 1e9)
// (Linux include/linux/time64.h timespec64_valid).
func Timespec64_valid(ts *Timespec64) bool {
	return ts.Tv_sec >= 0 && ts.Tv_nsec >= 0 && ts.Tv_nsec < 1000000000
}
