package acpi

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gokern/internal/fwtables"
	"gokern/internal/ktest"
)

// Host tests of the table code on tables captured from QEMU 7.2 (pc and
// q35, SeaBIOS and qboot: internal/fwtables/testdata, refreshed by the
// boot test TestFirmwareTables), and on corrupted copies of them.

type machine struct {
	ram *ktest.RAM
	osl *fwtables.Osl
	out *ktest.Capture
}

func load(t *testing.T, name string) *machine {
	t.Helper()
	fm := fwtables.LoadMachine(t, name)
	return &machine{ram: fm.RAM, osl: fm.Osl, out: ktest.StartCapture(t)}
}

func (m *machine) u32(pa uint64) uint32 { return binary.LittleEndian.Uint32(m.ram.Bytes(pa, 4)) }
func (m *machine) put32(pa uint64, v uint32) {
	binary.LittleEndian.PutUint32(m.ram.Bytes(pa, 4), v)
}

// fix recomputes the checksum of the table at pa (byte 9 of the header).
func (m *machine) fix(pa uint64) {
	t := m.ram.Bytes(pa, uint64(m.u32(pa+4)))
	t[9] = 0
	t[9] = -acpi_tb_checksum(t)
}

func table(sig string) (AcpiTableDesc, bool) {
	d, ok := acpi_get_table_desc(sig)
	if !ok {
		return AcpiTableDesc{}, false
	}
	return *d, true
}

// The boot log, line by line as Linux prints it, for QEMU's pc machine
// under SeaBIOS (the addresses are the tables' in 128 MiB of RAM).
func TestTableInitPCSeaBIOS(t *testing.T) {
	m := load(t, "pc-seabios")
	if err := Acpi_table_init(m.osl, 0); err != 0 {
		t.Fatalf("Acpi_table_init = %d\n%s", err, strings.Join(m.out.Lines(), "\n"))
	}
	want := []string{
		"ACPI: RSDP 0x00000000000F59D0 000014 (v00 BOCHS )",
		"ACPI: RSDT 0x0000000007FE1AD8 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"ACPI: FACP 0x0000000007FE198C 000074 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"ACPI: DSDT 0x0000000007FE0040 00194C (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"ACPI: FACS 0x0000000007FE0000 000040",
		"ACPI: APIC 0x0000000007FE1A00 000078 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"ACPI: HPET 0x0000000007FE1A78 000038 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"ACPI: WAET 0x0000000007FE1AB0 000028 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
	}
	if got := m.out.Lines(); !slices.Equal(got, want) {
		t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if Acpi_rsdp != 0xf59d0 || Acpi_gbl_root_table_count != 6 || Pmtmr_ioport != 0x608 || Pmtmr_32bit || Sci_interrupt != 9 || Acpi_disabled {
		t.Fatalf("rsdp %#x, %d tables, PM timer %#x (32-bit %v), SCI %d, disabled %v",
			Acpi_rsdp, Acpi_gbl_root_table_count, Pmtmr_ioport, Pmtmr_32bit, Sci_interrupt, Acpi_disabled)
	}
	if d, ok := table("APIC"); !ok || d.Address != 0x7fe1a00 || d.Length != 0x78 {
		t.Fatalf("MADT %+v %v", d, ok)
	}
}

// Every captured machine: the RSDP is found where the firmware put it,
// every table the root table lists is installed with its length, the FADT
// leads to the DSDT and FACS, and the MADT's entries are what QEMU builds
// (acpi-build.c build_madt: one enabled LAPIC, the I/O APIC at 0xfec00000
// with GSI base 0, IRQ 0 on GSI 2, the PCI link IRQs 5, 9, 10, 11 level,
// active high, and LINT1 of every CPU as NMI).
func TestTableInitQEMU(t *testing.T) {
	for _, c := range []struct {
		name     string
		rsdp     uint64
		sigs     string
		fadt_rev uint8 // QEMU's pc FADT is ACPI 1.0's, q35's 2.0's; both name CMOS 0x32 the century
	}{
		{"pc-seabios", 0xf59d0, "FACP DSDT FACS APIC HPET WAET", 1},
		{"pc-qboot", 0xf35e0, "FACP DSDT FACS APIC HPET WAET", 1},
		{"q35-seabios", 0xf59e0, "FACP DSDT FACS APIC HPET MCFG WAET", 3},
		{"q35-qboot", 0xf36a0, "FACP DSDT FACS APIC HPET MCFG WAET", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, c.name)
			if err := Acpi_table_init(m.osl, 0); err != 0 {
				t.Fatalf("Acpi_table_init = %d\n%s", err, strings.Join(m.out.Lines(), "\n"))
			}
			var sigs []string
			for _, d := range Acpi_gbl_root_table_list[:Acpi_gbl_root_table_count] {
				sigs = append(sigs, string(d.Signature[:]))
				if string(d.Signature[:]) != "DSDT" && m.u32(d.Address+4) != d.Length {
					t.Errorf("%s at %#x: length %d, the table says %d", d.Signature, d.Address, d.Length, m.u32(d.Address+4))
				}
			}
			if Acpi_rsdp != c.rsdp || strings.Join(sigs, " ") != c.sigs || Pmtmr_ioport != 0x608 {
				t.Fatalf("RSDP %#x tables %q PM timer %#x; want %#x %q 0x608", Acpi_rsdp, sigs, Pmtmr_ioport, c.rsdp, c.sigs)
			}
			if Acpi_gbl_FADT.Revision != c.fadt_rev || Acpi_gbl_FADT.Century != 0x32 {
				t.Errorf("FADT revision %d, century register %#x; want %d, 0x32", Acpi_gbl_FADT.Revision, Acpi_gbl_FADT.Century, c.fadt_rev)
			}
			checkQEMUMADT(t, m)
		})
	}
}

