package asm

// Cache lines. Linux: arch/x86/include/asm/cache.h (L1_CACHE_SHIFT,
// L1_CACHE_BYTES) and include/linux/cache.h (SMP_CACHE_BYTES).

const (
	// L1_CACHE_SHIFT: 64-byte lines on every x86-64 CPU (the x86-64
	// defconfig's CONFIG_X86_L1_CACHE_SHIFT).
	L1_CACHE_SHIFT  = 6
	L1_CACHE_BYTES  = 1 << L1_CACHE_SHIFT
	SMP_CACHE_BYTES = L1_CACHE_BYTES
)
