package kbuild

// Linux names for the kernel's Go symbols, so that gdb and System.map
// answer to the names on the slides.
//
// Every kernel function and variable that has a Linux counterpart carries
// the full Linux name (DESIGN.md §8), but the Go toolchain qualifies it
// with its package: memblock_reserve is gokern/memblock.Memblock_reserve
// in the symbol table and in DWARF, so `break memblock_reserve` fails. The
// build therefore gives build/vmlinux a second, bare name for each such
// symbol, derived from the Go name by the naming rule read backwards:
//
//	main.start_kernel                       → start_kernel
//	gokern/memblock.Memblock_reserve        → memblock_reserve
//	gokern/arch/amd64.X__flush_tlb_all      → __flush_tlb_all   (X_ keeps Linux's leading _)
//	gokern/printk.__log_buf                 → __log_buf
//	gokern/paging.(*mapper).phys_pud_init   → phys_pud_init     (methods too)
//	gokern/arch/amd64.startup_64.abi0       → startup_64        (assembly)
//	gokern/memblock.memblock                → memblock          (named like its package)
//
// Go-style names (paging.Walk, kallsyms.Lookup) are gokern's own and get
// none. Linux's role here is played by scripts/kallsyms and
// scripts/mksysmap, which need no such step because C has no packages.
//
// Two different Go names with the same Linux name (bootmem.Max_pfn and
// memblock.Max_pfn) break the rule that a fact has one owner: the build
// reports every such collision, and still gives every symbol its alias,
// so that nothing a student types silently disappears. Methods of one name
// on different types are not collisions (allMethods). The tree has none:
// TestVmlinuxNoCollisions fails on the first.

