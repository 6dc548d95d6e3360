//go:build amd64

package asm

// The kernel image's bounds. Linux: include/asm-generic/sections.h (_text,
// _end); _text is X__START_KERNEL (page_types.go).

// KernelEnd returns _end, the first byte after the kernel image, bss
// included: the Go linker's runtime.end.
func KernelEnd() uintptr
