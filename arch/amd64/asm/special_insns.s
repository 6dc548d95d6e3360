//go:build amd64

#include "textflag.h"

// The special instructions (declarations and doc comments in
// special_insns.go). Each is a few instructions; the manual section is
// cited there, and the Go assembler's spelling is the SDM's mnemonic with
// an operand-size suffix. ABI0: arguments and results on the stack.

TEXT ·Read_cr0(SB),NOSPLIT,$0-8
	MOVQ	CR0, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Read_cr2(SB),NOSPLIT,$0-8
	MOVQ	CR2, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Read_cr3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Read_cr4(SB),NOSPLIT,$0-8
	MOVQ	CR4, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Write_cr0(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR0
	RET

TEXT ·Write_cr3(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR3
	RET

TEXT ·Write_cr4(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR4
	RET

TEXT ·Native_halt(SB),NOSPLIT,$0-0
	HLT
	RET

TEXT ·Int3(SB),NOSPLIT,$0-0
	BYTE $0xcc // INT3
	RET

TEXT ·Local_irq_disable(SB),NOSPLIT,$0-0
	CLI
	RET

TEXT ·Invlpg(SB),NOSPLIT,$0-8
	MOVQ	addr+0(FP), AX
	INVLPG	(AX)
	RET

TEXT ·Cpuid_count(SB),NOSPLIT,$0-24
	MOVL	op+0(FP), AX
	MOVL	count+4(FP), CX
	CPUID
	MOVL	AX, eax+8(FP)
	MOVL	BX, ebx+12(FP)
	MOVL	CX, ecx+16(FP)
	MOVL	DX, edx+20(FP)
	RET

TEXT ·Current_stack_pointer(SB),NOSPLIT,$0-8
	MOVQ	SP, AX
	ADDQ	$8, AX		// the caller's SP after our return
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·FramePointer(SB),NOSPLIT,$0-8
	MOVQ	BP, ret+0(FP)
	RET

TEXT ·ReadCS(SB),NOSPLIT,$0-2
	MOVW	CS, AX
	MOVW	AX, ret+0(FP)
	RET

TEXT ·ReadDS(SB),NOSPLIT,$0-2
	MOVW	DS, AX
	MOVW	AX, ret+0(FP)
	RET

TEXT ·ReadES(SB),NOSPLIT,$0-2
	MOVW	ES, AX
	MOVW	AX, ret+0(FP)
	RET

TEXT ·ReadFS(SB),NOSPLIT,$0-2
	MOVW	FS, AX
	MOVW	AX, ret+0(FP)
	RET

TEXT ·ReadGS(SB),NOSPLIT,$0-2
	MOVW	GS, AX
	MOVW	AX, ret+0(FP)
	RET

// LoadSegments: a far return pops RIP then CS (SDM Vol. 2A, RET "far
// return"), the usual way to load CS in 64-bit mode.
TEXT ·LoadSegments(SB),NOSPLIT,$0-4
	MOVW	ds+2(FP), AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	// FS and GS are left alone: in 64-bit mode loading them also loads
	// their bases (SDM Vol. 3A §3.4.4), and the FS base holds the g.
	MOVWQZX	cs+0(FP), AX
	PUSHQ	AX
	LEAQ	reloaded<>(SB), AX
	PUSHQ	AX
	BYTE	$0x48; BYTE $0xcb	// REX.W RETF: far return with 64-bit offset
TEXT reloaded<>(SB),NOSPLIT|NOFRAME,$0
	RET

TEXT ·Cpu_relax(SB),NOSPLIT,$0-0
	PAUSE
	RET

TEXT ·Rdrand64(SB),NOSPLIT,$0-9
	RDRANDQ	AX
	SETCS	ok+8(FP)
	MOVQ	AX, v+0(FP)
	RET

TEXT ·Rdseed64(SB),NOSPLIT,$0-9
	RDSEEDQ	AX
	SETCS	ok+8(FP)
	MOVQ	AX, v+0(FP)
	RET
