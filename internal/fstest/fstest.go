// Package fstest boots the memory manager and the VFS over simulated RAM
// for the host tests of fs/ and the packages above it: mm as
// internal/mmtest boots it (memblock, the buddy allocator, slab), then
// the VFS with rootfs mounted as "/", as start_kernel runs them. It is
// test support, never linked into the kernel.
package fstest

import (
	"sync"
	"syscall"
	"testing"

	"gokern/fs"
	"gokern/fs/ramfs"
	"gokern/include/uapi"
	"gokern/internal/mmtest"
	"gokern/mm"
)

var (
	once    sync.Once
	machine *Machine
)

// Machine is the booted simulated machine.
type Machine struct {
	*mmtest.Machine
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
		m := mmtest.Boot(noCleanup{t}, ramSize, nil)
		if err := fs.Vfs_caches_init(&ramfs.Rootfs_fs_type); err != 0 {
			t.Fatalf("vfs_caches_init: %d", err)
		}
		if err := ramfs.Init_ramfs_fs(); err != 0 {
			t.Fatalf("init_ramfs_fs: %d", err)
		}
		machine = &Machine{m}
	})
	if machine == nil {
		t.Fatal("the machine did not boot")
	}
	return machine
}

// noCleanup keeps the machine for the whole process: the first test's
// cleanups (unmapping the RAM, resetting mm) must not undo what later
// tests use.
type noCleanup struct{ testing.TB }

func (noCleanup) Cleanup(func()) {}

// Lines is everything printk printed.
func (m *Machine) Lines() []string { return m.Log.Lines() }

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

// Listdir returns the names getdents64 gives for the directory path, read
// bufsize bytes at a time and parsed by the host's syscall.ParseDirent
// (the layout check), which leaves out "." and "..".
func Listdir(t testing.TB, path string, bufsize int) []string {
	t.Helper()
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte(path), uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	if fd < 0 {
		t.Fatalf("open %s: %d", path, fd)
	}
	defer fs.Ksys_close(fd)
	var names []string
	buf := make([]byte, bufsize)
	for {
		it := fs.Iov_iter_kvec(buf)
		n := fs.Ksys_getdents64(fd, &it)
		if n < 0 {
			t.Fatalf("getdents64(%s): %d", path, n)
		}
		if n == 0 {
			return names
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
}
