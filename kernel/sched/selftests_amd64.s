//go:build amd64

#include "textflag.h"

// Helpers of the scheduler's selftests (declarations in selftests.go):
// they set and read FPU/SSE state that Go code never touches, and spin
// without calling anything, holding values in XMM registers.

// fpu_set(r *fpu_regs): a fresh x87 state with r's control word and ST0 =
// r's value, and r's MXCSR.
TEXT ·fpu_set(SB),NOSPLIT,$0-8
	MOVQ	r+0(FP), AX
	BYTE $0xdb; BYTE $0xe3		// FNINIT
	FLDCW	0(AX)
	LDMXCSR	4(AX)
	FMOVD	8(AX), F0
	RET

// fpu_get(r *fpu_regs): the control word, MXCSR and ST0 (not popped).
TEXT ·fpu_get(SB),NOSPLIT,$0-8
	MOVQ	r+0(FP), AX
	FSTCW	0(AX)
	STMXCSR	4(AX)
	FMOVD	F0, 8(AX)
	RET

// spin_xmm(pat *[15][2]uint64, mxcsr uint32, flag *uint32, deadline uint64, out *[15][2]uint64) (iters uint64):
// load X0-X14 from pat and MXCSR, spin until *flag != 0 or the TSC
// passes deadline, calling nothing, then store X0-X14 and MXCSR (into
// out[15]... see selftests.go) and return the iterations.
TEXT ·spin_xmm(SB),NOSPLIT,$0-48
	MOVQ	pat+0(FP), AX
	MOVOU	0(AX), X0
	MOVOU	16(AX), X1
	MOVOU	32(AX), X2
	MOVOU	48(AX), X3
	MOVOU	64(AX), X4
	MOVOU	80(AX), X5
	MOVOU	96(AX), X6
	MOVOU	112(AX), X7
	MOVOU	128(AX), X8
	MOVOU	144(AX), X9
	MOVOU	160(AX), X10
	MOVOU	176(AX), X11
	MOVOU	192(AX), X12
	MOVOU	208(AX), X13
	MOVOU	224(AX), X14
	LDMXCSR	mxcsr+8(FP)
	MOVQ	flag+16(FP), BX
	MOVQ	deadline+24(FP), R8
	XORQ	CX, CX
spin:
	INCQ	CX
	MOVL	(BX), DX
	TESTL	DX, DX
	JNZ	done
	MOVQ	CX, R9
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	R9, CX
	CMPQ	AX, R8
	JB	spin
done:
	MOVQ	out+32(FP), AX
	MOVOU	X0, 0(AX)
	MOVOU	X1, 16(AX)
	MOVOU	X2, 32(AX)
	MOVOU	X3, 48(AX)
	MOVOU	X4, 64(AX)
	MOVOU	X5, 80(AX)
	MOVOU	X6, 96(AX)
	MOVOU	X7, 112(AX)
	MOVOU	X8, 128(AX)
	MOVOU	X9, 144(AX)
	MOVOU	X10, 160(AX)
	MOVOU	X11, 176(AX)
	MOVOU	X12, 192(AX)
	MOVOU	X13, 208(AX)
	MOVOU	X14, 224(AX)
	STMXCSR	240(AX)
	MOVQ	CX, ret+40(FP)
	RET

// clobber_xmm(v uint64, mxcsr uint32): X0-X14 all v, and MXCSR.
TEXT ·clobber_xmm(SB),NOSPLIT,$0-12
	MOVQ	v+0(FP), X0
	PUNPCKLQDQ	X0, X0
	MOVOU	X0, X1
	MOVOU	X0, X2
	MOVOU	X0, X3
	MOVOU	X0, X4
	MOVOU	X0, X5
	MOVOU	X0, X6
	MOVOU	X0, X7
	MOVOU	X0, X8
	MOVOU	X0, X9
	MOVOU	X0, X10
	MOVOU	X0, X11
	MOVOU	X0, X12
	MOVOU	X0, X13
	MOVOU	X0, X14
	LDMXCSR	mxcsr+8(FP)
	RET
