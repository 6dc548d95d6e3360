package layout

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// The docs' listings are real output, and output names source lines: a gdb
// stop at kmain.go:48 followed by the line gdb printed, an oops frame
// (kmain.go:158), a line of go tool objdump. This file finds those
// citations in the docs, once, for TestDocsCitations (which checks them)
// and cmd/docsync (which rewrites their numbers when the code moves); the
// placing of a citation in today's source is place.go.

// DocLine is one line of a Markdown doc. Fence lines (```) are not listed.
type DocLine struct {
	N     int    // 1-based line number
	Text  string // the line
	Code  bool   // inside a fenced code block
	Lang  string // the block's language ("gdb", ...)
	Block int    // which fenced block (1, 2, ...); 0 in prose
}

// DocFiles returns the docs that cite code, repository-relative:
// docs/*.md and README.md.
func DocFiles(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "README.md")); err == nil {
		files = append(files, filepath.Join(root, "README.md"))
	}
	var rels []string
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return nil, err
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	return rels, nil
}

// SplitDoc splits a doc's text into prose and code-block lines.
func SplitDoc(text string) []DocLine {
	var lines []DocLine
	code, lang, block := false, "", 0
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			if !code {
				lang = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "```"))
				block++
			}
			code = !code
			continue
		}
		b := 0
		if code {
			b = block
		}
		lines = append(lines, DocLine{N: i + 1, Text: l, Code: code, Lang: lang, Block: b})
	}
	return lines
}

// ReadDocs reads DocFiles, split into lines.
func ReadDocs(root string) (map[string][]DocLine, error) {
	rels, err := DocFiles(root)
	if err != nil {
		return nil, err
	}
	docs := map[string][]DocLine{}
	for _, rel := range rels {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return nil, err
		}
		docs[rel] = SplitDoc(string(b))
	}
	return docs, nil
}

// WalkSources walks the tree (not build/, .git or testdata) and calls fn
// for every file whose name ends in one of exts.
func WalkSources(root string, fn func(rel string, src []byte), exts ...string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "build" || d.Name() == ".git" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		for _, e := range exts {
			if strings.HasSuffix(path, e) {
				src, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				fn(filepath.ToSlash(rel), src)
				break
			}
		}
		return nil
	})
}

// Resolver finds repository files by the path a doc or a listing gives:
// repository-relative, absolute on the machine that made the listing
// (/tmp/gokern/kmain.go), or a bare file name that is unique in the tree.
type Resolver struct {
	byRel  map[string]bool
	byBase map[string][]string
}

// NewResolver indexes the tree's sources and docs.
func NewResolver(root string) (*Resolver, error) {
	r := &Resolver{byRel: map[string]bool{}, byBase: map[string][]string{}}
	err := WalkSources(root, func(rel string, _ []byte) {
		r.byRel[rel] = true
		b := filepath.Base(rel)
		r.byBase[b] = append(r.byBase[b], rel)
	}, ".go", ".s", ".S", ".inc", ".ld", ".lds", ".py", ".gdb", ".sh", ".md")
	return r, err
}

// Resolve returns the repository path for p, or "" when p is not in the
// repository (the Go runtime's sources, say) or is ambiguous.
func (r *Resolver) Resolve(p string) string {
	p = strings.TrimPrefix(p, "./")
	if r.byRel[p] {
		return p
	}
	// An absolute path: the longest suffix that is a repository path.
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		if s := strings.Join(parts[i:], "/"); r.byRel[s] && strings.HasPrefix(p, "/") {
			return s
		}
	}
	if !strings.Contains(p, "/") && len(r.byBase[p]) == 1 {
		return r.byBase[p][0]
	}
	return ""
}

// Span is where a symbol is defined: lines [From, To].
type Span struct{ From, To int }

var (
	goAsmSymRE  = regexp.MustCompile(`(?m)^TEXT\s+·?(\w+)(?:<>)?\(SB\)|^(?:DATA|GLOBL)\s+·(\w+)`)
	gnuAsmSymRE = regexp.MustCompile(`(?m)^\s*(?:SYM_FUNC_START\s+(\w+)|SYM_DATA_START\s+(\w+)|([A-Za-z_]\w*):|\.(?:set|equ)\s+(\w+)\s*,|\.macro\s+(\w+))`)
	scriptSymRE = regexp.MustCompile(`(?m)^define\s+([\w-]+)|^\s*name\s*=\s*"([\w-]+)"|^\s*(?:def|class)\s+(\w+)|^(\w[\w-]*)\(\)\s*\{`)
)

