package fs_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// TestAgainstHostLinux: the same random sequence of file system calls
// on gokern's VFS and on the host's Linux (in a temporary directory)
// must give the same results — every errno — and leave the same tree.
// Linux is the specification.
func TestAgainstHostLinux(t *testing.T) {
	before := boot(t)
	// The same umask as the boot task's.
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for seed := int64(1); seed <= 100; seed++ {
		hostRoot := t.TempDir()
		ours := tmpdir(t)
		runModel(t, seed, 400, hostRoot, ours)
		removeAll(t, ours)
	}
	fstest.CheckLeaks(t, before)
}

// checkEveryStep compares the trees after every call (slower; finds the
// first divergence).
var checkEveryStep = true

var names = []string{"a", "b", "c", "a/x", "a/y", "b/x", "a/x/z", "c/../a", "a/./y", "l", "a/l", "b/x/", "a/"}

func pick(r *rand.Rand) string { return names[r.Intn(len(names))] }

func runModel(t *testing.T, seed int64, steps int, hostRoot, ours string) {
	r := rand.New(rand.NewSource(seed))
	h := func(p string) string { return hostRoot + "/" + p }
	o := func(p string) string { return ours + "/" + p }
	herr := func(err error) int {
		if err == nil {
			return 0
		}
		if e, ok := err.(syscall.Errno); ok {
			return -int(e)
		}
		t.Fatalf("host: %v", err)
		return 0
	}
	var log []string
	for step := 0; step < steps; step++ {
		var what string
		var got, want int
		switch op := r.Intn(12); op {
		case 0:
			p := pick(r)
			what = "mkdir " + p
			got, want = mkdir(o(p), 0o755), herr(syscall.Mkdir(h(p), 0o755))
		case 1:
			p := pick(r)
			flags := []uint32{uapi.O_CREAT | uapi.O_EXCL | uapi.O_WRONLY, uapi.O_CREAT | uapi.O_TRUNC | uapi.O_WRONLY,
				uapi.O_RDONLY, uapi.O_RDONLY | uapi.O_DIRECTORY, uapi.O_RDWR | uapi.O_NOFOLLOW, uapi.O_WRONLY | uapi.O_CREAT,
				uapi.O_WRONLY | uapi.O_APPEND}[r.Intn(7)]
			what = fmt.Sprintf("open %s %#o", p, flags)
			fd := open(o(p), flags, 0o644)
			hfd, err := syscall.Open(h(p), int(flags), 0o644)
			got, want = min(fd, 0), herr(err)
			data := strings.Repeat("d", r.Intn(9000))
			if fd >= 0 {
				if flags&uapi.O_ACCMODE != uapi.O_RDONLY {
					write(fd, []byte(data))
				}
				fs.Ksys_close(fd)
			}
			if err == nil {
				if flags&uapi.O_ACCMODE != uapi.O_RDONLY {
					syscall.Write(hfd, []byte(data))
				}
				syscall.Close(hfd)
			}
		case 2:
			p := pick(r)
			what = "unlink " + p
			got, want = unlink(o(p)), herr(syscall.Unlink(h(p)))
		case 3:
			p := pick(r)
			what = "rmdir " + p
			got, want = rmdir(o(p)), herr(syscall.Rmdir(h(p)))
		case 4, 5:
			a, b := pick(r), pick(r)
			flags := []uint32{0, 0, uapi.RENAME_NOREPLACE, uapi.RENAME_EXCHANGE}[r.Intn(4)]
			what = fmt.Sprintf("rename %s %s %d", a, b, flags)
			got = rename(o(a), o(b), flags)
			want = herr(renameat2(h(a), h(b), flags))
		case 6:
			target, p := []string{"a", "b/x", "x", "l", "a/x/z", "b"}[r.Intn(6)], pick(r)
			what = "symlink " + target + " " + p
			got, want = symlink(target, o(p)), herr(syscall.Symlink(target, h(p)))
		case 7:
			a, b := pick(r), pick(r)
			what = "link " + a + " " + b
			got, want = link(o(a), o(b)), herr(syscall.Link(h(a), h(b)))
		case 8:
			p := pick(r)
			what = "truncate " + p
			n := int64(r.Intn(10000))
			got, want = fs.Do_sys_truncate([]byte(o(p)), n), herr(syscall.Truncate(h(p), n))
		case 9:
			p := pick(r)
			what = "stat " + p
			st, err := stat(o(p), 0)
			var hs syscall.Stat_t
			got, want = err, herr(syscall.Stat(h(p), &hs))
			if got == 0 && want == 0 && (st.Mode != hs.Mode || st.Mode&uapi.S_IFMT == uapi.S_IFREG && st.Size != hs.Size) {
				t.Fatalf("seed %d step %d: stat %s: ours mode %#o size %d, host %#o %d", seed, step, p, st.Mode, st.Size, hs.Mode, hs.Size)
			}
		case 10:
			p := pick(r)
			what = "lstat " + p
			_, err := stat(o(p), uapi.AT_SYMLINK_NOFOLLOW)
			var hs syscall.Stat_t
			got, want = err, herr(syscall.Lstat(h(p), &hs))
		case 11:
			p := pick(r)
			what = "readlink " + p
			s, err := readlink(o(p))
			buf := make([]byte, 256)
			n, herr2 := syscall.Readlink(h(p), buf)
			got, want = err, herr(herr2)
			if got == 0 && want == 0 && s != string(buf[:n]) {
				t.Fatalf("seed %d step %d: readlink %s: %q, host %q", seed, step, p, s, buf[:n])
			}
		}
		log = append(log, fmt.Sprintf("%s → %s", what, errname(want)))
		if checkEveryStep {
			if ht, ot := hostTree(t, hostRoot), ourTree(t, ours); !slices.Equal(ht, ot) {
				t.Fatalf("seed %d step %d: after %s trees differ\nhost:\n%s\nours:\n%s\nhistory:\n%s", seed, step, what,
					strings.Join(ht, "\n"), strings.Join(ot, "\n"), strings.Join(log[max(0, len(log)-15):], "\n"))
			}
		}
		if got != want {
			t.Fatalf("seed %d step %d: %s = %s, host Linux says %s\nhistory:\n%s", seed, step, what, errname(got), errname(want),
				strings.Join(log[max(0, len(log)-15):], "\n"))
		}
	}
	// The trees must match.
	ht, ot := hostTree(t, hostRoot), ourTree(t, ours)
	if !slices.Equal(ht, ot) {
		t.Fatalf("seed %d: trees differ\nhost:\n%s\nours:\n%s", seed, strings.Join(ht, "\n"), strings.Join(ot, "\n"))
	}
}

