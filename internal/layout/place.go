package layout

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Placing a citation in today's source. The listing's quote (the source
// line gdb printed) is searched for inside the function the listing names:
// exact first, then ignoring whitespace; among several matches, the one
// the cited line became (a diff of the function's old and new lines), else
// the one nearest the old offset from the function's start. A citation
// that shows no text (a backtrace frame, an oops frame, an objdump line)
// is, in a call chain, the line that calls the frame above it by name;
// else it takes the text its line had when the doc's line was last
// committed, from git: git blame gives that commit, git show the file
// then.

// State says what a citation needs.
type State int

const (
	Holds     State = iota // every number is where the text is
	Moved                  // the text is elsewhere in the function: Base says where
	Human                  // the listing no longer matches the code: Why says how
	Unchecked              // no text to find (no git history, or the line's text is gone): only the function was checked
)

// Placement is where a citation is in today's source.
type Placement struct {
	State     State
	Rel       string   // the repository file
	Base      int      // the line of Quote[0] now (Holds, Moved)
	Quote     []string // what was searched
	Recovered string   // the commit Quote was taken from, when the listing shows none
	Calls     string   // the callee whose call placed it (a backtrace's frame)
	Why       string   // Human, Unchecked: what is wrong or unknown
}

// Tree is the repository's sources, read once.
type Tree struct {
	Root  string
	res   *Resolver
	files map[string][]string
	syms  map[string]map[string]Span
	hist  *history // nil: no git
}

// NewTree indexes the tree at root.
func NewTree(root string) (*Tree, error) {
	r, err := NewResolver(root)
	if err != nil {
		return nil, err
	}
	return &Tree{Root: root, res: r, files: map[string][]string{}, syms: map[string]map[string]Span{}, hist: newHistory(root)}, nil
}

// Resolve is the Resolver's.
func (t *Tree) Resolve(p string) string { return t.res.Resolve(p) }

// Lines returns file rel's lines.
func (t *Tree) Lines(rel string) ([]string, error) {
	if l, ok := t.files[rel]; ok {
		return l, nil
	}
	b, err := os.ReadFile(filepath.Join(t.Root, rel))
	if err != nil {
		return nil, err
	}
	t.files[rel] = strings.Split(string(b), "\n")
	return t.files[rel], nil
}

// Symbols returns what file rel defines.
func (t *Tree) Symbols(rel string) (map[string]Span, error) {
	if s, ok := t.syms[rel]; ok {
		return s, nil
	}
	l, err := t.Lines(rel)
	if err != nil {
		return nil, err
	}
	s, err := Symbols(rel, []byte(strings.Join(l, "\n")))
	if err != nil {
		return nil, err
	}
	t.syms[rel] = s
	return s, nil
}

// definer returns the one Go or assembly file that defines fn ("": none,
// or more than one).
func (t *Tree) definer(fn string) string {
	found := ""
	for rel := range t.res.byRel {
		if !strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, ".s") && !strings.HasSuffix(rel, ".S") {
			continue
		}
		if syms, err := t.Symbols(rel); err == nil {
			if _, ok := syms[fn]; ok {
				if found != "" {
					return ""
				}
				found = rel
			}
		}
	}
	return found
}

