// Package acpi finds and reads the firmware's ACPI tables: the RSDP, the
// root table (RSDT or XSDT), and the fixed tables gokern uses — the MADT
// (interrupt controllers), the FADT (the PM timer) and the HPET table. It
// does not interpret AML (the DSDT is listed, never run).
//
// Linux: drivers/acpi/tables.c (acpi_table_init, acpi_table_parse,
// acpi_table_parse_madt, acpi_table_print_madt_entry), ACPICA's
// drivers/acpi/acpica/tbxfroot.c (acpi_find_root_pointer), tbutils.c
// (acpi_tb_parse_root_table), tbprint.c (acpi_tb_print_table_header),
// utcksum.c (acpi_tb_checksum), tbfadt.c, and the table layouts of
// include/acpi/actbl.h and actbl1.h. Seeds: 004 "parse the ACPI tables".
//
// The tables live in physical memory the kernel does not map as RAM; the
// package reaches them only through the Osl the caller passes (Linux's OS
// services layer, acpi_os_map_memory), which the kernel implements with
// early_memremap and the host tests with a simulated RAM. Every mapping is
// undone before the next table is looked at, and every table's bounds are
// checked before its bytes are read: firmware tables are input, and bad
// input must end in a message, never in a wild access.
package acpi

import "encoding/binary"

// The tables' layouts: byte arrays with accessors at the offsets of the
// ACPI specification (ACPI 6.5 §5.2), Linux's packed C structs.

const (
	// ACPI_RSDP_REV0_SIZE: the ACPI 1.0 RSDP, whose checksum covers these
	// 20 bytes; ACPI_RSDP_XCHECKSUM_LENGTH: the ACPI 2.0+ RSDP, whose
	// extended checksum covers all 36 (ACPI 6.5 §5.2.5.3, Table 5.3).
	ACPI_RSDP_REV0_SIZE        = 20
	ACPI_RSDP_XCHECKSUM_LENGTH = 36
	// ACPI_TABLE_HEADER_SIZE: the common header of every table but the
	// FACS (Table 5.4 "DESCRIPTION_HEADER Fields").
	ACPI_TABLE_HEADER_SIZE = 36
	// ACPI_MADT_HEADER_SIZE: the header and the MADT's two fixed fields,
	// where the subtables start (Linux sizeof(struct acpi_table_madt)).
	ACPI_MADT_HEADER_SIZE = 44
	// ACPI_FACS_MIN_SIZE: the FACS has no common header; its length is at
	// offset 4 like the others' (Table 5.14).
	ACPI_FACS_MIN_SIZE = 64

	// Where the RSDP may be (ACPI 6.5 §5.2.5.1 "Finding the RSDP on IA-PC
	// Systems"): the first KiB of the EBDA, or the BIOS area
	// 0xE0000-0xFFFFF, on a 16-byte boundary. Linux: ACPI_EBDA_PTR_LOCATION,
	// ACPI_EBDA_WINDOW_SIZE, ACPI_HI_RSDP_WINDOW_BASE/SIZE.
	ACPI_EBDA_PTR_LOCATION   = 0x40e
	ACPI_EBDA_WINDOW_SIZE    = 1024
	ACPI_HI_RSDP_WINDOW_BASE = 0xe0000
	ACPI_HI_RSDP_WINDOW_SIZE = 0x20000
	ACPI_RSDP_SCAN_STEP      = 16
	ACPI_MAX_TABLE_LENGTH    = 16 << 20 // gokern: a table claiming more is corrupt
	ACPI_RSDT_ENTRY_SIZE     = 4
	ACPI_XSDT_ENTRY_SIZE     = 8
	ACPI_MADT_ENTRY_HDR_SIZE = 2
	ACPI_SIG_RSDP            = "RSD PTR "
	ACPI_SIG_RSDT            = "RSDT"
	ACPI_SIG_XSDT            = "XSDT"
	ACPI_SIG_FADT            = "FACP"
	ACPI_SIG_DSDT            = "DSDT"
	ACPI_SIG_FACS            = "FACS"
	ACPI_SIG_MADT            = "APIC"
	ACPI_SIG_HPET            = "HPET"
)

