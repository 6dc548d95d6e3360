package amd64

import (
	"gokern/drivers/acpi"
	"gokern/drivers/rtc"
	"gokern/kernel/time"
	"gokern/printk"
)

// The wall clock at boot, from the CMOS RTC. Linux: arch/x86/kernel/rtc.c
// (mach_get_cmos_time, read_persistent_clock64),
// drivers/rtc/rtc-mc146818-lib.c (mc146818_get_time).

// MC146818 registers beyond the seconds (include/linux/mc146818rtc.h).
const (
	RTC_MINUTES      = 2
	RTC_HOURS        = 4
	RTC_DAY_OF_MONTH = 7
	RTC_MONTH        = 8
	RTC_YEAR         = 9
	RTC_REG_A        = 10
	RTC_UIP          = 0x80 // register A: an update is in progress
	RTC_24H          = 0x02 // register B: 24-hour mode
)

func bcd2bin(v uint8) uint64 { return uint64(v&15) + uint64(v>>4)*10 }

// Mach_get_cmos_time reads the RTC's date and time as seconds since the
// epoch (Linux mach_get_cmos_time → mc146818_get_time): the registers are
// read twice until no update ran in between, BCD converted unless the
// chip says binary. The century is the CMOS register the FADT names, when
// its revision is ACPI 2.0's or later (QEMU's q35: register 0x32); without
// one, a two-digit year below 70 is 20xx (Linux mc146818_get_time, both
// ways). Before, the century register was never read: on q35 an RTC set
// to 2070-2099 read as 1970-1999.
func Mach_get_cmos_time() int64 {
	var r, again [7]uint8
	regs := [7]uint8{rtc.RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, 0}
	century := acpi.Acpi_gbl_FADT_valid && acpi.Acpi_gbl_FADT.Revision >= acpi.FADT2_REVISION_ID &&
		acpi.Acpi_gbl_FADT.Century != 0 && acpi.Acpi_gbl_FADT.Century < 0x80
	if century {
		regs[6] = acpi.Acpi_gbl_FADT.Century
	}
	for try := 0; try < 1000; try++ {
		for rtc.CMOS_READ(RTC_REG_A)&RTC_UIP != 0 {
		}
		for i, reg := range regs {
			r[i] = rtc.CMOS_READ(reg)
		}
		for i, reg := range regs {
			again[i] = rtc.CMOS_READ(reg)
		}
		if r == again {
			break
		}
	}
	b := rtc.CMOS_READ(rtc.RTC_REG_B)
	pm := r[2]&0x80 != 0 && b&RTC_24H == 0
	r[2] &^= 0x80
	if !century {
		r[6] = 0
	}
	var v [7]uint64
	for i := range r {
		if b&rtc.RTC_DM_BINARY != 0 {
			v[i] = uint64(r[i])
		} else {
			v[i] = bcd2bin(r[i])
		}
	}
	if b&RTC_24H == 0 {
		v[2] %= 12
		if pm {
			v[2] += 12
		}
	}
	year := v[5] + 1900
	switch {
	case v[6] != 0:
		year = v[5] + v[6]*100
	case v[5] < 70:
		year += 100
	}
	return time.Mktime64(year, v[4], v[3], v[2], v[1], v[0])
}

// Read_persistent_clock64 is the wall clock timekeeping starts from
// (Linux read_persistent_clock64 → x86_platform.get_wallclock): the RTC,
// or 0 (1970) on a machine without one, said once as Linux does.
func Read_persistent_clock64() time.Timespec64 {
	if !rtc.Present() {
		printk.Pr_warn("Persistent clock returned invalid value\n")
		return time.Timespec64{}
	}
	return time.Timespec64{Tv_sec: Mach_get_cmos_time()}
}