import (
	"debug/elf"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Alias is one Linux name added to the kernel's symbol table.
type Alias struct {
	Name   string // the Linux name, e.g. memblock_reserve
	Target string // the Go symbol it names, e.g. gokern/memblock.Memblock_reserve
	Value  uint64
	Size   uint64
	Func   bool // a function (STT_FUNC); otherwise a variable (STT_OBJECT)
	Shndx  elf.SectionIndex
}

// Collision is a Linux name that the rule derives from more than one Go
// name.
type Collision struct {
	Name    string
	GoNames []string // sorted
}

func (c Collision) String() string {
	return "Linux name " + c.Name + " is ambiguous: " + strings.Join(c.GoNames, ", ") +
		" (DESIGN.md §8: one owner per Linux name; gdb sees all of them)"
}

// LinuxName returns the Linux name of a kernel Go symbol under the naming
// rule, or ok=false for symbols outside the kernel's packages, Go-style
// names and compiler-generated symbols (closures, .str, .inittask, ...).
// The ".abi0" suffix of assembly functions and ABI wrappers is ignored.
func LinuxName(sym string) (name string, ok bool) {
	pkg, rest, ok := splitSym(strings.TrimSuffix(sym, ".abi0"))
	if !ok || strings.Contains(rest, "[") {
		return "", false
	}
	parts := strings.Split(rest, ".")
	switch len(parts) {
	case 1:
		return linuxIdent(pkg, parts[0])
	case 2:
		// A method, (*T).m or T.m: the method name carries the Linux
		// name (paging's (*mapper).phys_pud_init). The second part of
		// everything else with two parts is a compiler suffix without an
		// underscore (F.func1, v.str, F.gowrap2), which the rule rejects.
		if parts[1] == "args_stackmap" {
			return "", false
		}
		if n, ok := linuxIdent("", parts[1]); ok {
			return n, true
		}
	}
	return "", false
}

// splitSym splits a kernel symbol into its package's last path element
// and the rest: gokern/arch/amd64.X__flush_tlb_all → amd64,
// X__flush_tlb_all. Only package main and gokern/... are the kernel's.
func splitSym(sym string) (pkg, rest string, ok bool) {
	var path string
	switch {
	case strings.HasPrefix(sym, "main."):
		path, rest = "main", sym[len("main."):]
	case strings.HasPrefix(sym, "gokern/"):
		// The package path ends at the last slash before any type
		// argument: gokern/fs..dict.objCache[gokern/fs.Files_struct] is
		// package fs's (a generic's dictionary), not fs.Files_struct].
		base := sym
		if i := strings.IndexByte(sym, '['); i >= 0 {
			base = sym[:i]
		}
		slash := strings.LastIndexByte(base, '/')
		dot := strings.IndexByte(sym[slash:], '.')
		if dot < 0 {
			return "", "", false
		}
		path, rest = sym[:slash+dot], sym[slash+dot+1:]
		if strings.HasPrefix(path, "gokern/internal/") || strings.HasPrefix(path, "gokern/cmd/") {
			return "", "", false
		}
	default:
		return "", "", false
	}
	if rest == "" || strings.HasPrefix(rest, ".") {
		return "", "", false // ..inittask and the like
	}
	return path[strings.LastIndexByte(path, '/')+1:], rest, true
}

// linuxIdent applies the rule to one Go identifier declared in package pkg
// (its last path element; "" for a method).
func linuxIdent(pkg, id string) (string, bool) {
	switch {
	case strings.HasPrefix(id, "X_") && len(id) > 2:
		// X__flush_tlb_all: Linux's leading underscores, made exported.
		return id[1:], true
	case strings.HasPrefix(id, "_"):
		// __log_buf: unexported, already Linux's spelling.
		if strings.Trim(id, "_") == "" {
			return "", false
		}
		return id, true
	case strings.Contains(id, "_"):
		if allUpper(id) {
			return id, true // PAGE_OFFSET-style names are Linux's as they are
		}
		return lowerFirst(id), true
	case pkg != "" && strings.EqualFold(id, pkg) && pkg != "main":
		// memblock.memblock, printk.Printk: the object a package is named
		// after is Linux's too.
		return lowerFirst(id), true
	}
	return "", false
}

func allUpper(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// Aliases derives the aliases for an ELF symbol table. asmFuncs holds the
// Go names (without .abi0) of functions written in assembly: for those the
// ".abi0" symbol is the body and the plain one an ABI wrapper; for Go
// functions it is the other way round. A Linux name that is already a
// symbol of its own gets no alias and is reported as a collision.
func Aliases(syms []elf.Symbol, asmFuncs map[string]bool) ([]Alias, []Collision) {
	type cand struct {
		plain, abi0 *elf.Symbol
		linux       string
	}
	byGo := map[string]*cand{}
	existing := map[string]bool{}
	for i := range syms {
		s := &syms[i]
		existing[s.Name] = true
		typ := elf.ST_TYPE(s.Info)
		if s.Section == elf.SHN_UNDEF || s.Section >= elf.SHN_LORESERVE || (typ != elf.STT_FUNC && typ != elf.STT_OBJECT) {
			continue
		}
		linux, ok := LinuxName(s.Name)
		if !ok {
			continue
		}
		base := strings.TrimSuffix(s.Name, ".abi0")
		c := byGo[base]
		if c == nil {
			c = &cand{linux: linux}
			byGo[base] = c
		}
		if base == s.Name {
			c.plain = s
		} else {
			c.abi0 = s
		}
	}
	byLinux := map[string][]string{}
	var out []Alias
	for base, c := range byGo {
		s := c.plain
		if s == nil || (c.abi0 != nil && asmFuncs[base]) {
			s = c.abi0
		}
		byLinux[c.linux] = append(byLinux[c.linux], base)
		if existing[c.linux] {
			continue
		}
		out = append(out, Alias{
			Name: c.linux, Target: s.Name, Value: s.Value, Size: s.Size,
			Func: elf.ST_TYPE(s.Info) == elf.STT_FUNC, Shndx: s.Section,
		})
	}
	var coll []Collision
	for linux, bases := range byLinux {
		if len(bases) > 1 && !existing[linux] && allMethods(bases) {
			continue
		}
		if len(bases) > 1 || existing[linux] {
			if existing[linux] {
				bases = append(bases, linux+" (a symbol of its own)")
			}
			sort.Strings(bases)
			coll = append(coll, Collision{Name: linux, GoNames: bases})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value < out[j].Value
		}
		return out[i].Name < out[j].Name
	})
	sort.Slice(coll, func(i, j int) bool { return coll[i].Name < coll[j].Name })
	return out, coll
}

// allMethods reports whether every Go name is a method. Methods of one
// name on different types are no collision: each type's methods are its
// own, as each C struct's fields are (the accessors Inti_flags of three
// ACPI MADT entry types read the field inti_flags of three ACPICA
// structs). They keep their aliases; gdb sees one location per type.
func allMethods(bases []string) bool {
	for _, b := range bases {
		_, rest, ok := splitSym(b)
		if !ok || !strings.Contains(rest, ".") {
			return false
		}
	}
	return true
}

// AsmFunc is what the build needs to know about one assembly function.
type AsmFunc struct {
	Name       string // Go symbol without .abi0: gokern/arch/amd64.startup_64_high
	EndOfStack bool   // marked UNWIND_HINT_END_OF_STACK: unwinders stop here
}

// ScanAsm finds the TEXT symbols of the Go assembly files under root (the
// kernel's .s files), with their package paths. A TEXT line preceded by a
// comment containing UNWIND_HINT_END_OF_STACK (Linux's annotation in
// head_64.S for the bottom of the boot stack) marks a function whose
// caller debuggers must not look for.
func ScanAsm(root string) ([]AsmFunc, error) {
	files, err := sourceFiles(root, ".s")
	if err != nil {
		return nil, err
	}
	var out []AsmFunc
	for _, path := range files {
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return nil, err
		}
		pkg := "main"
		if rel != "." {
			pkg = "gokern/" + filepath.ToSlash(rel)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		hint := false
		for _, line := range strings.Split(string(b), "\n") {
			t := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(t, "//"):
				if strings.Contains(t, "UNWIND_HINT_END_OF_STACK") {
					hint = true
				}
			case strings.HasPrefix(t, "TEXT"):
				f := strings.Fields(strings.TrimPrefix(t, "TEXT"))
				if len(f) > 0 {
					name := strings.TrimSuffix(strings.SplitN(f[0], "(", 2)[0], ",")
					name = strings.Replace(name, "·", pkg+".", 1)
					out = append(out, AsmFunc{Name: name, EndOfStack: hint})
				}
				hint = false
			case t != "":
				hint = false
			}
		}
	}
	return out, nil
}

// skipDir names directories that hold no kernel sources.
func skipDir(name string) bool {
	return name == "build" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}