// Symbols returns what file rel (its text src) defines, with the lines
// each spans: for Go, functions (also as Type.Method), types, variables
// and constants; for Go assembly, TEXT symbols up to the next one; for GNU
// as, SYM_FUNC_START/SYM_DATA_START names up to their SYM_*_END, and
// labels up to the next symbol (local labels, 1: or .L, are no symbols);
// gdb scripts' defines and gokern.py's gk-* command names and Python defs
// and classes.
func Symbols(rel string, src []byte) (map[string]Span, error) {
	syms := map[string]Span{}
	text := string(src)
	lineAt := func(off int) int { return strings.Count(text[:off], "\n") + 1 }
	last := strings.Count(text, "\n") + 1
	add := func(name string, from, to int) {
		if _, ok := syms[name]; !ok {
			syms[name] = Span{from, to}
		}
	}
	// name returns the first group of m that matched.
	name := func(m []int) (string, int) {
		for g := 2; g < len(m); g += 2 {
			if m[g] >= 0 {
				return text[m[g]:m[g+1]], g/2 - 1
			}
		}
		return "", -1
	}
	switch {
	case strings.HasSuffix(rel, ".go"):
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, rel, src, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			from, to := fset.Position(d.Pos()).Line, fset.Position(d.End()).Line
			switch d := d.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					rt := d.Recv.List[0].Type
					if s, ok := rt.(*ast.StarExpr); ok {
						rt = s.X
					}
					if id, ok := rt.(*ast.Ident); ok {
						add(id.Name+"."+name, from, to)
						add("(*"+id.Name+")."+name, from, to)
						continue
					}
				}
				add(name, from, to)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						add(s.Name.Name, fset.Position(s.Pos()).Line, fset.Position(s.End()).Line)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							add(n.Name, fset.Position(s.Pos()).Line, fset.Position(s.End()).Line)
						}
					}
				}
			}
		}
	case strings.HasSuffix(rel, ".s"):
		ms := goAsmSymRE.FindAllStringSubmatchIndex(text, -1)
		for i, m := range ms {
			n, _ := name(m)
			to := last
			if i+1 < len(ms) {
				to = lineAt(ms[i+1][0]) - 1
			}
			add(n, lineAt(m[0]), to)
		}
	case strings.HasSuffix(rel, ".S") || strings.HasSuffix(rel, ".inc"):
		ms := gnuAsmSymRE.FindAllStringSubmatchIndex(text, -1)
		for i, m := range ms {
			n, g := name(m)
			to := last
			if i+1 < len(ms) {
				to = lineAt(ms[i+1][0]) - 1
			}
			if g == 0 || g == 1 { // SYM_FUNC_START, SYM_DATA_START: to the matching end
				kind := "SYM_FUNC_END"
				if g == 1 {
					kind = "SYM_DATA_END"
				}
				if e := regexp.MustCompile(`(?m)^\s*` + kind + `\s+` + regexp.QuoteMeta(n) + `\b`).FindStringIndex(text[m[1]:]); e != nil {
					to = lineAt(m[1] + e[0])
				}
			}
			add(n, lineAt(m[0]), to)
		}
	default:
		for _, m := range scriptSymRE.FindAllStringSubmatchIndex(text, -1) {
			if n, _ := name(m); n != "" {
				add(n, lineAt(m[0]), lineAt(m[0]))
			}
		}
	}
	return syms, nil
}

// FuncName is the name Symbols gives the function of a Go or assembly
// symbol as gdb, kallsyms and objdump print it:
// gokern/arch/amd64.copy_bootdata -> copy_bootdata,
// gokern/memblock.(*T).M -> T.M, main+0x6 -> main.
func FuncName(s string) string {
	if i := strings.Index(s, "+0x"); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".abi0")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.Index(s, "."); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "(*", ""), ")", "")
	return s
}

// A Num is one place in a doc that prints a citation's line number.
type Num struct {
	Line       int // the doc's line (1-based)
	Start, End int // the digits: byte offsets in that line
	Old        int // the number written there
	Idx        int // which line of the citation's quote it numbers (a list block's lines)
}

