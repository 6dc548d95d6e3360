//go:build amd64

#include "textflag.h"

// Descriptor-table registers (declarations in desc.go).

TEXT ·Load_gdt(SB),NOSPLIT,$0-8
	MOVQ	d+0(FP), AX
	LGDT	(AX)
	RET

TEXT ·Load_idt(SB),NOSPLIT,$0-8
	MOVQ	d+0(FP), AX
	LIDT	(AX)
	RET

TEXT ·Store_gdt(SB),NOSPLIT,$0-8
	MOVQ	d+0(FP), AX
	SGDT	(AX)
	RET

TEXT ·Store_idt(SB),NOSPLIT,$0-8
	MOVQ	d+0(FP), AX
	SIDT	(AX)
	RET

TEXT ·Load_tr(SB),NOSPLIT,$0-2
	MOVW	sel+0(FP), AX
	LTR	AX
	RET

TEXT ·Store_tr(SB),NOSPLIT,$0-2
	XORL	AX, AX
	BYTE	$0x0f; BYTE $0x00; BYTE $0xc8	// STR AX (SDM Vol. 2B, STR: 0F 00 /1); Go's assembler lacks it
	MOVW	AX, ret+0(FP)
	RET
