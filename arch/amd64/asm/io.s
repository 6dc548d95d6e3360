//go:build amd64

#include "textflag.h"

// Port I/O (declarations in io.go).

TEXT ·Outb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	val+2(FP), AL
	OUTB
	RET

TEXT ·Inb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	INB
	MOVB	AL, ret+8(FP)
	RET
