package apic

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/drivers/acpi"
	"gokern/internal/ktest"
	"gokern/kernel/cpumask"
)

// Host tests of the local APIC driver in both modes, through a fake
// register backend (lapic_hw): QEMU 7.2's TCG has no x2APIC, so these are
// the only proof of the x2APIC path. Each test lists the register
// accesses an operation makes, in order, against what the SDM asks for.

// fakeLapic records every access. MMIO offsets are relative to apic_va,
// which the host tests leave at 0.
type fakeLapic struct {
	ops      []string
	msr      map[uint32]uint64
	ecx, edx uint32 // CPUID.1
}

func installFake(t *testing.T, x2apic bool, msrs map[uint32]uint64) *fakeLapic {
	t.Helper()
	f := &fakeLapic{msr: msrs, edx: asm.FeatureMask(asm.X86_FEATURE_APIC)}
	if f.msr == nil {
		f.msr = map[uint32]uint64{}
	}
	old := hw
	hw = lapic_hw{
		readl: func(a uintptr) uint32 { f.ops = append(f.ops, fmt.Sprintf("readl %#x", a)); return 0 },
		writel: func(v uint32, a uintptr) {
			f.ops = append(f.ops, fmt.Sprintf("writel %#x = %#x", a, v))
		},
		rdmsr: func(m uint32) uint64 { f.ops = append(f.ops, fmt.Sprintf("rdmsr %#x", m)); return f.msr[m] },
		wrmsr: func(m uint32, v uint64) {
			f.ops = append(f.ops, fmt.Sprintf("wrmsr %#x = %#x", m, v))
			f.msr[m] = v
		},
		cpuid:       func(uint32) (uint32, uint32, uint32, uint32) { return 0, 0, f.ecx, f.edx },
		irq_save:    func() uint64 { f.ops = append(f.ops, "cli"); return asm.X86_EFLAGS_IF },
		irq_restore: func(fl uint64) { f.ops = append(f.ops, fmt.Sprintf("restore IF=%d", fl&asm.X86_EFLAGS_IF>>9)) },
	}
	X2apic_mode = x2apic
	t.Cleanup(func() {
		hw = old
		X2apic_mode, X2apic_state, Nox2apic, Disable_apic = false, X2APIC_OFF, false, false
	})
	return f
}

// take returns the accesses since the last call.
func (f *fakeLapic) take() []string { o := f.ops; f.ops = nil; return o }

