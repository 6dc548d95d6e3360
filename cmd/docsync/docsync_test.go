package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Each test builds a small tree (sources and a doc whose listings match
// them), commits it when the case needs git's memory, changes the
// sources, runs docsync and compares the doc with the listing as it would
// read against the new sources.

type tree struct {
	t   *testing.T
	dir string
}

func newTree(t *testing.T, files map[string]string) *tree {
	tr := &tree{t, t.TempDir()}
	tr.write(files)
	return tr
}

func (tr *tree) write(files map[string]string) {
	for name, text := range files {
		p := filepath.Join(tr.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tr.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			tr.t.Fatal(err)
		}
	}
}

func (tr *tree) read(name string) string {
	b, err := os.ReadFile(filepath.Join(tr.dir, name))
	if err != nil {
		tr.t.Fatal(err)
	}
	return string(b)
}

func (tr *tree) git(args ...string) {
	cmd := exec.Command("git", append([]string{"-C", tr.dir, "-c", "user.name=docsync", "-c", "user.email=docsync@example.org", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tr.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// commit commits everything, making the tree a repository first.
func (tr *tree) commit(msg string) {
	if _, err := os.Stat(filepath.Join(tr.dir, ".git")); err != nil {
		tr.git("init", "-q")
	}
	tr.git("add", "-A")
	tr.git("commit", "-q", "-m", msg)
}

// sync runs docsync on the tree.
func (tr *tree) sync(args ...string) (string, int) {
	var out, errb bytes.Buffer
	code := run(append([]string{"-root", tr.dir}, args...), &out, &errb)
	if errb.Len() > 0 {
		tr.t.Logf("stderr: %s", errb.String())
	}
	return out.String(), code
}

// lineOf is the line number of the n-th (1-based) line of src whose text,
// trimmed, is text.
func lineOf(t *testing.T, src, text string, n int) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.TrimSpace(l) == text {
			if n--; n == 0 {
				return i + 1
			}
		}
	}
	t.Fatalf("no line %q (#%d) in\n%s", text, n, src)
	return 0
}

// render fills a doc template: «text» is the line number of the line of
// src whose trimmed text is text, «text#2» of its second occurrence,
// «text+1» of the line after it («text+-1», before).
func render(t *testing.T, tmpl, src string) string {
	re := regexp.MustCompile(`«([^«»]+?)(?:#(\d))?(?:\+(-?\d))?»`)
	return re.ReplaceAllStringFunc(tmpl, func(m string) string {
		s := re.FindStringSubmatch(m)
		n, add := 1, 0
		fmt.Sscan(s[2], &n)
		fmt.Sscan(s[3], &add)
		return fmt.Sprint(lineOf(t, src, s[1], n) + add)
	})
}

const kmainV1 = `package main

// start_kernel: one step a line.
func start_kernel() {
	setup_arch()
	rest_init()
}

// rest_init runs kernel_init.
func rest_init() {
	kernel_init()
}

func kernel_init() {
	lkdtm_trigger()
}

func lkdtm_trigger() {
	var p *int
	println(*p)
}

func setup_arch() {}
`

// kmainV2 has lines above every function, and inside two.
const kmainV2 = `package main

import "unsafe"

// The banner.
var banner = "gokern"

// start_kernel: one step a line.
func start_kernel() {
	println(banner)
	_ = unsafe.Sizeof(banner)
	setup_arch()
	rest_init()
}

// rest_init runs kernel_init.
func rest_init() {
	kernel_init()
}

func kernel_init() {
	// Crashes on purpose when asked.
	lkdtm_trigger()
}

func lkdtm_trigger() {
	var p *int
	println(*p)
}

func setup_arch() {}
`

// A gdb session, an oops, objdump and a frame in prose.
const listingDoc = "# Listings\n\n" +
	"```\n" +
	"(gdb) break start_kernel\n" +
	"Breakpoint 1 at 0xffffffff81000010: file /tmp/gokern/kmain.go, line «func start_kernel() {».\n" +
	"(gdb) continue\n" +
	"\n" +
	"Breakpoint 1, main.start_kernel () at /tmp/gokern/kmain.go:«func start_kernel() {»\n" +
	"«func start_kernel() {»\tfunc start_kernel() {\n" +
	"(gdb) next\n" +
	"«setup_arch()»\t\tsetup_arch()\n" +
	"(gdb) bt\n" +
	"#0  main.lkdtm_trigger () at /tmp/gokern/kmain.go:«println(*p)»\n" +
	"#1  0xffffffff81000123 in main.kernel_init () at /tmp/gokern/kmain.go:«lkdtm_trigger()»\n" +
	"#2  0xffffffff81000456 in main.rest_init () at /tmp/gokern/kmain.go:«kernel_init()»\n" +
	"```\n\n" +
	"```\n" +
	"[    0.082893]  [<ffffffff8109cdfb>] main.kernel_init+0x1b (/tmp/gokern/kmain.go:«lkdtm_trigger()»)\n" +
	"```\n\n" +
	"```\n" +
	"TEXT main.rest_init(SB) /tmp/gokern/kmain.go\n" +
	"  kmain.go:«func rest_init() {»\t\t0xffffffff8107cf60\t493b6610\t\tCMPQ SP, 0x10(R14)\n" +
	"```\n\n" +
	"The oops ends at main.lkdtm_trigger (/tmp/gokern/kmain.go:«println(*p)») and 8 other numbers stay.\n"

// TestMovedLines: lines above and inside the functions move every
// citation; docsync rewrites each number, the frames that show no text by
// the text git had, and nothing else; -n only says so.
func TestMovedLines(t *testing.T) {
	tr := newTree(t, map[string]string{"kmain.go": kmainV1, "docs/x.md": render(t, listingDoc, kmainV1)})
	tr.commit("v1")
	tr.write(map[string]string{"kmain.go": kmainV2})
	before := tr.read("docs/x.md")
	want := render(t, listingDoc, kmainV2)
	if before == want {
		t.Fatal("the fixture moves nothing")
	}

	out, code := tr.sync("-n")
	if code != 1 || tr.read("docs/x.md") != before {
		t.Fatalf("-n: exit %d, the doc changed: %v\n%s", code, tr.read("docs/x.md") != before, out)
	}
	if !strings.Contains(out, "docs/x.md:13: kmain.go:") || !strings.Contains(out, "numbers to rewrite") {
		t.Errorf("-n does not say what it would rewrite:\n%s", out)
	}

	out, code = tr.sync()
	if code != 0 {
		t.Errorf("exit %d\n%s", code, out)
	}
	if got := tr.read("docs/x.md"); got != want {
		t.Errorf("docs/x.md:\n%s\nwant:\n%s\ndocsync said:\n%s", got, want, out)
	}
	t.Log(out)
}

// TestIdempotent: a second run, before and after the fix is committed,
// changes nothing. (Lines are removed here, so that the new numbers are
// lines of the committed file too, with other text.)
func TestIdempotent(t *testing.T) {
	tr := newTree(t, map[string]string{"kmain.go": kmainV2, "docs/x.md": render(t, listingDoc, kmainV2)})
	tr.commit("v2")
	tr.write(map[string]string{"kmain.go": kmainV1})
	if out, code := tr.sync(); code != 0 || !strings.Contains(out, "(10 numbers rewritten") {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	first := tr.read("docs/x.md")
	for _, step := range []string{"uncommitted", "committed"} {
		if step == "committed" {
			tr.commit("v1")
		}
		out, code := tr.sync()
		if code != 0 || !strings.Contains(out, " 0 moved") || tr.read("docs/x.md") != first {
			t.Errorf("%s: second run: exit %d, doc changed %v\n%s", step, code, tr.read("docs/x.md") != first, out)
		}
	}
}

const dupV1 = `package main

func count() int {
	x := 0
	x++
	step()
	x++
	return x
}

func step() {}
`

// dupV2: two lines before the first x++. The cited (second) x++ is now
// at the old offset of... the first one.
const dupV2 = `package main

func count() int {
	x := 0
	y := 1
	_ = y
	x++
	step()
	x++
	return x
}

func step() {}
`

// dupV3: step() is gone; both x++ are nearer the function's start.
const dupV3 = `package main

func count() int {
	x := 0
	x++
	x++
	return x
}

func step() {}
`

const dupDoc = "```\n" +
	"(gdb) finish\n" +
	"main.count () at /tmp/gokern/kmain.go:«x++#2»\n" +
	"«x++#2»\t\tx++\n" +
	"```\n"

// TestDuplicates: the cited x++ is the second of two. With git, the line
// it became (a diff of the function) wins over the one at the old offset;
// without git, the one nearest the old offset from the function's start.
func TestDuplicates(t *testing.T) {
	t.Run("git", func(t *testing.T) {
		tr := newTree(t, map[string]string{"kmain.go": dupV1, "docs/x.md": render(t, dupDoc, dupV1)})
		tr.commit("v1")
		tr.write(map[string]string{"kmain.go": dupV2})
		out, code := tr.sync()
		if want := render(t, dupDoc, dupV2); code != 0 || tr.read("docs/x.md") != want {
			t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, tr.read("docs/x.md"), want, out)
		}
	})
	t.Run("nearest", func(t *testing.T) {
		tr := newTree(t, map[string]string{"kmain.go": dupV3, "docs/x.md": render(t, dupDoc, dupV1)}) // no git
		out, code := tr.sync()
		if want := render(t, dupDoc, dupV3); code != 0 || tr.read("docs/x.md") != want {
			t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, tr.read("docs/x.md"), want, out)
		}
	})
}

// TestRemovedLine: a listing line whose text is gone from its function
// is left alone and reported as needing a human (exit 1); so is a
// function that is gone. A frame that shows no text and whose old text is
// gone is left alone too, checked only by its function.
func TestRemovedLine(t *testing.T) {
	doc := "```\n" +
		"(gdb) next\n" + // no frame before it: not a citation
		"Breakpoint 2, main.count () at /tmp/gokern/kmain.go:«func count() int {»\n" +
		"«func count() int {»\tfunc count() int {\n" +
		"(gdb) next\n" +
		"«x := 0»\t\tx := 0\n" +
		"(gdb) bt\n" +
		"#0  main.step () at /tmp/gokern/kmain.go:«func step() {}»\n" +
		"#1  0xffffffff81000123 in main.count () at /tmp/gokern/kmain.go:«step()»\n" +
		"```\n\n" +
		"```\n" +
		"Breakpoint 3, main.step () at /tmp/gokern/kmain.go:«func step() {}»\n" +
		"«func step() {}»\tfunc step() {}\n" +
		"```\n"
	tr := newTree(t, map[string]string{"kmain.go": dupV1, "docs/x.md": render(t, doc, dupV1)})
	tr.commit("v1")
	// x := 0 is gone, step() is now stepOnce(), step itself renamed.
	v2 := strings.NewReplacer("\tx := 0\n", "\tvar x int\n", "\tstep()\n", "\tstepOnce()\n", "func step()", "func stepOnce()").Replace(dupV1)
	tr.write(map[string]string{"kmain.go": v2})
	before := tr.read("docs/x.md")
	out, code := tr.sync("-v")
	if code != 1 || tr.read("docs/x.md") != before {
		t.Errorf("exit %d (want 1), doc changed %v\n%s", code, tr.read("docs/x.md") != before, out)
	}
	for _, want := range []string{
		`docs/x.md:6: /tmp/gokern/kmain.go:4 (gdb source line in main.count): docsync cannot fix this, the docs need a human: the code changed: no line in main.count is "x := 0" now`,
		`docs/x.md:13: /tmp/gokern/kmain.go:11 (gdb stop in main.step): docsync cannot fix this, the docs need a human: the listing puts kmain.go:11 in main.step, and kmain.go has no step`,
		`docs/x.md:9: /tmp/gokern/kmain.go:6 (gdb frame in main.count): only its function checked: its line was "step()" in `,
		"3 need a human", // and #0's main.step
		"1 checked by function only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("docsync does not say %q:\n%s", want, out)
		}
	}
}

const mainSV1 = `/* The setup's main. */
	.code16
SYM_FUNC_START main
	# First, copy the boot header into the "zeropage"
	call	copy_boot_params
1:
	call	console_init
	movw	$opt_debug, %si
	ret
SYM_FUNC_END main

SYM_FUNC_START copy_boot_params
	ret
SYM_FUNC_END copy_boot_params
`

// mainSV2: lines above and inside main, across its local label and a
// label of its own (neither ends main: SYM_FUNC_END does), and the cited
// movw also in copy_boot_params, where it must not be taken.
const mainSV2 = `/* The setup's main. */
	.code16
	.section ".text"
SYM_FUNC_START main
	# First, copy the boot header into the "zeropage"
	call	copy_boot_params
1:
	# The console: always.
console:
	call	console_init
	# "debug" on the command line.
	movw	$opt_debug, %si
	ret
SYM_FUNC_END main

SYM_FUNC_START copy_boot_params
	movw	$opt_debug, %si
	ret
SYM_FUNC_END copy_boot_params
`

const headSV1 = `#include "textflag.h"

TEXT ·startup_64(SB),NOSPLIT,$0
	MOVQ	$0, AX
	JMP	·startup_64_high(SB)

TEXT ·startup_64_high(SB),NOSPLIT,$0
	LEAQ	·boot_stack(SB), SP
	CALL	·x86_64_start_kernel(SB)
`

// headSV2: startup_64 grows, and has the LEAQ too, nearer the old line.
const headSV2 = `#include "textflag.h"

TEXT ·startup_64(SB),NOSPLIT,$0
	MOVQ	$0, AX
	LEAQ	·boot_stack(SB), SP
	JMP	·startup_64_high(SB)

TEXT ·startup_64_high(SB),NOSPLIT,$0
	// The boot stack.
	LEAQ	·boot_stack(SB), SP
	CALL	·x86_64_start_kernel(SB)
`

const asmDoc = "```\n" +
	"(gdb) break main\n" +
	"Breakpoint 5 at 0x10928: file boot/main.S, line «call	copy_boot_params».\n" +
	"(gdb) continue\n" +
	"...\n" +
	"real mode CS:IP 1000:0928 (linear 0x10928) <main>, breakpoint 5\n" +
	"boot/main.S:«call	copy_boot_params»: call	copy_boot_params\n" +
	"=> 0x10928 <main>:	callw 0x9c8 <copy_boot_params>\n" +
	"(gdb) gk-next 2\n" +
	"...\n" +
	"real mode CS:IP 1000:092e (linear 0x1092e) <main+0x6>\n" +
	"boot/main.S:«movw	$opt_debug, %si»: movw	$opt_debug, %si\n" +
	"(gdb) bt\n" +
	"#0  0x000000000001092e in main+0x6 () at boot/main.S:«movw	$opt_debug, %si»\n" +
	"```\n\n" +
	"```\n" +
	"(gdb) hbreak startup_64_high\n" +
	"Hardware assisted breakpoint 5 at 0xffffffff8107c5c0: file /tmp/gokern/arch/amd64/head_64.s, line «LEAQ	·boot_stack(SB), SP».\n" +
	"(gdb) continue\n" +
	"\n" +
	"Breakpoint 5, gokern/arch/amd64.startup_64_high () at /tmp/gokern/arch/amd64/head_64.s:«LEAQ	·boot_stack(SB), SP»\n" +
	"«LEAQ	·boot_stack(SB), SP»\t\tLEAQ\t·boot_stack(SB), SP\n" +
	"```\n"

// TestAsm: GNU as citations are looked for between SYM_FUNC_START and
// SYM_FUNC_END (a local label does not end the function), Go assembly's
// in the TEXT symbol; a copy of the text in another function is not
// taken, though it is nearer the old line.
func TestAsm(t *testing.T) {
	// The template's «text» is the first occurrence; startup_64_high's
	// LEAQ is the second in v2.
	doc := func(mainS, headS, leaq string) string {
		half := strings.Index(asmDoc, "```\n\n```\n") + 5
		return render(t, asmDoc[:half], mainS) + render(t, strings.ReplaceAll(asmDoc[half:], "SP»", "SP"+leaq+"»"), headS)
	}
	tr := newTree(t, map[string]string{"boot/main.S": mainSV1, "arch/amd64/head_64.s": headSV1, "docs/x.md": doc(mainSV1, headSV1, "")})
	tr.commit("v1")
	tr.write(map[string]string{"boot/main.S": mainSV2, "arch/amd64/head_64.s": headSV2})
	out, code := tr.sync()
	if got, want := tr.read("docs/x.md"), doc(mainSV2, headSV2, "#2"); code != 0 || got != want {
		t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, got, want, out)
	}
}

