#include "textflag.h"

// func stdTgkill(tgid, tid, sig int) (flags uint64)
// tgkill(tgid, tid, sig) with the direction flag set (STD), and RFLAGS as
// the code finds it after the system call returns: a signal to its own
// thread is delivered on tgkill's way back, and the handler's
// rt_sigreturn must give the flag back as it was.
TEXT ·stdTgkill(SB),NOSPLIT,$0-32
	MOVQ	tgid+0(FP), DI
	MOVQ	tid+8(FP), SI
	MOVQ	sig+16(FP), DX
	MOVQ	$234, AX	// SYS_tgkill
	STD
	SYSCALL
	PUSHFQ
	POPQ	AX
	CLD
	MOVQ	AX, flags+24(FP)
	RET
