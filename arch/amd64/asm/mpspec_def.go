package asm

import "encoding/binary"

// The Intel MultiProcessor Specification's tables, the pre-ACPI way a PC
// BIOS describes its CPUs, buses, I/O APICs and interrupt routing. Linux:
// arch/x86/include/asm/mpspec_def.h. Section numbers are the MP
// Specification version 1.4's. Each structure is a byte array with
// accessors, as the C structs are packed.

const (
	// MPF_INTEL_SIZE: the floating pointer structure, "_MP_" (§4.1,
	// Figure 4-2). Its length field counts 16-byte paragraphs: 1.
	MPF_INTEL_SIZE = 16
	// MPC_TABLE_SIZE: the configuration table header, "PCMP" (§4.2,
	// Table 4-2); the entries follow it.
	MPC_TABLE_SIZE = 44

	// Entry types and their sizes (§4.3, Table 4-3).
	MP_PROCESSOR = 0 // 20 bytes
	MP_BUS       = 1 // 8
	MP_IOAPIC    = 2 // 8
	MP_INTSRC    = 3 // 8
	MP_LINTSRC   = 4 // 8
	MPC_CPU_SIZE = 20
	MPC_ENTRY    = 8 // every entry type but MP_PROCESSOR

	CPU_ENABLED       = 1 // mpc_cpu.cpuflag: usable
	CPU_BOOTPROCESSOR = 2 // mpc_cpu.cpuflag: the BSP
	MPC_APIC_USABLE   = 1 // mpc_ioapic.flags

	// Interrupt types of mpc_intsrc and mpc_lintsrc (Table 4-9), Linux
	// enum mp_irq_source_types.
	MP_INT    = 0 // vectored: the I/O APIC supplies the vector
	MP_NMI    = 1
	MP_SMI    = 2
	MP_ExtINT = 3 // the 8259 supplies the vector

	// mpc_intsrc.irqflag: polarity in bits 1-0, trigger mode in bits
	// 3-2, 0 meaning "conforms to the bus" (Table 4-10). The same
	// encoding as ACPI's MPS INTI flags.
	MP_IRQPOL_MASK        = 0x3
	MP_IRQPOL_DEFAULT     = 0x0
	MP_IRQPOL_ACTIVE_HIGH = 0x1
	MP_IRQPOL_RESERVED    = 0x2
	MP_IRQPOL_ACTIVE_LOW  = 0x3
	MP_IRQTRIG_MASK       = 0xc
	MP_IRQTRIG_DEFAULT    = 0x0
	MP_IRQTRIG_EDGE       = 0x4
	MP_IRQTRIG_RESERVED   = 0x8
	MP_IRQTRIG_LEVEL      = 0xc

	// MP_APIC_ALL: an mpc_lintsrc for every local APIC.
	MP_APIC_ALL = 0xff
)

// MpfIntel is the MP floating pointer, struct mpf_intel (§4.1).
type MpfIntel [MPF_INTEL_SIZE]byte

func (m *MpfIntel) Physptr() uint32      { return binary.LittleEndian.Uint32(m[4:]) }
func (m *MpfIntel) Length() uint8        { return m[8] }
func (m *MpfIntel) Specification() uint8 { return m[9] }
func (m *MpfIntel) Feature1() uint8      { return m[11] } // non-zero: a default configuration, no table
func (m *MpfIntel) Feature2() uint8      { return m[12] } // bit 7: IMCR present (PIC mode)

// MpcTable is the configuration table's header, struct mpc_table (§4.2).
type MpcTable [MPC_TABLE_SIZE]byte

func (m *MpcTable) Length() uint16    { return binary.LittleEndian.Uint16(m[4:]) } // base table, header included
func (m *MpcTable) Spec() uint8       { return m[6] }
func (m *MpcTable) Oem() []byte       { return m[8:16] }
func (m *MpcTable) Productid() []byte { return m[16:28] }
func (m *MpcTable) Oemcount() uint16  { return binary.LittleEndian.Uint16(m[34:]) } // entries
func (m *MpcTable) Lapic() uint32     { return binary.LittleEndian.Uint32(m[36:]) }

// MpcCpu: a processor (§4.3.1, struct mpc_cpu).
type MpcCpu [MPC_CPU_SIZE]byte

func (m *MpcCpu) Apicid() uint8  { return m[1] }
func (m *MpcCpu) Apicver() uint8 { return m[2] }
func (m *MpcCpu) Cpuflag() uint8 { return m[3] }

// MpcBus: a bus and its type, "ISA   ", "PCI   " (§4.3.2, struct mpc_bus).
type MpcBus [MPC_ENTRY]byte

func (m *MpcBus) Busid() uint8    { return m[1] }
func (m *MpcBus) Bustype() []byte { return m[2:8] }

// MpcIoapic: an I/O APIC (§4.3.3, struct mpc_ioapic).
type MpcIoapic [MPC_ENTRY]byte

func (m *MpcIoapic) Apicid() uint8    { return m[1] }
func (m *MpcIoapic) Apicver() uint8   { return m[2] }
func (m *MpcIoapic) Flags() uint8     { return m[3] }
func (m *MpcIoapic) Apicaddr() uint32 { return binary.LittleEndian.Uint32(m[4:]) }

// MpcIntsrc: an interrupt source wired to an I/O APIC pin (§4.3.4,
// struct mpc_intsrc). Linux keeps the ACPI overrides in the same form.
type MpcIntsrc struct {
	Type, Irqtype uint8
	Irqflag       uint16
	Srcbus        uint8
	Srcbusirq     uint8
	Dstapic       uint8
	Dstirq        uint8
}

// Mpc_intsrc decodes an MP_INTSRC entry.
func Mpc_intsrc(b []byte) MpcIntsrc {
	return MpcIntsrc{Type: b[0], Irqtype: b[1], Irqflag: binary.LittleEndian.Uint16(b[2:]),
		Srcbus: b[4], Srcbusirq: b[5], Dstapic: b[6], Dstirq: b[7]}
}

// MpcLintsrc: an interrupt source wired to a local APIC's LINT pin
// (§4.3.5, struct mpc_lintsrc); same layout as MpcIntsrc.
type MpcLintsrc = MpcIntsrc
