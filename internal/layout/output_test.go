package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The docs quote what the kernel prints. TestDocsOutput checks each quoted
// line against the messages in the tree: a line the kernel can no longer
// print (a message reworded, a field added) fails, with the file and line
// of the listing to run again. It checks the form, not the numbers: a
// value may differ from one boot to the next.

// printkVerb is one conversion of gokern's printk (printk/vsprintf.go
// format_decode): flags, width, precision, length qualifiers, conversion.
var printkVerb = regexp.MustCompile(`%[-+ #0]*(?:\d+|\*)?(?:\.\d+)?(?:hh|h|ll|l|z|t|L)?[cspxXdiu%]`)

// valueRE matches what a conversion prints. %s and %p may print anything
// (a name, a symbol+offset); numbers are digits, hex with or without 0x,
// padded with spaces.
func valueRE(verb string) string {
	switch verb[len(verb)-1] {
	case '%':
		return "%"
	case 's':
		return ".*?"
	case 'c':
		return "."
	case 'p':
		return `\S+`
	}
	return ` *[-+]?(?:0x)?[0-9a-fA-F]+`
}

// comments are those of GNU as sources, C style; a '#' line comment only
// where it starts the line (a '#' inside a string is text).
var comments = regexp.MustCompile(`(?s)/\*.*?\*/|(?m)^\s*#[^\n]*`)

// message is one line a kernel message can print, as a regexp.
type message struct {
	prefix, full *regexp.Regexp // anchored at the start; at both ends
	key          string         // its longest literal part, if distinctive: only lines holding it are tried
	first        byte           // its first byte, if it begins with text
	src          string
}

// kernelMessages reads every string literal of the kernel's Go packages
// (printk formats, most of them) and every .ascii/.asciz string of boot/
// (the setup and the boot stage, which print pieces and numbers in turn;
// the bytes below 0x20 other than \n are their placeholders for values).
func kernelMessages(t *testing.T, root string) []message {
	var out []message
	add := func(text, src string, asm bool) {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimRight(line, "\r")
			var re strings.Builder
			key, lit, all := "", "", ""
			anyText := false // a %s, %p or placeholder: any text there
			numbers := 0     // numeric conversions
			first := byte(0)
			flush := func() {
				re.WriteString(regexp.QuoteMeta(lit))
				if len(lit) > len(key) {
					key = lit
				}
				all += lit
				lit = ""
			}
			for i := 0; i < len(line); {
				if !asm && line[i] == '%' {
					if v := printkVerb.FindString(line[i:]); v != "" {
						if v == "%%" {
							lit += "%"
						} else {
							flush()
							re.WriteString(valueRE(v))
							anyText = anyText || strings.ContainsAny(v[len(v)-1:], "sp")
							if !strings.ContainsAny(v[len(v)-1:], "spc") {
								numbers++
							}
						}
						i += len(v)
						continue
					}
				}
				if asm && line[i] < 0x20 {
					flush()
					re.WriteString(`.*?`)
					anyText = true
					i++
					continue
				}
				if i == 0 {
					first = line[0]
				}
				lit += line[i : i+1]
				i++
			}
			flush()
			// A message needs text of its own to be recognised by ("%s"
			// or "%s: %s" would pass any line), or at least three numbers
			// (a table row: slabinfo's "%-17s %6lu %6lu %6u %4u %4d").
			if text := len(strings.Join(strings.Fields(all), "")); (text == 0 && numbers < 3) || (text < 2 && anyText && numbers < 3) {
				continue
			}
			if len(strings.TrimSpace(key)) < 3 {
				key = ""
			}
			out = append(out, message{
				prefix: regexp.MustCompile(`^(?:` + re.String() + `)`),
				full:   regexp.MustCompile(`^(?:` + re.String() + `)$`),
				key:    key, first: first, src: src,
			})
		}
	}
	sources(t, root, func(rel string, src []byte) {
		if strings.HasSuffix(rel, "_test.go") || strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "cmd/") || strings.HasPrefix(rel, "tools/") || strings.HasPrefix(rel, "user/") {
			return
		}
		f, err := parser.ParseFile(token.NewFileSet(), rel, src, 0)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if s, err := strconv.Unquote(b.Value); err == nil {
					add(s, rel, false)
				}
			}
			return true
		})
	}, ".go")
	// Every string of the setup's and the boot stage's sources: .asciz
	// messages and the PUTS macro's.
	str := regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"`)
	include := regexp.MustCompile(`(?m)^\s*\.(?:include|incbin)\b.*$`)
	sources(t, root, func(rel string, src []byte) {
		if !strings.HasPrefix(rel, "boot/") {
			return
		}
		code := include.ReplaceAllString(comments.ReplaceAllString(string(src), ""), "")
		for _, m := range str.FindAllStringSubmatch(code, -1) {
			s, err := strconv.Unquote(`"` + strings.ReplaceAll(m[1], `\'`, `'`) + `"`)
			if err != nil {
				t.Fatalf("%s: cannot read the string %q: %v", rel, m[1], err)
			}
			add(s, rel, true)
		}
	}, ".S")
	return out
}

