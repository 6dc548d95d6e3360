#include "textflag.h"

// func X_RET_IP_() uintptr
//
// X_RET_IP_ returns the return address of the Go function that calls it:
// Linux's _RET_IP_ (__builtin_return_address(0), include/linux/
// instruction_pointer.h), which memblock=debug, bad_page and warn_alloc
// print, through Sprint_symbol, to name who called them.
//
// Go on amd64 keeps a frame-pointer chain: a function's prologue saves
// the caller's BP at the top of its frame and points BP at it, so 0(BP) is
// the saved BP and 8(BP) the return address (Go internal ABI, "Frame
// pointer"). NOFRAME keeps this function out of the chain, so BP here is
// still the caller's. The caller must not be inlined (//go:noinline).
TEXT ·X_RET_IP_(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ	8(BP), AX
	MOVQ	AX, ret+0(FP)
	RET
