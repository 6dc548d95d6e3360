// Package kcheck proves that kernel Go code never calls into the Go
// allocator or scheduler.
//
// gokern runs Go without starting the Go runtime: there is no heap, no
// scheduler and no m (DESIGN.md §4, "Kernel Go"). A kernel function that
// reaches runtime.mallocgc or runtime.gopark would crash the machine, and
// the compiler inserts such calls silently (make, append growth, an
// interface conversion that escapes, a map, a go statement, ...). The
// rules cannot be checked in the source, because only the compiler knows
// what escapes; so kcheck checks the linked ELF instead, the way gVisor's
// tools/checkescape checks its binaries (this is an independent
// implementation of the same idea).
//
// The rules:
//
//   - A kernel function is a function symbol whose name starts with one of
//     Options.KernelPrefixes (for gokern: "main." and "gokern/").
//   - Every function reachable from a kernel function is disassembled
//     (golang.org/x/arch/x86/x86asm) and its direct CALLs and JMPs to the
//     start of another function (tail calls) form a call graph. Indirect
//     calls (CALL AX, CALL [mem]) cannot be resolved and are ignored.
//   - A direct call from a kernel function to a forbidden function (the
//     allocator, the scheduler, maps, channels, goroutines, the runtime's
//     print; see forbiddenExact and forbiddenPrefixes) is a violation.
//   - A direct call from a kernel function to any other non-kernel function
//     (the rest of the runtime, the standard library) is a violation when
//     that function can reach a forbidden one through direct calls; the
//     violation carries the shortest such path.
//   - The search does not go through "stop" functions: the panic and crash
//     path (runtime.panicBounds, runtime.throw, runtime.morestack, ...),
//     which kernel code may call because the kernel's fault handler turns
//     it into an oops; the write barrier, which only runs while a garbage
//     collection is in progress, and the kernel never starts one; and the
//     recovery half of open-coded defers (runtime.deferreturn).
//   - The search does not go through kernel functions either: each kernel
//     function is checked on its own, so a violation is reported once, in
//     the function that makes the bad call.
package kcheck

