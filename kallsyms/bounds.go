package kallsyms

import "unsafe"

// The index and the length of a failed Go bounds check, for the oops.
//
// Go 1.26 compiles `a[i]` into a compare and a call of runtime.panicBounds
// (asm_amd64.s), which saves the 14 general registers into its frame and
// calls runtime.panicBounds64(pc, &regs); that one reads, from the
// pclntab entry PCDATA_PanicBounds at the call site, which registers (or
// constants) held the index and the length, and panics with "index out of
// range [20] with length 8". Kernel Go has no runtime behind it, so the
// panic faults on the nil m before it prints anything (in pcdatavalue's
// cache, as it happens). The oops does the decoding itself: from the
// frame of runtime.panicBounds it reads the saved registers and the
// call site's PCDATA entry, the way panicBounds64 would have.
//
// The layouts read here are the runtime's (Go 1.26): runtime._func
// (runtime2.go), moduledata.pctab (symtab.go), the pc-value table
// encoding (symtab.go step, readvarint), PCDATA_PanicBounds and its
// encoding (internal/abi/bounds.go BoundsDecode), and runtime.panicBounds'
// frame (asm_amd64.s: $144 of locals, registers at 16(SP), so at BP-128).
// A boot test (TestRuntimeLayout) checks the struct offsets against the
// DWARF of build/vmlinux; a host test decodes a real call site.

const (
	// PCDATA_PanicBounds: internal/abi/symtab.go.
	PCDATA_PanicBounds = 4
	// FUNC_PCSP_OFFSET, FUNC_NPCDATA_OFFSET, FUNC_PCDATA_OFFSET: offsets in
	// runtime._func of pcsp, npcdata and of the pcdata array that follows
	// the struct (44 bytes).
	FUNC_PCSP_OFFSET    = 16
	FUNC_NPCDATA_OFFSET = 28
	FUNC_PCDATA_OFFSET  = 44
	// MODULEDATA_PCTAB_OFFSET: moduledata.pctab, after pcHeader (8) and
	// three slices (funcnametab, cutab, filetab).
	MODULEDATA_PCTAB_OFFSET = 8 + 3*24
	// PANICBOUNDS_REGS_FROM_BP: runtime.panicBounds' saved registers
	// (AX, CX, DX, BX, SP (unused), BP, SI, DI, R8-R15) start 128 bytes
	// below its frame pointer.
	PANICBOUNDS_REGS_FROM_BP = 128
)

// The kinds of bounds failure: internal/abi BoundsErrorCode.
const (
	BoundsIndex = iota
	BoundsSliceAlen
	BoundsSliceAcap
	BoundsSliceB
	BoundsSlice3Alen
	BoundsSlice3Acap
	BoundsSlice3B
	BoundsSlice3C
	BoundsConvert
	numBoundsCodes
)

// Bounds_failure is a decoded failed bounds check.
type Bounds_failure struct {
	Ok     bool
	Code   int
	Signed bool
	X      int64 // the index (or slice bound)
	Y      int64 // the length (or other bound)
}

// Bounds_decode splits a PCDATA_PanicBounds value (internal/abi
// BoundsDecode): the kind, whether x is signed, and for x and y either a
// register number (isReg) or a constant.
func Bounds_decode(v int) (code int, signed, xIsReg, yIsReg bool, xVal, yVal int, ok bool) {
	if v < 0 {
		return 0, false, false, false, 0, 0, false
	}
	code = v % numBoundsCodes
	c := v / numBoundsCodes
	xIsReg = c&1 != 0
	c >>= 1
	yIsReg = c&1 != 0
	c >>= 1
	if xIsReg {
		signed = c&1 != 0
		c >>= 1
		xVal = c & 0xf
		c >>= 4
	} else {
		xVal = c & 0x1f
		c >>= 5
	}
	if yIsReg {
		yVal = c & 0xf
		c >>= 4
	} else {
		yVal = c & 0x1f
		c >>= 5
	}
	return code, signed, xIsReg, yIsReg, xVal, yVal, c == 0
}

// Pcdatavalue returns the value of PCDATA table for pc in its function,
// or -1 (runtime.pcdatavalue, which the kernel cannot call: it keeps a
// cache in the m).
func Pcdatavalue(table uint32, pc uintptr) int32 {
	f := findfunc(pc)
	if f.fn == nil {
		return -1
	}
	if table >= *(*uint32)(unsafe.Add(f.fn, FUNC_NPCDATA_OFFSET)) {
		return -1
	}
	off := *(*uint32)(unsafe.Add(f.fn, FUNC_PCDATA_OFFSET+4*uintptr(table)))
	if off == 0 {
		return -1
	}
	pctab := *(*[]byte)(unsafe.Add(f.datap, MODULEDATA_PCTAB_OFFSET))
	return Pcvalue(pctab[off:], funcEntry(f), pc)
}

