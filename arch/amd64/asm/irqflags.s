//go:build amd64

#include "textflag.h"

// The interrupt flag (declarations in irqflags.go).

TEXT ·Native_save_fl(SB),NOSPLIT,$0-8
	PUSHFQ
	POPQ	AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Native_irq_enable(SB),NOSPLIT,$0-0
	STI
	RET

// STI's shadow covers HLT: see Native_safe_halt.
TEXT ·Native_safe_halt(SB),NOSPLIT,$0-0
	STI
	HLT
	RET