// Place finds where citation c is in today's source.
func (t *Tree) Place(c *Citation) Placement {
	p := Placement{Rel: t.Resolve(c.File)}
	if c.File == "" && c.Func != "" {
		p.Rel = t.definer(FuncName(c.Func))
	}
	if p.Rel == "" && c.File == "" {
		p.State, p.Why = Human, fmt.Sprintf("the listing does not say which file, and %s is defined in no one source file", c.Func)
		return p
	}
	if p.Rel == "" {
		p.State, p.Why = Human, fmt.Sprintf("the listing names %s, which is not a file of the tree (any more)", c.File)
		return p
	}
	src, err := t.Lines(p.Rel)
	if err != nil {
		p.State, p.Why = Human, err.Error()
		return p
	}
	syms, err := t.Symbols(p.Rel)
	if err != nil {
		p.State, p.Why = Human, err.Error()
		return p
	}
	// The function's lines: the whole file when the listing names none
	// (or a runtime function, or a GNU as symbol gdb made up, main+0x6's
	// kin are found by FuncName).
	fn := ""
	span := Span{1, len(src)}
	if c.Func != "" && !strings.HasPrefix(c.Func, "runtime.") {
		fn = FuncName(c.Func)
		s, ok := syms[fn]
		switch {
		case ok:
			span = s
		case strings.HasSuffix(p.Rel, ".S"):
			fn = ""
		default:
			p.State, p.Why = Human, fmt.Sprintf("the listing puts %s:%d in %s, and %s has no %s (renamed or removed: run the listing again)", p.Rel, c.Nums[0].Old, c.Func, p.Rel, fn)
			return p
		}
	}
	// The file as it was when the doc's line was written, for the text
	// of a citation that shows none and for the old offset.
	main := c.Nums[0]
	oldBase := main.Old - main.Idx
	oldFrom := span.From
	var old []string
	var oldSpan Span
	commit, lines, noHist := t.hist.fileAt(c.Doc, main.Line, p.Rel)
	if lines != nil {
		old, oldSpan = lines, Span{1, len(lines)}
		if fn != "" {
			old = nil // unless it had the function
			if s, err := Symbols(p.Rel, []byte(strings.Join(lines, "\n"))); err == nil {
				if s, ok := s[fn]; ok {
					old, oldSpan = lines, s
				}
			}
		}
		if old == nil {
			noHist = fmt.Sprintf("%s had no %s at %.12s, where the doc's line was committed", p.Rel, fn, commit)
		} else {
			oldFrom = oldSpan.From
			if c.Quote == nil && main.Old >= 1 && main.Old <= len(old) {
				p.Quote, p.Recovered = []string{old[main.Old-1]}, commit
			}
		}
	}
	if c.Quote != nil {
		p.Quote = c.Quote
	}
	inFunc := func() Placement {
		for _, n := range c.Nums {
			if n.Old < 1 || n.Old > len(src) {
				p.State, p.Why = Human, fmt.Sprintf("%s has %d lines, not %d", p.Rel, len(src), n.Old)
				return p
			}
			if fn != "" && (n.Old < span.From || n.Old > span.To) {
				p.State, p.Why = Human, fmt.Sprintf("the listing puts %s:%d in %s, which is now lines %d-%d", p.Rel, n.Old, c.Func, span.From, span.To)
				return p
			}
			// No code stops, breaks or calls on a comment or a blank line.
			if noCode(p.Rel, src[n.Old-1]) {
				p.State, p.Why = Human, fmt.Sprintf("%s:%d is %q now, no code (run the listing again)", p.Rel, n.Old, strings.TrimSpace(src[n.Old-1]))
				return p
			}
		}
		if p.State == Holds {
			p.State = Unchecked
		}
		return p
	}
	// A frame of a backtrace is where it calls the frame above: the call,
	// by name, is a surer text than git's (a listing recorded on a branch
	// and rebased was wrong when committed).
	if calls := t.calls(c, src, span); calls != nil && c.Quote == nil {
		if len(calls) > 1 && c.Deeper != "" {
			calls = narrow(calls, func(b int) bool { return mentions(src[b-1], c.Deeper) })
		}
		if len(calls) > 1 && p.Quote != nil {
			calls = narrow(calls, func(b int) bool { return sameBarWhitespace(src[b-1], p.Quote[0]) })
		}
		p.Calls = shortName(c.Callee)
		p.Base = t.choose(calls, old, oldSpan, oldFrom, oldBase, src, span)
		p.Quote = []string{src[p.Base-1]}
		for _, n := range c.Nums {
			if n.Old != p.Base {
				p.State = Moved
			}
		}
		return p
	}
	if p.Quote == nil {
		p.Why = "the listing shows no source text, and " + noHist
		return inFunc()
	}
	// Candidates: where the quote's lines are, exact or but for
	// whitespace; a list block may lie outside the function.
	from, to := span.From, span.To
	if len(p.Quote) > 1 {
		from, to = 1, len(src)
	}
	var cands []int
	eqs := []func(a, b string) bool{sameText, sameBarWhitespace}
	if c.Part {
		eqs = []func(a, b string) bool{strings.Contains, func(a, b string) bool { return strings.Contains(noSpace(a), noSpace(b)) }}
	}
	for _, eq := range eqs {
		for b := from; b+len(p.Quote)-1 <= to; b++ {
			ok := true
			for i, q := range p.Quote {
				if !eq(src[b-1+i], q) {
					ok = false
					break
				}
			}
			if ok {
				cands = append(cands, b)
			}
		}
		if cands != nil {
			break
		}
	}
	if cands == nil {
		where := "in " + c.Func
		if fn == "" || len(p.Quote) > 1 {
			where = "in " + p.Rel
		}
		if p.Recovered != "" {
			// The listing did not show the text: the line may still be
			// right. Only the function can be checked.
			p.Why = fmt.Sprintf("its line was %q in %.12s, and no line %s is that now", strings.TrimSpace(p.Quote[0]), p.Recovered, where)
			return inFunc()
		}
		p.State, p.Why = Human, fmt.Sprintf("the code changed: no line %s is %q now (run the listing again)", where, strings.TrimSpace(p.Quote[0]))
		return p
	}
	if len(p.Quote) > 1 {
		old = nil // a list block: no diff of one function
	}
	p.Base = t.choose(cands, old, oldSpan, oldFrom, oldBase, src, span)
	for _, n := range c.Nums {
		if n.Old != p.Base+n.Idx {
			p.State = Moved
		}
	}
	return p
}

