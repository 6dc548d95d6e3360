// Command decode_oops reads a gokern oops from a serial log and explains
// it against the kernel that printed it, as Linux's
// scripts/decode_stacktrace.sh and scripts/decodecode do:
//
//   - every address of the oops (RIP, the Call Trace's return addresses)
//     becomes function, file:line from build/vmlinux's DWARF, with the
//     functions the compiler inlined there, innermost first, marked
//     [inline];
//   - the Code: line is disassembled (x86asm, AT&T syntax as objdump
//     prints it), the trapping instruction marked, then again starting
//     with it.
//
// Usage:
//
//	decode_oops [-vmlinux build/vmlinux] [serial.log]
//	./qemu.sh run 2>&1 | tee serial.log; go run ./cmd/decode_oops serial.log
//
// The log may hold other lines (the whole boot): decode_oops finds the
// oopses in it by their RIP: and Call Trace: lines, and prints each
// decoded. A trace address the oops printed with no symbol is still
// looked up.
package main

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// An Oops is what decode_oops reads of one oops.
type Oops struct {
	Headlines []string // its other lines: BUG:, #PF:, Oops:, kernel BUG:, ...
	RIPSym    string   // the RIP line's symbol
	RIPOff    uint64
	Code      []byte // the Code: bytes
	CodeAt    int    // index of the byte in <>
	Trace     []uint64
	TraceText []string // the trace lines as printed
}

var (
	stampRE = regexp.MustCompile(`^\[[ .0-9]+\] ?`)
	ripRE   = regexp.MustCompile(`^RIP: [0-9a-f]{4}:(\S+)\+0x([0-9a-f]+)(?:/0x[0-9a-f]+)?`)
	codeRE  = regexp.MustCompile(`^Code: ((?:<?[0-9a-f]{2}>? ?)+)$`)
	traceRE = regexp.MustCompile(`^ \[<([0-9a-f]{16})>\] (.*)$`)
	headRE  = regexp.MustCompile(`^(BUG:|kernel BUG:|#PF:|PGD |Oops:|PANIC:|secondary fault:|double fault:|.*: [0-9a-f]{4} \[#\d+\]|early exception:|exception:|in kernel code at)`)
)

// Parse finds the oopses in a log. An oops runs from its first headline
// (BUG:, kernel BUG:, PANIC:, ...) or its RIP: line to "---[ end trace"
// or the panic line; its RIP: line may come after the Call Trace (a
// failure of the Go runtime's checks prints the bug's trace first and the
// runtime's fault after it, as secondary).
func Parse(r io.Reader) ([]*Oops, error) {
	var oopses []*Oops
	var cur *Oops
	inTrace := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	start := func() {
		cur = &Oops{CodeAt: -1}
		oopses = append(oopses, cur)
		inTrace = false
	}
	for sc.Scan() {
		line := strings.TrimRight(stampRE.ReplaceAllString(sc.Text(), ""), "\r ")
		if strings.HasPrefix(line, "---[ end trace") || strings.HasPrefix(line, "Kernel panic - not syncing") {
			cur, inTrace = nil, false
			continue
		}
		if m := ripRE.FindStringSubmatch(line); m != nil {
			if cur == nil || cur.RIPSym != "" {
				start()
			}
			off, _ := strconv.ParseUint(m[2], 16, 64)
			cur.RIPSym, cur.RIPOff = m[1], off
			inTrace = false
			continue
		}
		if headRE.MatchString(line) {
			if cur == nil {
				start()
			}
			cur.Headlines = append(cur.Headlines, line)
			continue
		}
		if cur == nil {
			continue
		}
		if m := codeRE.FindStringSubmatch(line); m != nil && cur.Code == nil {
			code, at, err := parseCode(m[1])
			if err != nil {
				return nil, err
			}
			cur.Code, cur.CodeAt = code, at
			continue
		}
		if line == "Call Trace:" {
			inTrace = true
			continue
		}
		if inTrace {
			if m := traceRE.FindStringSubmatch(line); m != nil {
				a, _ := strconv.ParseUint(m[1], 16, 64)
				cur.Trace = append(cur.Trace, a)
				cur.TraceText = append(cur.TraceText, m[2])
				continue
			}
			if strings.HasPrefix(line, " ... the ") && len(cur.TraceText) > 0 {
				cur.TraceText[len(cur.TraceText)-1] += " (" + strings.TrimSpace(line) + ")"
				continue
			}
			inTrace = false
		}
	}
	// An oops without a RIP line is not one (a panic's headline alone).
	var out []*Oops
	for _, o := range oopses {
		if o.RIPSym != "" {
			out = append(out, o)
		}
	}
	return out, sc.Err()
}

