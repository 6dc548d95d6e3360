package acpi

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Entering the soft-off state S5: what `poweroff` ends in. The firmware
// names S5's SLP_TYP values in the DSDT's \_S5 object, and the kernel
// writes them, with SLP_EN, into the PM1 control registers the FADT names
// (ACPI 6.5 §7.4.2 "\_Sx (System States)", §4.8.3.2.1 "PM1 Control
// Registers", §16.1.7 "Transitioning from the Working to the Soft Off
// State"). Linux: drivers/acpi/sleep.c (acpi_sleep_init, acpi_power_off),
// ACPICA's hwxface.c (acpi_get_sleep_type_data), hwsleep.c
// (acpi_hw_legacy_sleep).
//
// Linux runs the DSDT's AML to get \_S5's value; gokern has no AML
// interpreter, so acpi_sleep_init looks for the one form firmware almost
// always uses, a named package of integer constants (QEMU's
// `Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })`), and says so
// when \_S5 is anything else (a method, say): power-off then falls back
// to halting, as Linux does without pm_power_off.

const (
	ACPI_STATE_S5 = 5
	// The PM1 control register's bits (Table 4.13 "PM1 Control
	// Registers Fixed Hardware Feature Control Bits").
	ACPI_SLP_TYP_SHIFT = 10
	ACPI_SLP_TYP_MASK  = 7 << ACPI_SLP_TYP_SHIFT
	ACPI_SLP_EN        = 1 << 13

	// AML opcodes (ACPI 6.5 §20.2 "AML Grammar Definition").
	AML_NAME_OP         = 0x08
	AML_PACKAGE_OP      = 0x12
	AML_ZERO_OP         = 0x00
	AML_ONE_OP          = 0x01
	AML_BYTE_PREFIX     = 0x0a
	AML_WORD_PREFIX     = 0x0b
	AML_DWORD_PREFIX    = 0x0c
	AML_ROOT_PREFIX     = 0x5c
	AML_MAX_PKG_ELEMENT = 2 // SLP_TYPa, SLP_TYPb: the rest is reserved
)

var (
	// Acpi_s5_valid: \_S5 was found and read; Acpi_sleep_type_a/b are
	// its SLP_TYPa and SLP_TYPb (Linux acpi_gbl_sleep_type_a, _b).
	Acpi_s5_valid                        bool
	Acpi_sleep_type_a, Acpi_sleep_type_b uint8
)

// Acpi_sleep_init finds \_S5 in the DSDT and reports the sleep states
// the kernel can enter (Linux acpi_sleep_init: "ACPI: PM: (supports S0
// S5)").
func Acpi_sleep_init() {
	Acpi_s5_valid = false
	if Acpi_disabled || !Acpi_gbl_FADT_valid {
		return
	}
	Acpi_table_parse(ACPI_SIG_DSDT, acpi_parse_s5)
	switch {
	case Acpi_s5_valid && Acpi_gbl_FADT.Pm1a_control_block != 0:
		printk.Pr_info("ACPI: PM: (supports S0 S5)\n")
	case Acpi_s5_valid:
		printk.Pr_info("ACPI: PM: \\_S5 found, but the FADT names no PM1a control register: (supports S0)\n")
		Acpi_s5_valid = false
	default:
		printk.Pr_info("ACPI: PM: no \\_S5 package of constants in the DSDT (gokern runs no AML): (supports S0)\n")
	}
}

// acpi_parse_s5 reads `Name (_S5, Package () { a, b, ... })` out of the
// DSDT's AML, checking every length against the table's.
func acpi_parse_s5(t []byte) int {
	body := t[ACPI_TABLE_HEADER_SIZE:]
	for i := 1; i+5 <= len(body); i++ {
		if string(body[i:i+4]) != "_S5_" {
			continue
		}
		// NameOp, then the name, rooted or not.
		if body[i-1] != AML_NAME_OP && !(body[i-1] == AML_ROOT_PREFIX && i >= 2 && body[i-2] == AML_NAME_OP) {
			continue
		}
		if a, b, ok := aml_s5_package(body[i+4:]); ok {
			Acpi_sleep_type_a, Acpi_sleep_type_b, Acpi_s5_valid = a, b, true
			return 0
		}
	}
	return -ENODEV
}

