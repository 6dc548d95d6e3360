// Package kbuild builds gokern: the Go kernel (build/.tmp_vmlinux, then
// build/vmlinux with the boot stage for its PVH entry, pvh.go), the boot
// payload (boot/compressed → build/compressed/vmlinux.bin), the real-mode
// setup (boot/*.S → build/setup.elf, setup.bin) and the bootable image
// (build/bzImage), plus build/System.map, and on request a GRUB ISO
// (grub.go). It is the counterpart of Linux's
// arch/x86/boot/Makefile and is used by `./qemu.sh build` (cmd/kbuild) and
// by the boot-test harness.
package kbuild

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"

	"gokern/arch/amd64/asm"
	"gokern/internal/bzimage"
)

// Version of gokern, printed in the banner and in the setup header.
const Version = "0.1"

// Entry is the kernel ELF's entry symbol (arch/amd64/head_64.s). With -E
// the Go linker keeps only what is reachable from it (DESIGN.md §6).
const Entry = "gokern/arch/amd64.startup_64"

// TextStart is where the Go linker puts .text, as -T takes it: _text
// (__START_KERNEL = __START_KERNEL_map + LOAD_PHYSICAL_ADDR, physical
// 16 MiB) plus one page, because the first PT_LOAD starts a page earlier
// with the ELF header (DESIGN.md §6). The linker reads a signed 64-bit
// number, so the higher-half address is written negative:
// 0xffffffff81001000 is "-0x7efff000".
var TextStart = linkerAddr(asm.X__START_KERNEL + asm.PAGE_SIZE)

// linkerAddr spells a 64-bit address for the Go linker's -T, which parses
// it as a signed number (strconv.ParseInt): negative when bit 63 is set.
func linkerAddr(a uint64) string {
	if int64(a) < 0 {
		return fmt.Sprintf("-%#x", -a)
	}
	return fmt.Sprintf("%#x", a)
}

// Options choose the build.
type Options struct {
	Root    string // repository root (holds go.mod)
	Out     string // output directory, default Root/build
	Debug   bool   // -gcflags=all=-N -l: no optimisation, no inlining, for gdb
	Verbose bool   // print the commands themselves (V=1), not the short lines
	Force   bool   // run every step, up to date or not
	// Log receives kbuild's lines ("  AS      boot/header.o"); nil: quiet.
	Log func(format string, args ...any)
}

// Result lists what was built.
type Result struct {
	Out, BzImage, Vmlinux, SetupELF, SystemMap string
	// TmpVmlinux is the Go linker's kernel with its Linux names, before the
	// PVH boot stage goes in (Linux's .tmp_vmlinux: an intermediate link).
	TmpVmlinux string
	Image      *bzimage.Image
	Piggy      *bzimage.Piggy
	// PVH is the boot stage build/vmlinux carries for the PVH entry
	// (pvh.go).
	PVH *PVHStage
	// Steps is the number of steps that ran: 0 when everything was up to
	// date.
	Steps int
	// Aliases and Collisions describe the Linux names given to build/vmlinux
	// (ksyms.go), when this build linked it.
	Aliases    []Alias
	Collisions []Collision
	// DWARFVariables is the number of aliases that are also DWARF
	// variables; EndOfStack the number of FDEs marked outermost.
	DWARFVariables, EndOfStack int
}

// Tools names the host programs the build needs (binutils); qemu.sh
// installs them.
var Tools = []string{"as", "ld", "objcopy"}

// builder carries one build.
type builder struct {
	o      Options
	r      *Result
	hashes map[string]string // file → content hash, for this build
	ran    int
	tools  []string // identity of the toolchain, part of every step's key
}

func (b *builder) logf(format string, args ...any) {
	if b.o.Log != nil {
		b.o.Log(format, args...)
	}
}

// logStep prints kbuild's short line for a step: "  AS      boot/header.o".
func (b *builder) logStep(tag, what string) {
	if !b.o.Verbose {
		b.logf("  %-7s %s", tag, what)
	}
}