// TestIPIRegisterWrites: an IPI to CPU 3, the broadcasts, a self-IPI, an
// NMI and an EOI, in each mode. xAPIC (SDM Vol. 3A §11.6.1): wait for
// ICR's delivery status, ICR2 with the APIC ID in bits 31:24, then ICR's
// low half, which sends. x2APIC (§11.12.9, §11.12.11): one 64-bit write
// of MSR 0x830 with the 32-bit destination in bits 63:32, no wait; the
// self-IPI through the SELF IPI MSR 0x83f; EOI through MSR 0x80b.
func TestIPIRegisterWrites(t *testing.T) {
	for _, c := range []struct {
		mode   string
		x2apic bool
		apicid uint32 // CPU 3's
		want   map[string][]string
	}{
		{"xAPIC", false, 3, map[string][]string{
			"Send_IPI_mask(CPU 3)":  {"cli", "readl 0x300", "writel 0x310 = 0x3000000", "writel 0x300 = 0xfc", "restore IF=1"},
			"Send_IPI_allbutself":   {"cli", "readl 0x300", "writel 0x300 = 0xc00fd", "restore IF=1"},
			"Send_IPI_all":          {"cli", "readl 0x300", "writel 0x300 = 0x800fb", "restore IF=1"},
			"Send_IPI_self":         {"cli", "readl 0x300", "writel 0x300 = 0x400f8", "restore IF=1"},
			"Send_NMI(CPU 3)":       {"cli", "readl 0x300", "writel 0x310 = 0x3000000", "writel 0x300 = 0x402", "restore IF=1"},
			"Apic_eoi":              {"writel 0xb0 = 0x0"},
			"Read_lapic_id":         {"readl 0x20"},
			"Apic_write(APIC_ID)":   {"writel 0x20 = 0x5000000"},
			"Apic_send_IPI_self(v)": {"readl 0x300", "writel 0x300 = 0x44031"},
		}},
		{"x2APIC", true, 0x10003, map[string][]string{
			"Send_IPI_mask(CPU 3)":  {"cli", "wrmsr 0x830 = 0x10003000000fc", "restore IF=1"},
			"Send_IPI_allbutself":   {"cli", "wrmsr 0x830 = 0xc00fd", "restore IF=1"},
			"Send_IPI_all":          {"cli", "wrmsr 0x830 = 0x800fb", "restore IF=1"},
			"Send_IPI_self":         {"wrmsr 0x83f = 0xf8"},
			"Send_NMI(CPU 3)":       {"cli", "wrmsr 0x830 = 0x1000300000402", "restore IF=1"},
			"Apic_eoi":              {"wrmsr 0x80b = 0x0"},
			"Read_lapic_id":         {"rdmsr 0x802"},
			"Apic_write(APIC_ID)":   nil, // read-only in x2APIC mode: a write would #GP
			"Apic_send_IPI_self(v)": {"wrmsr 0x83f = 0x31"},
		}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			f := installFake(t, c.x2apic, nil)
			cpumask.Reset()
			t.Cleanup(cpumask.Reset)
			for cpu := 0; cpu < 4; cpu++ {
				cpumask.Set_cpu_online(cpu, true)
			}
			old := X86_cpu_to_apicid
			t.Cleanup(func() { X86_cpu_to_apicid = old })
			X86_cpu_to_apicid[3] = c.apicid
			ops := []struct {
				name string
				do   func()
			}{
				{"Send_IPI_mask(CPU 3)", func() { Send_IPI_mask(1<<3, asm.CALL_FUNCTION_VECTOR) }},
				{"Send_IPI_allbutself", func() { Send_IPI_allbutself(asm.RESCHEDULE_VECTOR) }},
				{"Send_IPI_all", func() { Send_IPI_all(asm.CALL_FUNCTION_SINGLE_VECTOR) }},
				{"Send_IPI_self", func() { Send_IPI_self(asm.REBOOT_VECTOR) }},
				{"Send_NMI(CPU 3)", func() { Send_NMI(3) }},
				{"Apic_eoi", Apic_eoi},
				{"Read_lapic_id", func() { Read_lapic_id() }},
				{"Apic_write(APIC_ID)", func() { Apic_write(asm.APIC_ID, 5<<24) }},
				{"Apic_send_IPI_self(v)", func() { Apic_send_IPI_self(0x31) }},
			}
			for _, op := range ops {
				f.take()
				op.do()
				if got := f.take(); !slices.Equal(got, c.want[op.name]) {
					t.Errorf("%s: %q, want %q", op.name, got, c.want[op.name])
				}
			}
		})
	}
}