// checkQEMUMADT parses the MADT type by type as arch code does.
func checkQEMUMADT(t *testing.T, m *machine) {
	t.Helper()
	var got []string
	collect := func(e []byte) int {
		got = append(got, fmt.Sprintf("%d:%x", e[0], e))
		return 0
	}
	want := map[uint8]int{ACPI_MADT_TYPE_LOCAL_APIC: 1, ACPI_MADT_TYPE_IO_APIC: 1, ACPI_MADT_TYPE_INTERRUPT_OVERRIDE: 5,
		ACPI_MADT_TYPE_LOCAL_APIC_NMI: 1, ACPI_MADT_TYPE_NMI_SOURCE: 0}
	for typ, n := range want {
		if c := Acpi_table_parse_madt(typ, collect, 0); c != n {
			t.Errorf("MADT type %d: %d entries, want %d", typ, c, n)
		}
	}
	m.out.Lines()
	Acpi_table_parse_madt(ACPI_MADT_TYPE_LOCAL_APIC, print_entry, 0)
	Acpi_table_parse_madt(ACPI_MADT_TYPE_IO_APIC, print_entry, 0)
	Acpi_table_parse_madt(ACPI_MADT_TYPE_INTERRUPT_OVERRIDE, print_entry, 0)
	Acpi_table_parse_madt(ACPI_MADT_TYPE_LOCAL_APIC_NMI, print_entry, 0)
	lines := []string{
		"ACPI: LAPIC (acpi_id[0x00] lapic_id[0x00] enabled)",
		"ACPI: IOAPIC (id[0x00] address[0xfec00000] gsi_base[0])",
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)",
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 5 global_irq 5 high level)",
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)",
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 10 global_irq 10 high level)",
		"ACPI: INT_SRC_OVR (bus 0 bus_irq 11 global_irq 11 high level)",
		"ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])",
	}
	if out := m.out.Lines(); !slices.Equal(out, lines) {
		t.Errorf("MADT printed\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(lines, "\n"))
	}
}

func print_entry(e []byte) int { Acpi_table_print_madt_entry(e); return 0 }

