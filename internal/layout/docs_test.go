package layout

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
// printed (citations.go finds them, place.go places them; cmd/docsync
// rewrites the numbers that only moved). TestDocsGDB checks that every gdb
// command of a transcript names symbols build/vmlinux (or the setup and
// boot-stage ELFs gdb also loads) has.

func readDocs(t *testing.T, root string) map[string][]DocLine {
	t.Helper()
	docs, err := ReadDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 3 {
		t.Fatalf("only %d docs", len(docs))
	}
	return docs
}

// resolver is the tree's files for the tests: Resolve, and lines.
type resolver struct {
	*Resolver
	root string
}

func newResolver(t *testing.T, root string) *resolver {
	r, err := NewResolver(root)
	if err != nil {
		t.Fatal(err)
	}
	return &resolver{r, root}
}

func (r *resolver) lines(t *testing.T, rel string) []string {
	b, err := os.ReadFile(filepath.Join(r.root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

func symbols(t *testing.T, root, rel string) map[string]Span {
	src, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := Symbols(rel, src)
	if err != nil {
		t.Fatal(err)
	}
	return syms
}

// TestDocsCitations checks the docs' citations of code. In prose: a
// `path#symbol` names something the file defines, a link into the tree
// leads to a file. In listings (ParseCitations): each file:line still
// shows the text the listing shows (gdb's source line; for a frame that
// shows none, the text git says the line had when the doc's line was
// written) inside the function the listing names. A number that only
// moved fails with "run: go run ./cmd/docsync", which rewrites it; a line
// whose text is gone fails saying the docs need a human.
func TestDocsCitations(t *testing.T) {
	root := repoRoot(t)
	tree, err := NewTree(root)
	if err != nil {
		t.Fatal(err)
	}
	cites, moved := 0, 0
	for doc, lines := range readDocs(t, root) {
		for _, l := range lines {
			if l.Code {
				continue
			}
			where := fmt.Sprintf("%s:%d", doc, l.N)
			// Links into the tree lead to files that exist.
			for _, m := range LinkRE.FindAllStringSubmatch(l.Text, -1) {
				target := filepath.Join(filepath.Dir(filepath.Join(root, doc)), m[1])
				rel, err := filepath.Rel(root, target)
				if err != nil || strings.HasPrefix(rel, "..") || strings.Contains(m[1], "://") {
					continue // outside the repository: ../shared, the web
				}
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s: link to %s: no such file", where, m[1])
				}
			}
			// path#symbol; a path:line with its text quoted is a
			// citation of ParseCitations.
			for _, m := range CiteRE.FindAllStringSubmatch(BlankFrames(l.Text), -1) {
				rel := tree.Resolve(m[1])
				if rel == "" {
					t.Errorf("%s: %s: no such file in the tree (or the name is ambiguous: give the path)", where, m[0])
					continue
				}
				switch {
				case m[3] != "":
					cites++
					syms, err := tree.Symbols(rel)
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := syms[m[3]]; !ok {
						t.Errorf("%s: %s: %s defines no %s", where, m[0], rel, m[3])
					}
				case m[4] == "":
					t.Errorf("%s: %s: cite code by symbol (%s#name), not by line, which moves", where, m[0], m[1])
				}
			}
		}
		for _, c := range ParseCitations(doc, lines) {
			cites++
			switch p := tree.Place(c); p.State {
			case Moved:
				moved++
				t.Error(Describe(c, p))
			case Human:
				t.Error(Describe(c, p))
			}
		}
	}
	if cites < 10 {
		t.Fatalf("only %d citations found: is the pattern right?", cites)
	}
	if moved > 0 {
		t.Logf("%d listing lines moved: go run ./cmd/docsync rewrites their numbers", moved)
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
			if !l.Code {
				continue
			}
			cmd := ""
			switch {
			case strings.HasPrefix(l.Text, "(gdb) "):
				cmd = strings.TrimPrefix(l.Text, "(gdb) ")
			case strings.HasPrefix(l.Text, "+") && len(l.Text) > 1 && l.Text[1] != ' ' && l.Text[1] != '+':
				cmd = l.Text[1:]
			case l.Lang == "gdb" && !strings.HasPrefix(strings.TrimSpace(l.Text), "#"):
				cmd = l.Text
			default:
				continue
			}
			cmd = strings.TrimSpace(cmd)
			if cmd == "" {
				continue
			}
			commands++
			where := fmt.Sprintf("%s:%d: %s", doc, l.N, cmd)
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
					rel := r.Resolve(m[1])
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