func u16(b []byte, off int) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
func u64(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

// AcpiTableRsdp is the Root System Description Pointer, struct
// acpi_table_rsdp (Table 5.3).
type AcpiTableRsdp [ACPI_RSDP_XCHECKSUM_LENGTH]byte

func (r *AcpiTableRsdp) Oem_id() []byte                { return r[9:15] }
func (r *AcpiTableRsdp) Revision() uint8               { return r[15] }
func (r *AcpiTableRsdp) Rsdt_physical_address() uint32 { return u32(r[:], 16) }
func (r *AcpiTableRsdp) Length() uint32                { return u32(r[:], 20) }
func (r *AcpiTableRsdp) Xsdt_physical_address() uint64 { return u64(r[:], 24) }

// AcpiTableHeader is the header every table but the FACS starts with,
// struct acpi_table_header (Table 5.4).
type AcpiTableHeader [ACPI_TABLE_HEADER_SIZE]byte

func (h *AcpiTableHeader) Signature() []byte             { return h[0:4] }
func (h *AcpiTableHeader) Length() uint32                { return u32(h[:], 4) }
func (h *AcpiTableHeader) Revision() uint8               { return h[8] }
func (h *AcpiTableHeader) Checksum() uint8               { return h[9] }
func (h *AcpiTableHeader) Oem_id() []byte                { return h[10:16] }
func (h *AcpiTableHeader) Oem_table_id() []byte          { return h[16:24] }
func (h *AcpiTableHeader) Oem_revision() uint32          { return u32(h[:], 24) }
func (h *AcpiTableHeader) Asl_compiler_id() []byte       { return h[28:32] }
func (h *AcpiTableHeader) Asl_compiler_revision() uint32 { return u32(h[:], 32) }

// The MADT, struct acpi_table_madt (Table 5.43): after the header the
// local APIC's physical address and the flags, then the subtables, each
// starting with struct acpi_subtable_header {type, length}.
const (
	ACPI_MADT_ADDRESS     = 36
	ACPI_MADT_FLAGS       = 40
	ACPI_MADT_PCAT_COMPAT = 1 << 0 // the board also has 8259s (Table 5.44)
)

// MADT subtable types (Table 5.45 "Interrupt Controller Structure Types"),
// Linux enum acpi_madt_type.
const (
	ACPI_MADT_TYPE_LOCAL_APIC          = 0
	ACPI_MADT_TYPE_IO_APIC             = 1
	ACPI_MADT_TYPE_INTERRUPT_OVERRIDE  = 2
	ACPI_MADT_TYPE_NMI_SOURCE          = 3
	ACPI_MADT_TYPE_LOCAL_APIC_NMI      = 4
	ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE = 5
	ACPI_MADT_TYPE_LOCAL_X2APIC        = 9
	ACPI_MADT_TYPE_LOCAL_X2APIC_NMI    = 10
	ACPI_MADT_TYPE_RESERVED            = 0x18
)

// Subtable lengths, each the size of Linux's struct for the type.
const (
	ACPI_MADT_LOCAL_APIC_SIZE          = 8  // struct acpi_madt_local_apic (Table 5.46)
	ACPI_MADT_IO_APIC_SIZE             = 12 // struct acpi_madt_io_apic (Table 5.48)
	ACPI_MADT_INTERRUPT_OVERRIDE_SIZE  = 10 // struct acpi_madt_interrupt_override (Table 5.49)
	ACPI_MADT_NMI_SOURCE_SIZE          = 8  // struct acpi_madt_nmi_source (Table 5.51)
	ACPI_MADT_LOCAL_APIC_NMI_SIZE      = 6  // struct acpi_madt_local_apic_nmi (Table 5.52)
	ACPI_MADT_LOCAL_APIC_OVERRIDE_SIZE = 12 // struct acpi_madt_local_apic_override (Table 5.53)
	ACPI_MADT_LOCAL_X2APIC_SIZE        = 16 // struct acpi_madt_local_x2apic (ACPI 6.5 §5.2.12.12)

	ACPI_MADT_ENABLED = 1 << 0 // local APIC flags: the processor is usable (Table 5.47)

	// MPS INTI flags of overrides and NMI entries (Table 5.50): polarity
	// in bits 1-0, trigger mode in bits 3-2; 0 means "conforms to the
	// bus", which for ISA is active high, edge.
	ACPI_MADT_POLARITY_MASK        = 3
	ACPI_MADT_POLARITY_CONFORMS    = 0
	ACPI_MADT_POLARITY_ACTIVE_HIGH = 1
	ACPI_MADT_POLARITY_ACTIVE_LOW  = 3
	ACPI_MADT_TRIGGER_MASK         = 3 << 2
	ACPI_MADT_TRIGGER_CONFORMS     = 0 << 2
	ACPI_MADT_TRIGGER_EDGE         = 1 << 2
	ACPI_MADT_TRIGGER_LEVEL        = 3 << 2
)

// AcpiMadtLocalApic: a processor and its local APIC (Table 5.46).
type AcpiMadtLocalApic [ACPI_MADT_LOCAL_APIC_SIZE]byte

func (e *AcpiMadtLocalApic) Processor_id() uint8 { return e[2] }
func (e *AcpiMadtLocalApic) Id() uint8           { return e[3] }
func (e *AcpiMadtLocalApic) Lapic_flags() uint32 { return u32(e[:], 4) }

// AcpiMadtLocalX2apic: a processor and its local x2APIC, for 32-bit APIC
// IDs (ACPI 6.5 §5.2.12.12 "Processor Local x2APIC Structure"): 2
// reserved bytes, the x2APIC ID, the flags of a local APIC entry, the
// processor's ACPI UID.
type AcpiMadtLocalX2apic [ACPI_MADT_LOCAL_X2APIC_SIZE]byte

func (e *AcpiMadtLocalX2apic) Local_apic_id() uint32 { return u32(e[:], 4) }
func (e *AcpiMadtLocalX2apic) Lapic_flags() uint32   { return u32(e[:], 8) }
func (e *AcpiMadtLocalX2apic) Uid() uint32           { return u32(e[:], 12) }

// AcpiMadtIoApic: an I/O APIC, where its registers are and the first
// global system interrupt (GSI) its pins carry (Table 5.48).
type AcpiMadtIoApic [ACPI_MADT_IO_APIC_SIZE]byte

func (e *AcpiMadtIoApic) Id() uint8               { return e[2] }
func (e *AcpiMadtIoApic) Address() uint32         { return u32(e[:], 4) }
func (e *AcpiMadtIoApic) Global_irq_base() uint32 { return u32(e[:], 8) }

// AcpiMadtInterruptOverride: ISA IRQ source_irq arrives on GSI
// global_irq, with these polarity and trigger flags (Table 5.49). On a
// PC the PIT's IRQ 0 is wired to the I/O APIC's pin 2.
type AcpiMadtInterruptOverride [ACPI_MADT_INTERRUPT_OVERRIDE_SIZE]byte

func (e *AcpiMadtInterruptOverride) Bus() uint8         { return e[2] }
func (e *AcpiMadtInterruptOverride) Source_irq() uint8  { return e[3] }
func (e *AcpiMadtInterruptOverride) Global_irq() uint32 { return u32(e[:], 4) }
func (e *AcpiMadtInterruptOverride) Inti_flags() uint16 { return u16(e[:], 8) }

// AcpiMadtNmiSource: a GSI that is an NMI (Table 5.51).
type AcpiMadtNmiSource [ACPI_MADT_NMI_SOURCE_SIZE]byte

func (e *AcpiMadtNmiSource) Inti_flags() uint16 { return u16(e[:], 2) }
func (e *AcpiMadtNmiSource) Global_irq() uint32 { return u32(e[:], 4) }

// AcpiMadtLocalApicNmi: the LINT pin of a processor's local APIC that is
// wired to NMI (0xff: every processor) (Table 5.52).
type AcpiMadtLocalApicNmi [ACPI_MADT_LOCAL_APIC_NMI_SIZE]byte

func (e *AcpiMadtLocalApicNmi) Processor_id() uint8 { return e[2] }
func (e *AcpiMadtLocalApicNmi) Inti_flags() uint16  { return u16(e[:], 3) }
func (e *AcpiMadtLocalApicNmi) Lint() uint8         { return e[5] }

// AcpiMadtLocalApicOverride: a 64-bit local APIC address that replaces
// the MADT's 32-bit one (Table 5.53).
type AcpiMadtLocalApicOverride [ACPI_MADT_LOCAL_APIC_OVERRIDE_SIZE]byte

func (e *AcpiMadtLocalApicOverride) Address() uint64 { return u64(e[:], 4) }

// The FADT's fields gokern reads, struct acpi_table_fadt (ACPI 6.5
// §5.2.9, Table 5.9), with the length a table must have for each.
const (
	ACPI_FADT_FACS            = 36  // u32 FIRMWARE_CTRL
	ACPI_FADT_DSDT            = 40  // u32
	ACPI_FADT_SCI_INTERRUPT   = 46  // u16 SCI_INT
	ACPI_FADT_PM_TIMER_BLOCK  = 76  // u32 PM_TMR_BLK: the PM timer's I/O port
	ACPI_FADT_PM_TIMER_LENGTH = 91  // u8 PM_TMR_LEN: 4 if there is a timer
	ACPI_FADT_PM1A_CONTROL    = 64  // u32 PM1a_CNT_BLK: the PM1a control register's I/O port
	ACPI_FADT_PM1B_CONTROL    = 68  // u32 PM1b_CNT_BLK: PM1b's, 0 if none
	ACPI_FADT_PM1_CNT_LENGTH  = 89  // u8 PM1_CNT_LEN: 2 or more if there is one
	ACPI_FADT_CENTURY         = 108 // u8 CENTURY: the CMOS RTC's index of the century, 0 if none
	ACPI_FADT_FLAGS           = 112 // u32
	ACPI_FADT_V1_SIZE         = 116 // the ACPI 1.0 FADT ends here
	ACPI_FADT_RESET_REGISTER  = 116 // GAS RESET_REG (ACPI 2.0+): the reset register
	ACPI_FADT_RESET_VALUE     = 128 // u8 RESET_VALUE: what to write into it
	ACPI_FADT_XFACS           = 132 // u64 X_FIRMWARE_CTRL
	ACPI_FADT_XDSDT           = 140 // u64 X_DSDT

	// FADT2_REVISION_ID: the FADT revision from which Linux trusts
	// CENTURY (ACPICA actbl.h; ACPI 2.0's FADT is revision 3, QEMU's q35
	// has 3, its pc 1).
	FADT2_REVISION_ID = 3
	// ACPI_FADT_32BIT_TIMER: TMR_VAL_EXT, the PM timer counts 32 bits, not
	// 24 (Table 5.10 "Fixed ACPI Description Table Fixed Feature Flags").
	ACPI_FADT_32BIT_TIMER = 1 << 8
	// ACPI_FADT_RESET_REGISTER_SUP: RESET_REG_SUP, the reset register
	// works (Table 5.10).
	ACPI_FADT_RESET_REGISTER_SUP = 1 << 10

	// A Generic Address Structure's fields (ACPI 6.5 §5.2.3.2, Table 5.1):
	// the address space (0 memory, 1 system I/O) and the 64-bit address.
	ACPI_GAS_SPACE_ID        = 0
	ACPI_GAS_ADDRESS         = 4
	ACPI_ADR_SPACE_SYSTEM_IO = 1
)

// The HPET table's fields (IA-PC HPET Specification 1.0a §3.2.4, Table 3
// "HPET Description Table"), Linux struct acpi_table_hpet.
const (
	ACPI_HPET_ID      = 36 // u32 event timer block ID
	ACPI_HPET_ADDRESS = 44 // u64: the address of its Generic Address Structure (at 40)
	ACPI_HPET_SIZE    = 56
)
