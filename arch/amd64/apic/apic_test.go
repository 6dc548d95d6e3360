package apic

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/fwtables"
	"gokern/internal/ktest"
	"gokern/kernel/cpumask"
	"gokern/memblock"
)

// Host tests of the path from the firmware's tables to the interrupt
// routing, on tables captured from QEMU (internal/fwtables/testdata): the
// registration of the I/O APIC stands in for the hardware
// (ioapic_probe), everything else is the kernel's code.

type machine struct {
	ram *ktest.RAM
	osl *fwtables.Osl
	out *ktest.Capture
}

func reset() {
	Smp_found_config, Mpf_found, mpf_base, Pic_mode = false, false, 0, false
	Num_processors, Disabled_cpus = 0, 0
	Mp_bus_not_pci = [MAX_MP_BUSSES]bool{}
	Mp_irqs, Mp_irq_entries = [MAX_IRQ_SOURCES]asm.MpcIntsrc{}, 0
	Ioapics, Nr_ioapics, Gsi_top = [asm.MAX_IO_APICS]Ioapic{}, 0, 0
	Mp_lapic_addr, Boot_cpu_physical_apicid = 0, -1
	Acpi_lapic, Acpi_ioapic, Hpet_address = false, false, 0
	cpumask.Reset()
	X86_cpu_to_apicid = [asm.NR_CPUS]uint32{}
	hard_smp_processor_id = func() uint32 { return 0 }
}

// load puts a captured machine's tables into a simulated RAM.
func load(t *testing.T, name string) *machine {
	t.Helper()
	fm := fwtables.LoadMachine(t, name)
	memblock.Init(fm.RAM)
	reset()
	// QEMU 7.2's I/O APIC: version 0x20, 24 pins.
	ioapic_probe = func(idx int) (uint32, uint32, uint32) { return 0, 23<<16 | 0x20, 0 }
	t.Cleanup(func() { ioapic_probe = io_apic_probe_hw })
	return &machine{ram: fm.RAM, osl: fm.Osl, out: ktest.StartCapture(t)}
}

// boot runs setup_arch's table steps in the kernel's order
// (arch/amd64/acpi.go acpi_and_mp_setup, without the local APIC mapping).
func (m *machine) boot(acpi_off bool) []string {
	Acpi_boot_table_init(m.osl, 0, acpi_off)
	ebda := uint64(binary.LittleEndian.Uint16(m.ram.Bytes(0x40e, 2))) << 4
	Find_smp_config(m.osl, ebda)
	Acpi_boot_init()
	Get_smp_config()
	return m.out.Lines()
}

type route struct {
	pin       int
	vector    uint8
	level     bool
	activeLow bool
}

func routes(t *testing.T) map[int]route {
	t.Helper()
	r := map[int]route{}
	for isa := 0; isa < 16; isa++ {
		if x, ok := Ioapic_isa_route(isa); ok {
			if x.Apic != 0 || !x.Entry.Masked() || x.Entry.Destid() != 0 {
				t.Errorf("IRQ %d: apic %d, entry %#x: want I/O APIC 0, masked, to APIC 0", isa, x.Apic, x.Entry)
			}
			r[isa] = route{x.Pin, x.Entry.Vector(), x.Entry.Is_level(), x.Entry.Active_low()}
		}
	}
	return r
}