// choose picks one of the candidate lines cands: the line the old one
// (oldBase of old, whose function is oldSpan) became, if the function's
// lines still hold it; else the one nearest the old offset from the
// function's start (oldFrom then, span.From now).
func (t *Tree) choose(cands []int, old []string, oldSpan Span, oldFrom, oldBase int, src []string, span Span) int {
	if old != nil && oldBase >= oldSpan.From && oldBase <= oldSpan.To {
		if nb, ok := diffMap(old[oldSpan.From-1:oldSpan.To], src[span.From-1:span.To])[oldBase-oldSpan.From]; ok {
			for _, b := range cands {
				if b == span.From+nb {
					return b
				}
			}
		}
	}
	best := -1
	off := oldBase - oldFrom
	cost := func(b int) [3]int { return [3]int{abs(b - span.From - off), abs(b - oldBase), b} }
	for _, b := range cands {
		if best < 0 || less(cost(b), cost(best)) {
			best = b
		}
	}
	return best
}

// calls returns the lines of c's function that call c.Callee by name
// (nil: none, or c is no frame of a call chain).
func (t *Tree) calls(c *Citation, src []string, span Span) []int {
	if c.Callee == "" || c.Func == "" {
		return nil
	}
	name := regexp.QuoteMeta(shortName(c.Callee))
	// Go and Go assembly: name( or ·name(SB); GNU as: call name.
	re := regexp.MustCompile(`(?:^|[^\w])` + name + `\(|(?i:\bcall[lwq]?\s+\*?)` + name + `\b`)
	var out []int
	for b := span.From; b <= span.To; b++ {
		l := strings.TrimSpace(src[b-1])
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, "TEXT") {
			continue // a comment; a TEXT line declares, it does not call
		}
		l = funcDeclRE.ReplaceAllString(l, "") // a declaration is no call (a one-line body may be)
		if re.MatchString(l) {
			out = append(out, b)
		}
	}
	return out
}

var funcDeclRE = regexp.MustCompile(`^func\s+(?:\([^)]*\)\s*)?\w+`)