// printed reports whether line is something the kernel prints: one
// message, or messages printed one after the other on the same line (the
// setup and the boot stage print a line in pieces, and printk continues
// lines), with numbers between the setup's pieces.
func printed(line string, msgs []message) bool {
	var cands []*message
	for i := range msgs {
		if strings.Contains(line, msgs[i].key) {
			cands = append(cands, &msgs[i])
		}
	}
	// A number the setup prints between its pieces, or a kernel symbol
	// with its offset (and size: kallsyms, as Linux's %pS).
	number := regexp.MustCompile(`^ *(?:(?:0x)?[0-9a-fA-F]+|[\w./]+\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?)`)
	// The rest of a hex dump line, after its prefix: the address, up to
	// 16 bytes and their ASCII (slub_debug's print_section, Linux's
	// print_hex_dump).
	hexdump := regexp.MustCompile(`^[0-9a-f]{8,16}: (?:[0-9a-f]{2} ){0,15}[0-9a-f]{2} +.{1,16}$`)
	// reach[i]: line[:i] is printed messages and numbers.
	reach := make([]bool, len(line)+1)
	reach[0] = true
	for i := 0; i < len(line); i++ {
		if !reach[i] {
			continue
		}
		rest := line[i:]
		if n := number.FindString(rest); n != "" {
			reach[i+len(n)] = true
		}
		if hexdump.MatchString(rest) {
			reach[len(line)] = true
		}
		for _, c := range cands {
			if !strings.Contains(rest, c.key) || (c.first != 0 && rest[0] != c.first) {
				continue
			}
			// The shortest match and, for a message that ends the
			// line, the whole rest.
			if loc := c.prefix.FindStringIndex(rest); loc != nil && loc[1] > 0 {
				reach[i+loc[1]] = true
			}
			if c.full.MatchString(rest) {
				reach[len(line)] = true
			}
		}
	}
	return reach[len(line)]
}

var timestamp = regexp.MustCompile(`^\[ *\d+\.\d{6}\] `)

// builtLines are the lines the kernel builds from pieces rather than from
// one format: a range of ptdump (paging.FormatRange, fixed columns).
var builtLines = []*regexp.Regexp{
	regexp.MustCompile(`^0x[0-9a-f]{16}-0x[0-9a-f]{16}   [ 0-9]{9}[BKMGTPE] (?:USR |    )(?:RW |ro )(?:PWT |    )(?:PCD |    )(?:PSE |    )(?:PAT |    )(?:GLB |    )(?:NX |x  )(?:pte|pmd|pud|p4d|pgd)$`),
}