// parseCode reads "8b 5c <48> 8b": the bytes and the index of the one in <>.
func parseCode(s string) ([]byte, int, error) {
	var code []byte
	at := -1
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "<") {
			at = len(code)
		}
		b, err := hex.DecodeString(strings.Trim(f, "<>"))
		if err != nil || len(b) != 1 {
			return nil, 0, fmt.Errorf("bad Code: byte %q", f)
		}
		code = append(code, b[0])
	}
	if at < 0 {
		return nil, 0, errors.New("Code: line without the <> byte")
	}
	return code, at, nil
}

// A Kernel is the vmlinux the oops came from.
type Kernel struct {
	syms  []elf.Symbol // functions, by address
	byNam map[string]uint64
	d     *dwarf.Data
	cus   []cuRange
}

type cuRange struct {
	lo, hi uint64
	off    dwarf.Offset
}

// Open reads an ELF's symbols and DWARF.
func Open(path string) (*Kernel, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	k := &Kernel{byNam: map[string]uint64{}}
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if (typ == elf.STT_FUNC || typ == elf.STT_OBJECT) && s.Value != 0 {
			k.syms = append(k.syms, s)
		}
		if typ == elf.STT_FUNC && s.Value != 0 {
			k.byNam[s.Name] = s.Value
			k.byNam[strings.TrimSuffix(s.Name, ".abi0")] = s.Value
		}
	}
	sort.Slice(k.syms, func(i, j int) bool { return k.syms[i].Value < k.syms[j].Value })
	if k.d, err = f.DWARF(); err != nil {
		return nil, fmt.Errorf("%s: no DWARF: %v", path, err)
	}
	r := k.d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag == dwarf.TagCompileUnit {
			ranges, _ := k.d.Ranges(e)
			for _, rg := range ranges {
				k.cus = append(k.cus, cuRange{rg[0], rg[1], e.Offset})
			}
		}
		r.SkipChildren()
	}
	return k, nil
}

// Addr is the address of symbol+off.
func (k *Kernel) Addr(sym string, off uint64) (uint64, bool) {
	a, ok := k.byNam[sym]
	return a + off, ok
}

// Func names the function or variable holding pc, with pc's offset in
// it ("" if none). Of the names at one address (the build adds Linux
// aliases, docs/layout.md §2) it takes the Go one, as the oops prints.
func (k *Kernel) Func(pc uint64) (string, uint64) {
	i := sort.Search(len(k.syms), func(i int) bool { return k.syms[i].Value > pc }) - 1
	best := -1
	for j := i; j >= 0 && j > i-16; j-- {
		s := &k.syms[j]
		if pc >= s.Value+s.Size || (best >= 0 && s.Value != k.syms[best].Value) {
			continue
		}
		if best < 0 || strings.Contains(s.Name, ".") && !strings.Contains(k.syms[best].Name, ".") {
			best = j
		}
	}
	if best < 0 {
		return "", 0
	}
	return strings.TrimSuffix(k.syms[best].Name, ".abi0"), pc - k.syms[best].Value
}

