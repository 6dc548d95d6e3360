//go:build amd64

#include "textflag.h"

// KernelEnd (sections.go): the address of the linker's runtime.end,
// RIP-relative, so it is the virtual address once the kernel runs at its
// link address (head_64.s reads the link-time value from a DATA word
// instead, before it gets there).
TEXT ·KernelEnd(SB),NOSPLIT,$0-8
	LEAQ	runtime·end(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// The section bounds (sections.go), the same way.
TEXT ·X_stext(SB),NOSPLIT,$0-8
	LEAQ	runtime·text(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X_etext(SB),NOSPLIT,$0-8
	LEAQ	runtime·etext(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X__start_rodata(SB),NOSPLIT,$0-8
	LEAQ	runtime·rodata(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X__end_rodata(SB),NOSPLIT,$0-8
	LEAQ	runtime·epclntab(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X_sdata(SB),NOSPLIT,$0-8
	LEAQ	runtime·noptrdata(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X_edata(SB),NOSPLIT,$0-8
	LEAQ	runtime·edata(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X__bss_start(SB),NOSPLIT,$0-8
	LEAQ	runtime·bss(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·X__bss_stop(SB),NOSPLIT,$0-8
	LEAQ	runtime·end(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
