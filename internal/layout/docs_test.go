package layout

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// The docs (docs/*.md, README.md) cite code by symbol, `path#symbol`, so
// that a citation does not go stale when lines move; TestDocsCitations
// checks that each still names something defined in that file. Their
// listings are real output, which names files and lines (a gdb stop at
// kmain.go:36, an oops frame at lkdtm.go:68): those must still hold, each
// line inside the function the listing says and showing the text gdb
// printed. TestDocsGDB checks that every gdb command of a transcript names
// symbols build/vmlinux (or the setup and boot-stage ELFs gdb also loads)
// has.

// docFile is one Markdown file split into prose and code-block lines.
type docLine struct {
	n      int    // 1-based line number
	text   string // the line
	code   bool   // inside a fenced code block
	lang   string // the block's language ("gdb", ...)
	prevAt *srcRef
}

type srcRef struct {
	path string // repository-relative
	line int
}

func readDocs(t *testing.T, root string) map[string][]docLine {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	docs := map[string][]docLine{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		var lines []docLine
		code, lang := false, ""
		for i, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "```") {
				if !code {
					lang = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "```"))
				}
				code = !code
				continue
			}
			lines = append(lines, docLine{n: i + 1, text: l, code: code, lang: lang})
		}
		docs[filepath.ToSlash(rel)] = lines
	}
	if len(docs) < 3 {
		t.Fatalf("only %d docs", len(docs))
	}
	return docs
}

// resolver finds repository files by the path a doc or a listing gives:
// repository-relative, absolute on the machine that made the listing
// (/work/main/kmain.go), or a bare file name that is unique in the tree.
type resolver struct {
	root   string
	byRel  map[string]bool
	byBase map[string][]string
}

func newResolver(t *testing.T, root string) *resolver {
	r := &resolver{root: root, byRel: map[string]bool{}, byBase: map[string][]string{}}
	sources(t, root, func(rel string, _ []byte) {
		r.byRel[rel] = true
		b := filepath.Base(rel)
		r.byBase[b] = append(r.byBase[b], rel)
	}, ".go", ".s", ".S", ".inc", ".ld", ".lds", ".py", ".gdb", ".sh", ".md")
	return r
}

