//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// The kernel's accesses that may fault on purpose, and the exception table
// that lists them (declarations and the table's format in uaccess.go and
// extable.go). Linux: arch/x86/lib/getuser.S (__get_user_1 ... and
// bad_get_user), putuser.S, copy_user_64.S (rep_movs_alternative). Seeds:
// 002 "Fixup: Expanded Macro", "Fixup: Generated Assembly".
//
// Each instruction that may fault is the first instruction of a symbol of
// its own (*_insn), so that the table can name its address: Go's
// assembler has no local labels in data. Its fixup is a symbol too. The
// callers reach the *_insn code with CALL, so that a fixup ends with RET:
// the seeds' 2.4 fixup jumped back to label 2 (jmp 2b); returning to the
// caller is the same thing one level up.

// --- get_user: val, err = *(uN *)AX. The fixup returns val 0, err -EFAULT
// (Linux bad_get_user: "xor %edx,%edx; mov $(-EFAULT),%ax").

TEXT ·get_user_1_insn(SB),NOSPLIT|NOFRAME,$0
	MOVBQZX	(AX), DX
	XORL	AX, AX
	RET

TEXT ·get_user_2_insn(SB),NOSPLIT|NOFRAME,$0
	MOVWQZX	(AX), DX
	XORL	AX, AX
	RET

TEXT ·get_user_4_insn(SB),NOSPLIT|NOFRAME,$0
	MOVL	(AX), DX
	XORL	AX, AX
	RET

TEXT ·get_user_8_insn(SB),NOSPLIT|NOFRAME,$0
	MOVQ	(AX), DX
	XORL	AX, AX
	RET

TEXT ·bad_get_user(SB),NOSPLIT|NOFRAME,$0
	XORL	DX, DX
	MOVQ	$-const_EFAULT, AX
	RET

// --- put_user: *(uN *)CX = AX; err in AX (Linux putuser.S, bad_put_user).

TEXT ·put_user_1_insn(SB),NOSPLIT|NOFRAME,$0
	MOVB	AX, (CX)
	XORL	AX, AX
	RET

TEXT ·put_user_2_insn(SB),NOSPLIT|NOFRAME,$0
	MOVW	AX, (CX)
	XORL	AX, AX
	RET

TEXT ·put_user_4_insn(SB),NOSPLIT|NOFRAME,$0
	MOVL	AX, (CX)
	XORL	AX, AX
	RET

TEXT ·put_user_8_insn(SB),NOSPLIT|NOFRAME,$0
	MOVQ	AX, (CX)
	XORL	AX, AX
	RET

TEXT ·bad_put_user(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$-const_EFAULT, AX
	RET

// --- copy: CX bytes from SI to DI with one REP MOVSB. A fault on either
// side stops it with CX, SI and DI at the faulting byte (SDM Vol. 2B, REP:
// the registers reflect the iteration that faulted), so the fixup has
// nothing to do: CX is the number of bytes not copied, which is what
// Linux's copy_user_generic returns.

TEXT ·copy_user_insn(SB),NOSPLIT|NOFRAME,$0
	REP;	MOVSB
	RET

TEXT ·copy_user_fixup(SB),NOSPLIT|NOFRAME,$0
	RET

// The Go-callable wrappers (ABI0: arguments and results on the stack).

TEXT ·x__get_user_1(SB),NOSPLIT,$0-24
	MOVQ	addr+0(FP), AX
	CALL	·get_user_1_insn(SB)
	MOVQ	DX, val+8(FP)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__get_user_2(SB),NOSPLIT,$0-24
	MOVQ	addr+0(FP), AX
	CALL	·get_user_2_insn(SB)
	MOVQ	DX, val+8(FP)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__get_user_4(SB),NOSPLIT,$0-24
	MOVQ	addr+0(FP), AX
	CALL	·get_user_4_insn(SB)
	MOVQ	DX, val+8(FP)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__get_user_8(SB),NOSPLIT,$0-24
	MOVQ	addr+0(FP), AX
	CALL	·get_user_8_insn(SB)
	MOVQ	DX, val+8(FP)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__put_user_1(SB),NOSPLIT,$0-24
	MOVQ	val+0(FP), AX
	MOVQ	addr+8(FP), CX
	CALL	·put_user_1_insn(SB)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__put_user_2(SB),NOSPLIT,$0-24
	MOVQ	val+0(FP), AX
	MOVQ	addr+8(FP), CX
	CALL	·put_user_2_insn(SB)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__put_user_4(SB),NOSPLIT,$0-24
	MOVQ	val+0(FP), AX
	MOVQ	addr+8(FP), CX
	CALL	·put_user_4_insn(SB)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·x__put_user_8(SB),NOSPLIT,$0-24
	MOVQ	val+0(FP), AX
	MOVQ	addr+8(FP), CX
	CALL	·put_user_8_insn(SB)
	MOVQ	AX, err+16(FP)
	RET

TEXT ·copy_user_generic(SB),NOSPLIT,$0-32
	MOVQ	dst+0(FP), DI
	MOVQ	src+8(FP), SI
	MOVQ	n+16(FP), CX
	CALL	·copy_user_insn(SB)
	MOVQ	CX, left+24(FP)
	RET

// The exception table in the assembler's raw form: a header word of 0,
// then {instruction, fixup, type} as three 8-byte words per entry, in
// source order. kbuild sorts it and rewrites it in Linux's relative form
// after the link (extable.go). EX_TABLE_SIZE must match the entries.
DATA ·X__ex_table+0(SB)/8, $0
DATA ·X__ex_table+8(SB)/8, $·get_user_1_insn(SB)
DATA ·X__ex_table+16(SB)/8, $·bad_get_user(SB)
DATA ·X__ex_table+24(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+32(SB)/8, $·get_user_2_insn(SB)
DATA ·X__ex_table+40(SB)/8, $·bad_get_user(SB)
DATA ·X__ex_table+48(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+56(SB)/8, $·get_user_4_insn(SB)
DATA ·X__ex_table+64(SB)/8, $·bad_get_user(SB)
DATA ·X__ex_table+72(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+80(SB)/8, $·get_user_8_insn(SB)
DATA ·X__ex_table+88(SB)/8, $·bad_get_user(SB)
DATA ·X__ex_table+96(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+104(SB)/8, $·put_user_1_insn(SB)
DATA ·X__ex_table+112(SB)/8, $·bad_put_user(SB)
DATA ·X__ex_table+120(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+128(SB)/8, $·put_user_2_insn(SB)
DATA ·X__ex_table+136(SB)/8, $·bad_put_user(SB)
DATA ·X__ex_table+144(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+152(SB)/8, $·put_user_4_insn(SB)
DATA ·X__ex_table+160(SB)/8, $·bad_put_user(SB)
DATA ·X__ex_table+168(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+176(SB)/8, $·put_user_8_insn(SB)
DATA ·X__ex_table+184(SB)/8, $·bad_put_user(SB)
DATA ·X__ex_table+192(SB)/8, $const_EX_TYPE_UACCESS
DATA ·X__ex_table+200(SB)/8, $·copy_user_insn(SB)
DATA ·X__ex_table+208(SB)/8, $·copy_user_fixup(SB)
DATA ·X__ex_table+216(SB)/8, $const_EX_TYPE_DEFAULT
GLOBL ·X__ex_table(SB), NOPTR|RODATA, $const_EX_TABLE_SIZE
