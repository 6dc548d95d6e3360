//go:build amd64

package asm

// The CPU's special instructions, each a Go declaration of a few
// instructions in special_insns.s. Linux: arch/x86/include/asm/special_insns.h
// (read_cr0 ... write_cr4, native_halt, invlpg), irqflags.h
// (local_irq_disable), processor.h (cpuid_count, current_stack_pointer).
// They are only meaningful in ring 0: host tests must not call them.

// Read_cr0 .. Write_cr4: the control registers (SDM Vol. 3A §2.5 "Control
// Registers"; bits in processor_flags.go).
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

// Int3 executes INT3, the breakpoint trap (SDM Vol. 2A, INT n/INTO/INT3):
// machine_restart's last method runs it with an empty IDT, so that it
// ends in a triple fault, which resets the CPU.
func Int3()

// Cpu_relax executes PAUSE, the spin-wait hint (Linux cpu_relax,
// rep_nop; SDM Vol. 2B, PAUSE): a waiting loop yields to the other
// hyperthread and leaves the memory pipeline without a misordering flush.
func Cpu_relax()

// Local_irq_disable executes CLI (SDM Vol. 2A, CLI).
func Local_irq_disable()

// Invlpg invalidates the TLB entries of the page holding addr, global
// ones included (SDM Vol. 2A, INVLPG). Linux: invlpg (asm/tlb.h).
func Invlpg(addr uintptr)

// Cpuid_count executes CPUID with EAX=op, ECX=count (SDM Vol. 2A,
// CPUID). Linux: cpuid_count (processor.h).
func Cpuid_count(op, count uint32) (eax, ebx, ecx, edx uint32)

// Rdrand64 executes RDRAND (SDM Vol. 2B, RDRAND): a random value from
// the CPU's DRBG, and whether it had one ready (CF=1). Only where
// CPUID.01H:ECX.RDRAND[bit 30] is set. Linux: rdrand_long
// (asm/archrandom.h).
func Rdrand64() (v uint64, ok bool)

// Rdseed64 executes RDSEED (SDM Vol. 2B, RDSEED): a value straight from
// the CPU's entropy source, and whether it had one (CF=1). Only where
// CPUID.(EAX=07H,ECX=0):EBX.RDSEED[bit 18] is set. Linux: rdseed_long.
func Rdseed64() (v uint64, ok bool)

// Cpuid is Cpuid_count(op, 0). Linux: cpuid (processor.h).
func Cpuid(op uint32) (eax, ebx, ecx, edx uint32) { return Cpuid_count(op, 0) }

// Current_stack_pointer returns the caller's stack pointer. Linux:
// current_stack_pointer (asm.h).
func Current_stack_pointer() uintptr

// FramePointer returns the caller's frame pointer (RBP), where Go's
// frame-pointer chain starts (gokern; Linux uses __builtin_frame_address).
func FramePointer() uintptr

// ReadCS returns the CS selector (Linux: savesegment(cs, ...)).
func ReadCS() uint16

// ReadDS, ReadES, ReadFS, ReadGS return those selectors (Linux
// savesegment), for the oops's register dump.
func ReadDS() uint16
func ReadES() uint16
func ReadFS() uint16
func ReadGS() uint16

// LoadSegments reloads CS with a far return and DS, ES, SS with ds
// (gokern; Linux does this in startup_64 and with loadsegment).
func LoadSegments(cs, ds uint16)
