#include "textflag.h"

// lkdtm_double_fault(sp): RSP = sp, then a store below it, as a push
// would (lkdtm.go DOUBLE_FAULT).
// It never returns: the #DF handler stops the kernel.
TEXT ·lkdtm_double_fault(SB),NOSPLIT,$0-8
	MOVQ	sp+0(FP), AX
	MOVQ	AX, SP
	MOVQ	AX, -8(SP)	// the push, spelled out: the assembler counts PUSHes
	RET

// lkdtm_call(fn): CALL fn (lkdtm.go EXEC_DATA, EXEC_NULL).
TEXT ·lkdtm_call(SB),NOSPLIT,$0-8
	MOVQ	fn+0(FP), AX
	CALL	AX
	RET