import (
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// A Violation is one call, in a kernel function, that reaches the Go
// allocator or scheduler.
type Violation struct {
	Func string // kernel function containing the call, e.g. "gokern/memblock.memblock_add"
	PC   uint64 // address of the CALL (or tail-call JMP) instruction

	// File and Line give the source position of the call. When the call
	// comes from a library function inlined into kernel code (strconv.Itoa,
	// say), they give the kernel line that called the library function.
	File string
	Line int

	Callee string   // the function called directly, e.g. "runtime.growslice"
	Path   []string // when Callee is not itself forbidden: Callee -> ... -> a forbidden function
}

// String formats v on one line, for example
// "gokern/x.f (x/f.go:12): calls runtime.newobject" or
// "gokern/x.f (x/f.go:14): calls strconv.Itoa via strconv.Itoa -> ... -> runtime.mallocgc".
func (v Violation) String() string {
	s := fmt.Sprintf("%s (%s:%d): calls %s", v.Func, v.File, v.Line, v.Callee)
	if len(v.Path) > 0 {
		s += " via " + strings.Join(v.Path, " -> ")
	}
	return s
}

// Options configures Check.
type Options struct {
	// KernelPrefixes lists symbol-name prefixes of kernel functions,
	// e.g. "main.", "gokern/".
	KernelPrefixes []string
	// Allow lists calls that are accepted although they reach a forbidden
	// function, each with the reason. Keep it short and explain each one:
	// it is the place where a reader sees what the check does not prove.
	Allow []Allow
}

// Allow accepts the direct call from a kernel function (Func, exact name)
// to Callee (exact name).
type Allow struct {
	Func, Callee, Why string
}

// Allowed is a violation that an Allow entry accepted.
type Allowed struct {
	Violation
	Why string
}

// A Report is the full result of Analyze.
type Report struct {
	Violations   []Violation
	Allowed      []Allowed
	KernelFuncs  int // kernel functions found in the ELF
	CallsChecked int // direct calls and tail calls out of kernel functions
}

// Check disassembles the ELF file at elfPath and returns the calls from
// kernel functions that reach the Go allocator or scheduler, sorted by
// function and address. An empty result means the kernel obeys the rules.
func Check(elfPath string, opt Options) ([]Violation, error) {
	r, err := Analyze(elfPath, opt)
	if err != nil {
		return nil, err
	}
	return r.Violations, nil
}

// The forbidden functions: the allocator, the scheduler, and the runtime
// services built on them. Names are Go 1.26's (see the compiler's list of
// runtime calls in cmd/compile/internal/typecheck/_builtin/runtime.go).
// Anything else that allocates is caught transitively, because in the end
// it calls one of these.
var forbiddenExact = map[string]bool{
	"runtime.newobject":      true, // new(T), &T{} that escapes
	"runtime.newarray":       true,
	"runtime.growslice":      true, // append past cap (also growsliceNoAlias, growsliceBuf... by prefix)
	"runtime.makeslicecopy":  true,
	"runtime.mapclear":       true,
	"runtime.closechan":      true,
	"runtime.selectgo":       true, // select
	"runtime.selectnbsend":   true,
	"runtime.selectnbrecv":   true,
	"runtime.block":          true, // select {}
	"runtime.gopark":         true, // the scheduler: block the current goroutine
	"runtime.goparkunlock":   true,
	"runtime.goready":        true,
	"runtime.goschedguarded": true,
	"runtime.Gosched":        true,
	"runtime.mcall":          true, // switch to g0: there is no m, so no g0
	"runtime.systemstack":    true,
	"runtime.gcStart":        true,
	"runtime.GC":             true,
	"runtime.rawbyteslice":   true,
	"runtime.rawruneslice":   true,
	"runtime.intstring":      true, // string(rune)
	// string(b): a non-escaping result may use a 32-byte buffer on the
	// stack, but a longer string is still allocated, so every call can
	// allocate. (slicebytetostringtmp, used for comparisons, never does.)
	"runtime.slicebytetostring": true,
	"runtime.slicerunetostring": true,
	"runtime.stringtoslicebyte": true, // []byte(s)
	"runtime.stringtoslicerune": true,
	"runtime.deferrangefunc":    true,
}

var forbiddenPrefixes = []string{
	"runtime.mallocgc",  // mallocgc and Go 1.26's size-specialised mallocgcSmall*SC<n>
	"runtime.growslice", // growslice, growsliceNoAlias, growsliceBuf, growsliceBufNoAlias
	"runtime.moveSlice", // Go 1.26: moves a stack-buffered slice to the heap
	"runtime.makeslice", // make([]T, n), makeslice64
	"runtime.makemap",   // maps
	"runtime.mapaccess",
	"runtime.mapassign",
	"runtime.mapdelete",
	"runtime.mapIter",        // for range over a map
	"internal/runtime/maps.", // the map implementation itself (Go 1.24+ swiss tables)
	"runtime.makechan",       // channels
	"runtime.chansend",
	"runtime.chanrecv",
	"runtime.newproc",      // go statements
	"runtime.convT",        // interface conversions that box a value on the heap
	"runtime.deferproc",    // defers that are not open-coded
	"runtime.concatstring", // s + t
	"runtime.concatbyte",   // Go 1.26: []byte(s + t)
	"runtime.rawstring",
	"runtime.print", // print/println: printlock needs an m
}

// The stop functions: the search never goes through them, and a kernel
// function may call them.
var stopPrefixes = []string{
	// The panic and crash path: bounds checks (Go 1.26 compiles them all to
	// runtime.panicBounds), nil checks, division by zero, failed type
	// assertions... The kernel's fault handler turns these into an oops.
	"runtime.panic",
	"runtime.goPanic",
	"runtime.gopanic",
	"runtime.throw",
	"runtime.fatal",
	"runtime.sigpanic",
	// The stack-growth call in every non-nosplit prologue. The kernel's
	// static g has bounds that make it fire only on a real overflow.
	"runtime.morestack",
	// The write barrier that guards pointer stores: taken only while
	// runtime.writeBarrier is enabled, which only the garbage collector
	// does, and gcStart is forbidden. Without this entry every pointer store
	// in the kernel would be reported (gcWriteBarrier -> wbBufFlush ->
	// systemstack).
	"runtime.gcWriteBarrier",
	// The same barrier for whole values (struct copies and clears compile
	// to runtime.wbMove/wbZero, copy of pointer slices to typedslicecopy):
	// it returns at once when runtime.writeBarrier is off.
	"runtime.bulkBarrierPreWrite",
	// In a function with open-coded defers (the usual kind, which does not
	// allocate), the CALL runtime.deferreturn after the final RET runs only
	// when a recover() resumes the frame, and kernel panics end in an oops.
	// Defers that need it on the normal path go through runtime.deferproc*,
	// which is forbidden.
	"runtime.deferreturn",
}

// funcKind classifies a function for the search.
type funcKind int

const (
	kindOther     funcKind = iota // runtime or library code: search through it
	kindKernel                    // checked on its own
	kindForbidden                 // allocator or scheduler
	kindStop                      // panic path or write barrier: do not search through
)

// classifier decides the kind of a function from its symbol name.
type classifier struct{ kernelPrefixes []string }

func (c classifier) kind(name string) funcKind {
	// Assembly functions and ABI wrappers carry an ".abi0" suffix in the
	// symbol table (runtime.morestack_noctxt.abi0); they count as the
	// function they implement.
	name = strings.TrimSuffix(name, ".abi0")
	for _, p := range c.kernelPrefixes {
		if strings.HasPrefix(name, p) {
			return kindKernel
		}
	}
	if forbiddenExact[name] || hasAnyPrefix(name, forbiddenPrefixes) {
		return kindForbidden
	}
	if hasAnyPrefix(name, stopPrefixes) {
		return kindStop
	}
	return kindOther
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// callGraph is a direct-call graph. Nodes are functions by name; an edge is
// one call site (or tail-call JMP) and remembers its address, so that a
// violation can name the instruction and its source line.
type callGraph struct {
	index map[string]int
	names []string
	calls [][]callSite // calls[n]: the call sites in function n
}

type callSite struct {
	pc uint64 // address of the instruction
	to int    // callee node
}

func newCallGraph() *callGraph {
	return &callGraph{index: make(map[string]int)}
}

// node returns the node of the function called name, adding it if needed.
func (g *callGraph) node(name string) int {
	if n, ok := g.index[name]; ok {
		return n
	}
	n := len(g.names)
	g.index[name] = n
	g.names = append(g.names, name)
	g.calls = append(g.calls, nil)
	return n
}

// addCall records that function from calls function to at address pc.
func (g *callGraph) addCall(from, to string, pc uint64) {
	f, t := g.node(from), g.node(to)
	g.calls[f] = append(g.calls[f], callSite{pc: pc, to: t})
}

// check applies the rules to the graph. It returns the violations (without
// source positions), the number of kernel functions and the number of
// call sites out of kernel functions.
//
// It works backwards: a breadth-first search from all forbidden functions
// over the reversed edges marks every function that can reach one, and
// remembers for each the next step of a shortest path. The search enters
// neither stop functions nor kernel functions. Each kernel call site is
// then a violation when its callee is forbidden or marked.
func (g *callGraph) check(c classifier) (viol []Violation, kernelFuncs, calls int) {
	n := len(g.names)
	kinds := make([]funcKind, n)
	for i, name := range g.names {
		kinds[i] = c.kind(name)
	}

	callers := make([][]int, n)
	for from, sites := range g.calls {
		for _, s := range sites {
			callers[s.to] = append(callers[s.to], from)
		}
	}

	const unreached = -2
	next := make([]int, n) // next step towards a forbidden function; -1 at one
	var queue []int
	for i := range next {
		next[i] = unreached
		if kinds[i] == kindForbidden {
			next[i] = -1
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		for _, f := range callers[t] {
			if next[f] != unreached || kinds[f] != kindOther {
				continue
			}
			next[f] = t
			queue = append(queue, f)
		}
	}

	for f, sites := range g.calls {
		if kinds[f] != kindKernel {
			continue
		}
		for _, s := range sites {
			if kinds[s.to] == kindKernel {
				continue // a call inside the kernel; the callee is checked on its own
			}
			calls++
			if next[s.to] == unreached {
				continue
			}
			v := Violation{Func: g.names[f], PC: s.pc, Callee: g.names[s.to]}
			if kinds[s.to] != kindForbidden {
				for t := s.to; t >= 0; t = next[t] {
					v.Path = append(v.Path, g.names[t])
				}
			}
			viol = append(viol, v)
		}
	}
	for _, k := range kinds {
		if k == kindKernel {
			kernelFuncs++
		}
	}
	sort.Slice(viol, func(i, j int) bool {
		if viol[i].Func != viol[j].Func {
			return viol[i].Func < viol[j].Func
		}
		return viol[i].PC < viol[j].PC
	})
	return viol, kernelFuncs, calls
}

// function is one STT_FUNC symbol of the ELF.
type function struct {
	name       string
	start, end uint64
	code       []byte
}

// Analyze is Check with the counts the command prints.
func Analyze(elfPath string, opt Options) (*Report, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	c := classifier{kernelPrefixes: opt.KernelPrefixes}
	g, err := buildGraph(f, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", elfPath, err)
	}
	viol, nk, ncalls := g.check(c)
	if len(viol) > 0 {
		pos, err := newPositions(f, c)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", elfPath, err)
		}
		for i := range viol {
			viol[i].File, viol[i].Line = pos.lookup(viol[i].PC)
		}
	}
	rep := &Report{KernelFuncs: nk, CallsChecked: ncalls}
	for _, v := range viol {
		why, ok := "", false
		for _, a := range opt.Allow {
			if a.Func == v.Func && a.Callee == v.Callee {
				why, ok = a.Why, true
			}
		}
		if ok {
			rep.Allowed = append(rep.Allowed, Allowed{v, why})
		} else {
			rep.Violations = append(rep.Violations, v)
		}
	}
	return rep, nil
}

// buildGraph disassembles the kernel functions of f and everything they
// reach, stopping at forbidden and stop functions, whose insides do not
// matter. Disassembling only what is reachable keeps the check fast.
func buildGraph(f *elf.File, c classifier) (*callGraph, error) {
	funcs, err := readFunctions(f)
	if err != nil {
		return nil, err
	}
	// Call targets are function starts. Several symbols may share a start
	// (runtime.text and the first function); the first one wins.
	byStart := make(map[uint64]*function, len(funcs))
	for i := range funcs {
		if _, dup := byStart[funcs[i].start]; !dup {
			byStart[funcs[i].start] = &funcs[i]
		}
	}

	g := newCallGraph()
	var work []*function
	seen := make(map[string]bool)
	for i := range funcs {
		fn := &funcs[i]
		if c.kind(fn.name) == kindKernel && !seen[fn.name] {
			seen[fn.name] = true
			g.node(fn.name) // count it even if it calls nothing
			work = append(work, fn)
		}
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		for _, b := range branches(fn, byStart) {
			g.addCall(fn.name, b.callee.name, b.pc)
			k := c.kind(b.callee.name)
			if !seen[b.callee.name] && (k == kindOther || k == kindKernel) {
				seen[b.callee.name] = true
				work = append(work, b.callee)
			}
		}
	}
	return g, nil
}

// readFunctions returns the sized function symbols of f with their code.
func readFunctions(f *elf.File) ([]function, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("reading symbols (is the ELF stripped?): %v", err)
	}
	data := make(map[elf.SectionIndex][]byte)
	var funcs []function
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 ||
			s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		if sec.Type != elf.SHT_PROGBITS || sec.Flags&elf.SHF_EXECINSTR == 0 {
			continue
		}
		b, ok := data[s.Section]
		if !ok {
			if b, err = sec.Data(); err != nil {
				return nil, fmt.Errorf("reading %s: %v", sec.Name, err)
			}
			data[s.Section] = b
		}
		if s.Value < sec.Addr || s.Value+s.Size > sec.Addr+uint64(len(b)) {
			continue
		}
		off := s.Value - sec.Addr
		funcs = append(funcs, function{
			name:  s.Name,
			start: s.Value,
			end:   s.Value + s.Size,
			code:  b[off : off+s.Size],
		})
	}
	if len(funcs) == 0 {
		return nil, fmt.Errorf("no function symbols")
	}
	return funcs, nil
}

