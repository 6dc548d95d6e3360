package layout

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCitationMessages: what TestDocsCitations says of a listing line.
// The text elsewhere in its function: "run: go run ./cmd/docsync"; the
// text gone: the docs need a human, not docsync; so is a frame that shows
// no text (and has no git history to recover it from) on a comment line.
func TestCitationMessages(t *testing.T) {
	dir := t.TempDir()
	src := "package main\n\nfunc f() {\n\t// moved down\n\ta()\n\tb()\n}\n\nfunc a() {}\nfunc b() {}\n"
	doc := "```\n" +
		"Breakpoint 1, main.f () at /tmp/gokern/kmain.go:4\n" +
		"4\t\ta()\n" + // a() is line 5 now
		"(gdb) next\n" +
		"5\t\tc()\n" + // c() is gone
		"(gdb) next\n" +
		"6\t\tb()\n" + // holds
		"```\n\n" +
		"```\n" +
		"RIP: 0010:main.f+0x1b/0x40 (/tmp/gokern/kmain.go:4)\n" + // a comment
		"RIP: 0010:main.f+0x2b/0x40 (/tmp/gokern/kmain.go:6)\n" + // code: its function is all that can be checked
		"```\n"
	for name, text := range map[string]string{"kmain.go": src, "docs/x.md": doc} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := NewTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	cites := ParseCitations("docs/x.md", SplitDoc(doc))
	if len(cites) != 5 {
		t.Fatalf("%d citations, want 5: %v", len(cites), cites)
	}
	for i, want := range []struct {
		state State
		msg   string
	}{
		{Moved, `docs/x.md:2: /tmp/gokern/kmain.go:4 (gdb stop in main.f) shows "a()", which is line 5 of kmain.go now (the listing prints it as 4, 4): run: go run ./cmd/docsync`},
		{Human, `docs/x.md:5: /tmp/gokern/kmain.go:5 (gdb source line in main.f): docsync cannot fix this, the docs need a human: the code changed: no line in main.f is "c()" now (run the listing again)`},
		{Holds, `docs/x.md:7: /tmp/gokern/kmain.go:6 (gdb source line in main.f): holds`},
		{Human, `docs/x.md:11: /tmp/gokern/kmain.go:4 (oops frame in main.f): docsync cannot fix this, the docs need a human: kmain.go:4 is "// moved down" now, no code (run the listing again)`},
		{Unchecked, `docs/x.md:12: /tmp/gokern/kmain.go:6 (oops frame in main.f): only its function checked: the listing shows no source text, and the tree is no git repository`},
	} {
		p := tree.Place(cites[i])
		if got := Describe(cites[i], p); p.State != want.state || got != want.msg {
			t.Errorf("citation %d: state %d, %s\nwant state %d, %s", i, p.State, got, want.state, want.msg)
		}
	}
}