// QEMU's MADT: IRQ 0 on pin 2 (the override), the PCI link IRQs 5, 9, 10,
// 11 level, every other ISA IRQ on its own pin, edge, active high; IRQ 2
// (the 8259 cascade, whose pin the timer took) nowhere.
func TestMADTRouting(t *testing.T) {
	for _, name := range []string{"pc-seabios", "q35-seabios", "pc-qboot", "q35-qboot"} {
		t.Run(name, func(t *testing.T) {
			m := load(t, name)
			out := strings.Join(m.boot(false), "\n")
			if !Acpi_lapic || !Acpi_ioapic || !Smp_found_config || Mp_lapic_addr != 0xfee00000 || Num_processors != 1 ||
				Boot_cpu_physical_apicid != 0 || Nr_ioapics != 1 || Hpet_address != 0xfed00000 {
				t.Fatalf("acpi_lapic %v acpi_ioapic %v found %v lapic %#x cpus %d boot %d ioapics %d hpet %#x\n%s",
					Acpi_lapic, Acpi_ioapic, Smp_found_config, Mp_lapic_addr, Num_processors, Boot_cpu_physical_apicid, Nr_ioapics, Hpet_address, out)
			}
			if io := Ioapics[0]; io.Apicaddr != 0xfec00000 || io.Gsi_base != 0 || io.Gsi_end != 23 || io.Apicid != 0 {
				t.Fatalf("I/O APIC %+v", io)
			}
			for _, want := range []string{
				"ACPI: PM-Timer IO Port: 0x608",
				"ACPI: LAPIC (acpi_id[0x00] lapic_id[0x00] enabled)",
				"ACPI: IOAPIC (id[0x00] address[0xfec00000] gsi_base[0])",
				"IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23",
				"ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)",
				"ACPI: Using ACPI (MADT) for SMP configuration information",
				"ACPI: HPET id: 0x8086a201 base: 0xfed00000",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in\n%s", want, out)
				}
			}
			if strings.Contains(out, "Intel MultiProcessor") {
				t.Errorf("the MP table was read although the MADT described everything\n%s", out)
			}
			r := routes(t)
			for isa := 0; isa < 16; isa++ {
				want := route{isa, uint8(0x30 + isa), false, false}
				switch isa {
				case 0:
					want.pin = 2
				case 2:
					if _, ok := r[2]; ok {
						t.Errorf("IRQ 2 routed: %+v", r[2])
					}
					continue
				case 5, 9, 10, 11:
					want.level = true
				}
				if r[isa] != want {
					t.Errorf("IRQ %d: %+v, want %+v", isa, r[isa], want)
				}
			}
		})
	}
}

// The MP table (SeaBIOS without ACPI, and qboot's with acpi=off): the
// same ISA routing, read from MP_INTSRC entries, and Linux's lines.
func TestMPTable(t *testing.T) {
	for _, c := range []struct {
		name   string
		lines  []string
		ioapic uint8
	}{
		{"pc-seabios-noacpi", []string{
			"ACPI: no RSDP in the EBDA or in [mem 0x000e0000-0x000fffff]: no ACPI tables",
			"found SMP MP-table at [mem 0x000f5ba0-0x000f5baf]",
			"Intel MultiProcessor Specification v1.4",
			"    Virtual Wire compatibility mode.",
			"MPTABLE: OEM ID: BOCHSCPU",
			"MPTABLE: Product ID: 0.1         ",
			"MPTABLE: APIC at: 0xFEE00000",
			"Processor #0 (Bootup-CPU)",
			"IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23",
			"Processors: 1",
		}, 0},
		{"pc-qboot", nil, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, c.name)
			out := m.boot(c.name == "pc-qboot")
			if c.lines != nil && !slices.Equal(out, c.lines) {
				t.Fatalf("printed\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(c.lines, "\n"))
			}
			if Acpi_lapic || !Smp_found_config || Num_processors != 1 || Boot_cpu_physical_apicid != 0 ||
				Nr_ioapics != 1 || Ioapics[0].Apicid != c.ioapic || Mp_lapic_addr != 0xfee00000 {
				t.Fatalf("found %v cpus %d boot %d ioapics %d (id %d) lapic %#x\n%s", Smp_found_config, Num_processors,
					Boot_cpu_physical_apicid, Nr_ioapics, Ioapics[0].Apicid, Mp_lapic_addr, strings.Join(out, "\n"))
			}
			r := routes(t)
			if r[0].pin != 2 || r[0].vector != 0x30 || r[4] != (route{4, 0x34, false, false}) || r[1] != (route{1, 0x31, false, false}) {
				t.Fatalf("routes %+v", r)
			}
		})
	}
}

// TestPhantomIOAPIC: an I/O APIC the MP table lists but nothing answers
// for (QEMU's isapc: SeaBIOS lists one at 0xfec00000, unassigned memory
// reads as zeros; an empty bus reads as ones) is skipped with Linux's
// line, and no ISA IRQ is routed to it: the 8259s keep them all.
func TestPhantomIOAPIC(t *testing.T) {
	for _, c := range []struct {
		reg  uint32
		line string
	}{
		{0, "I/O APIC 0xfec00000 registers return all zeros (no I/O APIC has version 0), skipping!"},
		{0xffffffff, "I/O APIC 0xfec00000 registers return all ones, skipping!"},
	} {
		m := load(t, "pc-seabios-noacpi")
		ioapic_probe = func(idx int) (uint32, uint32, uint32) { return c.reg, c.reg, c.reg }
		out := m.boot(false)
		if !slices.Contains(out, c.line) || Nr_ioapics != 0 || Gsi_top != 0 {
			t.Fatalf("registers %#x: %d I/O APICs, gsi_top %d\n%s", c.reg, Nr_ioapics, Gsi_top, strings.Join(out, "\n"))
		}
		for isa := 0; isa < 16; isa++ {
			if x, ok := Ioapic_isa_route(isa); ok {
				t.Fatalf("registers %#x: IRQ %d routed to pin %d of I/O APIC %d", c.reg, isa, x.Pin, x.Apic)
			}
		}
	}
}

