// Package kbuild builds gokern: the Go kernel (build/vmlinux), the boot
// payload (boot/compressed → build/compressed/vmlinux.bin), the real-mode
// setup (boot/*.S → build/setup.elf, setup.bin) and the bootable image
// (build/bzImage), plus build/System.map. It is the counterpart of Linux's
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

	"gokern/internal/bzimage"
)

// Version of gokern, printed in the banner and in the setup header.
const Version = "0.1"

// Entry is the kernel ELF's entry symbol (arch/amd64/head_64.s). With -E
// the Go linker keeps only what is reachable from it (DESIGN.md §6).
const Entry = "gokern/arch/amd64.startup_64"

// TextStart is where the Go linker puts .text: __START_KERNEL_map + 16 MiB
// + one page, because the first PT_LOAD starts a page earlier with the ELF
// header (DESIGN.md §6); so _text = 0xffffffff81000000 = physical 16 MiB.
// The Go linker takes it as a signed 64-bit number.
const TextStart = "-0x7efff000"

// Options choose the build.
type Options struct {
	Root  string // repository root (holds go.mod)
	Out   string // output directory, default Root/build
	Debug bool   // -gcflags=all=-N -l: no optimisation, no inlining, for gdb
	Log   func(format string, args ...any)
}

// Result lists what was built.
type Result struct {
	Out, BzImage, Vmlinux, SetupELF, SystemMap string
	Image                                      *bzimage.Image
	Piggy                                      *bzimage.Piggy
}

// Tools names the host programs the build needs (binutils); qemu.sh
// installs them.
var Tools = []string{"as", "ld", "objcopy"}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

func (o *Options) run(dir string, env []string, name string, args ...string) error {
	o.logf("  %s %s", name, strings.Join(args, " "))
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

// Build builds everything and returns the paths.
func Build(o Options) (*Result, error) {
	if o.Root == "" {
		return nil, fmt.Errorf("kbuild: no root")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "build")
	}
	for _, t := range Tools {
		if _, err := exec.LookPath(t); err != nil {
			return nil, fmt.Errorf("kbuild: %s not found: install binutils (apt-get install binutils)", t)
		}
	}
	r := &Result{
		Out:       o.Out,
		BzImage:   filepath.Join(o.Out, "bzImage"),
		Vmlinux:   filepath.Join(o.Out, "vmlinux"),
		SetupELF:  filepath.Join(o.Out, "setup.elf"),
		SystemMap: filepath.Join(o.Out, "System.map"),
	}
	for _, d := range []string{o.Out, filepath.Join(o.Out, "boot"), filepath.Join(o.Out, "compressed")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}

	// 1. The Go kernel: vmlinux, with symbols and DWARF (uncompressed, for
	// gdb), linked in the kernel text mapping with startup_64 as entry.
	o.logf("GO      %s", r.Vmlinux)
	// -X stamps the banner's strings (static data: the kernel runs no
	// initialisers).
	ldflags := "-E " + Entry + " -T " + TextStart + " -compressdwarf=false -buildid=" +
		" -X main.gokern_version=" + Version + " -X main.go_version=" + runtime.Version() + " -X main.build_info=" + buildInfo(o.Debug)
	args := []string{"build", "-o", r.Vmlinux, "-ldflags", ldflags}
	if o.Debug {
		args = append(args, "-gcflags=all=-N -l")
	}
	args = append(args, ".")
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}
	if err := o.run(o.Root, env, "go", args...); err != nil {
		return nil, err
	}
	if err := writeSystemMap(r.Vmlinux, r.SystemMap); err != nil {
		return nil, err
	}

	// 2. The payload: the kernel's segments (piggy.bin) inside the 32/64-bit
	// boot stage (boot/compressed).
	o.logf("PIGGY   %s", filepath.Join(o.Out, "compressed/piggy.bin"))
	piggy, err := bzimage.MkPiggy(r.Vmlinux, filepath.Join(o.Out, "compressed", "piggy.bin"))
	if err != nil {
		return nil, err
	}
	r.Piggy = piggy
	cdir := filepath.Join(o.Out, "compressed")
	var cobjs []string
	csrcs, _ := filepath.Glob(filepath.Join(o.Root, "boot", "compressed", "*.S"))
	sort.Strings(csrcs)
	for _, src := range csrcs {
		obj := filepath.Join(cdir, strings.TrimSuffix(filepath.Base(src), ".S")+".o")
		if err := o.run(o.Root, nil, "as", "--64", "-g", "-I", "boot", "-I", cdir,
			"-o", obj, filepath.Join("boot", "compressed", filepath.Base(src))); err != nil {
			return nil, err
		}
		cobjs = append(cobjs, obj)
	}
	payloadELF := filepath.Join(cdir, "vmlinux")
	if err := o.run(o.Root, nil, "ld", append([]string{"-m", "elf_x86_64", "-T", "boot/compressed/vmlinux.lds", "-o", payloadELF}, cobjs...)...); err != nil {
		return nil, err
	}
	payloadBin := filepath.Join(cdir, "vmlinux.bin")
	if err := o.run(o.Root, nil, "objcopy", "-O", "binary", payloadELF, payloadBin); err != nil {
		return nil, err
	}

	// 3. The real-mode setup: every boot/*.S, linked at 0.
	srcs, _ := filepath.Glob(filepath.Join(o.Root, "boot", "*.S"))
	sort.Strings(srcs)
	var sobjs []string
	for _, src := range srcs {
		obj := filepath.Join(o.Out, "boot", strings.TrimSuffix(filepath.Base(src), ".S")+".o")
		if err := o.run(o.Root, nil, "as", "--32", "-g", "-I", "boot", "-o", obj, src); err != nil {
			return nil, err
		}
		sobjs = append(sobjs, obj)
	}
	if err := o.run(o.Root, nil, "ld", append([]string{"-m", "elf_i386", "-T", "boot/setup.ld", "-o", r.SetupELF}, sobjs...)...); err != nil {
		return nil, err
	}
	setupBin := filepath.Join(o.Out, "setup.bin")
	if err := o.run(o.Root, nil, "objcopy", "-O", "binary", r.SetupELF, setupBin); err != nil {
		return nil, err
	}

	// 4. The image (Linux tools/build.c).
	o.logf("BUILD   %s", r.BzImage)
	img, err := bzimage.Build(bzimage.Inputs{
		SetupELF: r.SetupELF, SetupBin: setupBin,
		PayloadELF: payloadELF, PayloadBin: payloadBin,
		KernelEnd:     piggy.End,
		VersionString: VersionString(o.Debug),
	})
	if err != nil {
		return nil, err
	}
	r.Image = img
	if err := os.WriteFile(r.BzImage, img.Bytes, 0o644); err != nil {
		return nil, err
	}
	o.logf("Kernel: %s is ready (setup %d sectors, payload %d bytes, init_size %#x)",
		r.BzImage, img.SetupSects, len(img.Bytes)-512*(img.SetupSects+1), img.InitSize)
	return r, nil
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
