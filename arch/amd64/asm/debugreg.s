//go:build amd64

#include "textflag.h"

// Debug registers (declarations in debugreg.go). Go's assembler has no
// debug-register operands: the bytes are MOV r64, DR6 (0F 21 /r) and
// MOV DR6, r64 (0F 23 /r) with ModRM 0xf0 (reg = 6, rm = RAX).

TEXT ·Get_debugreg6(SB),NOSPLIT,$0-8
	BYTE	$0x0f; BYTE $0x21; BYTE $0xf0	// MOVQ DR6, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Set_debugreg6(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	BYTE	$0x0f; BYTE $0x23; BYTE $0xf0	// MOVQ AX, DR6
	RET
