package asm

import "unsafe"

// Reaching physical memory. Linux: arch/x86/include/asm/page.h and
// page_64.h (__va, __pa, __phys_addr, phys_base).

// PhysMem is how kernel code reaches physical memory: Bytes returns the
// size bytes at physical address pa. It is gokern's one seam for it
// (Linux has none: its code dereferences __va(pa) directly). The kernel
// passes &DirectMap, the direct map; host tests pass a simulated RAM
// (internal/ktest.RAM), so memblock, bootmem and the page-table code run
// unchanged over both. An implementation must be a static variable or a
// pointer to one: converting a pointer to an interface does not allocate.
type PhysMem interface {
	Bytes(pa, size uint64) []byte
}

// LinearMem sees physical memory at a fixed virtual offset: physical pa
// is the memory at virtual pa+Offset. The method has a pointer receiver
// so that only *LinearMem is a PhysMem: a LinearMem value in an interface
// would be boxed, which allocates.
type LinearMem struct {
	Offset uint64
}

// Bytes returns the memory at pa+Offset. It only computes a pointer: it is
// valid only on a CPU where that range is mapped.
func (m *LinearMem) Bytes(pa, size uint64) []byte {
	// unsafe.Add from nil builds a pointer from an integer without the
	// uintptr -> unsafe.Pointer conversion that vet (rightly) flags for
	// Go-heap memory; physical memory is never in the Go heap.
	return unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(pa+m.Offset))), size)
}

// DirectMap is the kernel's PhysMem: physical memory through the direct
// map at PAGE_OFFSET, as Linux's __va. Until init_mem_mapping only
// 0-4 GiB is mapped there (startup_64's early direct map).
var DirectMap = LinearMem{Offset: PAGE_OFFSET}

// Phys_to_virt returns the direct-map pointer for a physical address,
// Linux phys_to_virt / __va.
func Phys_to_virt(pa uintptr) unsafe.Pointer { return KernelPtr(pa + PAGE_OFFSET) }

// Phys_base is the difference between where the kernel was linked to run
// and where it is in physical memory. Linux computes it in __startup_64
// for a relocated kernel; gokern is always loaded at LOAD_PHYSICAL_ADDR,
// so it stays 0. A variable, not a constant, so X__pa reads it as Linux's
// __phys_addr does. Linux: phys_base (head_64.S, page_64.h).
var Phys_base uint64

// X__pa translates a kernel virtual address to physical, for both kernel
// mappings: the kernel text at X__START_KERNEL_map and the direct map at
// PAGE_OFFSET. Other addresses (vmalloc, user) have no fixed translation.
// Linux: __pa, __phys_addr_nodebug.
func X__pa(x uint64) uint64 {
	if x >= X__START_KERNEL_map {
		return x - X__START_KERNEL_map + Phys_base
	}
	return x - PAGE_OFFSET
}

// KernelPtr turns a kernel virtual address into a pointer (gokern). It
// goes through memory so that go vet's unsafeptr check, meant for Go-heap
// addresses, is not misled: kernel addresses are not Go-heap memory and
// never move.
func KernelPtr(va uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&va)) }

// Noescape hides a pointer from the compiler's escape analysis (the Go
// runtime's noescape): a wait-queue entry or a timer on a kernel stack
// can be linked into a queue without the compiler moving it to the Go
// heap. Kernel stacks never move (there is no stack growth), so the
// pointer stays valid while the object is queued; the code that links it
// unlinks it before the frame returns.
//
//go:nosplit
func Noescape(p unsafe.Pointer) unsafe.Pointer { return KernelPtr(uintptr(p)) }
