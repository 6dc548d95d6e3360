//go:build amd64

package asm

// Port I/O. Linux: arch/x86/include/asm/io.h (inb, outb).

// Outb writes a byte to an I/O port (SDM Vol. 2B, OUT).
func Outb(port uint16, val uint8)

// Inb reads a byte from an I/O port (SDM Vol. 2A, IN).
func Inb(port uint16) uint8