// A corrupt MP table is reported and leaves no configuration: the kernel
// then runs on the 8259s (APIC_VIRTUAL_WIRE_NO_CONFIG).
func TestBadMPTable(t *testing.T) {
	const mpf, mpc = 0xf5ba0, 0xf5bb0
	for _, c := range []struct {
		name    string
		corrupt func(m *machine)
		message string
	}{
		{"checksum", func(m *machine) { m.ram.Bytes(mpc+8, 1)[0] ^= 1 }, "MPTABLE: checksum error!"},
		{"signature", func(m *machine) {
			copy(m.ram.Bytes(mpc, 4), "PCMQ")
			m.ram.Bytes(mpc+7, 1)[0]-- // keep the checksum
		}, "MPTABLE: bad signature [PCMQ]!"},
		{"table past the entries", func(m *machine) {
			h := m.ram.Bytes(mpc, 44)
			n := binary.LittleEndian.Uint16(h[4:]) - 1
			binary.LittleEndian.PutUint16(h[4:], n)
			tb := m.ram.Bytes(mpc, uint64(n))
			tb[7] = 0
			tb[7] = -mpf_checksum(tb)
		}, "runs past the table"},
		{"floating pointer checksum", func(m *machine) { m.ram.Bytes(mpf+11, 1)[0] = 1 }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, "pc-seabios-noacpi")
			c.corrupt(m)
			out := strings.Join(m.boot(false), "\n")
			if Smp_found_config || Mp_irq_entries != 0 || !strings.Contains(out, c.message) {
				t.Fatalf("found %v, %d sources\n%s", Smp_found_config, Mp_irq_entries, out)
			}
			mode, why := Apic_intr_mode_select(false, true, Smp_found_config, Acpi_lapic, false, Nr_ioapics)
			if mode != APIC_VIRTUAL_WIRE_NO_CONFIG || why != "APIC: ACPI MADT or MP tables are not detected" {
				t.Fatalf("mode %d (%s)", mode, why)
			}
		})
	}
}

// A MADT that cannot be used makes the kernel fall back to the MP table;
// one without an I/O APIC leaves the devices on the 8259s.
func TestBadMADTFallsBack(t *testing.T) {
	const madt = 0x7fe1a00
	m := load(t, "pc-seabios")
	m.ram.Bytes(madt+9, 1)[0]++ // checksum
	out := strings.Join(m.boot(false), "\n")
	if Acpi_lapic || !Smp_found_config || !strings.Contains(out, "Incorrect checksum in table [APIC]") ||
		!strings.Contains(out, "ACPI: no usable MADT: falling back to the MP table") || !strings.Contains(out, "Intel MultiProcessor Specification v1.4") {
		t.Fatalf("acpi_lapic %v found %v\n%s", Acpi_lapic, Smp_found_config, out)
	}
	if r, ok := Ioapic_isa_route(0); !ok || r.Pin != 2 {
		t.Fatalf("IRQ 0 through the MP table: %+v %v", r, ok)
	}

	// The MADT without its I/O APIC entry (type 1 renamed to a type
	// gokern skips, 0x7f, checksum fixed): Linux then takes the I/O APIC
	// from the MP table; without one there either, the devices stay on
	// the 8259s (virtual wire).
	for _, withMP := range []bool{true, false} {
		m = load(t, "pc-seabios")
		tb := m.ram.Bytes(madt, 0x78)
		tb[52] = 0x7f
		tb[9] = 0
		var sum uint8
		for _, b := range tb {
			sum += b
		}
		tb[9] = -sum
		if !withMP {
			copy(m.ram.Bytes(0xf5ba0, 4), "_NO_")
		}
		out = strings.Join(m.boot(false), "\n")
		mode, why := Apic_intr_mode_select(false, true, Smp_found_config, Acpi_lapic, false, Nr_ioapics)
		want, ioapics := APIC_SYMMETRIC_IO, 1
		if !withMP {
			want, ioapics = APIC_VIRTUAL_WIRE, 0
		}
		if Nr_ioapics != ioapics || !Acpi_lapic || mode != want || !strings.Contains(out, "ACPI: the MADT lists no usable I/O APIC") {
			t.Fatalf("MP table %v: ioapics %d acpi_lapic %v mode %d (%s)\n%s", withMP, Nr_ioapics, Acpi_lapic, mode, why, out)
		}
	}
}