// rel is a path as kbuild prints it: relative to the repository root.
func (b *builder) rel(path string) string {
	if r, err := filepath.Rel(b.o.Root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

func (b *builder) run(dir string, env []string, name string, args ...string) error {
	if b.o.Verbose {
		b.logf("  %s %s", name, strings.Join(args, " "))
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}

// Build builds what is out of date and returns the paths.
func Build(o Options) (*Result, error) {
	if o.Root == "" {
		return nil, fmt.Errorf("kbuild: no root")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "build")
	}
	r := &Result{
		Out:        o.Out,
		BzImage:    filepath.Join(o.Out, "bzImage"),
		Vmlinux:    filepath.Join(o.Out, "vmlinux"),
		TmpVmlinux: filepath.Join(o.Out, ".tmp_vmlinux"),
		SetupELF:   filepath.Join(o.Out, "setup.elf"),
		SystemMap:  filepath.Join(o.Out, "System.map"),
	}
	for _, d := range []string{o.Out, filepath.Join(o.Out, "boot"), filepath.Join(o.Out, "compressed"), filepath.Join(o.Out, "pvh"), filepath.Join(o.Out, "realmode"), filepath.Join(o.Out, ".kbuild")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// One build at a time per output directory (qemu.sh and test
	// processes may start one together).
	lock, err := os.OpenFile(filepath.Join(o.Out, ".kbuild", "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	b := &builder{o: o, r: r, hashes: map[string]string{}}
	if err := b.toolchain(); err != nil {
		return nil, err
	}
	if err := b.constsInc(); err != nil {
		return nil, err
	}
	// The AP trampoline first: the kernel carries it (realmode.go).
	if err := b.realmode(); err != nil {
		return nil, err
	}
	if err := b.kernel(); err != nil {
		return nil, err
	}
	// The boot stage's objects; then the stage for the PVH entry, which
	// goes into build/vmlinux, from which the bzImage's payload is made.
	stageObjs, err := b.assemble(filepath.Join("boot", "compressed"), filepath.Join(b.o.Out, "compressed"), "--64", []string{"boot", b.incDir()}, "piggy.S")
	if err != nil {
		return nil, err
	}
	if err := b.pvh(stageObjs); err != nil {
		return nil, err
	}
	payloadELF, payloadBin, err := b.payload(stageObjs)
	if err != nil {
		return nil, err
	}
	setupBin, err := b.setup()
	if err != nil {
		return nil, err
	}

	// The image (Linux tools/build.c): cheap, so always computed, and
	// written only when it differs from what is there.
	img, err := bzimage.Build(bzimage.Inputs{
		SetupELF: r.SetupELF, SetupBin: setupBin,
		PayloadELF: payloadELF, PayloadBin: payloadBin,
		KernelEnd:     r.Piggy.End,
		VersionString: VersionString(o.Debug),
	})
	if err != nil {
		return nil, err
	}
	r.Image = img
	wrote, err := writeIfChanged(r.BzImage, img.Bytes, 0o644)
	if err != nil {
		return nil, err
	}
	if wrote {
		b.logStep("BUILD", b.rel(r.BzImage))
		b.ran++
	}
	r.Steps = b.ran
	if b.ran == 0 {
		b.logf("kbuild: %s is up to date (nothing to do)", b.rel(r.BzImage))
	} else {
		b.logf("Kernel: %s is ready (setup %d sectors, payload %d bytes, init_size %#x)",
			b.rel(r.BzImage), img.SetupSects, len(img.Bytes)-512*(img.SetupSects+1), img.InitSize)
	}
	return r, nil
}

// toolchain records what identifies the tools: the Go toolchain as the
// go command resolves it for this build (GOTOOLCHAIN may switch it), and
// the binutils programs.
func (b *builder) toolchain() error {
	for _, t := range Tools {
		p, err := exec.LookPath(t)
		if err != nil {
			return fmt.Errorf("kbuild: %s not found: install binutils (apt-get install binutils)", t)
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		b.tools = append(b.tools, fmt.Sprintf("%s %d %d", p, st.Size(), st.ModTime().UnixNano()))
	}
	cmd := exec.Command("go", "env", "GOVERSION", "GOROOT", "GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOTOOLCHAIN")
	cmd.Dir = b.o.Root
	cmd.Env = append(os.Environ(), goEnv...)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("kbuild: go env: %v", err)
	}
	b.tools = append(b.tools, "go env "+string(out))
	return nil
}

var goEnv = []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}

// kernel: the Go kernel, vmlinux, with symbols and DWARF (uncompressed,
// for gdb), linked in the kernel text mapping with startup_64 as entry;
// then its Linux names (ksyms.go) and System.map.
func (b *builder) kernel() error {
	r := b.r
	// -X stamps the banner's strings (static data: the kernel runs no
	// initialisers).
	ldflags := "-E " + Entry + " -T " + TextStart + " -compressdwarf=false -buildid=" +
		" -X main.gokern_version=" + Version + " -X main.go_version=" + runtime.Version() + " -X main.build_info=" + buildInfo(b.o.Debug)
	args := []string{"build", "-o", r.TmpVmlinux, "-ldflags", ldflags}
	if b.o.Debug {
		args = append(args, "-gcflags=all=-N -l")
	}
	args = append(args, ".")
	srcs, err := sourceFiles(b.o.Root, ".go", ".s", ".h", "go.mod", "go.sum")
	if err != nil {
		return err
	}
	return b.do(&step{
		tag: "GO", show: b.rel(r.TmpVmlinux),
		inputs:  srcs,
		extra:   append(append([]string{b.o.Root, strings.Join(args, "\x00")}, goEnv...), b.tools...),
		outputs: []string{r.TmpVmlinux},
		run: func() error {
			if err := b.run(b.o.Root, goEnv, "go", args...); err != nil {
				return err
			}
			b.logStep("SORTTAB", b.rel(r.TmpVmlinux))
			if _, err := sortExTableFile(r.TmpVmlinux); err != nil {
				return fmt.Errorf("kbuild: sorting the exception table: %v", err)
			}
			b.logStep("KSYMS", b.rel(r.TmpVmlinux))
			if err := b.ksyms(); err != nil {
				return fmt.Errorf("kbuild: Linux names for %s: %v", r.TmpVmlinux, err)
			}
			return nil
		},
	})
}

// ksyms gives vmlinux its Linux names (ksyms.go, elfedit.go) and marks the
// bottom of the boot stack for unwinders.
func (b *builder) ksyms() error {
	r := b.r
	f, err := elf.Open(r.TmpVmlinux)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return err
	}
	d, err := f.DWARF()
	if err != nil {
		return err
	}
	asm, err := ScanAsm(b.o.Root)
	if err != nil {
		return err
	}
	isAsm := map[string]bool{}
	bottom := map[uint64]bool{}
	for _, a := range asm {
		isAsm[a.Name] = true
	}
	for _, s := range syms {
		for _, a := range asm {
			if a.EndOfStack && s.Name == a.Name+".abi0" {
				bottom[s.Value] = true
			}
		}
	}
	r.Aliases, r.Collisions = Aliases(syms, isAsm)
	for _, c := range r.Collisions {
		b.logf("WARNING: kbuild: %s", c)
	}
	im, err := readELFImage(r.TmpVmlinux)
	if err != nil {
		return err
	}
	if err := im.addSymbols(r.Aliases); err != nil {
		return err
	}
	if r.DWARFVariables, err = im.addDWARFVariables(d, r.Aliases); err != nil {
		return err
	}
	if r.EndOfStack, err = im.patchFrames(bottom); err != nil {
		return err
	}
	if r.EndOfStack != len(bottom) {
		return fmt.Errorf("%d functions are marked UNWIND_HINT_END_OF_STACK but %d have unwind information", len(bottom), r.EndOfStack)
	}
	if b.o.Verbose {
		b.logf("  # %d Linux names (%d DWARF variables), %d outermost frames, %d collisions", len(r.Aliases), r.DWARFVariables, r.EndOfStack, len(r.Collisions))
	}
	return im.write(r.TmpVmlinux)
}

// payload: the kernel's segments (piggy.bin, from build/vmlinux) inside the
// 32/64-bit boot stage, boot/compressed, linked at 0. objs are the stage's
// objects; piggy.o among them includes piggy.bin.
func (b *builder) payload(objs []string) (elfPath, binPath string, err error) {
	r := b.r
	cdir := filepath.Join(b.o.Out, "compressed")
	piggy, err := bzimage.ReadKernel(r.Vmlinux)
	if err != nil {
		return "", "", err
	}
	r.Piggy = piggy
	piggyBin := filepath.Join(cdir, "piggy.bin")
	wrote, err := writeIfChanged(piggyBin, piggy.Bytes(), 0o644)
	if err != nil {
		return "", "", err
	}
	if wrote {
		b.logStep("PIGGY", b.rel(piggyBin))
		b.ran++
	}
	piggyObj, err := b.assembleFile(filepath.Join(b.o.Root, "boot", "compressed", "piggy.S"), cdir, "--64", []string{"boot", b.incDir(), cdir})
	if err != nil {
		return "", "", err
	}
	elfPath = filepath.Join(cdir, "vmlinux")
	if err := b.link(elfPath, "elf_x86_64", "boot/compressed/vmlinux.lds", append(objs, piggyObj)); err != nil {
		return "", "", err
	}
	binPath = filepath.Join(cdir, "vmlinux.bin")
	return elfPath, binPath, b.objcopy(elfPath, binPath)
}

// setup: the real-mode setup, every boot/*.S, linked at 0.
func (b *builder) setup() (string, error) {
	objs, err := b.assemble("boot", filepath.Join(b.o.Out, "boot"), "--32", []string{"boot", b.incDir()}, "")
	if err != nil {
		return "", err
	}
	if err := b.link(b.r.SetupELF, "elf_i386", "boot/setup.ld", objs); err != nil {
		return "", err
	}
	bin := filepath.Join(b.o.Out, "setup.bin")
	return bin, b.objcopy(b.r.SetupELF, bin)
}

// assemble runs as on every *.S of srcDir (relative to the root) but skip
// into objDir.
func (b *builder) assemble(srcDir, objDir, mode string, incDirs []string, skip string) ([]string, error) {
	srcs, err := filepath.Glob(filepath.Join(b.o.Root, srcDir, "*.S"))
	if err != nil {
		return nil, err
	}
	sort.Strings(srcs)
	var objs []string
	for _, src := range srcs {
		if filepath.Base(src) == skip {
			continue
		}
		obj, err := b.assembleFile(src, objDir, mode, incDirs)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("kbuild: no *.S in %s", srcDir)
	}
	return objs, nil
}

// assembleFile runs as on src into objDir. The object depends on its
// source and on what it includes (.include, .incbin).
func (b *builder) assembleFile(src, objDir, mode string, incDirs []string) (string, error) {
	rel := b.rel(src)
	obj := filepath.Join(objDir, strings.TrimSuffix(filepath.Base(src), ".S")+".o")
	args := []string{mode, "-g"}
	for _, d := range incDirs {
		args = append(args, "-I", d)
	}
	args = append(args, "-o", obj, rel)
	inputs, err := b.includes(src, incDirs)
	if err != nil {
		return "", err
	}
	show := strings.TrimSuffix(rel, ".S") + ".o"
	if filepath.Base(objDir) != filepath.Base(filepath.Dir(src)) {
		show = b.rel(obj) // a second object of one source (build/pvh/piggy.o)
	}
	return obj, b.do(&step{
		tag: "AS", show: show,
		inputs:  inputs,
		extra:   append([]string{strings.Join(args, "\x00")}, b.tools...),
		outputs: []string{obj},
		run:     func() error { return b.run(b.o.Root, nil, "as", args...) },
	})
}

// includes returns src and every file it pulls in, recursively.
func (b *builder) includes(src string, incDirs []string) ([]string, error) {
	seen := map[string]bool{}
	var walk func(f string) error
	walk = func(f string) error {
		if seen[f] {
			return nil
		}
		seen[f] = true
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if strings.HasSuffix(f, ".bin") {
			return nil
		}
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 || (fields[0] != ".include" && fields[0] != ".incbin") {
				continue
			}
			name := strings.Trim(strings.TrimSuffix(fields[1], ","), `"`)
			// as looks in the -I directories and the current one (the
			// root); every file of that name there is an input.
			var found []string
			for _, d := range append([]string{"."}, incDirs...) {
				if !filepath.IsAbs(d) {
					d = filepath.Join(b.o.Root, d)
				}
				if _, err := os.Stat(filepath.Join(d, name)); err == nil {
					found = append(found, filepath.Join(d, name))
				}
			}
			if len(found) == 0 {
				return fmt.Errorf("kbuild: %s: %s %q not found", b.rel(f), fields[0], name)
			}
			for _, g := range found {
				if err := walk(g); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(src); err != nil {
		return nil, err
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	return out, nil
}

func (b *builder) link(out, emulation, script string, objs []string) error {
	args := append([]string{"-m", emulation, "-T", script, "-o", out}, objs...)
	return b.do(&step{
		tag: "LD", show: b.rel(out),
		inputs:  append([]string{filepath.Join(b.o.Root, script)}, objs...),
		extra:   append([]string{strings.Join(args, "\x00")}, b.tools...),
		outputs: []string{out},
		run:     func() error { return b.run(b.o.Root, nil, "ld", args...) },
	})
}

func (b *builder) objcopy(in, out string) error {
	return b.do(&step{
		tag: "OBJCOPY", show: b.rel(out),
		inputs:  []string{in},
		extra:   b.tools,
		outputs: []string{out},
		run:     func() error { return b.run(b.o.Root, nil, "objcopy", "-O", "binary", in, out) },
	})
}

func buildInfo(debug bool) string {
	if debug {
		return "#1-debug"
	}
	return "#1"
}

// VersionString is the kernel_version string of the setup header.
func VersionString(debug bool) string {
	s := "gokern " + Version + " (" + runtime.Version() + ")"
	if debug {
		s += " debug"
	}
	return s
}

// writeSystemMap writes "address type name" lines sorted by address, as
// Linux's scripts/mksysmap (nm -n).
func writeSystemMap(vmlinux, out string) error {
	f, err := elf.Open(vmlinux)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return err
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	var b strings.Builder
	for _, s := range syms {
		if s.Name == "" || s.Section == elf.SHN_UNDEF {
			continue
		}
		t := byte('d')
		if int(s.Section) < len(f.Sections) {
			sec := f.Sections[s.Section]
			switch {
			case sec.Flags&elf.SHF_EXECINSTR != 0:
				t = 't'
			case sec.Type == elf.SHT_NOBITS:
				t = 'b'
			case sec.Flags&elf.SHF_WRITE == 0:
				t = 'r'
			}
		}
		if elf.ST_BIND(s.Info) == elf.STB_GLOBAL {
			t -= 'a' - 'A'
		}
		fmt.Fprintf(&b, "%016x %c %s\n", s.Value, t, s.Name)
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// FindRoot walks up from dir to the directory holding gokern's go.mod.
func FindRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module gokern\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no gokern go.mod above %s", dir)
		}
	}
}
