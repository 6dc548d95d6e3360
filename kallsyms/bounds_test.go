package kallsyms

import (
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/arch/x86/x86asm"
)

var boundsArray [8]int

//go:noinline
func failsBounds(i int) int { return boundsArray[i+3] }

// panicBoundsCall finds, in fn's code, the call of runtime.panicBounds and
// returns its return address.
func panicBoundsCall(t *testing.T, fn uintptr) uintptr {
	t.Helper()
	f := runtime.FuncForPC(fn)
	code := unsafe.Slice((*byte)(ptr(f.Entry())), 512)
	for off := 0; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			t.Fatalf("decode at +%#x: %v", off, err)
		}
		pc := f.Entry() + uintptr(off)
		if inst.Op == x86asm.CALL {
			if rel, ok := inst.Args[0].(x86asm.Rel); ok {
				target := pc + uintptr(inst.Len) + uintptr(int64(rel))
				if g := runtime.FuncForPC(target); g != nil && g.Name() == "runtime.panicBounds" {
					return pc + uintptr(inst.Len)
				}
			}
		}
		off += inst.Len
		if runtime.FuncForPC(f.Entry()+uintptr(off)) != f {
			break
		}
	}
	t.Fatalf("no call of runtime.panicBounds in %s", f.Name())
	return 0
}

// The call site's PCDATA_PanicBounds entry, read with the kernel's own
// pc-value decoder, says: an index, in a register, against the constant
// length 8; and Decode_bounds_failure, given a frame of runtime.panicBounds
// with that register saved, reads the index back.
func TestDecodeBoundsFailure(t *testing.T) {
	f := failsBounds
	ret := panicBoundsCall(t, **(**uintptr)(unsafe.Pointer(&f)))
	v := Pcdatavalue(PCDATA_PanicBounds, ret-1)
	code, _, xIsReg, yIsReg, xVal, yVal, ok := Bounds_decode(int(v))
	if !ok || code != BoundsIndex || !xIsReg || yIsReg || yVal != 8 || xVal > 15 || xVal == 4 || xVal == 14 {
		t.Fatalf("PCDATA %d: code %d, x reg %v (%d), y reg %v (%d)", v, code, xIsReg, xVal, yIsReg, yVal)
	}
	// A frame of runtime.panicBounds: the saved registers 128 bytes
	// below its frame pointer (asm_amd64.s).
	var frame [64]int64
	bp := uintptr(unsafe.Pointer(&frame[32]))
	regs := (*[16]int64)(ptr(bp - PANICBOUNDS_REGS_FROM_BP))
	regs[xVal] = 11
	b := Decode_bounds_failure(ret, bp)
	var buf [96]byte
	if got := string(buf[:b.Format(buf[:])]); !b.Ok || got != "index out of range [11] with length 8" {
		t.Fatalf("decoded %+v: %q", b, got)
	}
	// What the runtime itself says for the same failure.
	func() {
		defer func() {
			if r := recover(); r == nil || r.(error).Error() != "runtime error: index out of range [11] with length 8" {
				t.Errorf("the runtime says %v", r)
			}
		}()
		failsBounds(8)
	}()
}

// Bounds_decode is internal/abi's BoundsDecode; a few encodings by hand
// (BoundsEncode: c = xIsReg | yIsReg<<1 | (signed<<2 | xReg<<3 or
// xConst<<2) | (y << 7); value c*9 + code).
func TestBoundsDecode(t *testing.T) {
	enc := func(code int, signed, xIsReg, yIsReg bool, x, y int) int {
		c := 0
		if xIsReg {
			c |= 1
			if signed {
				c |= 1 << 2
			}
			c |= x << 3
		} else {
			c |= x << 2
		}
		if yIsReg {
			c |= 2
		}
		c |= y << 7
		return c*numBoundsCodes + code
	}
	for _, c := range []struct {
		code                   int
		signed, xIsReg, yIsReg bool
		x, y                   int
	}{
		{BoundsIndex, true, true, false, 0, 8},
		{BoundsSliceAlen, false, true, true, 3, 15},
		{BoundsConvert, false, false, false, 31, 31},
		{BoundsSlice3C, true, true, true, 15, 1},
	} {
		code, signed, xr, yr, x, y, ok := Bounds_decode(enc(c.code, c.signed, c.xIsReg, c.yIsReg, c.x, c.y))
		if !ok || code != c.code || signed != c.signed || xr != c.xIsReg || yr != c.yIsReg || x != c.x || y != c.y {
			t.Errorf("%+v decodes to %d %v %v %v %d %d %v", c, code, signed, xr, yr, x, y, ok)
		}
	}
	if _, _, _, _, _, _, ok := Bounds_decode(-1); ok {
		t.Error("-1 (no PCDATA) decodes")
	}
	var buf [96]byte
	b := Bounds_failure{Ok: true, Code: BoundsIndex, Signed: true, X: -3, Y: 8}
	if got := string(buf[:b.Format(buf[:])]); got != "index out of range [-3]" {
		t.Errorf("negative index: %q", got)
	}
	b = Bounds_failure{Ok: true, Code: BoundsSliceB, X: 5, Y: 2}
	if got := string(buf[:b.Format(buf[:])]); got != "slice bounds out of range [5:2]" {
		t.Errorf("slice: %q", got)
	}
}

//go:noinline
func leaf(x int) int { return x*7 + 3 }

// Funcspdelta: 0 at a function's entry, and all along a leaf without a
// frame; after the prologue of a function with a frame, its frame's size.
func TestFuncspdelta(t *testing.T) {
	f := leaf
	entry := **(**uintptr)(unsafe.Pointer(&f))
	if d := Funcspdelta(entry); d != 0 {
		t.Errorf("at leaf's entry: %d", d)
	}
	if d := Funcspdelta(entry + 2); d != 0 {
		t.Errorf("inside the leaf: %d", d)
	}
	// failsBounds calls panicBounds: it has a frame; at the call's
	// return address SP is below the entry's.
	g := failsBounds
	ret := panicBoundsCall(t, **(**uintptr)(unsafe.Pointer(&g)))
	if d := Funcspdelta(ret - 1); d <= 0 {
		t.Errorf("at failsBounds's call: %d", d)
	}
	if Funcspdelta(0x10) != -1 {
		t.Error("an address in no function")
	}
}
