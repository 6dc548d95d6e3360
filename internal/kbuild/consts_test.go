package kbuild_test

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/drivers/debugexit"
	"gokern/drivers/serial8250"
	"gokern/e820"
	"gokern/internal/bzimage"
	"gokern/internal/kbuild"
	"gokern/paging"
)

func root(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	r, err := kbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestConstsInc: every constant of consts.inc, as GNU as reads it in
// 64-bit and in 32-bit code (the boot stage and the real-mode setup), is
// the Go constant's value: a probe file emits each as a .quad and the test
// reads the assembled bytes back.
func TestConstsInc(t *testing.T) {
	r := root(t)
	consts, err := kbuild.GoConsts(r, kbuild.ConstsPackages)
	if err != nil {
		t.Fatal(err)
	}
	if len(consts) < 200 {
		t.Fatalf("only %d constants from %v", len(consts), kbuild.ConstsPackages)
	}
	dir := t.TempDir()
	inc := filepath.Join(dir, "include", "generated")
	if err := os.MkdirAll(inc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inc, "consts.inc"), []byte(kbuild.ConstsIncText(consts)), 0o644); err != nil {
		t.Fatal(err)
	}
	var probe strings.Builder
	probe.WriteString(".include \"generated/consts.inc\"\n.data\n")
	var want []*big.Int
	for _, c := range consts {
		if c.Value.BitLen() > 64 {
			continue
		}
		fmt.Fprintf(&probe, ".quad %s\n", c.Name)
		want = append(want, c.Value)
	}
	if err := os.WriteFile(filepath.Join(dir, "probe.S"), []byte(probe.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"--64", "--32"} {
		obj := filepath.Join(dir, "probe"+mode+".o")
		if out, err := exec.Command("as", mode, "-I", filepath.Join(dir, "include"), "-o", obj, filepath.Join(dir, "probe.S")).CombinedOutput(); err != nil {
			t.Fatalf("as %s: %v\n%s", mode, err, out)
		}
		f, err := elf.Open(obj)
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.Section(".data").Data()
		f.Close()
		if err != nil || len(data) != 8*len(want) {
			t.Fatalf("as %s: %d bytes of .data for %d constants (%v)", mode, len(data), len(want), err)
		}
		mask := new(big.Int).SetUint64(1<<64 - 1)
		i := 0
		for _, c := range consts {
			if c.Value.BitLen() > 64 {
				continue
			}
			got := binary.LittleEndian.Uint64(data[8*i:])
			if w := new(big.Int).And(want[i], mask).Uint64(); got != w { // two's complement for a negative
				t.Errorf("as %s: %s (%s.%s) reads %#x, the Go constant is %#x", mode, c.Name, c.Pkg, c.GoName, got, w)
			}
			i++
		}
	}
	t.Logf("%d constants from %d packages", len(consts), len(kbuild.ConstsPackages))
}

// TestConstsFromGo: the generator takes the values the compiler gave the
// constants the assembly uses most (compared here with the constants
// themselves, compiled into this test), under their Linux names.
func TestConstsFromGo(t *testing.T) {
	consts, err := kbuild.GoConsts(root(t), kbuild.ConstsPackages)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*big.Int{}
	for _, c := range consts {
		got[c.Name] = c.Value
	}
	for name, v := range map[string]uint64{
		"LOAD_PHYSICAL_ADDR": asm.LOAD_PHYSICAL_ADDR, "__START_KERNEL_map": asm.X__START_KERNEL_map,
		"PAGE_SIZE": asm.PAGE_SIZE, "PAGE_OFFSET": asm.PAGE_OFFSET, "COMMAND_LINE_SIZE": asm.COMMAND_LINE_SIZE,
		"BP_e820_table": asm.BP_e820_table, "BP_cmd_line_ptr": asm.BP_cmd_line_ptr, "BP_hdr": asm.BP_hdr,
		"E820_ENTRY_SIZE": asm.E820_ENTRY_SIZE, "E820_MAX_ENTRIES_ZEROPAGE": asm.E820_MAX_ENTRIES_ZEROPAGE,
		"__KERNEL_CS": asm.X__KERNEL_CS, "__KERNEL_DS": asm.X__KERNEL_DS, "__BOOT_CS": asm.X__BOOT_CS,
		"X86_CR0_PG": asm.X86_CR0_PG, "X86_CR4_PAE": asm.X86_CR4_PAE, "MSR_EFER": asm.MSR_EFER, "EFER_LME": asm.EFER_LME,
		"REQUIRED_MASK0": asm.REQUIRED_MASK0, "REQUIRED_MASK1": asm.REQUIRED_MASK1,
		"PAGE_PRESENT": uint64(paging.PAGE_PRESENT), "PAGE_PSE": uint64(paging.PAGE_PSE),
		"E820_TYPE_RAM": uint64(e820.E820_TYPE_RAM), "LOWMEMSIZE": e820.LOWMEMSIZE, "HIGH_MEMORY": e820.HIGH_MEMORY,
		"PIGGY_MAGIC": bzimage.PIGGY_MAGIC, "PIGGY_end": bzimage.PIGGY_end, "IC_xxh32": bzimage.IC_xxh32,
		"UART_LSR": serial8250.UART_LSR, "UART_LSR_THRE": serial8250.UART_LSR_THRE, "COM2": serial8250.COM2,
		"DEBUG_EXIT_PORT": debugexit.DEBUG_EXIT_PORT, "DEBUG_EXIT_FAILURE": debugexit.DEBUG_EXIT_FAILURE,
	} {
		if g, ok := got[name]; !ok || !g.IsUint64() || g.Uint64() != v {
			t.Errorf("%s: consts.inc has %v (present %v), Go has %#x", name, g, ok, v)
		}
	}
}

// TestAssemblyDefinesNoGoConstant: no GNU as source defines a name that
// consts.inc already gives it; a second definition would silently win
// (.set redefines) and drift from Go.
func TestAssemblyDefinesNoGoConstant(t *testing.T) {
	r := root(t)
	consts, err := kbuild.GoConsts(r, kbuild.ConstsPackages)
	if err != nil {
		t.Fatal(err)
	}
	gen := map[string]string{}
	for _, c := range consts {
		gen[c.Name] = c.Pkg + "." + c.GoName
	}
	def := regexp.MustCompile(`(?m)^\s*(?:\.set|\.equ|\.equiv|\.eqv)\s+([A-Za-z_.$][\w.$]*)\s*,|^\s*([A-Za-z_][\w]*)\s*=`)
	var files []string
	for _, pat := range []string{"boot/*.S", "boot/*.inc", "boot/compressed/*.S", "boot/compressed/*.inc"} {
		m, _ := filepath.Glob(filepath.Join(r, pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d GNU as files found", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range def.FindAllStringSubmatch(string(b), -1) {
			name := m[1] + m[2]
			if owner, ok := gen[name]; ok {
				rel, _ := filepath.Rel(r, f)
				t.Errorf("%s defines %s, which consts.inc has from %s", rel, name, owner)
			}
		}
	}
}
