// Package asm is gokern's arch/x86/include/asm: the CPU's special
// instructions, the control-register, MSR and RFLAGS bits, the descriptor
// and TSS layouts, boot_params, pt_regs, the exception numbers, the memory
// layout constants and the TLB primitives. One file per Linux header:
// special_insns.go is asm/special_insns.h, msr_index.go is
// asm/msr-index.h, page_64_types.go is asm/page_64_types.h, and so on.
//
// It is the bottom layer (DESIGN.md §1, docs/layout.md): it imports no
// gokern package, and every other package may import it. Its untyped
// constants are THE definition of each number: packages that want a typed
// constant refer to it by name (paging: PAGE_OFFSET VirtAddr =
// asm.PAGE_OFFSET), Go assembly of another package reads it through a
// constant of its own package that names it (arch/amd64:
// X__START_KERNEL_map = asm.X__START_KERNEL_map, then
// $const_X__START_KERNEL_map from go_asm.h), and the host tools
// (internal/bzimage) import it. A test fails when a number is defined
// twice (docs/layout.md §3, internal/layout TestSingleDefinition).
//
// Names: a Linux name is kept in full, capitalised so Go exports it. A
// Linux name that begins with an underscore gets an X in front (Go exports
// only names that begin with an upper-case letter): __START_KERNEL_map is
// X__START_KERNEL_map, __flush_tlb_all is X__flush_tlb_all, and gdb sees
// the bare Linux name as an alias.
//
// The instructions (special_insns.go, io.go, msr.go, desc.go, sections.go
// and the TLB primitives) are only meaningful in ring 0 and exist only on
// amd64 (//go:build amd64); host tests use the constants, types and pure
// functions, which build on any host.
package asm
