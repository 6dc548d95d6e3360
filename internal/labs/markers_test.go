package labs

import (
	"strings"
	"testing"
)

// src joins lines into a file. (The tests build their marked sources from
// quoted lines so that this file carries no markers of its own.)
func src(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

const (
	b = "\t// LAB demo BEGIN"
	k = "\t// LAB demo SKELETON"
	e = "\t// LAB demo END"
)

var reference = src(
	"package demo",
	"",
	"func f(x int) int {",
	b,
	"\tif x > 0 {",
	"\t\treturn x * 2",
	"\t}",
	"\treturn 0",
	k,
	"\t// // Double x when it is positive.",
	"\t//",
	"\t// return 0",
	e,
	"}",
	"",
	"func g() int {",
	b,
	"\treturn 7",
	k,
	"\t// return 0",
	e,
	"}",
)

var skeleton = src(
	"package demo",
	"",
	"func f(x int) int {",
	b,
	"\t// Double x when it is positive.",
	"",
	"\treturn 0",
	e,
	"}",
	"",
	"func g() int {",
	b,
	"\treturn 0",
	e,
	"}",
)

func TestSkeletonAndSplice(t *testing.T) {
	rs, err := Parse("demo.go", reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Func != "f" || rs[1].Func != "g" || !rs[0].Reference() {
		t.Fatalf("regions %+v", rs)
	}
	got, err := Skeleton("demo.go", reference, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(skeleton) {
		t.Fatalf("skeleton:\n%s\nwant:\n%s", got, skeleton)
	}
	back, err := Splice("demo.go", got, reference, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if string(back) != string(reference) {
		t.Fatalf("restored:\n%s\nwant:\n%s", back, reference)
	}
	// Another lab's name leaves the file alone.
	if same, _ := Skeleton("demo.go", reference, "other"); string(same) != string(reference) {
		t.Fatal("a skeleton of another lab changed the file")
	}
	// A student's bodies go into the teacher's tree (g's is still the
	// skeleton's), and nothing else does.
	student := []byte(strings.Replace(string(skeleton), "\treturn 0\n\t// LAB demo END\n}\n\nfunc g", "\treturn x + x\n\t// LAB demo END\n}\n\nfunc g", 1))
	graded, err := Splice("demo.go", reference, student, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(graded), "return x + x") || strings.Contains(string(graded), "return x * 2") || strings.Contains(string(graded), "return 7") || !strings.HasPrefix(string(graded), "package demo\n\nfunc f(x int) int {\n") {
		t.Fatalf("graded tree:\n%s", graded)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"no end", src("package p", b, "\tx()"), "BEGIN without an END"},
		{"no begin", src("package p", e), "END without a BEGIN"},
		{"nested", src("package p", b, b, e, e), "BEGIN inside the region"},
		{"other lab's end", src("package p", b, "\t// LAB other END"), "does not match"},
		{"indentation", src("package p", b, "// LAB demo END"), "does not match"},
		{"two skeletons", src("package p", b, k, k, e), "a second"},
		{"skeleton not a comment", src("package p", b, k, "\treturn 0", e), "is not a comment"},
		{"malformed", src("package p", "\t//LAB demo BEGIN"), "malformed lab marker"},
		{"lower-case kind", src("package p", "\t// LAB demo begin"), ""},
	} {
		_, err := Parse("p.go", c.file)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// Splicing refuses trees whose markers differ.
	if _, err := Splice("demo.go", reference, src("package demo"), "demo"); err == nil || !strings.Contains(err.Error(), "markers added or removed") {
		t.Errorf("splicing a file without the markers: %v", err)
	}
	// A skeleton is not applied twice.
	if _, err := Skeleton("demo.go", skeleton, "demo"); err == nil || !strings.Contains(err.Error(), "applied already") {
		t.Errorf("applying to a skeleton: %v", err)
	}
}

// TestAssemblyMarkers: GNU as sources use "#".
func TestAssemblyMarkers(t *testing.T) {
	ref := src("f:", "# LAB demo BEGIN", "\tinb $0x92, %al", "# LAB demo SKELETON", "# \tret", "# LAB demo END", "\tret")
	got, err := Skeleton("f.S", ref, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if want := src("f:", "# LAB demo BEGIN", "\tret", "# LAB demo END", "\tret"); string(got) != string(want) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	rs, _ := Parse("f.S", ref)
	if rs[0].Func != "f" {
		t.Fatalf("enclosing label %q", rs[0].Func)
	}
}
