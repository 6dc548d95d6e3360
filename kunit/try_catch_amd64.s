#include "textflag.h"
#include "go_asm.h"

// try_catch_call(tc *Kunit_try_catch, fn func(uintptr), arg uintptr)
// (try_catch.go). A frame of 16 bytes: the assembler saves BP at its top
// and points BP there (and writes the unwind information gdb reads), and
// its bottom 8 bytes are fn's argument spill slot (Go's ABIInternal: the
// caller reserves it). tc records that frame: SP, BP and where to land.
// fn is a Go func value: called with ABIInternal, argument in AX, closure
// context in DX, and R14 (g) and X15 (zero) still as the ABI wrapper that
// called us left them.
TEXT ·try_catch_call(SB),NOSPLIT,$16-24
	MOVQ	tc+0(FP), BX
	MOVQ	fn+8(FP), DX
	MOVQ	arg+16(FP), AX
	MOVQ	SP, Kunit_try_catch_sp(BX)
	MOVQ	BP, Kunit_try_catch_bp(BX)
	LEAQ	·try_catch_landing(SB), CX
	MOVQ	CX, Kunit_try_catch_pc(BX)
	MOVQ	0(DX), CX
	CALL	CX
	RET

// try_catch_landing: a trap handler threw (Throw): SP and BP are
// try_catch_call's again; leave its frame as its epilogue would (BP points
// at the saved BP, the return address above it) and return from it.
TEXT ·try_catch_landing(SB),NOSPLIT|NOFRAME,$0
	MOVQ	BP, SP
	MOVQ	0(SP), BP
	LEAQ	8(SP), SP
	RET