// renameat2 on the host.
func renameat2(a, b string, flags uint32) error {
	pa, _ := syscall.BytePtrFromString(a)
	pb, _ := syscall.BytePtrFromString(b)
	const SYS_RENAMEAT2 = 316
	_, _, e := syscall.Syscall6(SYS_RENAMEAT2, uintptr(uapi.AT_FDCWD&0xffffffff)|^uintptr(0xffffffff), uintptrOf(pa),
		uintptr(uapi.AT_FDCWD&0xffffffff)|^uintptr(0xffffffff), uintptrOf(pb), uintptr(flags), 0)
	if e != 0 {
		return e
	}
	return nil
}

// hostTree lists a host tree: path, type, size or target, link count.
func hostTree(t *testing.T, root string) []string {
	var out []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel := p[len(root):]
		st := info.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %o %d", rel, st.Mode&uapi.S_IFMT, st.Nlink)
		switch st.Mode & uapi.S_IFMT {
		case uapi.S_IFREG:
			line += fmt.Sprintf(" size=%d", st.Size)
		case uapi.S_IFLNK:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		out = append(out, line)
		return nil
	})
	slices.Sort(out)
	return out
}

// ourTree lists ours the same way, through getdents64 and lstat.
func ourTree(t *testing.T, root string) []string {
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		for _, n := range listdir(t, root+dir, 4096) {
			p := dir + "/" + n
			st, err := stat(root+p, uapi.AT_SYMLINK_NOFOLLOW)
			if err != 0 {
				t.Fatalf("lstat %s: %s", p, errname(err))
			}
			line := fmt.Sprintf("%s %o %d", p, st.Mode&uapi.S_IFMT, st.Nlink)
			switch st.Mode & uapi.S_IFMT {
			case uapi.S_IFREG:
				line += fmt.Sprintf(" size=%d", st.Size)
			case uapi.S_IFLNK:
				target, _ := readlink(root + p)
				line += " -> " + target
			case uapi.S_IFDIR:
				walk(p)
			}
			out = append(out, line)
		}
	}
	walk("")
	slices.Sort(out)
	return out
}