const listDoc = "```\n" +
	"(gdb) list rest_init\n" +
	"«// rest_init runs kernel_init.+-1»\n" +
	"«// rest_init runs kernel_init.»\t// rest_init runs kernel_init.\n" +
	"«func rest_init() {»\tfunc rest_init() {\n" +
	"«kernel_init()»\t\tkernel_init()\n" +
	"«kernel_init()+1»\t}\n" +
	"«kernel_init()+2»\t\n" +
	"(gdb) list *0xffffffff81000456\n" +
	"0xffffffff81000456 is in main.rest_init (/tmp/gokern/kmain.go:«kernel_init()»).\n" +
	"«func rest_init() {»\tfunc rest_init() {\n" +
	"«kernel_init()»\t\tkernel_init()\n" +
	"«kernel_init()+1»\t}\n" +
	"```\n"

// TestListBlock: the lines list prints move together, the blank ones
// and those outside the function too, and list *ADDR's "is in" line with
// them.
func TestListBlock(t *testing.T) {
	doc := func(src string) string { return render(t, listDoc, src) }
	tr := newTree(t, map[string]string{"kmain.go": kmainV1, "docs/x.md": doc(kmainV1)})
	tr.commit("v1")
	tr.write(map[string]string{"kmain.go": kmainV2})
	out, code := tr.sync()
	if got, want := tr.read("docs/x.md"), doc(kmainV2); code != 0 || got != want {
		t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, got, want, out)
	}
}

