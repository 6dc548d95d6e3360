//go:build amd64

package asm

// The debug registers. Linux: arch/x86/include/asm/debugreg.h
// (get_debugreg, set_debugreg) and uapi/asm/debugreg.h (DR_STEP, ...).

// DR6 bits (SDM Vol. 3B §18.2.3 "Debug Status Register (DR6)"): which
// condition raised the #DB.
const (
	DR_TRAP0  = 1 << 0  // breakpoint 0 (DR0) hit; 1-3 follow
	DR_STEP   = 1 << 14 // single step (RFLAGS.TF)
	DR_SWITCH = 1 << 15 // task switch with the TSS's T flag
)

// Get_debugreg6 reads DR6 (MOV from DR6, SDM Vol. 2B "MOV—Move to/from
// Debug Registers").
func Get_debugreg6() uint64

// Set_debugreg6 writes DR6. The CPU never clears DR6's status bits
// itself: the handler must (SDM Vol. 3B §18.2.3).
func Set_debugreg6(v uint64)
