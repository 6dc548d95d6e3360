//go:build amd64

#include "textflag.h"

// FPU/SSE state instructions (declarations in fpu.go).

TEXT ·Fxsave64(SB),NOSPLIT,$0-8
	MOVQ	buf+0(FP), AX
	FXSAVE64	(AX)
	RET

TEXT ·Fxrstor64(SB),NOSPLIT,$0-8
	MOVQ	buf+0(FP), AX
	FXRSTOR64	(AX)
	RET

TEXT ·Fninit(SB),NOSPLIT,$0-0
	BYTE $0xdb; BYTE $0xe3	// FNINIT
	RET