// TestOtherFunction: a line that left the function for another is not
// followed there: the function the listing shows changed.
func TestOtherFunction(t *testing.T) {
	doc := "```\n" +
		"Breakpoint 1, main.count () at /tmp/gokern/kmain.go:«func count() int {»\n" +
		"«func count() int {»\tfunc count() int {\n" +
		"(gdb) next\n" +
		"«step()»\t\tstep()\n" +
		"```\n"
	tr := newTree(t, map[string]string{"kmain.go": dupV1, "docs/x.md": render(t, doc, dupV1)})
	tr.commit("v1")
	v2 := strings.Replace(dupV1, "\tstep()\n", "", 1) + "\nfunc helper() {\n\tstep()\n}\n"
	tr.write(map[string]string{"kmain.go": v2})
	before := tr.read("docs/x.md")
	out, code := tr.sync()
	if code != 1 || tr.read("docs/x.md") != before || !strings.Contains(out, `docs/x.md:5: /tmp/gokern/kmain.go:6 (gdb source line in main.count): docsync cannot fix this, the docs need a human: the code changed: no line in main.count is "step()" now`) {
		t.Errorf("exit %d (want 1), doc changed %v\n%s", code, tr.read("docs/x.md") != before, out)
	}
}

// TestWhitespace: an exact match wins over a nearer one that differs in
// whitespace only; with no exact match, the whitespace-insensitive one is
// taken (gofmt realigned the line, the listing did not).
func TestWhitespace(t *testing.T) {
	src := "package main\n\nfunc f() {\n\tx  :=  0\n\ty := 1\n\tx := 0\n\t_, _ = x, y\n}\n"
	doc := "```\n" +
		"main.f () at /tmp/gokern/kmain.go:4\n" + // near the spaced copy
		"4\t\tx := 0\n" +
		"(gdb) next\n" +
		"4\t\ty  :=  1\n" +
		"```\n"
	tr := newTree(t, map[string]string{"kmain.go": src, "docs/x.md": doc}) // no git: nearest offset
	out, code := tr.sync()
	want := strings.NewReplacer("kmain.go:4\n4\t", "kmain.go:6\n6\t", "4\t\ty  :=", "5\t\ty  :=").Replace(doc)
	if got := tr.read("docs/x.md"); code != 0 || got != want {
		t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, got, want, out)
	}
}

