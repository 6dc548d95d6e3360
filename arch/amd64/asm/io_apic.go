package asm

// The I/O APIC. Linux: arch/x86/include/asm/io_apic.h (struct io_apic,
// union IO_APIC_reg_*, struct IO_APIC_route_entry). Intel 82093AA I/O
// Advanced Programmable Interrupt Controller datasheet, §3 "Register
// Description".

const (
	// The two memory-mapped registers: write a register number to
	// IOREGSEL, then read or write it through IOWIN (§3.1 Table 1).
	IO_APIC_INDEX = 0x00 // IOREGSEL
	IO_APIC_DATA  = 0x10 // IOWIN
	IO_APIC_EOI   = 0x40 // version 0x20 and later

	// The indirect registers (§3.2 Table 2).
	IO_APIC_ID      = 0x00 // bits 27-24: the APIC ID
	IO_APIC_VERSION = 0x01 // bits 7-0 version, 23-16 maximum redirection entry
	IO_APIC_ARB     = 0x02
	// IO_APIC_REDTBL: redirection entry n is the register pair
	// 0x10+2n (low) and 0x11+2n (high) (§3.2.4).
	IO_APIC_REDTBL = 0x10
)

// IOAPICRouteEntry is a redirection table entry, Linux struct
// IO_APIC_route_entry (§3.2.4 "IOREDTBL[23:0]"): which vector the
// interrupt on a pin raises, how it is detected and where it goes.
type IOAPICRouteEntry uint64

const (
	IO_APIC_VECTOR_MASK      = 0xff
	IO_APIC_DM_FIXED         = 0 << 8 // delivery mode
	IO_APIC_DM_EXTINT        = 7 << 8
	IO_APIC_DM_MASK          = 7 << 8
	IO_APIC_DEST_LOGICAL     = 1 << 11 // 0: physical APIC ID in the destination
	IO_APIC_DELIVERY_PENDING = 1 << 12 // read-only
	IO_APIC_ACTIVE_LOW       = 1 << 13 // polarity: 0 active high
	IO_APIC_REMOTE_IRR       = 1 << 14 // read-only: a level interrupt is in service
	IO_APIC_LEVEL            = 1 << 15 // trigger mode: 0 edge
	IO_APIC_MASKED           = 1 << 16
	IO_APIC_DEST_SHIFT       = 56 // physical mode: the destination APIC ID, bits 63-56
)

func (e IOAPICRouteEntry) Vector() uint8    { return uint8(e & IO_APIC_VECTOR_MASK) }
func (e IOAPICRouteEntry) Masked() bool     { return e&IO_APIC_MASKED != 0 }
func (e IOAPICRouteEntry) Is_level() bool   { return e&IO_APIC_LEVEL != 0 }
func (e IOAPICRouteEntry) Active_low() bool { return e&IO_APIC_ACTIVE_LOW != 0 }
func (e IOAPICRouteEntry) Destid() uint8    { return uint8(e >> IO_APIC_DEST_SHIFT) }