// resolve returns the repository path for p, or "" when p is not in the
// repository (the Go runtime's sources, say) or is ambiguous.
func (r *resolver) resolve(p string) string {
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

func (r *resolver) lines(t *testing.T, rel string) []string {
	b, err := os.ReadFile(filepath.Join(r.root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// span is where a symbol is defined: lines [from, to].
type span struct{ from, to int }

// symbols returns what file rel defines, with the lines each spans: for
// Go, functions (also as Type.Method), types, variables and constants;
// for Go assembly, TEXT symbols up to the next one; for GNU as, labels
// and SYM_FUNC_START names; gdb scripts' defines and gokern.py's gk-*
// command names and Python defs and classes.
func symbols(t *testing.T, root, rel string) map[string]span {
	src, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	syms := map[string]span{}
	lineAt := func(off int) int { return strings.Count(string(src[:off]), "\n") + 1 }
	add := func(name string, from, to int) {
		if _, ok := syms[name]; !ok {
			syms[name] = span{from, to}
		}
	}
	switch {
	case strings.HasSuffix(rel, ".go"):
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, rel, src, 0)
		if err != nil {
			t.Fatal(err)
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
		re := regexp.MustCompile(`(?m)^TEXT\s+·?(\w+)(?:<>)?\(SB\)|^(?:DATA|GLOBL)\s+·(\w+)`)
		ms := re.FindAllStringSubmatchIndex(string(src), -1)
		for i, m := range ms {
			var name string
			if m[2] >= 0 {
				name = string(src[m[2]:m[3]])
			} else {
				name = string(src[m[4]:m[5]])
			}
			to := strings.Count(string(src), "\n") + 1
			if i+1 < len(ms) {
				to = lineAt(ms[i+1][0]) - 1
			}
			add(name, lineAt(m[0]), to)
		}
	case strings.HasSuffix(rel, ".S") || strings.HasSuffix(rel, ".inc"):
		re := regexp.MustCompile(`(?m)^\s*(?:SYM_FUNC_START\s+(\w+)|SYM_DATA_START\s+(\w+)|(\w+):|\.(?:set|equ)\s+(\w+)\s*,|\.macro\s+(\w+))`)
		ms := re.FindAllStringSubmatchIndex(string(src), -1)
		for i, m := range ms {
			var name string
			for g := 2; g < len(m); g += 2 {
				if m[g] >= 0 {
					name = string(src[m[g]:m[g+1]])
					break
				}
			}
			to := strings.Count(string(src), "\n") + 1
			if i+1 < len(ms) {
				to = lineAt(ms[i+1][0]) - 1
			}
			add(name, lineAt(m[0]), to)
		}
	default:
		re := regexp.MustCompile(`(?m)^define\s+([\w-]+)|^\s*name\s*=\s*"([\w-]+)"|^\s*(?:def|class)\s+(\w+)|^(\w[\w-]*)\(\)\s*\{`)
		for _, m := range re.FindAllStringSubmatchIndex(string(src), -1) {
			for g := 2; g < len(m); g += 2 {
				if m[g] >= 0 {
					add(string(src[m[g]:m[g+1]]), lineAt(m[0]), lineAt(m[0]))
					break
				}
			}
		}
	}
	return syms
}

var (
	linkRE = regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
	citeRE = regexp.MustCompile("([A-Za-z0-9_./-]+\\.(?:go|s|S|inc|ld|lds|py|gdb|sh))(?::(\\d+)|#([A-Za-z0-9_.*()-]+))(`[^`]*`)?")
	// A listing's file:line, with the function it names when it says:
	// gdb "in FUNC (...) at F:N" / "FUNC (...) at F:N", an oops
	// "FUNC+0x... (F:N)" / "at FUNC (F:N)".
	gdbAtRE  = regexp.MustCompile(`(?:in |, |^#\d+\s+|^)([\w./*()]+) \(.*\) at (\S+):(\d+)\s*$`)
	oopsAtRE = regexp.MustCompile(`([\w./*()]+?)(?:\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?)? \((\S+\.(?:go|s|S)):(\d+)\)`)
	srcLine  = regexp.MustCompile(`^(\d+)\t(.*)$`)
	// go tool objdump: "TEXT FUNC(SB) FILE", then "  F:N\t0xADDR ...".
	objTextRE = regexp.MustCompile(`^TEXT (\S+)\(SB\) (\S+)$`)
	objLineRE = regexp.MustCompile(`^\s+(\S+\.(?:go|s)):(\d+)\t+0x[0-9a-f]+\t`)
)

// funcName is the last element of a Go symbol as gdb and kallsyms print
// it: gokern/arch/amd64.copy_bootdata -> copy_bootdata,
// gokern/memblock.(*T).M -> T.M.
func funcName(s string) string {
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

func TestDocsCitations(t *testing.T) {
	root := repoRoot(t)
	r := newResolver(t, root)
	syms := map[string]map[string]span{}
	symsOf := func(rel string) map[string]span {
		if syms[rel] == nil {
			syms[rel] = symbols(t, root, rel)
		}
		return syms[rel]
	}
	cites := 0
	var where string
	var lastAt *srcRef
	// checkFrame checks a listing's "FUNC ... F:N": N is a line of F inside
	// FUNC. It reports false when F is not in the tree.
	goroot := runtime.GOROOT()
	checkFrame := func(fn, file, num string) bool {
		if strings.HasPrefix(file, "<") || (goroot != "" && strings.HasPrefix(file, goroot)) || strings.Contains(file, "/go/src/") {
			return false // not ours: the Go runtime, an autogenerated wrapper
		}
		rel := r.resolve(file)
		if rel == "" {
			t.Errorf("%s: the listing names %s, which is not a file of the tree (any more)", where, file)
			return true
		}
		n, _ := strconv.Atoi(num)
		fl := r.lines(t, rel)
		if n < 1 || n > len(fl) {
			t.Errorf("%s: %s:%d: %s has %d lines", where, rel, n, rel, len(fl))
			return true
		}
		cites++
		lastAt = &srcRef{rel, n}
		if fn == "" || strings.HasPrefix(fn, "runtime.") || strings.HasSuffix(rel, ".S") {
			return true
		}
		s, ok := symsOf(rel)[funcName(fn)]
		switch {
		case !ok:
			t.Errorf("%s: the listing puts %s in %s, which has no %s", where, fn, rel, funcName(fn))
		case n < s.from || n > s.to:
			t.Errorf("%s: the listing puts %s:%d in %s, which is now lines %d-%d", where, rel, n, fn, s.from, s.to)
		}
		return true
	}
	for doc, lines := range readDocs(t, root) {
		lastAt = nil
		objFunc, objFile := "", ""
		for _, l := range lines {
			where = fmt.Sprintf("%s:%d", doc, l.n)
			if m := objTextRE.FindStringSubmatch(l.text); m != nil && l.code {
				objFunc, objFile = m[1], m[2]
				continue
			}
			if m := objLineRE.FindStringSubmatch(l.text); m != nil && l.code {
				fn := ""
				if filepath.Base(objFile) == filepath.Base(m[1]) {
					fn = objFunc
				}
				file := m[1]
				if fn != "" {
					file = objFile
				}
				checkFrame(fn, file, m[2])
				continue
			}
			if !l.code {
				objFunc, objFile = "", ""
			}
			if !l.code {
				lastAt = nil
				// Links into the tree lead to files that exist.
				for _, m := range linkRE.FindAllStringSubmatch(l.text, -1) {
					target := filepath.Join(filepath.Dir(filepath.Join(root, doc)), m[1])
					rel, err := filepath.Rel(root, target)
					if err != nil || strings.HasPrefix(rel, "..") || strings.Contains(m[1], "://") {
						continue // outside the repository: ../shared, the web
					}
					if _, err := os.Stat(target); err != nil {
						t.Errorf("%s: link to %s: no such file", where, m[1])
					}
				}
				// A listing's frame quoted in prose, "... at FUNC (F:N)".
				text := l.text
				for _, m := range oopsAtRE.FindAllStringSubmatchIndex(text, -1) {
					fn, file, num := text[m[2]:m[3]], text[m[4]:m[5]], text[m[6]:m[7]]
					if checkFrame(fn, file, num) {
						text = text[:m[4]] + strings.Repeat(" ", m[7]-m[4]) + text[m[7]:]
					}
				}
				for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
					rel := r.resolve(m[1])
					if rel == "" {
						t.Errorf("%s: %s: no such file in the tree (or the name is ambiguous: give the path)", where, m[0])
						continue
					}
					cites++
					if m[3] != "" {
						if _, ok := symsOf(rel)[m[3]]; !ok {
							t.Errorf("%s: %s: %s defines no %s", where, m[0], rel, m[3])
						}
						continue
					}
					n, _ := strconv.Atoi(m[2])
					fl := r.lines(t, rel)
					quote := strings.Trim(m[4], "`")
					switch {
					case n < 1 || n > len(fl):
						t.Errorf("%s: %s: %s has %d lines", where, m[0], rel, len(fl))
					case quote == "":
						t.Errorf("%s: %s: cite code by symbol (%s#name), not by line, which moves", where, m[0], m[1])
					case !strings.Contains(fl[n-1], quote):
						t.Errorf("%s: %s: line %d of %s is %q, not %q", where, m[0], n, rel, strings.TrimSpace(fl[n-1]), quote)
					}
				}
				continue
			}
			// A listing. gdb shows the source line after a stop
			// "at F:N": it must be line N of F.
			if m := srcLine.FindStringSubmatch(l.text); m != nil && lastAt != nil {
				n, _ := strconv.Atoi(m[1])
				if n == lastAt.line {
					fl := r.lines(t, lastAt.path)
					if got := strings.TrimSpace(fl[n-1]); got != strings.TrimSpace(m[2]) {
						t.Errorf("%s: gdb showed %s:%d as %q; the line is now %q", where, lastAt.path, n, strings.TrimSpace(m[2]), got)
					}
					cites++
				}
			}
			lastAt = nil
			if m := gdbAtRE.FindStringSubmatch(l.text); m != nil {
				checkFrame(m[1], m[2], m[3])
				continue
			}
			for _, m := range oopsAtRE.FindAllStringSubmatch(l.text, -1) {
				checkFrame(m[1], m[2], m[3])
			}
		}
	}
	if cites < 10 {
		t.Fatalf("only %d citations found: is the pattern right?", cites)
	}
	t.Logf("%d citations checked", cites)
}

// elfSymbols returns the names of the symbols of the ELF files, and of the
// variables and parameters their DWARF describes (what gdb's print finds).
func elfSymbols(t *testing.T, paths ...string) (syms, locals map[string]bool) {
	syms, locals = map[string]bool{}, map[string]bool{}
	for _, p := range paths {
		f, err := elf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := f.Symbols()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			syms[s.Name] = true
		}
		if d, err := f.DWARF(); err == nil {
			rd := d.Reader()
			for {
				e, err := rd.Next()
				if err != nil || e == nil {
					break
				}
				// Variables, and the types a transcript casts to
				// ('gokern/mm.Slab' *).
				if e.Tag == dwarf.TagVariable || e.Tag == dwarf.TagFormalParameter || e.Tag == dwarf.TagStructType || e.Tag == dwarf.TagTypedef {
					if n, ok := e.Val(dwarf.AttrName).(string); ok {
						locals[n] = true
					}
				}
			}
		}
		f.Close()
	}
	return syms, locals
}

var (
	gdbQuoted = regexp.MustCompile(`'([^']+)'`)
	gdbIdent  = regexp.MustCompile(`(?:^|[^\w$.>'/])([A-Za-z_]\w*)`)
	cWords    = map[string]bool{"unsigned": true, "int": true, "char": true, "long": true, "short": true,
		"sizeof": true, "struct": true, "void": true, "const": true, "uint64_t": true, "uintptr": true}
	lineSpec = regexp.MustCompile(`^([\w./-]+\.(?:go|s|S)):(\d+)$`)
)

// TestDocsGDB: each gdb command in the docs' transcripts ("(gdb) cmd",
// "+cmd" under set trace-commands, or a ```gdb block) names symbols (or
// DWARF types) that exist, in their bare (Linux) or package-qualified
// form, and uses gk-* commands that tools/gdb defines.
func TestDocsGDB(t *testing.T) {
	root := repoRoot(t)
	r := newResolver(t, root)
	img := q.Image(t, false)
	syms, locals := elfSymbols(t, img.Vmlinux, img.SetupELF, filepath.Join(img.Out, "compressed", "vmlinux"))
	// The debug build (-N -l) keeps every local variable, which the
	// transcripts print in it.
	_, dlocals := elfSymbols(t, q.Image(t, true).Vmlinux)
	for n := range dlocals {
		locals[n] = true
	}
	gk := map[string]bool{}
	for _, f := range []string{"tools/gdb/gokern.py", "tools/gdb/gokern.gdb"} {
		for n := range symbols(t, root, f) {
			gk[n] = true
		}
	}
	has := func(name string) bool {
		if syms[name] || syms[name+".abi0"] || locals[name] {
			return true
		}
		for s := range syms { // the package-qualified form of a bare name
			if strings.HasSuffix(s, "."+name) || strings.HasSuffix(s, "."+name+".abi0") {
				return true
			}
		}
		return false
	}
	var missing []string
	commands := 0
	for doc, lines := range readDocs(t, root) {
		for _, l := range lines {
			if !l.code {
				continue
			}
			cmd := ""
			switch {
			case strings.HasPrefix(l.text, "(gdb) "):
				cmd = strings.TrimPrefix(l.text, "(gdb) ")
			case strings.HasPrefix(l.text, "+") && len(l.text) > 1 && l.text[1] != ' ' && l.text[1] != '+':
				cmd = l.text[1:]
			case l.lang == "gdb" && !strings.HasPrefix(strings.TrimSpace(l.text), "#"):
				cmd = l.text
			default:
				continue
			}
			cmd = strings.TrimSpace(cmd)
			if cmd == "" {
				continue
			}
			commands++
			where := fmt.Sprintf("%s:%d: %s", doc, l.n, cmd)
			verb, arg, _ := strings.Cut(cmd, " ")
			arg = strings.TrimSpace(arg)
			base, _, _ := strings.Cut(verb, "/")
			var exprs, names []string
			switch {
			case strings.HasPrefix(verb, "gk-"):
				if !gk[verb] {
					t.Errorf("%s: tools/gdb defines no %s", where, verb)
				}
			case base == "break" || base == "b" || base == "hbreak" || base == "tbreak" || base == "thbreak" ||
				base == "until" || base == "advance" || base == "list" || base == "disassemble":
				for strings.HasPrefix(arg, "/") { // disassemble /s, list modifiers
					_, arg, _ = strings.Cut(arg, " ")
					arg = strings.TrimSpace(arg)
				}
				if strings.HasPrefix(arg, "*") {
					exprs = append(exprs, arg[1:])
				} else if m := lineSpec.FindStringSubmatch(arg); m != nil {
					rel := r.resolve(m[1])
					n, _ := strconv.Atoi(m[2])
					if rel == "" || n > len(r.lines(t, rel)) {
						t.Errorf("%s: %s:%s is not a line of the tree", where, m[1], m[2])
					}
				} else if arg != "" {
					names = append(names, strings.Trim(arg, "'"))
				}
			case base == "print" || base == "p" || base == "x" || base == "output" || base == "ptype" ||
				base == "whatis" || base == "call":
				exprs = append(exprs, arg)
			case verb == "info" && (strings.HasPrefix(arg, "symbol ") || strings.HasPrefix(arg, "line ") || strings.HasPrefix(arg, "address ")):
				_, a, _ := strings.Cut(arg, " ")
				exprs = append(exprs, a)
			}
			for _, e := range exprs {
				for _, m := range gdbQuoted.FindAllStringSubmatch(e, -1) {
					names = append(names, m[1])
				}
				e = gdbQuoted.ReplaceAllString(e, "''")
				for _, m := range gdbIdent.FindAllStringSubmatch(e, -1) {
					if !cWords[m[1]] {
						names = append(names, m[1])
					}
				}
			}
			for _, n := range names {
				if !has(n) {
					missing = append(missing, fmt.Sprintf("%s: no symbol %s in build/vmlinux, setup.elf or compressed/vmlinux", where, n))
				}
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
	if commands < 10 {
		t.Fatalf("only %d gdb commands found", commands)
	}
	t.Logf("%d gdb commands checked", commands)
}