// A Frame is one source position: a function and where in it, innermost
// first; all but the last were inlined into the next.
type Frame struct {
	Func, File string
	Line       int
	Inline     bool
}

// Frames returns the source positions of pc, inlined ones first.
func (k *Kernel) Frames(pc uint64) []Frame {
	var cu *dwarf.Entry
	for _, c := range k.cus {
		if pc >= c.lo && pc < c.hi {
			r := k.d.Reader()
			r.Seek(c.off)
			cu, _ = r.Next()
			break
		}
	}
	if cu == nil {
		return nil
	}
	lr, err := k.d.LineReader(cu)
	if err != nil || lr == nil {
		return nil
	}
	var le dwarf.LineEntry
	file, line := "?", 0
	if lr.SeekPC(pc, &le) == nil {
		file, line = le.File.Name, le.Line
	}
	files := lr.Files()
	// The subprogram holding pc, and the inlined subroutines nested in it
	// that hold pc, outermost first.
	var chain []*dwarf.Entry
	r := k.d.Reader()
	r.Seek(cu.Offset)
	r.Next()
	depth := 0
	var stack []*dwarf.Entry
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag == 0 {
			depth--
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if depth < 0 {
				break
			}
			continue
		}
		holds := false
		if e.Tag == dwarf.TagSubprogram || e.Tag == dwarf.TagInlinedSubroutine {
			ranges, _ := k.d.Ranges(e)
			for _, rg := range ranges {
				if pc >= rg[0] && pc < rg[1] {
					holds = true
				}
			}
		}
		if holds {
			chain = append(chain, e)
		}
		if e.Children {
			if !holds && (e.Tag == dwarf.TagSubprogram || e.Tag == dwarf.TagInlinedSubroutine) {
				r.SkipChildren()
				continue
			}
			depth++
			stack = append(stack, e)
		}
	}
	name := func(e *dwarf.Entry) string {
		if n, ok := e.Val(dwarf.AttrName).(string); ok {
			return n
		}
		if o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
			r := k.d.Reader()
			r.Seek(o)
			if a, err := r.Next(); err == nil && a != nil {
				if n, ok := a.Val(dwarf.AttrName).(string); ok {
					return n
				}
			}
		}
		return "?"
	}
	if len(chain) == 0 {
		f, _ := k.Func(pc)
		return []Frame{{Func: f, File: file, Line: line}}
	}
	// Innermost first: the deepest inlined subroutine is at pc's own
	// line; each one's call site is the line in the one around it.
	frames := make([]Frame, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		frames[len(chain)-1-i] = Frame{Func: name(chain[i]), Inline: i > 0}
	}
	frames[0].File, frames[0].Line = file, line
	for i := len(chain) - 1; i > 0; i-- {
		e := chain[i]
		f := frames[len(chain)-i]
		if fi, ok := e.Val(dwarf.AttrCallFile).(int64); ok && int(fi) < len(files) && files[fi] != nil {
			f.File = files[fi].Name
		}
		if l, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
			f.Line = int(l)
		}
		frames[len(chain)-i] = f
	}
	return frames
}

// Disassemble decodes code, whose byte at is the trapping instruction's
// first, the way decodecode does: from the start if the instructions line
// up with at, else from the first offset that does; then again from at.
// The lines are objdump's: offset, bytes, AT&T assembly, and
// "<-- trapping instruction".
func Disassemble(code []byte, at int, pc uint64, sym func(uint64) (string, uint64)) []string {
	start := 0
	for ; start < at; start++ {
		if lines, ok := decodeFrom(code, start, at); ok && lines > 0 {
			break
		}
	}
	var out []string
	out = append(out, "All code", "========")
	out = append(out, listing(code, start, at, pc-uint64(at), sym)...)
	out = append(out, "", "Code starting with the faulting instruction", "===========================================")
	out = append(out, listing(code[at:], 0, -1, pc, sym)...)
	return out
}

