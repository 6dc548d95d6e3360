//go:build amd64

package asm

// The FPU/SSE state of a task. Linux: arch/x86/include/asm/fpu/types.h
// (struct fxregs_state), fpu/internal.h (fxsave, fxrstor, os_xrstor's
// FXSR branch), fpu/init.c (fpu__init_cpu, the MXCSR default). SDM Vol. 1
// §10.5 "FXSAVE and FXRSTOR Instructions", Vol. 2A FXSAVE (Table 3-53,
// the 64-bit layout).

// FXSAVE_SIZE is the size of the FXSAVE area (struct fxregs_state); it
// must be 16-byte aligned.
const FXSAVE_SIZE = 512

// Offsets inside the FXSAVE area (SDM Vol. 2A, FXSAVE, Table 3-53).
const (
	FXSAVE_FCW    = 0   // x87 control word
	FXSAVE_MXCSR  = 24  // MXCSR
	FXSAVE_ST0    = 32  // ST0/MM0, 16 bytes a register
	FXSAVE_XMM0   = 160 // XMM0, 16 bytes a register
	MXCSR_DEFAULT = 0x1f80
	FCW_DEFAULT   = 0x037f
)

// Fxsave64 stores the x87, MMX and SSE state at buf, which must be
// 16-byte aligned (FXSAVE64: the 64-bit form, with 64-bit FPU IP/DP).
//
//go:nosplit
func Fxsave64(buf uintptr)

// Fxrstor64 loads the x87, MMX and SSE state from buf (16-byte aligned).
//
//go:nosplit
func Fxrstor64(buf uintptr)

// Fninit resets the x87 FPU (control word 0x37f, empty stack) without
// checking for pending exceptions (Linux fpu__init_cpu's fninit).
//
//go:nosplit
func Fninit()