// A Citation is one source location a listing names, with every number
// that prints it (gdb prints a stop's line three times: where the
// breakpoint went, where it stopped, before the source line) and the
// source text the listing shows, if it shows any.
type Citation struct {
	Doc   string
	What  string   // the kind of listing line: "gdb stop", "oops frame", ...
	File  string   // the file as the listing names it
	Func  string   // the function the listing puts it in ("": none named)
	Quote []string // the source line(s) shown, from line Nums[0].Old-Nums[0].Idx on; nil: none
	Part  bool     // the quote is part of the line (prose), not all of it
	// In a backtrace or a call trace, the function of the frame above
	// (this frame's line calls it, unless the name is not in the call:
	// an indirect call, a runtime check), and of the one above that.
	Callee, Deeper string
	Nums           []Num // Nums[0] is the main one
}

// Where is the doc position of the citation's main number.
func (c *Citation) Where() string { return fmt.Sprintf("%s:%d", c.Doc, c.Nums[0].Line) }

// Cite is how the citation reads in the listing: file:line.
func (c *Citation) Cite() string {
	if c.File == "" {
		return fmt.Sprintf("%s's %d", c.Func, c.Nums[0].Old)
	}
	return fmt.Sprintf("%s:%d", c.File, c.Nums[0].Old)
}

var (
	// LinkRE is a Markdown link's target (its path, without #fragment).
	LinkRE = regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
	// CiteRE is a prose citation: path#symbol, or path:line followed by
	// the quoted text of the line.
	CiteRE = regexp.MustCompile("([A-Za-z0-9_./-]+\\.(?:go|s|S|inc|ld|lds|py|gdb|sh))(?::(\\d+)|#([A-Za-z0-9_.*()-]+))(`[^`]*`)?")
	// A listing's file:line, with the function it names when it says:
	// gdb "in FUNC (...) at F:N" / "FUNC (...) at F:N" (gokern's frame
	// decorator adds "[exception ...]" after an exception frame's name),
	// an oops "FUNC+0x... (F:N)" / "at FUNC (F:N)".
	gdbAtRE  = regexp.MustCompile(`(?:in |, |^#\d+\s+|^Run till exit from #\d+\s+|^)([\w./*()]+)(?:\+0x[0-9a-f]+)?(?: \[[^\]]*\])? \(.*\) at (\S+):(\d+)\s*$`)
	oopsAtRE = regexp.MustCompile(`([\w./*()]+?)(?:\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?)? \((\S+\.(?:go|s|S)):(\d+)\)`)
	// The source line gdb prints: "N\tTEXT" (list prints "N" alone for
	// an empty line once Markdown has dropped the tab).
	srcLineRE = regexp.MustCompile(`^(\d+)\t(.*)$`)
	btNumRE   = regexp.MustCompile(`^#(\d+)\s`)
	emptyRE   = regexp.MustCompile(`^(\d+)\t?$`)
	// go tool objdump: "TEXT FUNC(SB) FILE", then "  F:N\t0xADDR ...".
	objTextRE = regexp.MustCompile(`^TEXT (\S+)\(SB\) (\S+)$`)
	objLineRE = regexp.MustCompile(`^\s+(\S+\.(?:go|s)):(\d+)\t+0x[0-9a-f]+\t`)
	// gdb sets a breakpoint: "Breakpoint 3 at 0xADDR: file F, line N."
	bpSetRE = regexp.MustCompile(`^(?:Hardware assisted |Temporary |Hardware )?(?:[Bb]reakpoint|Dprintf|Tracepoint) (\d+) at 0x[0-9a-f]+: file (\S+), line (\d+)\.$`)
	// and stops at it: "Breakpoint 3, FUNC (...) at F:N".
	bpStopRE = regexp.MustCompile(`^(?:Temporary )?[Bb]reakpoint (\d+), `)
	// info line: `Line N of "F" starts at address 0x... <FUNC+21> ...`.
	// disassemble /s: "Dump of assembler code for function FUNC:", then
	// "F:" before the lines of F.
	dumpRE     = regexp.MustCompile(`^Dump of assembler code for function (\S+):$`)
	dumpFileRE = regexp.MustCompile(`^(\S+\.(?:go|s|S)):$`)
	infoLineRE = regexp.MustCompile(`^Line (\d+) of "([^"]+)" .*?<([\w./*()]+)\+\d+>`)
	// gokern.py's stop report in real and protected mode: a mode line
	// naming the symbol (and the user breakpoints hit), then "F:N: TEXT".
	modeLineRE = regexp.MustCompile(`mode CS:E?IP .*<([\w.]+)(?:\+0x[0-9a-f]+)?>(?:, breakpoint ([\d, ]+))?`)
	gkSrcRE    = regexp.MustCompile(`^(\S+\.(?:S|s|go)):(\d+): (.*)$`)
	// A gdb command (a transcript's "(gdb) CMD", or "+CMD" under set
	// trace-commands), and one that names a file:line.
	gdbCmdRE = regexp.MustCompile(`^(?:\(gdb\) |\+)(\S.*)$`)
	btVerbs  = map[string]bool{"bt": true, "backtrace": true, "where": true, "info": true}
	// list F:N, list FUNC.
	listFileRE = regexp.MustCompile(`^([\w./-]+\.(?:go|s|S)):\d+`)
	listFuncRE = regexp.MustCompile(`^[A-Za-z_][\w./*()]*$`)
	lineArgRE  = regexp.MustCompile(`^(?:b|break|hbreak|tbreak|thbreak|until|advance)\s+([\w./-]+\.(?:go|s|S)):(\d+)$`)
	bpCmdRE    = regexp.MustCompile(`^(?:b|break|hbreak|tbreak|thbreak|dprintf)\s+'?([\w./*()]+)'?\s*(?:,|$)`)
)

