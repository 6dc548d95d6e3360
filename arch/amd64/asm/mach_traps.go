package asm

// The NMI reason port of PC chipsets. Linux:
// arch/x86/include/asm/mach_traps.h. Port 0x61 is the ISA "system control
// port B": reading it says whether the chipset raised the NMI.

const (
	NMI_REASON_PORT  = 0x61
	NMI_REASON_SERR  = 0x80 // PCI SERR#, or a memory parity error
	NMI_REASON_IOCHK = 0x40 // I/O channel check
)