type branch struct {
	pc     uint64
	callee *function
}

// branches decodes fn and returns its direct branches to the start of
// another function: CALLs, and the JMPs (or, rarely, conditional jumps)
// that Go uses for tail calls, e.g. in wrappers. Branches inside fn are
// its own control flow. Branches into the middle of another function do
// not happen in Go code, so they are ignored rather than guessed at.
func branches(fn *function, byStart map[uint64]*function) []branch {
	var out []branch
	for off := 0; off < len(fn.code); {
		inst, err := x86asm.Decode(fn.code[off:], 64)
		if err != nil || inst.Len == 0 {
			// Not an instruction x86asm knows (or data in the text, as
			// some assembly functions have): step one byte and resync.
			off++
			continue
		}
		pc := fn.start + uint64(off)
		off += inst.Len
		rel, ok := inst.Args[0].(x86asm.Rel)
		if !ok {
			continue
		}
		target := pc + uint64(inst.Len) + uint64(int64(rel))
		if target >= fn.start && target < fn.end {
			continue
		}
		if callee := byStart[target]; callee != nil {
			out = append(out, branch{pc: pc, callee: callee})
		}
	}
	return out
}

// positions maps a PC to a source position, preferring the position in
// kernel code: when the compiler inlined a library function into a kernel
// function (strconv.Itoa, say), the line table names the library's source,
// but the student needs the kernel line that called it.
type positions struct {
	tab *gosym.Table // Go's own line table (.gopclntab): innermost positions
	dw  *dwarf.Data  // DWARF, for the inlining tree; nil if stripped
	c   classifier
}

