// Package fstest boots the memory manager and the VFS over simulated RAM
// for the host tests of fs/ and the packages above it: memblock, the
// buddy allocator's handover, then the VFS with rootfs mounted as "/",
// as start_kernel runs them. It is test support, never linked into the
// kernel.
package fstest

import (
	"strings"
	"sync"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/fs"
	"gokern/fs/ramfs"
	"gokern/internal/ktest"
	"gokern/memblock"
	"gokern/mm"
)

var (
	once    sync.Once
	machine *Machine
)

// Machine is the booted simulated machine.
type Machine struct {
	RAM *ktest.RAM
	Log *ktest.Capture // everything printk printed
}

// ramSize: enough for the tests' files, small enough that running out
// of memory is quick to reach.
const ramSize = 128 << 20

// Boot boots the machine once per test process and returns it. Tests
// share it as processes share a kernel: each works in its own directory
// and leaves the object counts as it found them.
func Boot(t testing.TB) *Machine {
	t.Helper()
	once.Do(func() {
		ram := ktest.NewRAM(&noCleanup{TB: t}, ramSize)
		log := ktest.StartCapture(&noCleanup{TB: t})
		bootmem.Init(nil)
		memblock.Init(ram)
		memblock.Memblock_allow_resize()
		for _, r := range [][2]uint64{{0x1000, 0x9f000}, {0x100000, ramSize}} {
			memblock.Memblock_add(r[0], r[1]-r[0])
		}
		memblock.Memblock_reserve(0, 0x1000)
		memblock.Memblock_reserve(16<<20, 2<<20)
		max := uint64(ramSize) >> asm.PAGE_SHIFT
		maxz := [mm.MAX_NR_ZONES]uint64{min(mm.MAX_DMA_PFN, max), min(mm.MAX_DMA32_PFN, max), max}
		if !mm.Free_area_init(&maxz, ram) {
			t.Fatalf("free_area_init failed\n%s", strings.Join(log.Lines(), "\n"))
		}
		mm.Mm_init()
		if err := fs.Vfs_caches_init(&ramfs.Rootfs_fs_type); err != 0 {
			t.Fatalf("vfs_caches_init: %d", err)
		}
		if err := ramfs.Init_ramfs_fs(); err != 0 {
			t.Fatalf("init_ramfs_fs: %d", err)
		}
		machine = &Machine{RAM: ram, Log: log}
	})
	if machine == nil {
		t.Fatal("the machine did not boot")
	}
	return machine
}

// noCleanup keeps the RAM mapped for the whole process: the first test's
// cleanup must not unmap what later tests use.
type noCleanup struct{ testing.TB }

func (noCleanup) Cleanup(func()) {}

// Counts are the VFS's live objects.
type Counts struct {
	Inodes, Dentries, Files uint64
	FreePages               uint64
}

// Snapshot reads them.
func Snapshot() Counts {
	return Counts{fs.Nr_inodes(), fs.Nr_dentry(), fs.Nr_files(), mm.Nr_free_pages()}
}

// CheckLeaks fails t if inodes, dentries or files were left behind since
// before, or a reference-count bug was found.
func CheckLeaks(t testing.TB, before Counts) {
	t.Helper()
	after := Snapshot()
	if after.Inodes != before.Inodes || after.Dentries != before.Dentries || after.Files != before.Files {
		t.Fatalf("leak: inodes %d→%d, dentries %d→%d, files %d→%d", before.Inodes, after.Inodes,
			before.Dentries, after.Dentries, before.Files, after.Files)
	}
	if fs.Vfs_bugs != 0 {
		t.Fatalf("%d VFS reference-count bugs reported", fs.Vfs_bugs)
	}
}