const callsSrc = `package main

func start_kernel() {
	do_one_initcall(setup_arch)
	do_one_initcall(mm_init)
	arch_call_rest_init()
}

func do_one_initcall(fn func()) {
	fn()
}

func arch_call_rest_init() { rest_init() }

func rest_init() {
	kernel_init()
}

func kernel_init() {
	var p *int
	println(*p + recurse(0))
}

func recurse(d int) int {
	var frame [64]byte
	frame[d&63] = 1
	return recurse(d+1) + int(frame[0])
}

func setup_arch() {}

func mm_init() {}
`

// callsDoc as recorded on a branch and rebased: some numbers were wrong
// when committed. "wrong:" marks them; the line a frame really is at is
// the call of the frame above it.
const callsDoc = "```\n" +
	"(gdb) bt\n" +
	"#0  main.setup_arch () at /tmp/gokern/kmain.go:«func setup_arch() {}»\n" +
	"#1  0xffffffff8109d93b in main.do_one_initcall (fn=<optimized out>) at /tmp/gokern/kmain.go:«fn()»\n" +
	"#2  0xffffffff8109f671 in main.start_kernel () at /tmp/gokern/kmain.go:«do_one_initcall(mm_init)»\n" + // wrong: setup_arch's
	"```\n\n" +
	"```\n" +
	"[    0.1] in kernel code at main.recurse (/tmp/gokern/kmain.go:«var frame [64]byte»)\n" +
	"[    0.1] RIP: 0010:main.recurse+0x2b/0xa0 (/tmp/gokern/kmain.go:«var frame [64]byte»)\n" +
	"[    0.1] Call Trace:\n" +
	"[    0.1]  [<ffffffff810ac446>] main.recurse+0x2b/0xa0 (/tmp/gokern/kmain.go:«var frame [64]byte»)\n" +
	"[    0.1]  [<ffffffff810ac446>] main.recurse+0x50/0xa0 (/tmp/gokern/kmain.go:«frame[d&63] = 1»)\n" + // wrong
	"[    0.1]  [<ffffffff810ac446>] main.kernel_init+0x15/0x40 (/tmp/gokern/kmain.go:«println(*p + recurse(0))»)\n" +
	"[    0.1]  [<ffffffff810ac17a>] main.rest_init+0x11/0x20 (/tmp/gokern/kmain.go:«func rest_init() {»)\n" + // wrong
	"[    0.1]  [<ffffffff810abc45>] main.arch_call_rest_init+0x1/0x10 (/tmp/gokern/kmain.go:«func arch_call_rest_init() { rest_init() }»)\n" +
	"[    0.1]  [<ffffffff810ab2bb>] main.start_kernel+0x5b/0xc0 (/tmp/gokern/kmain.go:«do_one_initcall(setup_arch)»)\n" + // wrong
	"```\n"