func newPositions(f *elf.File, c classifier) (*positions, error) {
	p := &positions{c: c}
	if pcln := f.Section(".gopclntab"); pcln != nil {
		data, err := pcln.Data()
		if err != nil {
			return nil, err
		}
		var text uint64
		if t := f.Section(".text"); t != nil {
			text = t.Addr
		}
		if p.tab, err = gosym.NewTable(nil, gosym.NewLineTable(data, text)); err != nil {
			p.tab = nil
		}
	}
	if dw, err := f.DWARF(); err == nil {
		p.dw = dw
	}
	return p, nil
}

// lookup returns the source position of pc (or "?", 0 if unknown).
func (p *positions) lookup(pc uint64) (string, int) {
	file, line := "?", 0
	if p.tab != nil {
		if fl, l, fn := p.tab.PCToLine(pc); fn != nil {
			file, line = fl, l
		}
	}
	if line == 0 && p.dw != nil {
		if fl, l, ok := p.dwarfLine(pc); ok {
			file, line = fl, l
		}
	}
	// Walk the inlining chain from the innermost frame outwards and stop at
	// the first frame that is kernel code.
	chain := p.inlineChain(pc)
	for i := len(chain) - 1; i >= 0; i-- {
		if p.c.kind(chain[i].inlined) == kindKernel {
			break
		}
		file, line = chain[i].callFile, chain[i].callLine
	}
	return file, line
}