// Bad input: each corruption is reported on the console, by name and
// value, and leaves ACPI disabled or the table unused; nothing is read
// outside the tables (fwtables.Osl and the simulated RAM would fail the
// test).
func TestBadTables(t *testing.T) {
	const rsdp, rsdt, madt = 0xf59d0, 0x7fe1ad8, 0x7fe1a00
	for _, c := range []struct {
		name    string
		corrupt func(m *machine)
		initErr int
		madtErr int
		message string
	}{
		{"RSDP checksum", func(m *machine) { m.ram.Bytes(rsdp+8, 1)[0]++ }, -ENODEV, -ENODEV, "ACPI: no RSDP in the EBDA or in [mem 0x000e0000-0x000fffff]"},
		{"RSDT checksum", func(m *machine) { m.ram.Bytes(rsdt+9, 1)[0] += 3 }, -EINVAL, -ENODEV,
			"ACPI BIOS Warning (bug): Incorrect checksum in table [RSDT] - 0xF7, should be 0xF4"},
		{"RSDT outside RAM", func(m *machine) {
			binary.LittleEndian.PutUint32(m.ram.Bytes(rsdp+16, 4), 0xf0000000)
			r := m.ram.Bytes(rsdp, 20)
			r[8] = 0
			r[8] = -acpi_tb_checksum(r)
		}, -EINVAL, -ENODEV, "ACPI: table at 0xf0000000 is outside the memory map: ignored"},
		{"RSDT is not an RSDT", func(m *machine) { copy(m.ram.Bytes(rsdt, 4), "XXXX"); m.fix(rsdt) }, -EINVAL, -ENODEV,
			"ACPI: the RSDP points to [XXXX] at 0x07fe1ad8, not to an RSDT"},
		{"RSDT absurd length", func(m *machine) { m.put32(rsdt+4, 0xffffff00) }, -EINVAL, -ENODEV,
			"ACPI: table [RSDT] at 0x07fe1ad8 has an invalid length 0xffffff00: ignored"},
		{"MADT checksum", func(m *machine) { m.ram.Bytes(madt+40, 1)[0] ^= 0x80 }, 0, -EINVAL,
			"Incorrect checksum in table [APIC]"},
		{"MADT truncated", func(m *machine) { m.put32(madt+4, 0x78-4); m.fix(madt) }, 0, -EINVAL,
			"ACPI: [APIC:0x04] subtable at offset 0x72 is 6 bytes: it needs 6 and the table has 2 left"},
		{"MADT header only", func(m *machine) { m.put32(madt+4, 40); m.fix(madt) }, 0, -EINVAL,
			"ACPI: [APIC] is 40 bytes, shorter than its 44-byte header"},
		{"MADT zero-length entry", func(m *machine) { m.ram.Bytes(madt+44+1, 1)[0] = 0; m.fix(madt) }, 0, -EINVAL,
			"ACPI: [APIC:0x00] Invalid zero length at offset 0x2c"},
		{"MADT short IOAPIC entry", func(m *machine) {
			// Entry 1 (the I/O APIC) claims 4 bytes: the next "entry"
			// starts inside it.
			m.ram.Bytes(madt+52+1, 1)[0] = 4
			m.fix(madt)
		}, 0, -EINVAL, "ACPI: [APIC:0x01] subtable at offset 0x34 is 4 bytes: it needs 12"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, "pc-seabios")
			c.corrupt(m)
			if err := Acpi_table_init(m.osl, 0); err != c.initErr {
				t.Fatalf("Acpi_table_init = %d, want %d\n%s", err, c.initErr, strings.Join(m.out.Lines(), "\n"))
			}
			if err := Acpi_table_parse_madt(ACPI_MADT_TYPE_IO_APIC, func([]byte) int { return 0 }, 0); err != c.madtErr {
				t.Fatalf("Acpi_table_parse_madt = %d, want %d", err, c.madtErr)
			}
			if out := strings.Join(m.out.Lines(), "\n"); !strings.Contains(out, c.message) {
				t.Fatalf("console lacks %q:\n%s", c.message, out)
			}
			if c.initErr != 0 && !Acpi_disabled {
				t.Fatalf("ACPI not disabled after a bad root table")
			}
		})
	}
}

