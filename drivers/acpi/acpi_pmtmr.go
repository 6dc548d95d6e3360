package acpi

import "gokern/arch/amd64/asm"

// The ACPI power-management timer: a free-running counter at 3.579545 MHz
// on an I/O port the FADT names, 24 bits wide (32 with TMR_VAL_EXT)
// (ACPI 6.5 §4.8.3.3 "Power Management Timer"). gokern reads it to check
// the TSC calibration. Linux: include/linux/acpi_pmtmr.h
// (acpi_pm_read_early, ACPI_PM_MASK, PMTMR_TICKS_PER_SEC),
// drivers/clocksource/acpi_pm.c (pmtmr_ioport).

const (
	PMTMR_TICKS_PER_SEC = 3579545
	ACPI_PM_MASK        = 0xffffff // the 24 bits every PM timer has
)

var (
	// Pmtmr_ioport is the PM timer's port, 0 if there is none.
	Pmtmr_ioport uint16
	// Pmtmr_32bit: the FADT says the counter has 32 bits.
	Pmtmr_32bit bool
)

// Acpi_pm_read_early reads the PM timer, masked to its 24 bits, or 0 when
// there is none (Linux acpi_pm_read_early).
func Acpi_pm_read_early() uint32 {
	if Pmtmr_ioport == 0 {
		return 0
	}
	return asm.Inl(Pmtmr_ioport) & ACPI_PM_MASK
}