// TestDocsOutput: every line of kernel output the docs quote is a line the
// kernel prints now. Console listings are the code blocks with the
// kernel's time-stamped lines or the setup's first one; in them, every
// time-stamped line and every line that begins like one of the setup's or
// boot stage's messages is checked. gdb sessions are TestDocsGDB's.
func TestDocsOutput(t *testing.T) {
	root := repoRoot(t)
	msgs := kernelMessages(t, root)
	if len(msgs) < 300 {
		t.Fatalf("only %d kernel messages found", len(msgs))
	}
	// The setup's and the boot stage's messages begin "name: " or are
	// whole sentences; a listing line that begins the same way is theirs.
	var stagePrefixes []string
	for _, m := range msgs {
		if strings.HasPrefix(m.src, "boot/") {
			if i := strings.Index(m.key, ": "); i > 0 && !strings.Contains(m.key[:i], " ") {
				stagePrefixes = append(stagePrefixes, m.key[:i+2])
			}
		}
	}
	sort.Strings(stagePrefixes)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, doc := range append(docs, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			if !strings.HasPrefix(lines[i], "```") {
				continue
			}
			start := i + 1
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			}
			block := lines[start:min(i, len(lines))]
			console, gdb := false, false
			for _, l := range block {
				console = console || timestamp.MatchString(l) || l == "early console in setup code"
				gdb = gdb || strings.HasPrefix(l, "(gdb)") || strings.HasPrefix(l, "+")
			}
			if !console || gdb || strings.TrimPrefix(lines[start-1], "```") != "" {
				continue
			}
			for k, l := range block {
				body := timestamp.ReplaceAllString(l, "")
				stage := false
				for _, p := range stagePrefixes {
					stage = stage || strings.HasPrefix(body, p)
				}
				if body == l && !stage && l != "early console in setup code" {
					continue // the shell, QEMU, the BIOS, GRUB
				}
				checked++
				built := false
				for _, re := range builtLines {
					built = built || re.MatchString(body)
				}
				if !built && !printed(body, msgs) {
					t.Errorf("%s:%d: the kernel prints no such line (reworded? run the listing again):\n\t%s", rel, start+k+1, l)
				}
			}
		}
	}
	t.Logf("%d quoted lines of kernel output checked against %d messages", checked, len(msgs))
	if checked < 100 {
		t.Errorf("only %d quoted lines checked", checked)
	}
}

// TestPrinted: the check passes what the kernel prints, whatever the
// numbers, and fails a line with a word changed, added or lost.
func TestPrinted(t *testing.T) {
	msgs := kernelMessages(t, repoRoot(t))
	for _, c := range []struct {
		line string
		ok   bool
	}{
		{"gokern version 0.1 (go1.26.8) #1", true},
		{"startup_32: payload 1509376 bytes, xxh32 0x2b6e66d7 ok, checked in 29119024 TSC cycles", true},
		{"startup_32: payload 1 bytes, xxh32 0x0 ok, checked in 7 TSC cycles", true},
		{"e820: update [mem 0x00000000-0x00000fff] usable ==> reserved", true},
		{"init_mem_mapping: direct map 4k: 992, 2M: 62, 1G: 0 pages; kernel 4k: 423; 7 page-table pages; NX on, 1G pages off; 2161 us", true},
		{"ok 3 early_idt", true},
		{"early console in setup code", true},
		{"Redzone  ffff888001231bc0: 00 cc cc cc cc cc cc cc                          ........", true},
		{" test_slab_debug_right_redzone+0x71/0x1e0", true},
		{"kmalloc-96            19     41     96   41    1 : tunables    0    0    0 : slabdata      1      1      0", true},
		{"Redzone: ffff888001231bc0: 00 cc cc cc cc cc cc cc                          ........", false},
		{"kmalloc-96            19     41     96   41    1 : tunable    0    0    0 : slabdata      1      1      0", false},
		{"startup_32: payload 1509376 bytes, xxh 0x2b6e66d7 ok, checked in 29119024 TSC cycles", false},
		{"startup_32: payload 1509376 bytes, xxh32 0x2b6e66d7 ok", false},
		{"init_mem_mapping: direct map 4k: 992, 2M: 62, 1G: 0 pages; 7 page-table pages; NX on, 1G pages off; 2161 us", false},
		{"start_kernel: boot CPU, console ttyS0, TSC 2594584 kHz", false},
		{"e820: remove [mem 0x000a0000-0x000fffff] usable, twice", false},
		{"early console in setup code!", false},
		{"a line no kernel prints", false},
	} {
		if got := printed(c.line, msgs); got != c.ok {
			t.Errorf("printed(%q) = %v, want %v", c.line, got, c.ok)
		}
	}
}