// inlined is one DW_TAG_inlined_subroutine around a PC: the function that
// was inlined and where it was called.
type inlined struct {
	inlined  string
	callFile string
	callLine int
}

// inlineChain returns the inlined calls around pc, outermost first.
func (p *positions) inlineChain(pc uint64) []inlined {
	if p.dw == nil {
		return nil
	}
	r := p.dw.Reader()
	cu, err := r.SeekPC(pc)
	if err != nil || cu == nil {
		return nil
	}
	var files []*dwarf.LineFile
	if lr, err := p.dw.LineReader(cu); err == nil && lr != nil {
		files = lr.Files()
	}
	var chain []inlined
	// Descend: at each level look for the child whose ranges hold pc.
	for {
		e, err := r.Next()
		if err != nil || e == nil || e.Tag == 0 {
			return chain // end of this level without a match
		}
		if !p.holds(e, pc) {
			if e.Children {
				r.SkipChildren()
			}
			continue
		}
		if e.Tag == dwarf.TagInlinedSubroutine {
			chain = append(chain, p.inlinedEntry(e, files))
		}
		if !e.Children {
			return chain
		}
	}
}

func (p *positions) holds(e *dwarf.Entry, pc uint64) bool {
	if e.Tag != dwarf.TagSubprogram && e.Tag != dwarf.TagInlinedSubroutine &&
		e.Tag != dwarf.TagLexDwarfBlock {
		return false
	}
	ranges, err := p.dw.Ranges(e)
	if err != nil {
		return false
	}
	for _, rg := range ranges {
		if rg[0] <= pc && pc < rg[1] {
			return true
		}
	}
	return false
}

func (p *positions) inlinedEntry(e *dwarf.Entry, files []*dwarf.LineFile) inlined {
	var in inlined
	if off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		r := p.dw.Reader()
		r.Seek(off)
		if origin, err := r.Next(); err == nil && origin != nil {
			in.inlined, _ = origin.Val(dwarf.AttrName).(string)
		}
	}
	if i, ok := e.Val(dwarf.AttrCallFile).(int64); ok && i >= 0 && int(i) < len(files) && files[i] != nil {
		in.callFile = files[i].Name
	}
	if l, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
		in.callLine = int(l)
	}
	return in
}

// dwarfLine is the fallback when .gopclntab is unusable.
func (p *positions) dwarfLine(pc uint64) (string, int, bool) {
	r := p.dw.Reader()
	cu, err := r.SeekPC(pc)
	if err != nil || cu == nil {
		return "", 0, false
	}
	lr, err := p.dw.LineReader(cu)
	if err != nil || lr == nil {
		return "", 0, false
	}
	var e dwarf.LineEntry
	if err := lr.SeekPC(pc, &e); err != nil || e.File == nil {
		return "", 0, false
	}
	return e.File.Name, e.Line, true
}