// ours reports whether a listing's file may be the tree's: not the Go
// runtime's sources, not an autogenerated wrapper.
func ours(file string) bool {
	goroot := runtime.GOROOT()
	return !strings.HasPrefix(file, "<") && (goroot == "" || !strings.HasPrefix(file, goroot)) && !strings.Contains(file, "/go/src/")
}

// num makes the Num for submatch g of m, a FindStringSubmatchIndex of
// line n's text.
func num(n int, text string, m []int, g, idx int) Num {
	v, _ := strconv.Atoi(text[m[2*g]:m[2*g+1]])
	return Num{Line: n, Start: m[2*g], End: m[2*g+1], Old: v, Idx: idx}
}

// BlankFrames blanks the oops frames' "(F:N)" of a prose line, which are
// output quoted in prose, not citations by line.
func BlankFrames(text string) string {
	for _, m := range oopsAtRE.FindAllStringSubmatchIndex(text, -1) {
		text = text[:m[4]] + strings.Repeat(" ", m[7]-m[4]) + text[m[7]:]
	}
	return text
}

// ParseCitations finds every citation of a source line in one doc: the
// listings' (gdb transcripts, oops logs, objdump) and the prose's
// "`F:N` `TEXT`". Files outside the tree's reach (the Go runtime,
// <autogenerated>) are left out.
func ParseCitations(doc string, lines []DocLine) []*Citation {
	var out []*Citation
	emit := func(c *Citation) {
		if c != nil && ours(c.File) {
			c.Doc = doc
			out = append(out, c)
		}
	}
	// The state of the code block being read.
	type place struct{ file, fn string }
	var (
		block     = -1
		at        *place               // where the last frame gdb printed is
		frame     *Citation            // the frame printed on the line before, if any
		pending   map[string]*Citation // "Breakpoint K at ...", waiting for its stop
		cmd       string               // the last gdb command
		list      *Citation            // the list block being read
		listHead  *Citation            // list *ADDR's "0x... is in FUNC (F:N)."
		objFunc   string
		objFile   string
		prevText  string
		endBlock  func()
		startList func()
	)
	// The frame on the doc line before, for the call chain of a backtrace
	// (gdb's #k, numbered without a gap) or an oops's call trace: each
	// frame's line calls the function of the frame above it, unless that
	// one is an exception's, which interrupted it.
	type chainFrame struct {
		line, k   int // doc line; gdb's frame number, -1 in an oops
		fn, inner string
		exc       bool
	}
	var chain *chainFrame
	link := func(c *Citation, n, k int, fn string, exc bool) {
		p := chain
		chain = &chainFrame{line: n, k: k, fn: fn, exc: exc}
		if p != nil && p.line == n-1 && !p.exc && ((k < 0 && p.k < 0) || k == p.k+1) {
			chain.inner = p.fn
			if c != nil {
				c.Callee, c.Deeper = p.fn, p.inner
			}
		}
	}
	endList := func() {
		if list != nil && len(list.Quote) > 0 {
			if listHead != nil {
				for _, n := range list.Nums {
					if n.Old == listHead.Nums[0].Old {
						h := listHead.Nums[0]
						h.Idx = n.Idx
						list.Nums = append(list.Nums, h)
						listHead = nil
						break
					}
				}
			}
			emit(list)
		}
		if listHead != nil {
			emit(listHead)
		}
		list, listHead = nil, nil
	}
	startList = func() {
		list = &Citation{What: "gdb list"}
		if at != nil {
			list.File, list.Func = at.file, at.fn
		}
		_, arg, _ := strings.Cut(cmd, " ")
		arg = strings.TrimSpace(arg)
		if m := listFileRE.FindStringSubmatch(arg); m != nil {
			list.File, list.Func = m[1], ""
		} else if listFuncRE.MatchString(arg) {
			// list FUNC: wherever FUNC is (Place finds the file).
			list.File, list.Func = "", arg
		}
	}
	endBlock = func() {
		endList()
		var left []*Citation
		for _, c := range pending {
			left = append(left, c)
		}
		sort.Slice(left, func(i, j int) bool { return left[i].Nums[0].Line < left[j].Nums[0].Line })
		for _, c := range left {
			emit(c)
		}
		at, frame, pending, cmd, objFunc, objFile, prevText, chain = nil, nil, map[string]*Citation{}, "", "", "", "", nil
	}
	endBlock()
	for _, l := range lines {
		text := l.Text
		if !l.Code {
			if block != 0 {
				endBlock()
				block = 0
			}
			// A listing's frame quoted in prose, "... at FUNC (F:N)".
			for _, m := range oopsAtRE.FindAllStringSubmatchIndex(text, -1) {
				emit(&Citation{What: "oops frame", Func: text[m[2]:m[3]], File: text[m[4]:m[5]], Nums: []Num{num(l.N, text, m, 3, 0)}})
			}
			// "`F:N` `TEXT`": the quote is the line's text.
			blank := BlankFrames(text)
			for _, m := range CiteRE.FindAllStringSubmatchIndex(blank, -1) {
				if m[4] >= 0 && m[8] >= 0 {
					emit(&Citation{What: "quoted line", File: text[m[2]:m[3]], Part: true,
						Quote: []string{strings.Trim(text[m[8]:m[9]], "`")}, Nums: []Num{num(l.N, text, m, 2, 0)}})
				}
			}
			continue
		}
		if l.Block != block {
			endBlock()
			block = l.Block
		}
		prevFrame := frame
		frame = nil
		prev := prevText
		prevText = text
		if m := gdbCmdRE.FindStringSubmatch(text); m != nil {
			endList()
			cmd = strings.TrimSpace(m[1])
			if m := lineArgRE.FindStringSubmatch(cmd); m != nil {
				i := strings.LastIndex(text, ":"+m[2]) + 1
				v, _ := strconv.Atoi(m[2])
				emit(&Citation{What: "gdb location", File: m[1], Nums: []Num{{Line: l.N, Start: i, End: i + len(m[2]), Old: v}}})
			}
			if verb, _, _ := strings.Cut(cmd, " "); verb == "list" || verb == "l" {
				startList()
			}
			continue
		}
		if list != nil {
			if m := srcLineRE.FindStringSubmatchIndex(text); m != nil {
				list.Nums = append(list.Nums, num(l.N, text, m, 1, len(list.Quote)))
				list.Quote = append(list.Quote, text[m[4]:m[5]])
				continue
			}
			if m := emptyRE.FindStringSubmatchIndex(text); m != nil {
				list.Nums = append(list.Nums, num(l.N, text, m, 1, len(list.Quote)))
				list.Quote = append(list.Quote, "")
				continue
			}
			if len(list.Quote) == 0 && listHead == nil {
				// list *ADDR: "0x... is in FUNC (F:N)." before the lines.
				if m := oopsAtRE.FindStringSubmatchIndex(text); m != nil && strings.Contains(text, " is in ") {
					listHead = &Citation{What: "gdb list", Func: text[m[2]:m[3]], File: text[m[4]:m[5]], Nums: []Num{num(l.N, text, m, 3, 0)}}
					list.File, list.Func = listHead.File, listHead.Func
					continue
				}
			}
			endList()
		}
		if m := srcLineRE.FindStringSubmatchIndex(text); m != nil {
			n := num(l.N, text, m, 1, 0)
			q := text[m[4]:m[5]]
			switch {
			case prevFrame != nil:
				// The line gdb prints after a stop, finish or frame.
				prevFrame.Nums = append(prevFrame.Nums, n)
				prevFrame.Quote = []string{q}
			case at != nil && at.file != "":
				// After next, step, until: the frame's file and function.
				emit(&Citation{What: "gdb source line", File: at.file, Func: at.fn, Quote: []string{q}, Nums: []Num{n}})
			}
			continue
		}
		if m := bpSetRE.FindStringSubmatchIndex(text); m != nil {
			c := &Citation{What: "gdb breakpoint", File: text[m[4]:m[5]], Nums: []Num{num(l.N, text, m, 3, 0)}}
			if b := bpCmdRE.FindStringSubmatch(cmd); b != nil {
				c.Func = b[1]
			} else if strings.HasPrefix(cmd, "gk-break-") {
				c.Func = strings.TrimPrefix(cmd, "gk-break-")
			}
			k := text[m[2]:m[3]]
			emit(pending[k]) // a number gdb reuses: the older one waits no more
			pending[k] = c
			continue
		}
		if m := gdbAtRE.FindStringSubmatchIndex(text); m != nil {
			file, fn := text[m[4]:m[5]], text[m[2]:m[3]]
			c := &Citation{What: "gdb frame", File: file, Func: fn, Nums: []Num{num(l.N, text, m, 3, 0)}}
			if k := btNumRE.FindStringSubmatch(text); k != nil {
				v, _ := strconv.Atoi(k[1])
				link(c, l.N, v, fn, strings.Contains(text, "[exception"))
			} else {
				chain = nil
			}
			if !ours(file) {
				if !strings.HasPrefix(text, "#") {
					at = nil // stopped in the runtime
				}
				continue
			}
			if b := bpStopRE.FindStringSubmatch(text); b != nil {
				c.What = "gdb stop"
				if p := pending[b[1]]; p != nil && filepath.Base(p.File) == filepath.Base(file) {
					c.Nums = append(c.Nums, p.Nums...)
					delete(pending, b[1])
				}
			}
			// A backtrace's outer frames are not where next and step go
			// on (frame N, up and down select one, and print it).
			if verb, _, _ := strings.Cut(cmd, " "); !btVerbs[verb] || strings.HasPrefix(text, "#0 ") || !strings.HasPrefix(text, "#") {
				at = &place{file, fn}
			}
			frame = c
			emit(c)
			continue
		}
		if m := dumpRE.FindStringSubmatch(text); m != nil {
			// disassemble /s: the function, then each file's name before its lines.
			at = &place{"", m[1]}
			continue
		}
		if m := dumpFileRE.FindStringSubmatch(text); m != nil && at != nil {
			at.file = m[1]
			continue
		}
		if m := infoLineRE.FindStringSubmatchIndex(text); m != nil {
			emit(&Citation{What: "gdb info line", File: text[m[4]:m[5]], Func: text[m[6]:m[7]], Nums: []Num{num(l.N, text, m, 1, 0)}})
			continue
		}
		if m := gkSrcRE.FindStringSubmatchIndex(text); m != nil {
			if p := modeLineRE.FindStringSubmatch(prev); p != nil {
				c := &Citation{What: "gdb source line", File: text[m[2]:m[3]], Func: p[1],
					Quote: []string{text[m[6]:m[7]]}, Nums: []Num{num(l.N, text, m, 2, 0)}}
				for _, k := range strings.Split(p[2], ",") {
					k = strings.TrimSpace(k)
					if b := pending[k]; b != nil && filepath.Base(b.File) == filepath.Base(c.File) {
						c.Nums = append(c.Nums, b.Nums...)
						delete(pending, k)
					}
				}
				emit(c)
				continue
			}
		}
		if m := objTextRE.FindStringSubmatch(text); m != nil {
			objFunc, objFile = m[1], m[2]
			continue
		}
		if m := objLineRE.FindStringSubmatchIndex(text); m != nil {
			c := &Citation{What: "objdump line", File: text[m[2]:m[3]], Nums: []Num{num(l.N, text, m, 2, 0)}}
			// A line of another file is inlined code: no function to check.
			if filepath.Base(objFile) == filepath.Base(c.File) {
				c.Func, c.File = objFunc, objFile
			}
			emit(c)
			continue
		}
		for _, m := range oopsAtRE.FindAllStringSubmatchIndex(text, -1) {
			c := &Citation{What: "oops frame", Func: text[m[2]:m[3]], File: text[m[4]:m[5]], Nums: []Num{num(l.N, text, m, 3, 0)}}
			if strings.Contains(text[:m[0]], "[<") { // a Call Trace entry, not the RIP
				link(c, l.N, -1, c.Func, false)
			} else {
				chain = nil
			}
			emit(c)
		}
	}
	endBlock()
	return out
}
