package acpi

import (
	"strings"
	"testing"
)

// TestSleepInitQEMU: on every captured machine the FADT names PM1a's
// control register at 0x604; q35's FADT (ACPI 3.0) has the reset
// register 0xcf9 with 0x0f, the pc's (ACPI 1.0) none. The captures hold
// the DSDT's header only (internal/fwtables), so its checksum is bad,
// \_S5 is not found and acpi_sleep_init says so (TestReboot boots QEMU's real DSDT; TestAmlS5
// reads \_S5's forms).
func TestSleepInitQEMU(t *testing.T) {
	for _, c := range []struct {
		name       string
		reset      uint16
		resetValue uint8
	}{
		{"pc-seabios", 0, 0},
		{"pc-qboot", 0, 0},
		{"q35-seabios", 0xcf9, 0x0f},
		{"q35-qboot", 0xcf9, 0x0f},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, c.name)
			Acpi_gbl_FADT.Pm1a_control_block, Acpi_gbl_FADT.Reset_register, Acpi_s5_valid = 0, 0, true
			if err := Acpi_table_init(m.osl, 0); err != 0 {
				t.Fatalf("Acpi_table_init = %d", err)
			}
			m.out.Lines()
			Acpi_sleep_init()
			f := Acpi_gbl_FADT
			if Acpi_s5_valid || f.Pm1a_control_block != 0x604 || f.Pm1b_control_block != 0 || f.Reset_register != c.reset ||
				f.Reset_value != c.resetValue {
				t.Fatalf("S5 %v, FADT %+v", Acpi_s5_valid, f)
			}
			want := "ACPI: PM: no \\_S5 package of constants in the DSDT (gokern runs no AML): (supports S0)"
			// The DSDT's bytes past its header are zeros in the capture:
			// its checksum is reported bad first, as a corrupt table is.
			out := m.out.Lines()
			if len(out) != 2 || !strings.HasPrefix(out[0], "ACPI BIOS Warning (bug): Incorrect checksum in table [DSDT]") ||
				out[1] != want {
				t.Fatalf("printed %q, want the DSDT's checksum warning, then %q", out, want)
			}
		})
	}
}

// TestAmlS5: \_S5's package in the forms firmware writes — Zero/One,
// BytePrefix constants, a one-element ACPI 1.0 package, a rooted name —
// and the forms gokern cannot read without an interpreter (a method) or
// that are cut short, which must be refused, never read past.
func TestAmlS5(t *testing.T) {
	hdr := make([]byte, ACPI_TABLE_HEADER_SIZE)
	for _, c := range []struct {
		name string
		aml  []byte
		a, b uint8
		ok   bool
	}{
		{"zeros", []byte{0x10, 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00}, 0, 0, true},
		{"bytes", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00}, 5, 7, true},
		{"one-element", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x75}, 5, 7, true},
		{"rooted", []byte{0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x01, 0x0b, 0x02, 0x00}, 1, 2, true},
		{"two-byte-pkglength", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0a, 0x03, 0x0a, 0x04}, 3, 4, true},
		{"method", []byte{0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00}, 0, 0, false},
		{"truncated", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a}, 0, 0, false},
		{"no-package", []byte{0x08, '_', 'S', '5', '_', 0x0a, 0x05}, 0, 0, false},
		{"string-element", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0d, 'x', 0x00, 0x00}, 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			Acpi_s5_valid, Acpi_sleep_type_a, Acpi_sleep_type_b = false, 0, 0
			err := acpi_parse_s5(append(append([]byte(nil), hdr...), c.aml...))
			if (err == 0) != c.ok || Acpi_s5_valid != c.ok || Acpi_sleep_type_a != c.a || Acpi_sleep_type_b != c.b {
				t.Fatalf("err %d valid %v SLP_TYP %d/%d; want ok %v %d/%d", err, Acpi_s5_valid, Acpi_sleep_type_a,
					Acpi_sleep_type_b, c.ok, c.a, c.b)
			}
		})
	}
}