// TestX2apicICRWriteINIT: do_boot_cpu's INIT and STARTUP through
// Apic_icr_write: the APIC ID in the ICR's top half in x2APIC mode, a
// 32-bit one unharmed.
func TestX2apicICRWriteINIT(t *testing.T) {
	f := installFake(t, true, nil)
	Apic_icr_write(asm.APIC_INT_LEVELTRIG|asm.APIC_INT_ASSERT|asm.APIC_DM_INIT, 0xfffffffe)
	Apic_icr_write(asm.APIC_DM_STARTUP|0x9e, 0x100)
	if s := Safe_apic_wait_icr_idle(); s != 0 {
		t.Errorf("wait_icr_idle in x2APIC mode: %#x, want 0 without a read", s)
	}
	want := []string{"wrmsr 0x830 = 0xfffffffe0000c500", "wrmsr 0x830 = 0x1000000069e"}
	if got := f.take(); !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestCheckX2apic: the mode chosen from CPUID, IA32_APIC_BASE and
// nox2apic, the MSR writes that make it so (the SDM's state transitions,
// §11.12.5), and the line that says it.
func TestCheckX2apic(t *testing.T) {
	const (
		x2   = 1 << 21 // CPUID.1:ECX.x2APIC
		hv   = asm.X86_FEATURE_HYPERVISOR
		base = 0xfee00000 | asm.MSR_IA32_APICBASE_BSP
		en   = asm.MSR_IA32_APICBASE_ENABLE
		extd = asm.X2APIC_ENABLE
	)
	for _, c := range []struct {
		name     string
		ecx      uint32
		msr      uint64
		id       uint64 // the x2APIC ID MSR, when EXTD is on
		nox2apic bool
		mode     bool
		state    int
		msrAfter uint64
		writes   []string
		lines    []string
	}{
		{"no x2APIC", hv, base | en, 0, false, false, X2APIC_DISABLED, base | en, nil,
			[]string{"x2apic: not available (CPUID.1:ECX bit 21 clear): xAPIC mode, registers through MMIO"}},
		{"x2APIC, off, hypervisor", x2 | hv, base | en, 0, false, true, X2APIC_ON, base | en | extd,
			[]string{"wrmsr 0x1b = 0xfee00d00"}, []string{"x2apic enabled", "Switched APIC routing to: physical x2apic"}},
		{"x2APIC, globally disabled, hypervisor", x2 | hv, base, 0, false, true, X2APIC_ON, base | en | extd,
			[]string{"wrmsr 0x1b = 0xfee00900", "wrmsr 0x1b = 0xfee00d00"}, []string{"x2apic enabled"}},
		{"x2APIC, off, bare metal without IRQ remapping", x2, base | en, 0, false, false, X2APIC_DISABLED, base | en, nil,
			[]string{"x2apic: IRQ remapping doesn't support X2APIC mode"}},
		{"x2APIC, off, nox2apic", x2 | hv, base | en, 0, true, false, X2APIC_DISABLED, base | en, nil,
			[]string{"x2apic: disabled by nox2apic: xAPIC mode, registers through MMIO"}},
		{"enabled by BIOS", x2, base | en | extd, 0, false, true, X2APIC_ON, base | en | extd, nil,
			[]string{"x2apic: enabled by BIOS, switching to x2apic ops", "Switched APIC routing to: physical x2apic"}},
		{"enabled by BIOS, nox2apic", x2, base | en | extd, 0, true, false, X2APIC_DISABLED, base | en,
			[]string{"wrmsr 0x1b = 0xfee00100", "wrmsr 0x1b = 0xfee00900"}, []string{"x2apic already enabled.", "x2apic disabled"}},
		{"enabled by BIOS, nox2apic, APIC ID 0x100", x2, base | en | extd, 0x100, true, true, X2APIC_ON, base | en | extd, nil,
			[]string{"Apicid: 00000100, cannot enforce nox2apic", "x2apic: enabled by BIOS, switching to x2apic ops"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := installFake(t, false, map[uint32]uint64{asm.MSR_IA32_APICBASE: c.msr, 0x802: c.id})
			f.ecx = c.ecx
			Nox2apic = c.nox2apic
			out := ktest.StartCapture(t)
			Check_x2apic()
			var writes []string
			for _, o := range f.take() {
				if strings.HasPrefix(o, "wrmsr") {
					writes = append(writes, o)
				}
			}
			if X2apic_mode != c.mode || X2apic_state != c.state || f.msr[asm.MSR_IA32_APICBASE] != c.msrAfter || !slices.Equal(writes, c.writes) {
				t.Errorf("x2apic_mode %v state %d IA32_APIC_BASE %#x writes %q; want %v %d %#x %q", X2apic_mode, X2apic_state,
					f.msr[asm.MSR_IA32_APICBASE], writes, c.mode, c.state, c.msrAfter, c.writes)
			}
			lines := out.Lines()
			for _, w := range c.lines {
				if !slices.Contains(lines, w) {
					t.Errorf("no %q in %q", w, lines)
				}
			}
		})
	}
}

// TestX2apicSetupAP: an AP switches its own IA32_APIC_BASE to the boot
// CPU's mode (x2apic_setup): on with x2APIC on, off (through disabled)
// when the firmware left it on and the boot CPU runs xAPIC.
func TestX2apicSetupAP(t *testing.T) {
	const base = 0xfee00000 | asm.MSR_IA32_APICBASE_ENABLE
	f := installFake(t, true, map[uint32]uint64{asm.MSR_IA32_APICBASE: base})
	X2apic_state = X2APIC_ON
	x2apic_setup()
	if got := f.msr[asm.MSR_IA32_APICBASE]; got != base|asm.X2APIC_ENABLE {
		t.Errorf("x2APIC on: the AP's IA32_APIC_BASE %#x, want %#x", got, base|asm.X2APIC_ENABLE)
	}
	X2apic_mode, X2apic_state = false, X2APIC_DISABLED
	f.take()
	x2apic_setup()
	want := []string{"rdmsr 0x1b", "wrmsr 0x1b = 0xfee00000", "wrmsr 0x1b = 0xfee00800"}
	if got := f.take(); !slices.Equal(got, want) {
		t.Errorf("xAPIC: %q, want %q", got, want)
	}
}

// madt builds a MADT of the given subtables behind a zeroed header.
func madt(entries ...[]byte) []byte {
	t := make([]byte, acpi.ACPI_MADT_HEADER_SIZE)
	for _, e := range entries {
		t = append(t, e...)
	}
	return t
}

func lapicEntry(id uint8) []byte {
	return []byte{acpi.ACPI_MADT_TYPE_LOCAL_APIC, acpi.ACPI_MADT_LOCAL_APIC_SIZE, id, id, acpi.ACPI_MADT_ENABLED, 0, 0, 0}
}

func x2apicEntry(id, flags uint32) []byte {
	e := make([]byte, acpi.ACPI_MADT_LOCAL_X2APIC_SIZE)
	e[0], e[1] = acpi.ACPI_MADT_TYPE_LOCAL_X2APIC, acpi.ACPI_MADT_LOCAL_X2APIC_SIZE
	binary.LittleEndian.PutUint32(e[4:], id)
	binary.LittleEndian.PutUint32(e[8:], flags)
	binary.LittleEndian.PutUint32(e[12:], id)
	return e
}

// TestMADTX2apicEntries: the MADT's Processor Local x2APIC entries (type
// 9) as Linux's acpi_parse_x2apic takes them: after the Local APIC
// entries, an x2APIC ID below 0xff is theirs and skipped, 0xffffffff is
// invalid, and an ID above 0xfe is a CPU only in x2APIC mode; a MADT of
// x2APIC entries alone lists every CPU.
func TestMADTX2apicEntries(t *testing.T) {
	for _, c := range []struct {
		name   string
		x2apic bool
		table  []byte
		ids    []uint32 // CPU 0, 1, ...
		lines  []string
	}{
		{"xAPIC, mixed", false, madt(lapicEntry(0), lapicEntry(1), x2apicEntry(1, 1), x2apicEntry(0x100, 1), x2apicEntry(0xffffffff, 1)),
			[]uint32{0, 1}, []string{"ACPI: X2APIC (apic_id[0x100] uid[0x100] enabled)", "x2apic entry ignored"}},
		{"x2APIC, mixed", true, madt(lapicEntry(0), lapicEntry(1), x2apicEntry(1, 1), x2apicEntry(0x100, 1), x2apicEntry(0xffffffff, 1)),
			[]uint32{0, 1, 0x100}, []string{"ACPI: X2APIC (apic_id[0x100] uid[0x100] enabled)"}},
		{"x2APIC entries only", true, madt(x2apicEntry(0, 1), x2apicEntry(5, 1), x2apicEntry(6, 0)),
			[]uint32{0, 5}, []string{"ACPI: X2APIC (apic_id[0x06] uid[0x06] disabled)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			installFake(t, c.x2apic, nil)
			reset()
			t.Cleanup(cpumask.Reset)
			out := ktest.StartCapture(t)
			parse := func(id uint8, h acpi.Acpi_tbl_entry_handler, max int) int {
				return acpi.Acpi_parse_madt_entries(c.table, id, h, max)
			}
			acpi_parse_madt_lapic_entries(parse)
			var ids []uint32
			for cpu := 0; cpu < asm.NR_CPUS && cpumask.Cpu_present(cpu); cpu++ {
				ids = append(ids, Cpu_apicid(cpu))
			}
			if !slices.Equal(ids, c.ids) || Num_processors != len(c.ids) {
				t.Errorf("APIC IDs of CPUs 0... %#x (%d processors), want %#x", ids, Num_processors, c.ids)
			}
			lines := out.Lines()
			for _, w := range c.lines {
				if !slices.Contains(lines, w) {
					t.Errorf("no %q in %q", w, lines)
				}
			}
		})
	}
}
