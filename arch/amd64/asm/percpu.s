//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// Per-CPU reads through the GS base (declarations in percpu_insns.go).

TEXT ·this_cpu_off(SB),NOSPLIT,$0-8
	MOVQ	const_PCPU_this_cpu_off(GS), AX
	MOVQ	AX, ret+0(FP)
	RET