// Funcspdelta returns how far SP is below the function's entry SP at pc:
// 0 at the entry, and all along a function without a frame (a leaf: the
// return address is then at 0(SP)); -1 if pc is in no function (Linux's
// unwinder reads the same from ORC; runtime.funcspdelta).
func Funcspdelta(pc uintptr) int32 {
	f := findfunc(pc)
	if f.fn == nil {
		return -1
	}
	off := *(*uint32)(unsafe.Add(f.fn, FUNC_PCSP_OFFSET))
	if off == 0 {
		return -1
	}
	pctab := *(*[]byte)(unsafe.Add(f.datap, MODULEDATA_PCTAB_OFFSET))
	return Pcvalue(pctab[off:], funcEntry(f), pc)
}

// Pcvalue reads a pc-value table (runtime.pcvalue without its cache):
// pairs of a zig-zag value delta and a pc delta, varint-encoded, from the
// function's entry; the value in force at targetpc.
func Pcvalue(p []byte, entry, targetpc uintptr) int32 {
	pc := entry
	val := int32(-1)
	for first := true; len(p) > 0; first = false {
		n, uvdelta := readvarint(p)
		if uvdelta == 0 && !first {
			break
		}
		val += int32(-(uvdelta & 1) ^ (uvdelta >> 1))
		p = p[n:]
		n, pcdelta := readvarint(p)
		p = p[n:]
		pc += uintptr(pcdelta) // PCQuantum is 1 on amd64
		if targetpc < pc {
			return val
		}
	}
	return -1
}

func readvarint(p []byte) (read int, val uint32) {
	var shift uint32
	for read < len(p) {
		b := p[read]
		read++
		val |= uint32(b&0x7f) << (shift & 31)
		if b&0x80 == 0 {
			break
		}
		shift += 7
	}
	return read, val
}

// Decode_bounds_failure decodes the bounds check that failed at the call
// of runtime.panicBounds returning to ret, whose frame pointer is bp.
func Decode_bounds_failure(ret, bp uintptr) Bounds_failure {
	v := Pcdatavalue(PCDATA_PanicBounds, ret-1)
	code, signed, xIsReg, yIsReg, xVal, yVal, ok := Bounds_decode(int(v))
	if !ok {
		return Bounds_failure{}
	}
	regs := (*[16]int64)(ptr(bp - PANICBOUNDS_REGS_FROM_BP))
	b := Bounds_failure{Ok: true, Code: code, Signed: signed, X: int64(xVal), Y: int64(yVal)}
	if xIsReg {
		b.X = regs[xVal]
	}
	if yIsReg {
		b.Y = regs[yVal]
	}
	return b
}

// boundsFmts are the runtime's messages (runtime/error.go
// boundsErrorFmts, boundsNegErrorFmts), %x the index, %y the bound.
var boundsFmts = [numBoundsCodes]string{
	BoundsIndex:      "index out of range [%x] with length %y",
	BoundsSliceAlen:  "slice bounds out of range [:%x] with length %y",
	BoundsSliceAcap:  "slice bounds out of range [:%x] with capacity %y",
	BoundsSliceB:     "slice bounds out of range [%x:%y]",
	BoundsSlice3Alen: "slice bounds out of range [::%x] with length %y",
	BoundsSlice3Acap: "slice bounds out of range [::%x] with capacity %y",
	BoundsSlice3B:    "slice bounds out of range [:%x:%y]",
	BoundsSlice3C:    "slice bounds out of range [%x:%y:]",
	BoundsConvert:    "cannot convert slice with length %y to array or pointer to array with length %x",
}

var boundsNegFmts = [numBoundsCodes]string{
	BoundsIndex:      "index out of range [%x]",
	BoundsSliceAlen:  "slice bounds out of range [:%x]",
	BoundsSliceAcap:  "slice bounds out of range [:%x]",
	BoundsSliceB:     "slice bounds out of range [%x:]",
	BoundsSlice3Alen: "slice bounds out of range [::%x]",
	BoundsSlice3Acap: "slice bounds out of range [::%x]",
	BoundsSlice3B:    "slice bounds out of range [:%x:]",
	BoundsSlice3C:    "slice bounds out of range [%x::]",
}

// Format writes the runtime's message for b ("index out of range [20]
// with length 8") into buf and returns its length.
func (b Bounds_failure) Format(buf []byte) int {
	f := boundsFmts[b.Code]
	if b.Signed && b.X < 0 && boundsNegFmts[b.Code] != "" {
		f = boundsNegFmts[b.Code]
	}
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			if n < len(buf) {
				buf[n] = f[i]
				n++
			}
			continue
		}
		i++
		v := b.Y
		signed := true
		if f[i] == 'x' {
			v, signed = b.X, b.Signed
		}
		n += decimal(buf[n:], v, signed)
	}
	return n
}

func decimal(buf []byte, v int64, signed bool) int {
	var t [21]byte
	i := len(t)
	neg := signed && v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		t[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		t[i] = '-'
	}
	return copy(buf, t[i:])
}
