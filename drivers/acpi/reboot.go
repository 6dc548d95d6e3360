package acpi

import "gokern/arch/amd64/asm"

// Acpi_reboot resets the machine through the FADT's reset register, when
// it has one in system I/O space and says it works (ACPI 6.5 §4.8.3.6
// "Reset Register"; Linux drivers/acpi/reboot.c acpi_reboot). It returns
// false when there is none; when the write did not reset the machine it
// returns true and the caller tries its next method.
func Acpi_reboot() bool {
	if Acpi_disabled || Acpi_gbl_FADT.Reset_register == 0 {
		return false
	}
	asm.Outb(Acpi_gbl_FADT.Reset_register, Acpi_gbl_FADT.Reset_value)
	return true
}
