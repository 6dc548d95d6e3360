// Package labs turns gokern into course assignments (labs/README.md): the
// reference code of each lab is wrapped in markers in the real source,
//
//	// LAB buddy BEGIN
//	...the reference body...
//	// LAB buddy SKELETON
//	// ...the skeleton body, commented out...
//	// LAB buddy END
//
// (in GNU as sources the same with "#"). Applying a lab replaces each
// marked region by its skeleton, uncommented, between the same BEGIN and
// END lines; splicing copies the regions of one tree into another, which
// restores the reference into a student's tree (or a student's regions
// into the teacher's tree, for grading). Nothing outside the markers ever
// changes, so a round trip is byte-exact.
//
// It is a host package: nothing in the kernel imports it.
package labs

import (
	"bytes"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// markerRE matches a marker line: indentation, the comment leader ("//" in
// Go, "#" in GNU as), the lab's name and the marker's kind.
var markerRE = regexp.MustCompile(`^([ \t]*)(//|#) LAB ([a-z0-9_]+) (BEGIN|SKELETON|END)$`)

// malformedRE catches a line meant as a marker that markerRE rejects.
var malformedRE = regexp.MustCompile(`^[ \t]*(//|#)\s*LAB\s+\S+\s+(BEGIN|SKELETON|END)\b`)

// Region is one marked stretch of a file.
type Region struct {
	Lab    string
	File   string // relative to the tree's root, with /
	Begin  int    // line index of the BEGIN marker
	Skel   int    // line index of the SKELETON marker; -1 when the region holds no reference (a skeleton or a student's body)
	End    int    // line index of the END marker
	Indent string // the markers' indentation
	Leader string // "//" or "#"
	Func   string // the enclosing function or assembly label, for messages
}

// Reference reports whether the region still carries the reference body
// and its commented skeleton.
func (r Region) Reference() bool { return r.Skel >= 0 }

func (r Region) String() string {
	return fmt.Sprintf("%s:%d (%s, lab %s)", r.File, r.Begin+1, r.Func, r.Lab)
}

// sourceExt lists the files that may carry markers.
var sourceExt = map[string]bool{".go": true, ".s": true, ".S": true}

// skipDir: directories that never hold marked sources: the build's
// output, git's, test data and the labs' own documents.
func skipDir(root, p, name string) bool {
	return name == ".git" || name == "testdata" || p == filepath.Join(root, "build") || p == filepath.Join(root, "labs")
}

// lines splits a file into lines without their "\n"; a final newline
// gives no empty last element, so join(lines(b)) == b for files ending in
// one.
func lines(b []byte) []string {
	s := string(b)
	nl := strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	ls := strings.Split(s, "\n")
	if !nl {
		ls = append(ls, noNewline)
	}
	return ls
}

// noNewline is a sentinel last line for a file without a final newline.
const noNewline = "\x00no newline"

func join(ls []string) []byte {
	if n := len(ls); n > 0 && ls[n-1] == noNewline {
		return []byte(strings.Join(ls[:n-1], "\n"))
	}
	return []byte(strings.Join(ls, "\n") + "\n")
}

var (
	goFuncRE  = regexp.MustCompile(`^func (\([^)]*\) )?([A-Za-z_][A-Za-z0-9_]*)`)
	asmFuncRE = regexp.MustCompile(`^(?:SYM_FUNC_START\s+([A-Za-z_.][A-Za-z0-9_.]*)|([A-Za-z_.][A-Za-z0-9_.]*):)`)
)

// enclosing names the function (or assembly label) above line i.
func enclosing(ls []string, i int, leader string) string {
	for ; i >= 0; i-- {
		if leader == "//" {
			if m := goFuncRE.FindStringSubmatch(ls[i]); m != nil {
				return m[2]
			}
		} else if m := asmFuncRE.FindStringSubmatch(ls[i]); m != nil {
			return m[1] + m[2]
		}
	}
	return "?"
}

// Parse finds the regions of one file. It fails on unbalanced or nested
// markers, a SKELETON outside a region or twice in one, markers whose
// indentation or leader differ, and skeleton lines that are not comments
// at the markers' indentation.
func Parse(file string, b []byte) ([]Region, error) {
	ls := lines(b)
	var out []Region
	var cur *Region
	for i, l := range ls {
		m := markerRE.FindStringSubmatch(l)
		if m == nil {
			if malformedRE.MatchString(l) {
				return nil, fmt.Errorf("%s:%d: malformed lab marker %q (want %q)", file, i+1, strings.TrimSpace(l), "// LAB name BEGIN|SKELETON|END")
			}
			continue
		}
		indent, leader, lab, kind := m[1], m[2], m[3], m[4]
		switch kind {
		case "BEGIN":
			if cur != nil {
				return nil, fmt.Errorf("%s:%d: LAB %s BEGIN inside the region of lab %s begun at line %d", file, i+1, lab, cur.Lab, cur.Begin+1)
			}
			cur = &Region{Lab: lab, File: file, Begin: i, Skel: -1, Indent: indent, Leader: leader, Func: enclosing(ls, i, leader)}
		case "SKELETON", "END":
			if cur == nil {
				return nil, fmt.Errorf("%s:%d: LAB %s %s without a BEGIN", file, i+1, lab, kind)
			}
			if lab != cur.Lab || indent != cur.Indent || leader != cur.Leader {
				return nil, fmt.Errorf("%s:%d: LAB %s %s does not match LAB %s BEGIN at line %d (same name, indentation and comment leader)", file, i+1, lab, kind, cur.Lab, cur.Begin+1)
			}
			if kind == "SKELETON" {
				if cur.Skel >= 0 {
					return nil, fmt.Errorf("%s:%d: a second LAB %s SKELETON in one region", file, i+1, lab)
				}
				cur.Skel = i
				continue
			}
			cur.End = i
			if cur.Skel >= 0 {
				for j := cur.Skel + 1; j < i; j++ {
					if _, ok := uncomment(ls[j], cur.Indent, cur.Leader); !ok {
						return nil, fmt.Errorf("%s:%d: skeleton line %q is not a comment %q at the markers' indentation", file, j+1, ls[j], cur.Indent+cur.Leader+" ")
					}
				}
			}
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: LAB %s BEGIN without an END", file, cur.Begin+1, cur.Lab)
	}
	return out, nil
}

// uncomment turns a skeleton comment line back into code: the indentation
// stays, the leader and one space go.
func uncomment(l, indent, leader string) (string, bool) {
	if l == indent+leader {
		return "", true
	}
	rest, ok := strings.CutPrefix(l, indent+leader+" ")
	if !ok {
		return "", false
	}
	return indent + rest, true
}

// Tree is the marked files of a checkout.
type Tree struct {
	Root    string
	Files   map[string][]byte   // relative path → content, for files with markers
	Regions map[string][]Region // relative path → its regions
}

// Scan reads every source file under root that has markers.
func Scan(root string) (*Tree, error) {
	t := &Tree{Root: root, Files: map[string][]byte{}, Regions: map[string][]Region{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipDir(root, p, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !sourceExt[filepath.Ext(p)] {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte("LAB ")) {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		rs, err := Parse(rel, b)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			t.Files[rel], t.Regions[rel] = b, rs
		}
		return nil
	})
	return t, err
}

// Labs returns the names of the labs with markers in the tree, sorted.
func (t *Tree) Labs() []string {
	seen := map[string]bool{}
	for _, rs := range t.Regions {
		for _, r := range rs {
			seen[r.Lab] = true
		}
	}
	var out []string
	for l := range seen {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Of returns lab's regions, by file (sorted) and position.
func (t *Tree) Of(lab string) []Region {
	var files []string
	for f := range t.Regions {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []Region
	for _, f := range files {
		for _, r := range t.Regions[f] {
			if r.Lab == lab {
				out = append(out, r)
			}
		}
	}
	return out
}

// Skeleton returns the file with lab's regions replaced by their
// skeletons. Every region of lab must carry a reference.
func Skeleton(file string, b []byte, lab string) ([]byte, error) {
	rs, err := Parse(file, b)
	if err != nil {
		return nil, err
	}
	ls := lines(b)
	var out []string
	next := 0
	for _, r := range rs {
		if r.Lab != lab {
			continue
		}
		if !r.Reference() {
			return nil, fmt.Errorf("%s: no LAB %s SKELETON: the region holds no reference (is the lab applied already?)", r, lab)
		}
		out = append(out, ls[next:r.Begin+1]...)
		for _, l := range ls[r.Skel+1 : r.End] {
			u, _ := uncomment(l, r.Indent, r.Leader)
			out = append(out, u)
		}
		next = r.End
	}
	out = append(out, ls[next:]...)
	return join(out), nil
}

// Splice returns base with the inside of each of lab's regions replaced by
// the inside of the corresponding region (same file, same position among
// lab's regions) of donor. Splice(skeleton, reference) is the reference
// again; Splice(reference, submission) is the teacher's tree with the
// student's bodies.
func Splice(file string, base, donor []byte, lab string) ([]byte, error) {
	brs, err := Parse(file, base)
	if err != nil {
		return nil, err
	}
	drs, err := Parse(file, donor)
	if err != nil {
		return nil, err
	}
	brs, drs = only(brs, lab), only(drs, lab)
	if len(brs) != len(drs) {
		return nil, fmt.Errorf("%s: %d regions of lab %s, but %d in the other tree (markers added or removed?)", file, len(brs), lab, len(drs))
	}
	bl, dl := lines(base), lines(donor)
	var out []string
	next := 0
	for i, r := range brs {
		d := drs[i]
		out = append(out, bl[next:r.Begin+1]...)
		out = append(out, dl[d.Begin+1:d.End]...)
		next = r.End
	}
	out = append(out, bl[next:]...)
	return join(out), nil
}

func only(rs []Region, lab string) []Region {
	var out []Region
	for _, r := range rs {
		if r.Lab == lab {
			out = append(out, r)
		}
	}
	return out
}

// Apply replaces lab's reference bodies by their skeletons in the tree at
// root and returns the files it changed. A Go file must still be gofmt
// clean afterwards.
func Apply(root, lab string) ([]string, error) {
	t, err := Scan(root)
	if err != nil {
		return nil, err
	}
	rs := t.Of(lab)
	if len(rs) == 0 {
		return nil, fmt.Errorf("no regions of lab %s in %s", lab, root)
	}
	var changed []string
	for _, f := range files(rs) {
		out, err := Skeleton(f, t.Files[f], lab)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(f, ".go") {
			if fm, err := format.Source(out); err != nil {
				return nil, fmt.Errorf("%s: the skeleton does not parse: %v", f, err)
			} else if !bytes.Equal(fm, out) {
				return nil, fmt.Errorf("%s: the skeleton is not gofmt-clean (indent its lines as gofmt would)", f)
			}
		}
		if err := os.WriteFile(filepath.Join(root, f), out, 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, f)
	}
	return changed, nil
}

// SpliceTree writes into the tree at base the insides of lab's regions
// from the tree at donor and returns the files it changed.
func SpliceTree(base, donor, lab string) ([]string, error) {
	bt, err := Scan(base)
	if err != nil {
		return nil, err
	}
	rs := bt.Of(lab)
	if len(rs) == 0 {
		return nil, fmt.Errorf("no regions of lab %s in %s", lab, base)
	}
	var changed []string
	for _, f := range files(rs) {
		d, err := os.ReadFile(filepath.Join(donor, f))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		out, err := Splice(f, bt.Files[f], d, lab)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(out, bt.Files[f]) {
			if err := os.WriteFile(filepath.Join(base, f), out, 0o644); err != nil {
				return nil, err
			}
			changed = append(changed, f)
		}
	}
	return changed, nil
}

// files lists the distinct files of rs in order.
func files(rs []Region) []string {
	var out []string
	for _, r := range rs {
		if len(out) == 0 || out[len(out)-1] != r.File {
			out = append(out, r.File)
		}
	}
	return out
}

// StudentLines counts the lines a student writes for lab: the reference
// bodies' non-blank lines that are not only a comment.
func StudentLines(t *Tree, lab string) int {
	n := 0
	for _, r := range t.Of(lab) {
		if !r.Reference() {
			continue
		}
		ls := lines(t.Files[r.File])
		for _, l := range ls[r.Begin+1 : r.Skel] {
			s := strings.TrimSpace(l)
			if s == "" || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "/*") || strings.HasPrefix(s, "*") {
				continue
			}
			n++
		}
	}
	return n
}