// shortName is the name a call writes: the last element of FuncName
// (T.M -> M).
func shortName(fn string) string {
	n := FuncName(fn)
	if i := strings.LastIndex(n, "."); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// mentions reports whether line names fn's short name as a word.
func mentions(line, fn string) bool {
	return regexp.MustCompile(`(?:^|[^\w])` + regexp.QuoteMeta(shortName(fn)) + `\b`).MatchString(line)
}

// narrow keeps the lines of ls that keep holds, unless none does.
func narrow(ls []int, keep func(int) bool) []int {
	var out []int
	for _, b := range ls {
		if keep(b) {
			out = append(out, b)
		}
	}
	if out == nil {
		return ls
	}
	return out
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// noCode reports whether line of file rel is blank or only a comment.
func noCode(rel, line string) bool {
	l := strings.TrimSpace(line)
	prefixes := []string{"//"}
	if strings.HasSuffix(rel, ".S") || strings.HasSuffix(rel, ".inc") {
		prefixes = append(prefixes, "#", "/*", "*") // cpp and GNU as comments
	}
	for _, p := range prefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return l == ""
}

func sameText(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

func sameBarWhitespace(a, b string) bool { return noSpace(a) == noSpace(b) }

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// diffMap maps the lines of a that survive into b (a longest common
// subsequence of the two, by text) to their index in b.
func diffMap(a, b []string) map[int]int {
	n, m := len(a), len(b)
	l := make([][]int32, n+1)
	for i := range l {
		l[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if sameText(a[i], b[j]) {
				l[i][j] = l[i+1][j+1] + 1
			} else if l[i+1][j] >= l[i][j+1] {
				l[i][j] = l[i+1][j]
			} else {
				l[i][j] = l[i][j+1]
			}
		}
	}
	out := map[int]int{}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case sameText(a[i], b[j]) && l[i][j] == l[i+1][j+1]+1:
			out[i] = j
			i++
			j++
		case l[i+1][j] >= l[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// history is what git knows: which commit last wrote each line of a doc,
// and the files as they were then.
type history struct {
	root  string
	blame map[string][]string // doc -> commit per line; "" for a line not committed
	files map[string][]string // commit + ":" + rel -> lines; nil when it had no such file
}

func newHistory(root string) *history {
	if err := exec.Command("git", "-C", root, "rev-parse", "--verify", "-q", "HEAD").Run(); err != nil {
		return nil
	}
	return &history{root: root, blame: map[string][]string{}, files: map[string][]string{}}
}

var blameHeadRE = regexp.MustCompile(`^([0-9a-f]{40}) \d+ (\d+)`)

// fileAt returns file rel as it was when line n of doc was last
// committed, and that commit; nil, and why, when git does not know or the
// line is not committed.
func (h *history) fileAt(doc string, n int, rel string) (string, []string, string) {
	if h == nil {
		return "", nil, "the tree is no git repository"
	}
	commits, ok := h.blame[doc]
	if !ok {
		// -M -C: a line moved within the doc or from another doc keeps
		// the commit that wrote it.
		out, err := exec.Command("git", "-C", h.root, "blame", "-M", "-C", "--porcelain", "--", doc).Output()
		if err == nil {
			for _, l := range strings.Split(string(out), "\n") {
				if m := blameHeadRE.FindStringSubmatch(l); m != nil {
					i, _ := strconv.Atoi(m[2])
					for len(commits) < i {
						commits = append(commits, "")
					}
					if strings.Trim(m[1], "0") != "" {
						commits[i-1] = m[1]
					}
				}
			}
		}
		h.blame[doc] = commits
	}
	if n < 1 || n > len(commits) {
		return "", nil, "git does not have the doc"
	}
	commit := commits[n-1]
	if commit == "" {
		// Written against the work tree, whose lines would only
		// confirm themselves.
		return "", nil, "the doc's line is not committed yet"
	}
	key := commit + ":" + rel
	lines, ok := h.files[key]
	if !ok {
		out, err := exec.Command("git", "-C", h.root, "show", commit+":./"+rel).Output()
		if err == nil {
			lines = strings.Split(string(out), "\n")
		}
		h.files[key] = lines
	}
	if lines == nil {
		return "", nil, fmt.Sprintf("git has no %s at %.12s, where the doc's line was committed", rel, commit)
	}
	return commit, lines, ""
}

// Describe says, in a line, what placement p of c means: where its text
// is now and that docsync fixes it, or what a human must do.
func Describe(c *Citation, p Placement) string {
	fn := ""
	if c.Func != "" {
		fn = " in " + c.Func
	}
	head := fmt.Sprintf("%s: %s (%s%s)", c.Where(), c.Cite(), c.What, fn)
	var nums []string
	for _, n := range c.Nums {
		nums = append(nums, strconv.Itoa(n.Old))
	}
	shown := "shows"
	if p.Recovered != "" {
		shown = fmt.Sprintf("had, when the listing was written (%.12s),", p.Recovered)
	}
	if p.Calls != "" {
		shown = fmt.Sprintf("calls %s (the frame above) at", p.Calls)
	}
	switch p.State {
	case Moved:
		what := fmt.Sprintf("%q", strings.TrimSpace(p.Quote[0]))
		if len(p.Quote) > 1 {
			what = fmt.Sprintf("%d lines from %q on", len(p.Quote), strings.TrimSpace(p.Quote[0]))
		}
		also := ""
		if len(c.Nums) > 1 {
			also = fmt.Sprintf(" (the listing prints it as %s)", strings.Join(nums, ", "))
		}
		return fmt.Sprintf("%s %s %s, which is line %d of %s now%s: run: go run ./cmd/docsync", head, shown, what, p.Base, p.Rel, also)
	case Human:
		return fmt.Sprintf("%s: docsync cannot fix this, the docs need a human: %s", head, p.Why)
	case Unchecked:
		return fmt.Sprintf("%s: only its function checked: %s", head, p.Why)
	}
	return head + ": holds"
}

// A Change is one number docsync rewrites.
type Change struct {
	Cite     *Citation
	Place    Placement
	Num      Num
	New      int
	Verified bool // the text was the listing's (false: git's)
}

// SyncReport is what Sync found.
type SyncReport struct {
	Citations []*Citation
	Placed    map[*Citation]Placement
	Changes   []Change          // numbers rewritten (or, with write false, to rewrite)
	Moved     []*Citation       // citations whose numbers change
	Human     []*Citation       // citations only a human can fix
	Unchecked []*Citation       // citations with no text to find: only their function checked
	Docs      map[string]string // doc -> its new text, for the docs that change
}

// Sync places every citation of the docs under root and rewrites the
// numbers of those whose text moved (only the digits; nothing else of a
// doc changes). With write false it only reports.
func Sync(root string, write bool) (*SyncReport, error) {
	t, err := NewTree(root)
	if err != nil {
		return nil, err
	}
	docs, err := DocFiles(root)
	if err != nil {
		return nil, err
	}
	r := &SyncReport{Placed: map[*Citation]Placement{}, Docs: map[string]string{}}
	for _, doc := range docs {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			return nil, err
		}
		raw := strings.Split(string(b), "\n")
		cites := ParseCitations(doc, SplitDoc(string(b)))
		// Rewrites of each line, right to left so that offsets hold.
		type edit struct {
			start, end int
			text       string
		}
		edits := map[int][]edit{}
		for _, c := range cites {
			p := t.Place(c)
			r.Citations = append(r.Citations, c)
			r.Placed[c] = p
			switch p.State {
			case Human:
				r.Human = append(r.Human, c)
			case Unchecked:
				r.Unchecked = append(r.Unchecked, c)
			case Moved:
				r.Moved = append(r.Moved, c)
				for _, n := range c.Nums {
					if v := p.Base + n.Idx; v != n.Old {
						r.Changes = append(r.Changes, Change{Cite: c, Place: p, Num: n, New: v, Verified: p.Recovered == ""})
						edits[n.Line] = append(edits[n.Line], edit{n.Start, n.End, strconv.Itoa(v)})
					}
				}
			}
		}
		if len(edits) == 0 {
			continue
		}
		for line, es := range edits {
			s := raw[line-1]
			sort.Slice(es, func(i, j int) bool { return es[i].start > es[j].start })
			for _, e := range es {
				s = s[:e.start] + e.text + s[e.end:]
			}
			raw[line-1] = s
		}
		text := strings.Join(raw, "\n")
		r.Docs[doc] = text
		if write {
			fi, err := os.Stat(filepath.Join(root, doc))
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(root, doc), []byte(text), fi.Mode().Perm()); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}
