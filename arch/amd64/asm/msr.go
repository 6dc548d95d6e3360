//go:build amd64

package asm

// Model-specific registers and the time-stamp counter. Linux:
// arch/x86/include/asm/msr.h (rdmsrl, wrmsrl, rdtsc); the MSR numbers are
// in msr_index.go.

// Rdmsrl reads a 64-bit model-specific register (SDM Vol. 2B, RDMSR).
func Rdmsrl(msr uint32) uint64

// Wrmsrl writes a 64-bit model-specific register (SDM Vol. 2B, WRMSR).
func Wrmsrl(msr uint32, val uint64)

// Rdtsc reads the time-stamp counter (SDM Vol. 2B, RDTSC).
func Rdtsc() uint64
