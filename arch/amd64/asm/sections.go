//go:build amd64

package asm

// The kernel image's bounds. Linux: include/asm-generic/sections.h (_text,
// _end); _text is X__START_KERNEL (page_types.go).

// KernelEnd returns _end, the first byte after the kernel image, bss
// included: the Go linker's runtime.end.
func KernelEnd() uintptr

// The image's parts, as the Memory: line reports them (Linux
// mem_init_print_info reads _stext/_etext, __start_rodata/__end_rodata,
// _sdata/_edata, __bss_start/__bss_stop). The Go linker's symbols: text is
// runtime.text-etext; the read-only data, type data and pclntab run from
// runtime.rodata to runtime.epclntab; the data (noptrdata and data) to
// runtime.edata; bss and noptrbss from runtime.bss to runtime.end.

func X_stext() uintptr
func X_etext() uintptr
func X__start_rodata() uintptr
func X__end_rodata() uintptr
func X_sdata() uintptr
func X_edata() uintptr
func X__bss_start() uintptr
func X__bss_stop() uintptr
