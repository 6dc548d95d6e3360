//go:build amd64

package asm

// Port I/O and memory-mapped I/O. Linux: arch/x86/include/asm/io.h (inb,
// outb, inw, outw, inl, outl, readl, writel).

// Outb writes a byte to an I/O port (SDM Vol. 2B, OUT).
func Outb(port uint16, val uint8)

// Inb reads a byte from an I/O port (SDM Vol. 2A, IN).
func Inb(port uint16) uint8

// Outw, Inw: the same with 16 bits.
func Outw(port uint16, val uint16)
func Inw(port uint16) uint16

// Outl, Inl: the same with 32 bits (the ACPI PM timer is a 32-bit port).
func Outl(port uint16, val uint32)
func Inl(port uint16) uint32

// Readl reads the 32-bit device register at virtual address addr with one
// MOVL: an assembly function, so the compiler can neither drop, merge nor
// reorder the access, which is what C's volatile does for Linux's readl.
// Device registers such as the local APIC's must be read and written as
// aligned 32-bit accesses (SDM Vol. 3A §11.4.1 "The Local APIC Block
// Diagram": "registers are 32 bits ... accessed with 32-bit loads and
// stores").
//
//go:nosplit
func Readl(addr uintptr) uint32

// Writel writes val to the 32-bit device register at addr with one MOVL
// (Linux writel; argument order as Linux's).
//
//go:nosplit
func Writel(val uint32, addr uintptr)
