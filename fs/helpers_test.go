package fs_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// The tests call the VFS as the system call layer will: with kernel
// buffers, on the boot task's descriptor table and fs_struct.

const AT_FDCWD = uapi.AT_FDCWD

func boot(t testing.TB) fstest.Counts {
	t.Helper()
	fstest.Boot(t)
	return fstest.Snapshot()
}

func open(path string, flags, mode uint32) int {
	return fs.Do_sys_open(AT_FDCWD, []byte(path), flags, mode)
}

func mustOpen(t testing.TB, path string, flags, mode uint32) int {
	t.Helper()
	fd := open(path, flags, mode)
	if fd < 0 {
		t.Fatalf("open(%q, %#o): %s", path, flags, errname(fd))
	}
	return fd
}

func closefd(t testing.TB, fd int) {
	t.Helper()
	if err := fs.Ksys_close(fd); err != 0 {
		t.Fatalf("close(%d): %s", fd, errname(err))
	}
}

func write(fd int, b []byte) int64 {
	it := fs.Iov_iter_kvec(b)
	return fs.Ksys_write(fd, &it)
}

func read(fd int, b []byte) int64 {
	it := fs.Iov_iter_kvec(b)
	return fs.Ksys_read(fd, &it)
}

func mkdir(path string, mode uint32) int { return fs.Do_mkdirat(AT_FDCWD, []byte(path), mode) }
func unlink(path string) int             { return fs.Do_unlinkat(AT_FDCWD, []byte(path)) }
func rmdir(path string) int              { return fs.Do_rmdir(AT_FDCWD, []byte(path)) }
func symlink(target, path string) int {
	return fs.Do_symlinkat([]byte(target), AT_FDCWD, []byte(path))
}
func link(old, new string) int { return fs.Do_linkat(AT_FDCWD, []byte(old), AT_FDCWD, []byte(new), 0) }
func rename(old, new string, flags uint32) int {
	return fs.Do_renameat2(AT_FDCWD, []byte(old), AT_FDCWD, []byte(new), flags)
}

func stat(path string, flags int) (fs.Kstat, int) {
	var st fs.Kstat
	err := fs.Vfs_fstatat(AT_FDCWD, []byte(path), &st, flags)
	return st, err
}

func readlink(path string) (string, int) {
	buf := make([]byte, 4096)
	it := fs.Iov_iter_kvec(buf)
	n := fs.Do_readlinkat(AT_FDCWD, []byte(path), &it)
	if n < 0 {
		return "", n
	}
	return string(buf[:n]), 0
}

// writeFile creates path with data.
func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	fd := mustOpen(t, path, uapi.O_WRONLY|uapi.O_CREAT|uapi.O_TRUNC, 0o644)
	if n := write(fd, data); n != int64(len(data)) {
		t.Fatalf("write %s: %d of %d", path, n, len(data))
	}
	closefd(t, fd)
}

// readFile reads path whole.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	fd := mustOpen(t, path, uapi.O_RDONLY, 0)
	defer closefd(t, fd)
	var out []byte
	buf := make([]byte, 3000)
	for {
		n := read(fd, buf)
		if n < 0 {
			t.Fatalf("read %s: %s", path, errname(int(n)))
		}
		if n == 0 {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// listdir returns the names getdents64 gives for path (fstest.Listdir).
func listdir(t testing.TB, path string, bufsize int) []string {
	t.Helper()
	return fstest.Listdir(t, path, bufsize)
}

// errname names a negative errno as the host does.
func errname(e int) string {
	if e >= 0 {
		return fmt.Sprint(e)
	}
	return fmt.Sprintf("-%s(%d)", strings.ToUpper(syscall.Errno(-e).Error()), -e)
}

func wantErr(t testing.TB, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %s, want %s", what, errname(got), errname(want))
	}
}

var dirSeq int

// tmpdir makes a fresh directory for one test.
func tmpdir(t testing.TB) string {
	t.Helper()
	dirSeq++
	d := fmt.Sprintf("/t%d", dirSeq)
	if err := mkdir(d, 0o755); err != 0 {
		t.Fatalf("mkdir %s: %s", d, errname(err))
	}
	return d
}

// statBytes is struct stat as the system call copies it out.
func statBytes(st *fs.Kstat) []byte {
	var s uapi.Stat
	fs.Cp_new_stat(st, &s)
	return unsafe.Slice((*byte)(unsafe.Pointer(&s)), unsafe.Sizeof(s))
}

// hostCopyToUser and hostCopyFromUser are Uaccess for tests: "user"
// addresses are the test's own memory.
func hostCopyToUser(to uintptr, from []byte) int {
	copy(unsafe.Slice((*byte)(unsafe.Add(nil, to)), len(from)), from)
	return 0
}

func hostCopyFromUser(to []byte, from uintptr) int {
	copy(to, unsafe.Slice((*byte)(unsafe.Add(nil, from)), len(to)))
	return 0
}

func addrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

func uintptrOf(p *byte) uintptr { return uintptr(unsafe.Pointer(p)) }