// The mode follows Linux's __apic_intr_mode_select.
func TestIntrModeSelect(t *testing.T) {
	for _, c := range []struct {
		nolapic, has, found, acpiLapic, noapic bool
		ioapics                                int
		mode                                   int
	}{
		{false, true, true, true, false, 1, APIC_SYMMETRIC_IO},
		{true, true, true, true, false, 1, APIC_PIC},
		{false, false, true, true, false, 1, APIC_PIC},
		{false, true, false, false, false, 0, APIC_VIRTUAL_WIRE_NO_CONFIG},
		{false, true, false, true, false, 0, APIC_VIRTUAL_WIRE},
		{false, true, true, true, true, 1, APIC_VIRTUAL_WIRE},
		{false, true, true, true, false, 0, APIC_VIRTUAL_WIRE},
	} {
		if mode, why := Apic_intr_mode_select(c.nolapic, c.has, c.found, c.acpiLapic, c.noapic, c.ioapics); mode != c.mode {
			t.Errorf("%+v: mode %d (%s)", c, mode, why)
		}
	}
}

// The processors of the tables become CPU numbers: the boot CPU is 0
// wherever the table lists it, the others follow in table order; a second
// entry for one APIC ID and entries past NR_CPUS are reported and left
// out.
func TestGeneric_processor_info(t *testing.T) {
	reset()
	out := ktest.StartCapture(t)
	hard_smp_processor_id = func() uint32 { return 3 }
	var got []int
	for _, id := range []uint32{0, 1, 3, 1, 4, 5, 6, 7, 8, 9} {
		got = append(got, Generic_processor_info(id))
	}
	want := []int{1, 2, 0, -1, 3, 4, 5, 6, 7, -1}
	if !slices.Equal(got, want) {
		t.Fatalf("CPU numbers %v, want %v", got, want)
	}
	if Num_processors != 8 || Disabled_cpus != 1 || cpumask.Cpu_present_mask.Bits() != 0xff {
		t.Fatalf("processors %d disabled %d present %#x", Num_processors, Disabled_cpus, cpumask.Cpu_present_mask.Bits())
	}
	for cpu, id := range []uint32{3, 0, 1, 4, 5, 6, 7, 8} {
		if Cpu_apicid(cpu) != id {
			t.Errorf("CPU %d: APIC ID %d, want %d", cpu, Cpu_apicid(cpu), id)
		}
	}
	lines := strings.Join(out.Lines(), "\n")
	for _, w := range []string{"APIC: Ignoring duplicate APIC ID 0x1 (CPU 2 has it)",
		"APIC: NR_CPUS/possible_cpus limit of 8 reached. Processor 8/0x9 ignored."} {
		if !strings.Contains(lines, w) {
			t.Errorf("no %q in\n%s", w, lines)
		}
	}
}

// QEMU's MADT at -smp 1: one CPU, the boot CPU, APIC ID 0.
func TestMADTCpus(t *testing.T) {
	m := load(t, "pc-seabios")
	m.boot(false)
	if Num_processors != 1 || cpumask.Cpu_present_mask.Bits() != 1 || Cpu_apicid(0) != 0 || Cpu_apicid(1) != BAD_APICID {
		t.Fatalf("processors %d present %#x", Num_processors, cpumask.Cpu_present_mask.Bits())
	}
}

// The calibration's arithmetic: QEMU's 1 GHz bus against a 2.3 GHz TSC
// over 2 ms, a 100 MHz bus, and the impossible.
func TestLapicBusHz(t *testing.T) {
	for _, c := range []struct {
		counts, cycles, khz, hz uint64
		ok                      bool
	}{
		{125000, 4600000, 2300000, 1000000000, true},
		{12500, 2000000, 1000000, 100000000, true},
		{1, 0, 2300000, 0, false},
		{1 << 40, 1, 2300000, 0, false},
	} {
		if hz, ok := lapic_bus_hz(c.counts, c.cycles, c.khz); hz != c.hz || ok != c.ok {
			t.Errorf("lapic_bus_hz(%d, %d, %d) = %d %v, want %d %v", c.counts, c.cycles, c.khz, hz, ok, c.hz, c.ok)
		}
	}
}
