// Package fwtables captures the firmware tables a PC BIOS leaves in
// memory — the ACPI tables and the MP table — from a dump of guest
// memory, stores them as testdata, and loads them back into a simulated
// RAM for host tests. It is test support (never linked into the kernel)
// and finds the tables with its own short walk, independent of the
// kernel's parsers in drivers/acpi and arch/amd64/apic, which the tests
// built on it check.
//
// A testdata file is text: comment lines starting with '#', then one
// chunk per line, "ADDRESS HEXBYTES", the address in hex.
package fwtables

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gokern/internal/ktest"
)

// Chunk is a run of bytes at a physical address.
type Chunk struct {
	Addr uint64
	Data []byte
}

// Mem is what Capture reads: guest physical memory.
type Mem interface {
	Bytes(pa, size uint64) []byte
}

// Dump is guest memory from physical address 0, as QMP pmemsave writes it.
type Dump []byte

// Bytes returns the bytes at pa, or nil when they are not in the dump.
func (d Dump) Bytes(pa, size uint64) []byte {
	if pa > uint64(len(d)) || size > uint64(len(d))-pa {
		return nil
	}
	return d[pa : pa+size]
}

func sum(b []byte) (s uint8) {
	for _, c := range b {
		s += c
	}
	return s
}

// Capture returns the BIOS data area's EBDA pointer, the RSDP and every
// ACPI table the root table and the FADT point to (the DSDT by its header
// only: nothing reads its AML), and the MP floating pointer and
// configuration table, in address order.
func Capture(m Mem) ([]Chunk, error) {
	var out []Chunk
	add := func(pa, size uint64) error {
		b := m.Bytes(pa, size)
		if b == nil {
			return fmt.Errorf("[%#x, +%#x) is not in the dump", pa, size)
		}
		out = append(out, Chunk{pa, append([]byte(nil), b...)})
		return nil
	}
	if err := add(0x40e, 2); err != nil {
		return nil, err
	}
	ebda := uint64(binary.LittleEndian.Uint16(m.Bytes(0x40e, 2))) << 4
	if rsdp, ok := findRSDP(m, ebda); ok {
		r := m.Bytes(rsdp, 36)
		if err := add(rsdp, 36); err != nil {
			return nil, err
		}
		root, esize := uint64(binary.LittleEndian.Uint32(r[16:])), uint64(4)
		if r[15] >= 2 && binary.LittleEndian.Uint64(r[24:]) != 0 {
			root, esize = binary.LittleEndian.Uint64(r[24:]), 8
		}
		if err := addTable(m, add, root); err != nil {
			return nil, err
		}
		rt := m.Bytes(root, uint64(binary.LittleEndian.Uint32(m.Bytes(root+4, 4))))
		for off := uint64(36); off+esize <= uint64(len(rt)); off += esize {
			t := uint64(binary.LittleEndian.Uint32(rt[off:]))
			if esize == 8 {
				t = binary.LittleEndian.Uint64(rt[off:])
			}
			if err := addTable(m, add, t); err != nil {
				return nil, err
			}
			if string(m.Bytes(t, 4)) == "FACP" {
				f := m.Bytes(t, uint64(binary.LittleEndian.Uint32(m.Bytes(t+4, 4))))
				if err := add(uint64(binary.LittleEndian.Uint32(f[40:])), 36); err != nil { // DSDT header
					return nil, err
				}
				if err := addTable(m, add, uint64(binary.LittleEndian.Uint32(f[36:]))); err != nil { // FACS
					return nil, err
				}
			}
		}
	}
	if mpf, ok := findMPF(m, ebda); ok {
		if err := add(mpf, 16); err != nil {
			return nil, err
		}
		if phys := uint64(binary.LittleEndian.Uint32(m.Bytes(mpf+4, 4))); phys != 0 {
			h := m.Bytes(phys, 44)
			if h == nil {
				return nil, fmt.Errorf("MP configuration table at %#x is not in the dump", phys)
			}
			n := uint64(binary.LittleEndian.Uint16(h[4:])) + uint64(binary.LittleEndian.Uint16(h[40:]))
			if err := add(phys, n); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out, nil
}

func addTable(m Mem, add func(pa, size uint64) error, pa uint64) error {
	h := m.Bytes(pa, 8)
	if h == nil {
		return fmt.Errorf("table at %#x is not in the dump", pa)
	}
	return add(pa, uint64(binary.LittleEndian.Uint32(h[4:])))
}

func findRSDP(m Mem, ebda uint64) (uint64, bool) {
	windows := [][2]uint64{{0xe0000, 0x20000}}
	if ebda > 0x400 && ebda < 0xa0000 {
		windows = append([][2]uint64{{ebda, 1024}}, windows...)
	}
	for _, w := range windows {
		for a := w[0]; a+20 <= w[0]+w[1]; a += 16 {
			if b := m.Bytes(a, 20); b != nil && string(b[:8]) == "RSD PTR " && sum(b) == 0 {
				return a, true
			}
		}
	}
	return 0, false
}

// findMPF scans where the MP specification (§4 "MP Configuration Table")
// says the floating pointer may be: the first KiB of the EBDA, the last
// KiB of base memory, the BIOS ROM at 0xF0000-0xFFFFF.
func findMPF(m Mem, ebda uint64) (uint64, bool) {
	windows := [][2]uint64{{0, 0x400}, {639 * 0x400, 0x400}, {0xf0000, 0x10000}}
	if ebda != 0 {
		windows = append(windows, [2]uint64{ebda, 0x1000})
	}
	for _, w := range windows {
		for a := w[0]; a+16 <= w[0]+w[1]; a += 16 {
			if b := m.Bytes(a, 16); b != nil && string(b[:4]) == "_MP_" && b[8] == 1 && sum(b) == 0 {
				return a, true
			}
		}
	}
	return 0, false
}

// Write stores chunks in path, under a header comment.
func Write(path, comment string, chunks []Chunk) error {
	var b bytes.Buffer
	for _, l := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	for _, c := range chunks {
		fmt.Fprintf(&b, "%08x %s\n", c.Addr, hex.EncodeToString(c.Data))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Read loads a testdata file.
func Read(path string) ([]Chunk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Chunk
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		a, h, ok := strings.Cut(l, " ")
		addr, err := strconv.ParseUint(a, 16, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s:%d: want \"ADDRESS HEXBYTES\"", path, n)
		}
		data, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, Chunk{addr, data})
	}
	return out, sc.Err()
}

// Load copies chunks into mem (a simulated RAM).
func Load(mem Mem, chunks []Chunk) {
	for _, c := range chunks {
		copy(mem.Bytes(c.Addr, uint64(len(c.Data))), c.Data)
	}
}

// Testdata returns the path of a file in this package's testdata, for the
// tests of other packages.
func Testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", name)
}

// Sparse is memory made of chunks, as dumped from a few ranges of a guest.
type Sparse []Chunk

// Bytes returns the bytes at pa if one chunk holds them all, else nil.
func (s Sparse) Bytes(pa, size uint64) []byte {
	for _, c := range s {
		if pa >= c.Addr && pa-c.Addr <= uint64(len(c.Data)) && size <= uint64(len(c.Data))-(pa-c.Addr) {
			return c.Data[pa-c.Addr : pa-c.Addr+size]
		}
	}
	return nil
}

// Machine is a captured machine's tables in a simulated RAM, with an Osl
// over it that the test's end checks (every mapping undone).
type Machine struct {
	RAM *ktest.RAM
	Osl *Osl
}

// LoadMachine loads testdata/qemu-NAME.tables into 256 MiB of simulated
// RAM.
func LoadMachine(t *testing.T, name string) *Machine {
	t.Helper()
	chunks, err := Read(Testdata("qemu-" + name + ".tables"))
	if err != nil {
		t.Fatal(err)
	}
	ram := ktest.NewRAM(t, 256<<20)
	Load(ram, chunks)
	m := &Machine{RAM: ram, Osl: &Osl{T: t, Mem: ram}}
	t.Cleanup(m.Osl.Check)
	return m
}
