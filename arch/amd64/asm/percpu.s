//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// Per-CPU reads through the GS base (declarations in percpu_insns.go).

TEXT ·this_cpu_off(SB),NOSPLIT,$0-8
	MOVQ	const_PCPU_this_cpu_off(GS), AX
	MOVQ	AX, ret+0(FP)
	RET

// this_cpu_add_8(off, v): ADDQ v, %gs:(off), one instruction (0x65 is
// the GS segment prefix, which Go's assembler does not spell).
TEXT ·this_cpu_add_8(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	MOVQ	v+8(FP), BX
	BYTE	$0x65
	ADDQ	BX, (AX)
	RET
