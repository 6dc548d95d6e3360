package asm

// The register frame of an exception. Linux: arch/x86/include/asm/ptrace.h
// (struct pt_regs).

// PtRegs is the register frame the exception stubs build on the stack,
// Linux struct pt_regs, with the vector in its own slot: the general
// registers pushed by the common handler (in this order, lowest address
// first), the vector and error code pushed by the stub, and the frame the
// CPU pushed (SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame").
type PtRegs struct {
	R15, R14, R13, R12, BP, BX, R11, R10, R9, R8 uint64
	AX, CX, DX, SI, DI                           uint64
	Vector                                       uint64 // pushed by the stub
	Orig_ax                                      uint64 // the error code (or 0)
	IP, CS, Flags, SP, SS                        uint64 // pushed by the CPU
}