// TestCallSites: a frame of a backtrace or call trace is where its
// function calls the frame above, by name: docsync moves the frames that
// were wrong even when committed (git's text cannot help there). Among
// several calls, the one naming the frame further in wins (start_kernel's
// do_one_initcall of setup_arch). An indirect call (fn()) is left to
// git's text; the RIP line is no caller of the line before it, though the
// function recurses; a one-line function's call is in its declaration line.
func TestCallSites(t *testing.T) {
	tr := newTree(t, map[string]string{"kmain.go": callsSrc, "docs/x.md": render(t, callsDoc, callsSrc)})
	tr.commit("recorded elsewhere")
	want := render(t, strings.NewReplacer(
		"kmain.go:«do_one_initcall(mm_init)»", "kmain.go:«do_one_initcall(setup_arch)»",
		"kmain.go:«frame[d&63] = 1»", "kmain.go:«return recurse(d+1) + int(frame[0])»",
		"kmain.go:«func rest_init() {»", "kmain.go:«kernel_init()»",
		"+0x5b/0xc0 (/tmp/gokern/kmain.go:«do_one_initcall(setup_arch)»", "+0x5b/0xc0 (/tmp/gokern/kmain.go:«arch_call_rest_init()»").Replace(callsDoc), callsSrc)
	out, code := tr.sync()
	if got := tr.read("docs/x.md"); code != 0 || got != want {
		t.Errorf("exit %d; docs/x.md:\n%s\nwant:\n%s\n%s", code, got, want, out)
	}
	if !strings.Contains(out, "4 moved") || !strings.Contains(out, "the call of arch_call_rest_init, the frame above") {
		t.Errorf("docsync does not say it moved 4 frames by their calls:\n%s", out)
	}
}
