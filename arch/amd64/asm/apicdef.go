package asm

// The local APIC's and I/O APIC's register maps. Linux:
// arch/x86/include/asm/apicdef.h. The local APIC registers are 32 bits
// wide, 16-byte aligned, at these offsets from the APIC base (SDM Vol. 3A
// §11.4.1, Table 11-1 "Local APIC Register Address Map").

const (
	// APIC_DEFAULT_PHYS_BASE: where the local APIC's page is after reset
	// (IA32_APIC_BASE, SDM Vol. 3A §11.4.4).
	APIC_DEFAULT_PHYS_BASE = 0xfee00000
	// IO_APIC_DEFAULT_PHYS_BASE: the first I/O APIC of a PC (82093AA
	// datasheet §3.0: "IOAPIC Registers ... FEC0_0000h").
	IO_APIC_DEFAULT_PHYS_BASE = 0xfec00000

	APIC_ID  = 0x20 // local APIC ID: bits 31-24 (xAPIC)
	APIC_LVR = 0x30 // version: bits 7-0 version, 23-16 max LVT entry

	APIC_TASKPRI   = 0x80 // TPR: the task priority
	APIC_TPRI_MASK = 0xff
	APIC_ARBPRI    = 0x90
	APIC_PROCPRI   = 0xa0 // PPR: the processor priority (read-only)
	APIC_EOI       = 0xb0 // write 0: end of interrupt
	APIC_EOI_ACK   = 0x0
	APIC_LDR       = 0xd0 // logical destination
	APIC_DFR       = 0xe0 // destination format
	APIC_DFR_FLAT  = 0xffffffff

	// APIC_SPIV: the spurious-interrupt vector register (SDM Vol. 3A
	// §11.9 "Spurious Interrupt", Figure 11-23).
	APIC_SPIV                = 0xf0
	APIC_SPIV_APIC_ENABLED   = 1 << 8 // software enable
	APIC_SPIV_FOCUS_DISABLED = 1 << 9
	APIC_VECTOR_MASK         = 0xff

	// The in-service, trigger-mode and request registers: 256 bits each,
	// eight 32-bit registers 16 bytes apart (SDM Vol. 3A §11.8.4,
	// Figure 11-20 "IRR, ISR and TMR Registers").
	APIC_ISR    = 0x100
	APIC_TMR    = 0x180
	APIC_IRR    = 0x200
	APIC_ISR_NR = 8

	APIC_ESR  = 0x280 // error status
	APIC_ICR  = 0x300 // interrupt command, low half
	APIC_ICR2 = 0x310 // interrupt command, destination

	// ICR fields (SDM Vol. 3A §11.6.1, Figure 11-12 "Interrupt Command
	// Register (ICR)").
	APIC_DEST_SELF  = 0x40000 // destination shorthand: self
	APIC_INT_ASSERT = 0x4000
	APIC_ICR_BUSY   = 0x1000 // delivery status: send pending
	// More ICR fields, for the IPIs of smpboot and smp (same figure).
	APIC_DEST_ALLINC   = 0x80000 // shorthand: all including self
	APIC_DEST_ALLBUT   = 0xc0000 // shorthand: all excluding self
	APIC_INT_LEVELTRIG = 0x8000  // trigger mode: level (INIT level de-assert)
	APIC_DM_INIT       = 0x500   // delivery mode INIT
	APIC_DM_STARTUP    = 0x600   // delivery mode STARTUP (SIPI): vector = page number
	APIC_DEST_PHYSICAL = 0x0     // destination mode: physical APIC ID in ICR2 bits 31-24

	// The local vector table (SDM Vol. 3A §11.5.1, Figure 11-8 "Local
	// Vector Table (LVT)").
	APIC_LVTT    = 0x320 // timer
	APIC_LVTTHMR = 0x330 // thermal sensor
	APIC_LVTPC   = 0x340 // performance counters
	APIC_LVT0    = 0x350 // LINT0 pin: the 8259's INTR in virtual-wire mode
	APIC_LVT1    = 0x360 // LINT1 pin: NMI
	APIC_LVTERR  = 0x370 // APIC errors

	// LVT fields.
	APIC_LVT_TIMER_ONESHOT  = 0 << 17
	APIC_LVT_TIMER_PERIODIC = 1 << 17
	APIC_LVT_MASKED         = 1 << 16
	APIC_LVT_LEVEL_TRIGGER  = 1 << 15
	APIC_LVT_REMOTE_IRR     = 1 << 14
	APIC_INPUT_POLARITY     = 1 << 13
	APIC_SEND_PENDING       = 1 << 12 // delivery status
	APIC_MODE_MASK          = 0x700
	APIC_DM_FIXED           = 0x000 // delivery modes, bits 10-8
	APIC_DM_NMI             = 0x400
	APIC_DM_EXTINT          = 0x700 // the 8259 supplies the vector (INTA cycle)

	// The timer (SDM Vol. 3A §11.5.4 "APIC Timer", Figure 11-10).
	APIC_TMICT = 0x380 // initial count
	APIC_TMCCT = 0x390 // current count (read-only)
	APIC_TDCR  = 0x3e0 // divide configuration
	// Divide values: bits 3, 1, 0 of TDCR (Figure 11-10).
	APIC_TDR_DIV_1  = 0xb
	APIC_TDR_DIV_2  = 0x0
	APIC_TDR_DIV_16 = 0x3
)

// x2APIC mode (SDM Vol. 3A §11.12 "Extended XAPIC (x2APIC)"): the
// registers are MSRs, the one at MMIO offset reg being MSR APIC_BASE_MSR +
// reg>>4 (§11.12.1.2, Table 11-6 "Local APIC Register Address Map
// Supported by x2APIC"). Linux: apicdef.h.
const (
	APIC_BASE_MSR = 0x800
	// APIC_SELF_IPI: x2APIC only (MSR 0x83f), a write of the vector sends
	// it to this CPU (§11.12.11 "SELF IPI Register").
	APIC_SELF_IPI = 0x3f0
	// X2APIC_ICR_DEST_SHIFT: the 64-bit ICR (MSR 0x830) holds the
	// destination x2APIC ID in bits 63:32, where the xAPIC's ICR2 has an
	// 8-bit ID in bits 31:24 (§11.12.9 "ICR Operation in x2APIC Mode",
	// Figure 11-28); it has no delivery-status bit: nothing to wait for.
	X2APIC_ICR_DEST_SHIFT = 32
	// XAPIC_DEST_SHIFT: the xAPIC destination in ICR2 (Figure 11-12).
	XAPIC_DEST_SHIFT = 24
)

// GET_APIC_VERSION and GET_APIC_MAXLVT read the LVR fields; GET_APIC_ID
// the xAPIC ID. Linux: apicdef.h and apic.h.
func GET_APIC_VERSION(lvr uint32) uint32 { return lvr & 0xff }
func GET_APIC_MAXLVT(lvr uint32) uint32  { return (lvr >> 16) & 0xff }
func GET_APIC_ID(id uint32) uint32       { return id >> 24 }
