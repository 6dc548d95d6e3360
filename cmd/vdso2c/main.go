// Command vdso2c builds gokern's vDSO and embeds it in the kernel, as
// Linux's arch/x86/entry/vdso/vdso2c turns vdso64.so into
// vdso-image-64.c: it assembles arch/amd64/entry/vdso/vdso.S with GNU as,
// links it into a shared object with vdso.lds and the version script
// vdso.ver, strips the symbol table (objcopy -S, Linux's vdso64.so), checks
// what the kernel relies on (no relocations, one PT_LOAD at 0 that fits the
// pages the kernel maps, vvar_page a page below the image, every
// __vdso_ symbol exported under LINUX_2.6) and writes
// arch/amd64/entry/vdso/vdso_image_64.go: the image's bytes and the
// offsets of its symbols.
//
//	go generate ./arch/amd64/entry/vdso
//
// The build is reproducible (no build id, no time stamps); a host test
// (TestImageUpToDate) fails when the checked-in file differs from what
// this program writes.
package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"go/format"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Exported are the functions the vDSO must export under LINUX_2.6 (the
// names glibc and the Go runtime look up).
var Exported = []string{"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres",
	"clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres"}

// MaxPages: the vDSO's text pages the kernel maps (vdso.Init_vdso_image).
const MaxPages = 2

// Dir is arch/amd64/entry/vdso, found from this file.
func Dir() string {
	_, f, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(f), "..", "..", "arch", "amd64", "entry", "vdso")
}

// Build assembles and links the vDSO in tmp and returns the stripped
// shared object.
func Build(tmp string) ([]byte, error) {
	d := Dir()
	obj, so, stripped := filepath.Join(tmp, "vdso.o"), filepath.Join(tmp, "vdso64.so.dbg"), filepath.Join(tmp, "vdso64.so")
	steps := [][]string{
		{"as", "--64", "-o", obj, filepath.Join(d, "vdso.S")},
		{"ld", "-shared", "-soname=linux-vdso.so.1", "--hash-style=both", "--build-id=none", "--eh-frame-hdr",
			"-z", "max-page-size=4096", "-z", "noexecstack", "-T", filepath.Join(d, "vdso.lds"),
			"--version-script=" + filepath.Join(d, "vdso.ver"), "-o", so, obj},
		{"objcopy", "-S", so, stripped},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
	return os.ReadFile(stripped)
}

// Check verifies what the kernel and its users rely on, and returns the
// exported symbols' offsets and the vvar page's (from the unstripped
// object's symbol table: vvar_page is local).
func Check(image []byte, vvar int64) (map[string]uint64, error) {
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return nil, err
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("not an x86-64 shared object: %v %v", f.Type, f.Machine)
	}
	var loads int
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loads++
			if p.Vaddr != 0 || p.Off != 0 || p.Memsz != p.Filesz {
				return nil, fmt.Errorf("PT_LOAD at %#x (offset %#x, memsz %#x, filesz %#x): the kernel maps the file as it is at 0", p.Vaddr, p.Off, p.Memsz, p.Filesz)
			}
		}
	}
	if loads != 1 {
		return nil, fmt.Errorf("%d PT_LOAD segments, want 1", loads)
	}
	if len(image) > MaxPages*4096 {
		return nil, fmt.Errorf("the image is %d bytes, more than the %d pages the kernel maps", len(image), MaxPages)
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_RELA || s.Type == elf.SHT_REL {
			return nil, fmt.Errorf("relocation section %s: the vDSO is mapped as is, nothing relocates it", s.Name)
		}
	}
	if vvar != -4096 {
		return nil, fmt.Errorf("vvar_page at %d, want -4096 (the page below the image)", vvar)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return nil, err
	}
	offs := map[string]uint64{}
	for _, s := range syms {
		if s.Version == "LINUX_2.6" && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			offs[s.Name] = s.Value
		}
	}
	for _, n := range Exported {
		if _, ok := offs[n]; !ok {
			return nil, fmt.Errorf("%s is not exported under LINUX_2.6", n)
		}
	}
	return offs, nil
}

// vvarOffset reads vvar_page from the unstripped object.
func vvarOffset(so string) (int64, error) {
	f, err := elf.Open(so)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, err
	}
	for _, s := range syms {
		if s.Name == "vvar_page" {
			return int64(s.Value), nil
		}
	}
	return 0, fmt.Errorf("no vvar_page symbol")
}

// Generate builds the vDSO and returns vdso_image_64.go's text.
func Generate() ([]byte, error) {
	tmp, err := os.MkdirTemp("", "vdso2c")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	image, err := Build(tmp)
	if err != nil {
		return nil, err
	}
	vvar, err := vvarOffset(filepath.Join(tmp, "vdso64.so.dbg"))
	if err != nil {
		return nil, err
	}
	offs, err := Check(image, vvar)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by cmd/vdso2c from vdso.S, vdso.lds and vdso.ver; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package vdso\n\n")
	fmt.Fprintf(&b, "// vdso64_image is the vDSO as mapped into every process (Linux\n// vdso_image_64.data, vdso-image-64.c): %d bytes.\n", len(image))
	fmt.Fprintf(&b, "var vdso64_image = [%d]byte{", len(image))
	for i, c := range image {
		if i%16 == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "0x%02x,", c)
	}
	b.WriteString("\n}\n\n")
	b.WriteString("// The image's symbols, as offsets from its first byte (Linux struct\n// vdso_image's sym_*).\nconst (\n")
	fmt.Fprintf(&b, "\tsym_vvar_page = %d\n", vvar)
	names := make([]string, 0, len(offs))
	for n := range offs {
		if strings.HasPrefix(n, "__vdso_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\tsym_%s = %#x\n", n, offs[n])
	}
	b.WriteString(")\n")
	return format.Source(b.Bytes())
}

// Out is the generated file's path.
func Out() string { return filepath.Join(Dir(), "vdso_image_64.go") }

func main() {
	src, err := Generate()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(Out(), src, 0o644); err != nil {
		log.Fatal(err)
	}
}