// aml_s5_package reads a PackageOp's first two integer elements: the
// PkgLength (its lead byte's top two bits count the bytes that follow,
// §20.2.4), NumElements, then each element a Zero, One or Byte/Word/
// DWord constant.
func aml_s5_package(p []byte) (a, b uint8, ok bool) {
	if len(p) < 3 || p[0] != AML_PACKAGE_OP {
		return 0, 0, false
	}
	p = p[1:]
	n := 1 + int(p[0]>>6)
	if len(p) < n+1 {
		return 0, 0, false
	}
	elements := int(p[n])
	p = p[n+1:]
	var v [AML_MAX_PKG_ELEMENT]uint8
	for e := 0; e < min(elements, AML_MAX_PKG_ELEMENT); e++ {
		if len(p) == 0 {
			return 0, 0, false
		}
		switch p[0] {
		case AML_ZERO_OP, AML_ONE_OP:
			v[e], p = p[0], p[1:]
		case AML_BYTE_PREFIX, AML_WORD_PREFIX, AML_DWORD_PREFIX:
			size := aml_const_size(p[0])
			if len(p) < 1+size {
				return 0, 0, false
			}
			v[e], p = p[1], p[1+size:]
		default:
			return 0, 0, false
		}
	}
	// A one-element \_S5 holds both values, a in its low byte (ACPI 1.0
	// firmware; Linux acpi_get_sleep_type_data does the same).
	if elements == 1 {
		return v[0] & 7, v[0] >> 4 & 7, true
	}
	return v[0] & 7, v[1] & 7, elements >= 2
}

// aml_const_size is the size of a Byte/Word/DWordPrefix's constant.
func aml_const_size(prefix byte) int {
	switch prefix {
	case AML_WORD_PREFIX:
		return 2
	case AML_DWORD_PREFIX:
		return 4
	}
	return 1
}

// Acpi_enter_sleep_state_s5 powers the machine off: SLP_TYP written
// into PM1a (and PM1b) control first, then SLP_TYP with SLP_EN (Linux
// acpi_hw_legacy_sleep's two writes). It returns only if the machine is
// still running afterwards, or cannot enter S5.
func Acpi_enter_sleep_state_s5() bool {
	if !Acpi_s5_valid {
		return false
	}
	fadt := &Acpi_gbl_FADT
	pm1a := asm.Inw(fadt.Pm1a_control_block) &^ (ACPI_SLP_TYP_MASK | ACPI_SLP_EN)
	pm1a |= uint16(Acpi_sleep_type_a) << ACPI_SLP_TYP_SHIFT
	var pm1b uint16
	if fadt.Pm1b_control_block != 0 {
		pm1b = asm.Inw(fadt.Pm1b_control_block) &^ (ACPI_SLP_TYP_MASK | ACPI_SLP_EN)
		pm1b |= uint16(Acpi_sleep_type_b) << ACPI_SLP_TYP_SHIFT
	}
	acpi_hw_write_pm1_control(pm1a, pm1b)
	acpi_hw_write_pm1_control(pm1a|ACPI_SLP_EN, pm1b|ACPI_SLP_EN)
	return true
}

// acpi_hw_write_pm1_control writes both PM1 control registers (Linux
// acpi_hw_write_pm1_control).
func acpi_hw_write_pm1_control(a, b uint16) {
	asm.Outw(Acpi_gbl_FADT.Pm1a_control_block, a)
	if Acpi_gbl_FADT.Pm1b_control_block != 0 {
		asm.Outw(Acpi_gbl_FADT.Pm1b_control_block, b)
	}
}
