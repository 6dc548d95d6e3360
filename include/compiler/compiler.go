// Package compiler holds what Linux's include/linux/compiler.h holds for
// gokern: a way to hide a pointer from the compiler (Linux
// OPTIMIZER_HIDE_VAR, RELOC_HIDE; the Go runtime's noescape).
//
// Why it is needed: Go's escape analysis cannot see into an indirect call
// — a method of an operation table (f.F_op.Read), a hook, a function
// passed as an argument — so it assumes the callee keeps every pointer it
// is given, and moves each local variable whose address is passed to the
// Go heap. The kernel has no Go heap (DESIGN.md §4; kcheck fails on
// runtime.newobject). Linux's rule for such calls holds here too: the
// callee uses the pointer during the call and keeps no copy. Under that
// rule, hiding the pointer keeps the variable on the stack.
//
// It is safe where the Go runtime's own noescape is: the pointer is a
// uintptr only inside this function, which cannot grow the stack
// (nosplit), so a moving stack (the host tests') adjusts the pointer in
// the callee's frame as any other.
package compiler

import "unsafe"

// Noescape returns p, hidden from escape analysis.
//
//go:nosplit
func Noescape[T any](p *T) *T {
	x := uintptr(unsafe.Pointer(p))
	return (*T)(unsafe.Add(nil, x^0))
}

// NoescapeBytes returns b, its array hidden from escape analysis.
//
//go:nosplit
func NoescapeBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil // (returning b would let b's array escape with it)
	}
	x := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return unsafe.Slice((*byte)(unsafe.Add(nil, x^0)), len(b))
}
