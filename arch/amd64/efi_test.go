package amd64

import (
	"encoding/binary"
	"strings"
	"testing"

	"gokern/internal/fwtables"
	"gokern/internal/ktest"
)

// efiMachine is a simulated RAM holding an EFI system table at systabPA
// with the configuration tables guids (pointing to 0x1000*(i+1)) at
// tablesPA, in the layout of 64- or 32-bit firmware.
func efiMachine(t *testing.T, efi64 bool, guids [][16]byte) (*fwtables.Osl, *ktest.Capture) {
	t.Helper()
	ram := ktest.NewRAM(t, 1<<20)
	l := &efi_systab_32
	if efi64 {
		l = &efi_systab_64
	}
	put := func(b []byte, v uint64) {
		if l.ptr == 8 {
			binary.LittleEndian.PutUint64(b, v)
		} else {
			binary.LittleEndian.PutUint32(b, uint32(v))
		}
	}
	st := ram.Bytes(systabPA, uint64(l.size))
	binary.LittleEndian.PutUint64(st, EFI_SYSTEM_TABLE_SIGNATURE)
	put(st[l.nr_tables:], uint64(len(guids)))
	put(st[l.tables:], tablesPA)
	for i, g := range guids {
		e := ram.Bytes(tablesPA+uint64(i*l.entry), uint64(l.entry))
		copy(e, g[:])
		put(e[16:], 0x1000*uint64(i+1))
	}
	return &fwtables.Osl{T: t, Mem: ram}, ktest.StartCapture(t)
}

const systabPA, tablesPA = 0x80018, 0x90000

// TestEfiGetRsdpAddr: the RSDP of a UEFI boot comes from the system
// table's configuration tables, ACPI 2.0's before ACPI 1.0's, from 64-
// and 32-bit firmware alike; a system table without its signature, with
// a count no firmware writes, or outside the memory map gives none, and
// says why.
func TestEfiGetRsdpAddr(t *testing.T) {
	other := [16]byte{0xeb, 0x9d, 0x2d, 0x31} // SMBIOS's first bytes, say
	for _, c := range []struct {
		name  string
		efi64 bool
		guids [][16]byte
		want  uint64
		line  string
	}{
		// OVMF's order: ACPI 2.0 comes after ACPI 1.0.
		{"ovmf64", true, [][16]byte{other, ACPI_TABLE_GUID, ACPI_20_TABLE_GUID}, 0x3000, "efi: ACPI=0x2000  ACPI 2.0=0x3000  (3 configuration tables)"},
		{"acpi20-first", true, [][16]byte{ACPI_20_TABLE_GUID, other, ACPI_TABLE_GUID}, 0x1000, "efi: ACPI=0x3000  ACPI 2.0=0x1000  (3 configuration tables)"},
		{"acpi10-only", true, [][16]byte{other, ACPI_TABLE_GUID}, 0x2000, "efi: ACPI=0x2000  (2 configuration tables)"},
		{"efi32", false, [][16]byte{ACPI_TABLE_GUID, other, ACPI_20_TABLE_GUID}, 0x3000, "efi: ACPI=0x1000  ACPI 2.0=0x3000  (3 configuration tables)"},
		{"none", true, [][16]byte{other}, 0, "efi: no ACPI table among the 1 configuration tables"},
	} {
		t.Run(c.name, func(t *testing.T) {
			osl, out := efiMachine(t, c.efi64, c.guids)
			if got := Efi_get_rsdp_addr(osl, systabPA, c.efi64); got != c.want {
				t.Errorf("RSDP at %#x, want %#x", got, c.want)
			}
			if lines := out.Lines(); len(lines) != 1 || lines[0] != c.line {
				t.Errorf("printed %q, want %q", lines, c.line)
			}
		})
	}
	bad := func(name, want string, damage func(st []byte), pa uint64) {
		t.Run(name, func(t *testing.T) {
			osl, out := efiMachine(t, true, [][16]byte{ACPI_20_TABLE_GUID})
			damage(osl.Mem.Bytes(systabPA, 120))
			if got := Efi_get_rsdp_addr(osl, pa, true); got != 0 {
				t.Errorf("RSDP at %#x from a bad system table", got)
			}
			if s := strings.Join(out.Lines(), "\n"); !strings.Contains(s, want) {
				t.Errorf("printed %q, want %q", s, want)
			}
		})
	}
	bad("signature", "efi: System table signature incorrect! (0x5453595320494248 at 0x80018)", func(st []byte) { st[0]-- }, systabPA)
	bad("too-many", "efi: 100000 configuration tables at 0x90000 (at most 256): none read",
		func(st []byte) { binary.LittleEndian.PutUint64(st[104:], 100000) }, systabPA)
	bad("tables-outside", "efi: 1 configuration tables at 0x40000000 are not in the memory map: none read",
		func(st []byte) { binary.LittleEndian.PutUint64(st[112:], 1<<30) }, systabPA)
	bad("systab-outside", "efi: system table at 0x40000000 is not in the memory map: no ACPI tables from it", func([]byte) {}, 1<<30)
}
