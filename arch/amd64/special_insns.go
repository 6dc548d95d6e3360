package amd64

// CPU primitives, one Go declaration each for the assembly in
// special_insns.s. Linux: arch/x86/include/asm/special_insns.h, io.h,
// msr.h, processor.h, desc.h. They are only meaningful in ring 0: host
// tests must not call them.

// Outb writes a byte to an I/O port (SDM Vol. 2B, OUT).
func Outb(port uint16, val uint8)

// Inb reads a byte from an I/O port (SDM Vol. 2A, IN).
func Inb(port uint16) uint8

// Rdmsr reads a model-specific register (SDM Vol. 2B, RDMSR).
func Rdmsr(msr uint32) uint64

// Wrmsr writes a model-specific register (SDM Vol. 2B, WRMSR).
func Wrmsr(msr uint32, val uint64)

// Rdtsc reads the time-stamp counter (SDM Vol. 2B, RDTSC).
func Rdtsc() uint64

// Cpuid executes CPUID with EAX=leaf, ECX=subleaf (SDM Vol. 2A, CPUID).
func Cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// Read_cr0 .. Write_cr4: the control registers (SDM Vol. 3A §2.5).
func Read_cr0() uint64
func Read_cr2() uint64
func Read_cr3() uint64
func Read_cr4() uint64
func Write_cr0(v uint64)
func Write_cr3(v uint64)
func Write_cr4(v uint64)

// Native_halt executes HLT; with interrupts off the CPU sleeps until an
// NMI, SMI or reset (SDM Vol. 2A, HLT).
func Native_halt()

// Local_irq_disable executes CLI.
func Local_irq_disable()

// Load_gdt, Load_idt: LGDT and LIDT of a 10-byte pseudo-descriptor
// (SDM Vol. 3A §3.5.1, §6.10).
//
//go:noescape
func Load_gdt(d *DescPtr)

//go:noescape
func Load_idt(d *DescPtr)

// Store_gdt, Store_idt: SGDT and SIDT.
//
//go:noescape
func Store_gdt(d *DescPtr)

//go:noescape
func Store_idt(d *DescPtr)

// Load_tr executes LTR with a TSS selector (SDM Vol. 3A §8.2.4).
func Load_tr(sel uint16)

// Store_tr executes STR.
func Store_tr() uint16

// Load_segments reloads CS with a far return and DS, ES, SS with ds.
func Load_segments(cs, ds uint16)

// Read_cs returns the CS selector.
func Read_cs() uint16

// Read_sp and Read_bp return the stack and frame pointers of the caller.
func Read_sp() uintptr
func Read_bp() uintptr

// Invlpg invalidates the TLB entry of one page (SDM Vol. 2A, INVLPG).
func Invlpg(addr uintptr)