// decodeFrom reports whether decoding from start lands on at, and how
// many instructions it took.
func decodeFrom(code []byte, start, at int) (int, bool) {
	n := 0
	for off := start; off <= at; n++ {
		if off == at {
			return n, true
		}
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			return n, false
		}
		off += inst.Len
	}
	return n, false
}

// listing disassembles code from start, base being code[0]'s address;
// the instruction at offset mark (-1: none) is the trapping one.
func listing(code []byte, start, mark int, base uint64, sym func(uint64) (string, uint64)) []string {
	var out []string
	symname := func(a uint64) (string, uint64) {
		if sym == nil {
			return "", 0
		}
		n, off := sym(a)
		return n, a - off
	}
	for off := start; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil || inst.Op == 0 {
			// The Code: bytes end inside an instruction.
			out = append(out, fmt.Sprintf("%4x: \t%-24s\t(truncated)", off, spaced(code[off:])))
			break
		}
		var hb []string
		for _, b := range code[off : off+inst.Len] {
			hb = append(hb, fmt.Sprintf("%02x", b))
		}
		star, tail := " ", ""
		if off == mark {
			star, tail = "*", "\t\t<-- trapping instruction"
		}
		text := x86asm.GNUSyntax(inst, base+uint64(off), symname)
		out = append(out, fmt.Sprintf("%4x:%s\t%-24s\t%s%s", off, star, strings.Join(hb, " "), text, tail))
		off += inst.Len
	}
	return out
}

// Decode writes o explained against k.
func Decode(w io.Writer, o *Oops, k *Kernel) {
	for _, h := range o.Headlines {
		fmt.Fprintln(w, h)
	}
	rip, ok := k.Addr(o.RIPSym, o.RIPOff)
	if !ok {
		fmt.Fprintf(w, "RIP: %s+%#x: no such function in this vmlinux (another build?)\n", o.RIPSym, o.RIPOff)
	} else {
		fmt.Fprintf(w, "RIP: %#x %s+%#x\n", rip, o.RIPSym, o.RIPOff)
		printFrames(w, "  ", k.Frames(rip))
	}
	if o.Code != nil && ok {
		fmt.Fprintf(w, "Code: the %d bytes around RIP, decoded (decodecode):\n", len(o.Code))
		for _, l := range Disassemble(o.Code, o.CodeAt, rip, func(a uint64) (string, uint64) {
			n, off := k.Func(a)
			return n, off
		}) {
			fmt.Fprintln(w, l)
		}
	}
	if len(o.Trace) > 0 {
		fmt.Fprintln(w, "Call Trace:")
		for i, a := range o.Trace {
			fmt.Fprintf(w, " [<%016x>] %s\n", a, o.TraceText[i])
			// A return address: the call is the instruction before it.
			printFrames(w, "     ", k.Frames(a-1))
		}
	}
}

func spaced(b []byte) string {
	var hb []string
	for _, c := range b {
		hb = append(hb, fmt.Sprintf("%02x", c))
	}
	return strings.Join(hb, " ")
}

func printFrames(w io.Writer, indent string, frames []Frame) {
	for _, f := range frames {
		inl := ""
		if f.Inline {
			inl = " [inline]"
		}
		fmt.Fprintf(w, "%s%s (%s:%d)%s\n", indent, f.Func, f.File, f.Line, inl)
	}
}

func main() {
	vmlinux := flag.String("vmlinux", "build/vmlinux", "the kernel ELF the oops came from")
	flag.Parse()
	in := io.Reader(os.Stdin)
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	oopses, err := Parse(in)
	if err != nil {
		log.Fatal(err)
	}
	if len(oopses) == 0 {
		log.Fatal("decode_oops: no oops in the input (no \"RIP: \" line)")
	}
	k, err := Open(*vmlinux)
	if err != nil {
		log.Fatal(err)
	}
	for i, o := range oopses {
		if i > 0 {
			fmt.Println()
		}
		Decode(os.Stdout, o, k)
	}
}
