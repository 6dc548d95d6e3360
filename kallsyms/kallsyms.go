// Package kallsyms turns code addresses into function names and source
// lines, Linux's kernel/kallsyms.c (kallsyms_lookup, sprint_symbol: the
// "%pS" of printk, "start_kernel+0x1a8/0x5c0").
//
// Linux builds its own symbol table at link time; a Go binary already has
// one, the pclntab the runtime uses for tracebacks. kallsyms reads it with
// the runtime's own look-ups (findfunc, funcline1, srcFunc.name), which the
// runtime keeps callable from other packages by go:linkname (Go issue
// 67401). They need no heap; funcline1 uses a cache in the current m, so
// the kernel calls them on a g that has one (see arch/amd64/g.go).
package kallsyms

import (
	"unsafe"
)

// funcInfo mirrors runtime.funcInfo: a *_func and its *moduledata.
type funcInfo struct {
	fn    unsafe.Pointer
	datap unsafe.Pointer
}

// srcFunc mirrors runtime.srcFunc.
type srcFunc struct {
	datap     unsafe.Pointer
	nameOff   int32
	startLine int32
	funcID    uint8
}

//go:linkname findfunc runtime.findfunc
func findfunc(pc uintptr) funcInfo

//go:linkname funcline1 runtime.funcline1
func funcline1(f funcInfo, targetpc uintptr, strict bool) (file string, line int32)

//go:linkname funcEntry runtime.funcInfo.entry
func funcEntry(f funcInfo) uintptr

//go:linkname srcFuncName runtime.srcFunc.name
func srcFuncName(s srcFunc) string

// runtime._func begins {entryOff uint32; nameOff int32}.
const funcNameOffOffset = 4

// Symbol is what a look-up finds.
type Symbol struct {
	Name  string  // "gokern/arch/amd64.x86_64_start_kernel"
	Entry uintptr // first instruction of the function
	File  string  // source file of pc
	Line  int     // source line of pc
}

// The kernel runs its Go code on static g's with a nil m (arch/amd64/g.go),
// so that a runtime panic path faults at once. The runtime's pcvalue keeps
// a cache in the current m, so a look-up lends it one: Current_g_slot is
// set by the kernel to a function that returns this CPU's TLS slot (where
// its current g is) and its number; each CPU lends its own m, since CPUs
// look symbols up at once (the backtraces of SysRq 'l', an oops on one CPU
// while another prints). On a host it stays nil and the real runtime's m
// is used.
var (
	Current_g_slot func() (slot *uintptr, cpu int)
	lookup_m       [LOOKUP_M_CPUS][M_SIZE]byte
)

// LOOKUP_M_CPUS: the CPUs that have an m to lend, the kernel's NR_CPUS
// (arch/amd64 checks it at compile time); another CPU's look-ups fault as
// the runtime would.
const LOOKUP_M_CPUS = 8

const (
	// G_M_OFFSET: runtime.g's m field follows stack (16 bytes),
	// stackguard0, stackguard1, _panic and _defer (runtime/runtime2.go);
	// a boot test checks it against the DWARF of build/vmlinux.
	G_M_OFFSET = 48
	// M_SIZE: room for a runtime.m (about 1.5 KiB in Go 1.26; the same
	// test checks).
	M_SIZE = 16 << 10
)

func lend_m() (mp *uintptr) {
	if Current_g_slot == nil {
		return nil
	}
	slot, cpu := Current_g_slot()
	if *slot == 0 || cpu < 0 || cpu >= LOOKUP_M_CPUS {
		return nil
	}
	mp = (*uintptr)(ptr(*slot + G_M_OFFSET))
	if *mp != 0 {
		return nil
	}
	*mp = uintptr(unsafe.Pointer(&lookup_m[cpu][0]))
	return mp
}

// Lookup finds the function holding pc. ok is false for an address outside
// any Go function.
func Lookup(pc uintptr) (sym Symbol, ok bool) {
	// No defer: without optimisation (-N) the compiler turns it into
	// runtime.deferprocStack, which needs the runtime.
	mp := lend_m()
	sym, ok = lookup(pc)
	if mp != nil {
		*mp = 0
	}
	return sym, ok
}

func lookup(pc uintptr) (sym Symbol, ok bool) {
	f := findfunc(pc)
	if f.fn == nil {
		return Symbol{}, false
	}
	sym.Entry = funcEntry(f)
	sym.Name = srcFuncName(srcFunc{datap: f.datap, nameOff: *(*int32)(unsafe.Add(f.fn, funcNameOffOffset))})
	file, line := funcline1(f, pc, false)
	sym.File, sym.Line = file, int(line)
	return sym, true
}

// Sprint_symbol writes "name+0xoff" for pc into buf (Linux sprint_symbol,
// printk's %pS) and returns the bytes written.
func Sprint_symbol(buf []byte, pc uintptr) int {
	sym, ok := Lookup(pc)
	n := 0
	put := func(s string) {
		n += copy(buf[n:], s)
	}
	if !ok {
		put("0x")
		n += hex(buf[n:], uint64(pc))
		return n
	}
	put(sym.Name)
	put("+0x")
	n += hex(buf[n:], uint64(pc-sym.Entry))
	return n
}

func hex(buf []byte, v uint64) int {
	var t [16]byte
	i := len(t)
	for {
		i--
		t[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return copy(buf, t[i:])
}

// IsRuntime reports whether a function name belongs to the Go runtime
// (or an internal package the runtime uses), rather than to the kernel.
func IsRuntime(name string) bool {
	return hasPrefix(name, "runtime.") || hasPrefix(name, "internal/")
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// Frame walking. Go on amd64 keeps frame pointers: every function with a
// frame pushes BP on entry and sets BP to SP, so [BP] is the caller's BP
// and [BP+8] the return address into the caller (the Go ABI, "Frame
// pointer"). The kernel walks that chain for oopses and for %pS callers.

// Caller returns the return address skip frames up from the frame whose
// frame pointer is bp (skip 0: the return address of that frame's
// function), or 0 when the chain ends. valid reports whether a frame
// pointer may be read (the kernel checks it lies in a known stack).
func Caller(bp uintptr, skip int, valid func(uintptr) bool) uintptr {
	for ; bp != 0 && valid(bp); skip-- {
		ret := *(*uintptr)(ptr(bp + 8))
		if skip == 0 {
			return ret
		}
		bp = *(*uintptr)(ptr(bp))
	}
	return 0
}

// ptr turns a stack address into a pointer; through memory, because go
// vet's unsafeptr check is about Go-heap addresses, which stacks of the
// kernel are not (they never move).
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
