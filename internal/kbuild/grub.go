package kbuild

// A GRUB 2 rescue CD that boots build/bzImage every way GRUB can
// (docs/loaders.md): `./qemu.sh grub` and the boot tests make it with
// grub-mkrescue, which puts in every GRUB platform installed (i386-pc for
// BIOS, x86_64-efi for UEFI: the same ISO boots under SeaBIOS and OVMF).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GrubEntries are the menu entries, by id: the GRUB command each uses to
// load build/bzImage, and the one it uses for the initrd.
var GrubEntries = []struct{ ID, Kernel, Initrd string }{
	{"linux", "linux", "initrd"},            // 32-bit boot protocol, code32_start
	{"linux16", "linux16", "initrd16"},      // real-mode setup (BIOS only)
	{"multiboot", "multiboot", "module"},    // multiboot_entry
	{"multiboot2", "multiboot2", "module2"}, // multiboot2_entry
}

// GrubTools are the host programs grub-mkrescue needs; qemu.sh installs
// them (grub-common, grub-pc-bin, grub-efi-amd64-bin, xorriso, mtools).
var GrubTools = []string{"grub-mkrescue", "xorriso", "mformat"}

// GrubPlatforms are the GRUB platform directories the ISO boots with.
var GrubPlatforms = []string{"/usr/lib/grub/i386-pc", "/usr/lib/grub/x86_64-efi"}

// GrubOptions choose the menu.
type GrubOptions struct {
	Entry   string // the default entry's id (GrubEntries); "" = linux, and a 5 s menu
	Append  string // the kernel command line, for every entry
	Initrd  string // a file every entry passes as the initrd (module); "" = none
	ISO     string // where to write it; "" = build/gokern.iso
	BzImage string // the kernel; "" = build/bzImage
}

// GrubConfig is grub.cfg for o: GRUB on the serial line, the four entries,
// the default one chosen by id so that a test boots it without a keyboard.
func GrubConfig(o GrubOptions) (string, error) {
	var b strings.Builder
	b.WriteString("serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\n")
	if o.Entry == "" {
		b.WriteString("set default=linux\nset timeout=5\n")
	} else {
		ok := false
		for _, e := range GrubEntries {
			ok = ok || e.ID == o.Entry
		}
		if !ok {
			return "", fmt.Errorf("no GRUB entry %q (linux, linux16, multiboot, multiboot2)", o.Entry)
		}
		fmt.Fprintf(&b, "set default=%s\nset timeout=0\n", o.Entry)
	}
	// Each word of the command line single-quoted: GRUB passes it as it is.
	var args []string
	for _, w := range strings.Fields(o.Append) {
		if strings.ContainsRune(w, '\'') {
			return "", fmt.Errorf("GRUB: a quote in the command line word %q", w)
		}
		args = append(args, "'"+w+"'")
	}
	cmd := strings.Join(args, " ")
	for _, e := range GrubEntries {
		fmt.Fprintf(&b, "menuentry '%s' --id %s {\n\t%s /boot/bzImage %s\n", e.ID, e.ID, e.Kernel, cmd)
		if o.Initrd != "" {
			fmt.Fprintf(&b, "\t%s /boot/initrd\n", e.Initrd)
		}
		b.WriteString("}\n")
	}
	return b.String(), nil
}

// GrubISO builds (when out of date) the ISO o describes from the result of
// Build, and returns its path.
func GrubISO(o Options, g GrubOptions) (string, error) {
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "build")
	}
	if g.ISO == "" {
		g.ISO = filepath.Join(o.Out, "gokern.iso")
	}
	if g.BzImage == "" {
		g.BzImage = filepath.Join(o.Out, "bzImage")
	}
	cfg, err := GrubConfig(g)
	if err != nil {
		return "", err
	}
	b := &builder{o: o, r: &Result{Out: o.Out}, hashes: map[string]string{}}
	for _, t := range GrubTools {
		p, err := exec.LookPath(t)
		if err != nil {
			return "", fmt.Errorf("kbuild: %s not found: ./qemu.sh installs it (apt-get install grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools)", t)
		}
		st, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		b.tools = append(b.tools, fmt.Sprintf("%s %d %d", p, st.Size(), st.ModTime().UnixNano()))
	}
	for _, d := range GrubPlatforms {
		if _, err := os.Stat(filepath.Join(d, "modinfo.sh")); err != nil {
			return "", fmt.Errorf("kbuild: GRUB platform %s missing: ./qemu.sh installs it (grub-pc-bin, grub-efi-amd64-bin)", d)
		}
		b.tools = append(b.tools, d)
	}
	inputs := []string{g.BzImage}
	if g.Initrd != "" {
		inputs = append(inputs, g.Initrd)
	}
	if err := os.MkdirAll(filepath.Join(o.Out, ".kbuild"), 0o755); err != nil {
		return "", err
	}
	return g.ISO, b.do(&step{
		tag: "GRUB", show: b.rel(g.ISO),
		inputs:  inputs,
		extra:   append([]string{"grub.cfg " + cfg}, b.tools...),
		outputs: []string{g.ISO},
		run: func() error {
			tree, err := os.MkdirTemp(filepath.Dir(g.ISO), ".iso-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tree)
			if err := os.MkdirAll(filepath.Join(tree, "boot", "grub"), 0o755); err != nil {
				return err
			}
			files := map[string]string{g.BzImage: "bzImage"}
			if g.Initrd != "" {
				files[g.Initrd] = "initrd"
			}
			for src, name := range files {
				data, err := os.ReadFile(src)
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(tree, "boot", name), data, 0o644); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(tree, "boot", "grub", "grub.cfg"), []byte(cfg), 0o644); err != nil {
				return err
			}
			return b.run(o.Root, nil, "grub-mkrescue", "-o", g.ISO, tree)
		},
	})
}
