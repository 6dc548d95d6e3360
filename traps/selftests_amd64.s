#include "textflag.h"

// Probes for the selftests of the trap handlers (selftests.go): each
// raises one exception on purpose. ABI0, declarations in
// selftests_amd64.go.

// probe_ud2: #UD (SDM Vol. 2B, UD2: "raises an invalid opcode exception").
TEXT ·probe_ud2(SB),NOSPLIT,$0-0
	BYTE	$0x0f; BYTE $0x0b	// UD2
	RET

// probe_int3: #BP; a trap, so RIP is already past the INT3 when the
// handler runs, and returning resumes at the RET.
TEXT ·probe_int3(SB),NOSPLIT,$0-0
	INT	$3
	RET

// probe_int3_sti: INT3 with interrupts on, then off again: the handler
// sees IF as the gate leaves it (trap gate: as it was; interrupt gate: 0).
TEXT ·probe_int3_sti(SB),NOSPLIT,$0-0
	STI
	INT	$3
	CLI
	RET

// probe_int(n): INT n for the vectors the selftests raise by software:
// 1 (#DB), 2 (NMI), 4 (#OF: INTO is invalid in 64-bit mode, SDM Vol. 2A
// INTO), and an interrupt vector.
TEXT ·probe_int1(SB),NOSPLIT,$0-0
	INT	$1
	RET

TEXT ·probe_int2(SB),NOSPLIT,$0-0
	INT	$2
	RET

TEXT ·probe_int4(SB),NOSPLIT,$0-0
	INT	$4
	RET

TEXT ·probe_int_0xf0(SB),NOSPLIT,$0-0
	INT	$0xf0
	RET

// probe_div(a, b) = a / b with DIVQ: #DE when b is 0 (Go's own division
// checks b first and calls runtime.panicdivide instead).
TEXT ·probe_div(SB),NOSPLIT,$0-24
	MOVQ	a+0(FP), AX
	MOVQ	b+8(FP), CX
	XORL	DX, DX
	DIVQ	CX
	MOVQ	AX, ret+16(FP)
	RET

// probe_call(addr) calls addr: an instruction fetch where addr points.
TEXT ·probe_call(SB),NOSPLIT,$0-8
	MOVQ	addr+0(FP), AX
	CALL	AX
	RET

// probe_int80(nr, a1, a2, a3) issues the i386 system call nr with EBX,
// ECX, EDX = a1, a2, a3 and returns RAX.
TEXT ·probe_int80(SB),NOSPLIT,$0-40
	MOVQ	nr+0(FP), AX
	MOVQ	a1+8(FP), BX
	MOVQ	a2+16(FP), CX
	MOVQ	a3+24(FP), DX
	INT	$0x80
	MOVQ	AX, ret+32(FP)
	RET

// probe_int3_loop(n): n INT3s back to back, for the round-trip figure.
TEXT ·probe_int3_loop(SB),NOSPLIT,$0-8
	MOVQ	n+0(FP), CX
loop:
	INT	$3
	DECQ	CX
	JNZ	loop
	RET

// The probes' own addresses (Go's func values name ABI wrappers).
DATA ·probe_ud2_pc+0(SB)/8, $·probe_ud2(SB)
GLOBL ·probe_ud2_pc(SB), NOPTR|RODATA, $8
DATA ·probe_int3_pc+0(SB)/8, $·probe_int3(SB)
GLOBL ·probe_int3_pc(SB), NOPTR|RODATA, $8
