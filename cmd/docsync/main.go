// Command docsync rewrites the line numbers of the docs' listings when the
// code they show moves:
//
//	go run ./cmd/docsync          # rewrite docs/*.md and README.md
//	go run ./cmd/docsync -n       # only say what it would change (also -check)
//
// The docs' listings are real output (gdb transcripts, oops logs, go tool
// objdump), and output names source lines: kmain.go:158, or gdb's
// "158\t\tlkdtm_trigger(...)". TestDocsCitations fails when one no longer
// shows the text the listing shows; when the text is still in the same
// function, only elsewhere, docsync puts the numbers right. For each
// citation (internal/layout.ParseCitations) it finds the function in
// today's source (go/ast for Go, the TEXT symbol or the label for
// assembly), looks there for the text the listing shows (exact, then
// ignoring whitespace; among several, the line the old one became, else
// the one nearest the old offset from the function's start) and rewrites
// only the digits. A frame that shows no text is looked for by its call
// of the frame above it, when it names it (a backtrace's, an oops call
// trace's), else by the text its line had when the doc's line was
// committed (git blame, git show). A text that is gone leaves the
// citation alone and is reported: the code changed, and the listing must
// be run again by a human. Running it twice changes nothing the second
// time.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gokern/internal/layout"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("docsync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "print what would change and write nothing; exit 1 if anything would")
	fs.BoolVar(check, "n", false, "the same as -check")
	root := fs.String("root", "", "the repository (default: the gokern module above the current directory)")
	verbose := fs.Bool("v", false, "also list the citations docsync could check only by their function")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" {
		r, err := moduleRoot()
		if err != nil {
			fmt.Fprintln(stderr, "docsync:", err)
			return 2
		}
		*root = r
	}
	rep, err := layout.Sync(*root, !*check)
	if err != nil {
		fmt.Fprintln(stderr, "docsync:", err)
		return 2
	}
	for _, c := range rep.Moved {
		p := rep.Placed[c]
		var nums []string
		for _, n := range c.Nums {
			if v := p.Base + n.Idx; v != n.Old {
				nums = append(nums, fmt.Sprintf("line %d: %d -> %d", n.Line, n.Old, v))
			}
		}
		text := "the text shown"
		switch {
		case p.Calls != "":
			text = "the call of " + p.Calls + ", the frame above"
		case p.Recovered != "":
			text = fmt.Sprintf("the text of %.12s", p.Recovered)
		}
		fmt.Fprintf(stdout, "%s: %s:%d (%s %s, %s): %s\n", c.Where(), p.Rel, c.Nums[0].Old, c.What, funcOf(c), text, strings.Join(nums, ", "))
		fmt.Fprintf(stdout, "\t%s:%d: %s\n", p.Rel, p.Base, strings.TrimSpace(p.Quote[0]))
	}
	for _, c := range rep.Human {
		fmt.Fprintf(stdout, "%s\n", layout.Describe(c, rep.Placed[c]))
	}
	if *verbose {
		for _, c := range rep.Unchecked {
			fmt.Fprintf(stdout, "%s\n", layout.Describe(c, rep.Placed[c]))
		}
	}
	var docs []string
	for d := range rep.Docs {
		docs = append(docs, d)
	}
	sort.Strings(docs)
	in := ""
	if len(docs) > 0 {
		in = " in " + strings.Join(docs, ", ")
	}
	what := "rewritten"
	if *check {
		what = "to rewrite"
	}
	fmt.Fprintf(stdout, "docsync: %d listing citations: %d moved (%d numbers %s%s), %d need a human, %d checked by function only\n",
		len(rep.Citations), len(rep.Moved), len(rep.Changes), what, in, len(rep.Human), len(rep.Unchecked))
	if len(rep.Human) > 0 || (*check && len(rep.Moved) > 0) {
		return 1
	}
	return 0
}

func funcOf(c *layout.Citation) string {
	if c.Func == "" {
		return "in the file"
	}
	return "in " + c.Func
}

// moduleRoot is the gokern module at or above the current directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module gokern\n") {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no gokern module above the current directory: run it in the tree, or give -root")
		}
		dir = up
	}
}