// An ACPI 2.0 RSDP in the EBDA is found before the one in the BIOS area,
// and its XSDT (64-bit entries) is used instead of the RSDT; unprintable
// OEM bytes print as '?'.
func TestXSDTInEBDA(t *testing.T) {
	m := load(t, "pc-seabios")
	const ebda, xsdt = 0x9fc00, 0x7fe3000
	entries := []uint64{0x7fe198c, 0x7fe1a00, 0x7fe1a78, 0x7fe1ab0}
	x := m.ram.Bytes(xsdt, uint64(36+8*len(entries)))
	copy(x, "XSDT")
	binary.LittleEndian.PutUint32(x[4:], uint32(len(x)))
	x[8] = 1
	copy(x[10:], "GOKERN\x00\x01XSDTTEST")
	for i, e := range entries {
		binary.LittleEndian.PutUint64(x[36+8*i:], e)
	}
	m.fix(xsdt)
	r := m.ram.Bytes(ebda, 36)
	copy(r, "RSD PTR ")
	copy(r[9:], "GOKERN")
	r[15] = 2
	binary.LittleEndian.PutUint32(r[16:], 0x7fe1ad8)
	binary.LittleEndian.PutUint32(r[20:], 36)
	binary.LittleEndian.PutUint64(r[24:], xsdt)
	r[8] = -acpi_tb_checksum(r[:20])
	r[32] = -acpi_tb_checksum(r[:36])
	if err := Acpi_table_init(m.osl, 0); err != 0 {
		t.Fatalf("Acpi_table_init = %d\n%s", err, strings.Join(m.out.Lines(), "\n"))
	}
	out := m.out.Lines()
	if len(out) < 2 || out[0] != "ACPI: RSDP 0x000000000009FC00 000024 (v02 GOKERN)" ||
		out[1] != "ACPI: XSDT 0x0000000007FE3000 000044 (v01 GOKERN ??XSDTTE 00005453 ???? 00000000)" {
		t.Fatalf("printed\n%s", strings.Join(out, "\n"))
	}
	if Acpi_rsdp != ebda || Acpi_gbl_root_table_count != 6 {
		t.Fatalf("RSDP %#x, %d tables", Acpi_rsdp, Acpi_gbl_root_table_count)
	}
	// The boot loader's RSDP (boot_params.acpi_rsdp_addr) is taken as it
	// is, without a scan.
	m.osl.Maps = 0
	if err := Acpi_table_init(m.osl, 0xf59d0); err != 0 || Acpi_rsdp != 0xf59d0 {
		t.Fatalf("with the RSDP hint: %d, RSDP %#x", err, Acpi_rsdp)
	}
	if first := m.out.Lines()[0]; first != "ACPI: RSDP 0x00000000000F59D0 000014 (v00 BOCHS )" {
		t.Fatalf("first line %q", first)
	}
}

// The MADT walker never hands a handler a subtable shorter than its type
// needs, nor reads past the table, whatever the bytes.
func FuzzMADT(f *testing.F) {
	chunks, err := fwtables.Read(fwtables.Testdata("qemu-q35-seabios.tables"))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range chunks {
		if len(c.Data) > 4 && string(c.Data[:4]) == "APIC" {
			f.Add(c.Data)
		}
	}
	f.Fuzz(func(t *testing.T, madt []byte) {
		for typ := uint8(0); typ < 6; typ++ {
			Acpi_parse_madt_entries(madt, typ, func(e []byte) int {
				if len(e) < madt_entry_min_size(e[0]) || e[0] != typ {
					t.Fatalf("handler got %x for type %d", e, typ)
				}
				return 0
			}, 0)
		}
	})
}

// Whatever the root table says, Acpi_table_init only maps what the
// memory map allows and undoes every mapping.
func FuzzRootTable(f *testing.F) {
	f.Add([]byte("RSDT\x34\x00\x00\x00"), uint32(0x7fe198c))
	f.Add([]byte("XSDT\xff\xff\xff\x7f"), uint32(0xfffffff0))
	f.Fuzz(func(t *testing.T, hdr []byte, entry uint32) {
		m := load(t, "pc-seabios")
		const rsdt = 0x7fe1ad8
		copy(m.ram.Bytes(rsdt, 36), hdr)
		m.put32(rsdt+36, entry)
		if l := m.u32(rsdt + 4); l >= 10 && l <= 4096 {
			m.fix(rsdt) // else the checksum is likely wrong: a path too
		}
		m.osl.Valid = func(pa, size uint64) bool { return pa < 128<<20 && size <= 128<<20-pa }
		Acpi_table_init(m.osl, 0)
		Acpi_table_parse_madt(ACPI_MADT_TYPE_IO_APIC, func([]byte) int { return 0 }, 0)
	})
}
