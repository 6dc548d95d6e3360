package fs_test

import (
	"bytes"
	"math/rand"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// TestFileRoundTrip: files of many sizes, written in odd pieces, read
// back, with holes reading as zeros and the sizes and block counts stat
// reports.
func TestFileRoundTrip(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	r := rand.New(rand.NewSource(1))
	for _, size := range []int{0, 1, 4095, 4096, 4097, 100000, 2<<20 + 3} {
		data := make([]byte, size)
		r.Read(data)
		path := d + "/f"
		fd := mustOpen(t, path, uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o600)
		for off := 0; off < size; {
			n := min(size-off, 1+r.Intn(9000))
			if w := write(fd, data[off:off+n]); w != int64(n) {
				t.Fatalf("write: %d", w)
			}
			off += n
		}
		if got := fs.Ksys_lseek(fd, 0, uapi.SEEK_CUR); got != int64(size) {
			t.Fatalf("position after writing %d bytes: %d", size, got)
		}
		closefd(t, fd)
		if got := readFile(t, path); !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes, differ", size, len(got))
		}
		st, err := stat(path, 0)
		if err != 0 || st.Size != int64(size) || st.Blocks != uint64((size+4095)/4096*8) || st.Mode != uapi.S_IFREG|0o600 || st.Nlink != 1 {
			t.Fatalf("stat: %s %+v", errname(err), st)
		}
		wantErr(t, "unlink", unlink(path), 0)
	}
	// A hole: write at 1 MiB into an empty file.
	fd := mustOpen(t, d+"/hole", uapi.O_RDWR|uapi.O_CREAT, 0o644)
	buf := make([]byte, 10)
	it := fs.Iov_iter_kvec([]byte("end"))
	if n := fs.Ksys_pwrite64(fd, &it, 1<<20); n != 3 {
		t.Fatalf("pwrite: %d", n)
	}
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Ksys_pread64(fd, &it, 1<<20-7); n != 10 || string(buf) != "\x00\x00\x00\x00\x00\x00\x00end" {
		t.Fatalf("pread across the hole: %d %q", n, buf)
	}
	if pos := fs.Ksys_lseek(fd, 0, uapi.SEEK_CUR); pos != 0 {
		t.Fatalf("pread/pwrite moved the position to %d", pos)
	}
	st, _ := stat(d+"/hole", 0)
	if st.Size != 1<<20+3 || st.Blocks != 8 {
		t.Fatalf("holey file: size %d blocks %d, want %d and 8", st.Size, st.Blocks, 1<<20+3)
	}
	// O_APPEND, O_TRUNC, lseek SEEK_END/DATA/HOLE.
	if fs.Ksys_lseek(fd, -3, uapi.SEEK_END) != 1<<20 || fs.Ksys_lseek(fd, 5, uapi.SEEK_HOLE) != 1<<20+3 ||
		fs.Ksys_lseek(fd, 1<<20+3, uapi.SEEK_DATA) != -uapi.ENXIO || fs.Ksys_lseek(fd, -1, uapi.SEEK_SET) != -uapi.EINVAL {
		t.Fatalf("lseek")
	}
	closefd(t, fd)
	fd = mustOpen(t, d+"/hole", uapi.O_WRONLY|uapi.O_APPEND, 0)
	write(fd, []byte("!"))
	closefd(t, fd)
	if st, _ := stat(d+"/hole", 0); st.Size != 1<<20+4 {
		t.Fatalf("O_APPEND: size %d", st.Size)
	}
	fd = mustOpen(t, d+"/hole", uapi.O_RDONLY|uapi.O_TRUNC, 0)
	closefd(t, fd)
	if st, _ := stat(d+"/hole", 0); st.Size != 0 || st.Blocks != 0 {
		t.Fatalf("O_TRUNC: size %d blocks %d", st.Size, st.Blocks)
	}
	unlink(d + "/hole")
	rmdir(d)
	fstest.CheckLeaks(t, before)
}

// TestErrnos: the errors Linux gives, for the same mistakes.
func TestErrnos(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	writeFile(t, d+"/file", []byte("x"))
	mkdir(d+"/dir", 0o755)
	writeFile(t, d+"/dir/inner", nil)
	long := strings.Repeat("n", 256)
	cases := []struct {
		what string
		got  int
		want int
	}{
		{"open missing", open(d+"/missing", uapi.O_RDONLY, 0), -uapi.ENOENT},
		{"open through a file", open(d+"/file/x", uapi.O_RDONLY, 0), -uapi.ENOTDIR},
		{"open O_CREAT|O_EXCL existing", open(d+"/file", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY, 0o644), -uapi.EEXIST},
		{"open dir for write", open(d+"/dir", uapi.O_WRONLY, 0), -uapi.EISDIR},
		{"open file O_DIRECTORY", open(d+"/file", uapi.O_RDONLY|uapi.O_DIRECTORY, 0), -uapi.ENOTDIR},
		{"open file/ ", open(d+"/file/", uapi.O_RDONLY, 0), -uapi.ENOTDIR},
		{"open O_CREAT name/", open(d+"/new/", uapi.O_CREAT|uapi.O_WRONLY, 0o644), -uapi.EISDIR},
		{"open name too long", open(d+"/"+long, uapi.O_RDONLY, 0), -uapi.ENAMETOOLONG},
		{"open empty", open("", uapi.O_RDONLY, 0), -uapi.ENOENT},
		{"mkdir existing", mkdir(d+"/dir", 0o755), -uapi.EEXIST},
		{"mkdir existing file", mkdir(d+"/file", 0o755), -uapi.EEXIST},
		{"mkdir in missing", mkdir(d+"/missing/x", 0o755), -uapi.ENOENT},
		{"mkdir through file", mkdir(d+"/file/x", 0o755), -uapi.ENOTDIR},
		{"mkdir /", mkdir("/", 0o755), -uapi.EEXIST},
		{"mkdir .", mkdir(d+"/.", 0o755), -uapi.EEXIST},
		{"mkdir long", mkdir(d+"/"+long, 0o755), -uapi.ENAMETOOLONG},
		{"rmdir not empty", rmdir(d + "/dir"), -uapi.ENOTEMPTY},
		{"rmdir file", rmdir(d + "/file"), -uapi.ENOTDIR},
		{"rmdir missing", rmdir(d + "/missing"), -uapi.ENOENT},
		{"rmdir .", rmdir(d + "/dir/."), -uapi.EINVAL},
		{"rmdir ..", rmdir(d + "/dir/.."), -uapi.ENOTEMPTY},
		{"rmdir /", rmdir("/"), -uapi.EBUSY},
		{"unlink dir", unlink(d + "/dir"), -uapi.EISDIR},
		{"unlink missing", unlink(d + "/missing"), -uapi.ENOENT},
		{"unlink file/", unlink(d + "/file/"), -uapi.ENOTDIR},
		{"unlink .", unlink(d + "/."), -uapi.EISDIR},
		{"close bad", fs.Ksys_close(12345), -uapi.EBADF},
		{"close negative", fs.Ksys_close(-1), -uapi.EBADF},
		{"dup bad", fs.Ksys_dup(999), -uapi.EBADF},
		{"dup3 same", fs.Ksys_dup3(0, 0, 0), -uapi.EINVAL},
		{"dup3 flags", fs.Ksys_dup3(0, 1, 1), -uapi.EINVAL},
		{"dup2 bad to", fs.Ksys_dup2(999, 3), -uapi.EBADF},
		{"dup2 huge", fs.Ksys_dup2(0, 1<<20), -uapi.EBADF},
		{"link dir", link(d+"/dir", d+"/dirlink"), -uapi.EPERM},
		{"link existing", link(d+"/file", d+"/dir/inner"), -uapi.EEXIST},
		{"symlink empty", symlink("", d+"/empty"), -uapi.ENOENT},
		{"chdir file", fs.Ksys_chdir([]byte(d + "/file")), -uapi.ENOTDIR},
		{"truncate dir", fs.Do_sys_truncate([]byte(d+"/dir"), 0), -uapi.EISDIR},
		{"readlink file", func() int { _, e := readlink(d + "/file"); return e }(), -uapi.EINVAL},
		{"mount unknown fs", fs.Do_mount([]byte("x"), []byte(d+"/dir"), []byte("nosuchfs"), 0, nil), -uapi.ENODEV},
		{"mount on file", fs.Do_mount([]byte("x"), []byte(d+"/file"), []byte("tmpfs"), 0, nil), -uapi.ENOTDIR},
		{"umount not a mount", fs.Ksys_umount([]byte(d), 0), -uapi.EINVAL},
		{"umount /", fs.Ksys_umount([]byte("/"), 0), -uapi.EBUSY},
		{"pipe2 bad flags", fs.Do_pipe2(new([2]int), uapi.O_APPEND), -uapi.EINVAL},
		{"fcntl bad fd", int(fs.Do_fcntl(999, uapi.F_GETFL, 0)), -uapi.EBADF},
		{"getdents on file", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			it := fs.Iov_iter_kvec(make([]byte, 100))
			return fs.Ksys_getdents64(fd, &it)
		}(), -uapi.ENOTDIR},
		{"getdents buffer too small", func() int {
			fd := mustOpen(t, d, uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			it := fs.Iov_iter_kvec(make([]byte, 10))
			return fs.Ksys_getdents64(fd, &it)
		}(), -uapi.EINVAL},
		{"read dir", func() int {
			fd := mustOpen(t, d, uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			return int(read(fd, make([]byte, 10)))
		}(), -uapi.EISDIR},
		{"write O_RDONLY", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			return int(write(fd, []byte("x")))
		}(), -uapi.EBADF},
		{"read O_WRONLY", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_WRONLY, 0)
			defer closefd(t, fd)
			return int(read(fd, make([]byte, 1)))
		}(), -uapi.EBADF},
		{"read O_PATH", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_PATH, 0)
			defer closefd(t, fd)
			return int(read(fd, make([]byte, 1)))
		}(), -uapi.EBADF},
		{"pread negative", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			it := fs.Iov_iter_kvec(make([]byte, 1))
			return int(fs.Ksys_pread64(fd, &it, -1))
		}(), -uapi.EINVAL},
		{"lseek bad whence", func() int {
			fd := mustOpen(t, d+"/file", uapi.O_RDONLY, 0)
			defer closefd(t, fd)
			return int(fs.Ksys_lseek(fd, 0, 7))
		}(), -uapi.EINVAL},
	}
	for _, c := range cases {
		wantErr(t, c.what, c.got, c.want)
	}
	unlink(d + "/dir/inner")
	rmdir(d + "/dir")
	unlink(d + "/file")
	rmdir(d)
	fstest.CheckLeaks(t, before)
}

// TestSymlinks: relative and absolute links, chains, links in the middle
// and at the end, dangling links with O_CREAT, loops, O_NOFOLLOW and
// lstat.
func TestSymlinks(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	mkdir(d+"/a", 0o755)
	mkdir(d+"/a/b", 0o755)
	writeFile(t, d+"/a/b/target", []byte("found"))
	steps := []struct{ link, target string }{
		{d + "/rel", "a/b/target"},
		{d + "/abs", d + "/a/b/target"},
		{d + "/dirlink", "a/b"},
		{d + "/chain1", "chain2"},
		{d + "/chain2", "dirlink/target"},
		{d + "/a/up", "../a/b"},
		{d + "/loop1", "loop2"},
		{d + "/loop2", "loop1"},
		{d + "/dangling", "a/newfile"},
		{d + "/self", "self"},
	}
	for _, s := range steps {
		if err := symlink(s.target, s.link); err != 0 {
			t.Fatalf("symlink %s -> %s: %s", s.link, s.target, errname(err))
		}
	}
	for _, p := range []string{"/rel", "/abs", "/dirlink/target", "/chain1", "/a/up/target", "/a/up/../up/target", "/dirlink/../b/target", "/chain2"} {
		if got := readFile(t, d+p); string(got) != "found" {
			t.Errorf("%s: %q", p, got)
		}
	}
	wantErr(t, "loop", open(d+"/loop1", uapi.O_RDONLY, 0), -uapi.ELOOP)
	wantErr(t, "self", open(d+"/self/x", uapi.O_RDONLY, 0), -uapi.ELOOP)
	wantErr(t, "O_NOFOLLOW", open(d+"/rel", uapi.O_RDONLY|uapi.O_NOFOLLOW, 0), -uapi.ELOOP)
	wantErr(t, "O_CREAT|O_EXCL on a symlink", open(d+"/dangling", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY, 0o644), -uapi.EEXIST)
	// O_CREAT without O_EXCL creates the dangling link's target (Linux).
	fd := mustOpen(t, d+"/dangling", uapi.O_CREAT|uapi.O_WRONLY, 0o644)
	closefd(t, fd)
	if _, err := stat(d+"/a/newfile", 0); err != 0 {
		t.Errorf("O_CREAT through a dangling symlink did not create its target: %s", errname(err))
	}
	if st, err := stat(d+"/rel", uapi.AT_SYMLINK_NOFOLLOW); err != 0 || st.Mode != uapi.S_IFLNK|0o777 || st.Size != int64(len("a/b/target")) {
		t.Errorf("lstat: %s %+v", errname(err), st)
	}
	if st, _ := stat(d+"/rel", 0); st.Mode&uapi.S_IFMT != uapi.S_IFREG {
		t.Errorf("stat follows: mode %#o", st.Mode)
	}
	if s, err := readlink(d + "/chain1"); err != 0 || s != "chain2" {
		t.Errorf("readlink: %q %s", s, errname(err))
	}
	// A chain of 40 symlinks resolves; 41 is ELOOP (MAXSYMLINKS).
	mkdir(d+"/c", 0o755)
	writeFile(t, d+"/c/l0", []byte("end"))
	for i := 1; i <= 41; i++ {
		symlink("l"+itoa(i-1), d+"/c/l"+itoa(i))
	}
	if got := readFile(t, d+"/c/l40"); string(got) != "end" {
		t.Errorf("40 links: %q", got)
	}
	wantErr(t, "41 links", open(d+"/c/l41", uapi.O_RDONLY, 0), -uapi.ELOOP)
	// A symlink as an intermediate directory with trailing slashes.
	if fd := open(d+"/dirlink/", uapi.O_RDONLY|uapi.O_DIRECTORY, 0); fd < 0 {
		t.Errorf("dirlink/: %s", errname(fd))
	} else {
		closefd(t, fd)
	}
	wantErr(t, "symlink to a file with a slash", open(d+"/rel/", uapi.O_RDONLY, 0), -uapi.ENOTDIR)
	// O_PATH|O_NOFOLLOW opens the symlink itself.
	fd = mustOpen(t, d+"/rel", uapi.O_PATH|uapi.O_NOFOLLOW, 0)
	var st fs.Kstat
	if fs.Vfs_fstat(fd, &st) != 0 || st.Mode&uapi.S_IFMT != uapi.S_IFLNK {
		t.Errorf("O_PATH|O_NOFOLLOW: mode %#o", st.Mode)
	}
	closefd(t, fd)
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// removeAll removes a tree, listing directories with getdents64.
func removeAll(t testing.TB, path string) {
	t.Helper()
	st, err := stat(path, uapi.AT_SYMLINK_NOFOLLOW)
	if err != 0 {
		return
	}
	if st.Mode&uapi.S_IFMT != uapi.S_IFDIR {
		wantErr(t, "unlink "+path, unlink(path), 0)
		return
	}
	for _, n := range listdir(t, path, 4096) {
		if n != "." && n != ".." {
			removeAll(t, path+"/"+n)
		}
	}
	wantErr(t, "rmdir "+path, rmdir(path), 0)
}

// TestDotsMountsCwd: "." and "..", crossing into and out of mounts,
// ".." at the root, chdir and getcwd, and a removed working directory.
func TestDotsMountsCwd(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	mkdir(d+"/mnt", 0o755)
	writeFile(t, d+"/mnt/under", []byte("hidden"))
	if err := fs.Do_mount([]byte("tmp"), []byte(d+"/mnt"), []byte("tmpfs"), uapi.MS_NOSUID, []byte("mode=700")); err != 0 {
		t.Fatalf("mount: %s", errname(err))
	}
	wantErr(t, "the covered file", open(d+"/mnt/under", uapi.O_RDONLY, 0), -uapi.ENOENT)
	writeFile(t, d+"/mnt/over", []byte("on tmpfs"))
	if st, _ := stat(d+"/mnt", 0); st.Mode != uapi.S_IFDIR|0o700 {
		t.Errorf("tmpfs root mode %#o, want 040700", st.Mode)
	}
	for _, p := range []string{"/mnt/../mnt/over", "/mnt/./over", "/mnt/.././mnt/over", "/../../mnt/over"} {
		path := d + p
		if p == "/../../mnt/over" {
			path = "/.." + d + "/mnt/over" // ".." at "/" stays at "/"
		}
		if got := readFile(t, path); string(got) != "on tmpfs" {
			t.Errorf("%s: %q", path, got)
		}
	}
	wantErr(t, "chdir", fs.Ksys_chdir([]byte(d+"/mnt")), 0)
	buf := make([]byte, 256)
	if n := fs.Ksys_getcwd(buf); n != len(d+"/mnt")+1 || string(buf[:n-1]) != d+"/mnt" {
		t.Errorf("getcwd = %d %q", n, buf[:max(n, 0)])
	}
	wantErr(t, "getcwd small", fs.Ksys_getcwd(buf[:3]), -uapi.ERANGE)
	if got := readFile(t, "../mnt/over"); string(got) != "on tmpfs" {
		t.Errorf("relative ..: %q", got)
	}
	wantErr(t, "umount busy (cwd)", fs.Ksys_umount([]byte(d+"/mnt"), 0), -uapi.EBUSY)
	fs.Ksys_chdir([]byte("/"))
	fd := mustOpen(t, d+"/mnt/over", uapi.O_RDONLY, 0)
	wantErr(t, "umount busy (open file)", fs.Ksys_umount([]byte(d+"/mnt"), 0), -uapi.EBUSY)
	closefd(t, fd)
	wantErr(t, "mount the same place twice is allowed (stacks)", fs.Do_mount([]byte("tmp2"), []byte(d+"/mnt"), []byte("tmpfs"), 0, nil), 0)
	wantErr(t, "the stacked mount hides the first", open(d+"/mnt/over", uapi.O_RDONLY, 0), -uapi.ENOENT)
	wantErr(t, "umount the top", fs.Ksys_umount([]byte(d+"/mnt"), 0), 0)
	if got := readFile(t, d+"/mnt/over"); string(got) != "on tmpfs" {
		t.Errorf("after umount of the top: %q", got)
	}
	// /proc/mounts before umount.
	m := showMounts()
	if !strings.Contains(m, "rootfs / rootfs rw 0 0\n") || !strings.Contains(m, "tmp "+d+"/mnt tmpfs rw,nosuid,relatime,mode=700 0 0\n") {
		t.Errorf("/proc/mounts:\n%s", m)
	}
	wantErr(t, "umount", fs.Ksys_umount([]byte(d+"/mnt"), 0), 0)
	if got := readFile(t, d+"/mnt/under"); string(got) != "hidden" {
		t.Errorf("after umount: %q", got)
	}
	// Lazy umount with an open file: the mount leaves the tree at once,
	// the file works until closed.
	fs.Do_mount([]byte("lazy"), []byte(d+"/mnt"), []byte("tmpfs"), 0, nil)
	writeFile(t, d+"/mnt/f", []byte("still here"))
	fd = mustOpen(t, d+"/mnt/f", uapi.O_RDONLY, 0)
	wantErr(t, "umount MNT_DETACH", fs.Ksys_umount([]byte(d+"/mnt"), uapi.MNT_DETACH), 0)
	if strings.Contains(showMounts(), "lazy") {
		t.Errorf("detached mount still listed")
	}
	b := make([]byte, 20)
	if n := read(fd, b); string(b[:n]) != "still here" {
		t.Errorf("read after detach: %q", b[:n])
	}
	closefd(t, fd)
	// A removed working directory: getcwd is ENOENT, creating in it
	// ENOENT, and "." still works for stat.
	mkdir(d+"/gone", 0o755)
	fs.Ksys_chdir([]byte(d + "/gone"))
	rmdir(d + "/gone")
	wantErr(t, "getcwd of a removed dir", fs.Ksys_getcwd(buf), -uapi.ENOENT)
	wantErr(t, "create in a removed dir", open("x", uapi.O_CREAT|uapi.O_WRONLY, 0o644), -uapi.ENOENT)
	fs.Ksys_chdir([]byte("/"))
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}

func showMounts() string {
	var m fs.Seq_file
	m.Buf = make([]byte, 4096)
	fs.Show_mounts(&m)
	return string(m.Buf[:m.Count])
}

// TestRename: moves within and across directories, replacing files and
// empty directories, RENAME_NOREPLACE and RENAME_EXCHANGE, and every
// refusal.
func TestRename(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	mkdir(d+"/a", 0o755)
	mkdir(d+"/b", 0o755)
	mkdir(d+"/a/sub", 0o755)
	writeFile(t, d+"/a/f", []byte("f"))
	writeFile(t, d+"/b/g", []byte("g"))
	long := strings.Repeat("L", 200)
	wantErr(t, "move file across dirs, long name", rename(d+"/a/f", d+"/b/"+long, 0), 0)
	if got := readFile(t, d+"/b/"+long); string(got) != "f" {
		t.Errorf("moved file: %q", got)
	}
	wantErr(t, "replace a file", rename(d+"/b/"+long, d+"/b/g", 0), 0)
	if got := readFile(t, d+"/b/g"); string(got) != "f" {
		t.Errorf("replaced: %q", got)
	}
	wantErr(t, "old name gone", open(d+"/b/"+long, uapi.O_RDONLY, 0), -uapi.ENOENT)
	wantErr(t, "dir into itself", rename(d+"/a", d+"/a/sub/x", 0), -uapi.EINVAL)
	wantErr(t, "dir over a file", rename(d+"/a/sub", d+"/b/g", 0), -uapi.ENOTDIR)
	wantErr(t, "file over a dir", rename(d+"/b/g", d+"/a/sub", 0), -uapi.EISDIR)
	mkdir(d+"/b/full", 0o755)
	writeFile(t, d+"/b/full/x", nil)
	wantErr(t, "dir over a non-empty dir", rename(d+"/a/sub", d+"/b/full", 0), -uapi.ENOTEMPTY)
	mkdir(d+"/b/empty", 0o755)
	wantErr(t, "dir over an empty dir", rename(d+"/a/sub", d+"/b/empty", 0), 0)
	if st, _ := stat(d+"/a", 0); st.Nlink != 2 {
		t.Errorf("a's links after its subdir left: %d, want 2", st.Nlink)
	}
	if st, _ := stat(d+"/b", 0); st.Nlink != 4 {
		t.Errorf("b's links: %d, want 4 (., .., full, empty)", st.Nlink)
	}
	wantErr(t, "NOREPLACE existing", rename(d+"/b/g", d+"/b/full/x", uapi.RENAME_NOREPLACE), -uapi.EEXIST)
	wantErr(t, "EXCHANGE missing", rename(d+"/b/g", d+"/b/nothing", uapi.RENAME_EXCHANGE), -uapi.ENOENT)
	wantErr(t, "EXCHANGE", rename(d+"/b/g", d+"/b/full/x", uapi.RENAME_EXCHANGE), 0)
	if got := readFile(t, d+"/b/full/x"); string(got) != "f" {
		t.Errorf("exchanged: %q", got)
	}
	wantErr(t, "both flags", rename(d+"/b/g", d+"/b/x", uapi.RENAME_EXCHANGE|uapi.RENAME_NOREPLACE), -uapi.EINVAL)
	wantErr(t, "missing source", rename(d+"/nothing", d+"/b/y", 0), -uapi.ENOENT)
	wantErr(t, "same file", rename(d+"/b/g", d+"/b/g", 0), 0)
	link(d+"/b/g", d+"/b/hard")
	wantErr(t, "two names of one file", rename(d+"/b/g", d+"/b/hard", 0), 0)
	wantErr(t, "rename .", rename(d+"/b/.", d+"/c", 0), -uapi.EBUSY)
	fs.Do_mount([]byte("t"), []byte(d+"/a"), []byte("tmpfs"), 0, nil)
	writeFile(t, d+"/a/m", nil)
	wantErr(t, "across mounts", rename(d+"/a/m", d+"/b/m", 0), -uapi.EXDEV)
	wantErr(t, "a mountpoint", rename(d+"/a", d+"/z", 0), -uapi.EBUSY)
	fs.Ksys_umount([]byte(d+"/a"), 0)
	// An open file survives its rename and its unlink.
	fd := mustOpen(t, d+"/b/g", uapi.O_RDWR, 0)
	rename(d+"/b/g", d+"/b/moved", 0)
	unlink(d + "/b/moved")
	write(fd, []byte("+"))
	fs.Ksys_lseek(fd, 0, uapi.SEEK_SET)
	b := make([]byte, 4)
	if n := read(fd, b); string(b[:n]) != "++" && string(b[:n]) != "+" {
		// ("f" was overwritten at 0 by "+": one byte.)
	}
	var st fs.Kstat
	fs.Vfs_fstat(fd, &st)
	if st.Nlink != 1 {
		// b/hard still names it.
		t.Errorf("unlinked-but-linked file: nlink %d, want 1", st.Nlink)
	}
	closefd(t, fd)
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}

// TestGetdents: every name once, through a buffer of any size, the
// entries' d_type and d_ino right, and a listing that stays correct
// while entries are removed between calls (the cursor).
func TestGetdents(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	var want []string // syscall.ParseDirent leaves out "." and ".."
	for i := 0; i < 300; i++ {
		name := "entry-" + itoa(i) + strings.Repeat("x", i%70)
		writeFile(t, d+"/"+name, nil)
		want = append(want, name)
	}
	mkdir(d+"/zdir", 0o755)
	symlink("x", d+"/zlink")
	want = append(want, "zdir", "zlink")
	slices.Sort(want)
	for _, size := range []int{120, 333, 4096, 65536} {
		got := listdir(t, d, size)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("buffer %d: %d names, want %d", size, len(got), len(want))
		}
	}
	// d_type and d_ino as the host parses them.
	fd := mustOpen(t, d, uapi.O_RDONLY, 0)
	buf := make([]byte, 1<<16)
	types := map[string]uint8{}
	inos := map[string]uint64{}
	for {
		it := fs.Iov_iter_kvec(buf)
		n := fs.Ksys_getdents64(fd, &it)
		if n <= 0 {
			break
		}
		for off := 0; off < n; {
			rec := (*syscall.Dirent)(unsafe.Pointer(&buf[off]))
			name := string(bytes.TrimRight(buf[off+19:off+int(rec.Reclen)], "\x00"))
			types[name], inos[name] = rec.Type, rec.Ino
			off += int(rec.Reclen)
		}
	}
	closefd(t, fd)
	if types["zdir"] != uapi.DT_DIR || types["zlink"] != uapi.DT_LNK || types["entry-0"] != uapi.DT_REG || types[".."] != uapi.DT_DIR {
		t.Errorf("d_type: %v", types)
	}
	if st, _ := stat(d+"/zdir", 0); st.Ino != inos["zdir"] {
		t.Errorf("d_ino of zdir %d, stat %d", inos["zdir"], st.Ino)
	}
	// Remove every entry while listing in small batches, as rm -r does:
	// none is skipped.
	fd = mustOpen(t, d, uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	removed := 0
	for {
		it := fs.Iov_iter_kvec(buf[:200])
		n := fs.Ksys_getdents64(fd, &it)
		if n <= 0 {
			break
		}
		_, _, names := syscall.ParseDirent(buf[:n], -1, nil)
		for _, name := range names {
			if name == "zdir" {
				rmdir(d + "/" + name)
			} else if unlink(d+"/"+name) == 0 {
				removed++
			}
		}
	}
	closefd(t, fd)
	if removed != 301 {
		t.Errorf("removed %d entries while listing, want 301", removed)
	}
	wantErr(t, "rmdir the emptied dir", rmdir(d), 0)
	fstest.CheckLeaks(t, before)
}

// TestStatLayout: the bytes newfstatat copies out are what the host's
// syscall.Stat_t reads, field by field, for our files.
func TestStatLayout(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	writeFile(t, d+"/f", make([]byte, 5000))
	fs.Do_mknodat(AT_FDCWD, []byte(d+"/dev"), uapi.S_IFCHR|0o620, uapi.MKDEV(4, 64))
	for _, p := range []string{"/f", "/dev", ""} {
		st, err := stat(d+p, 0)
		if err != 0 {
			t.Fatal(errname(err))
		}
		var hs syscall.Stat_t
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&hs)), unsafe.Sizeof(hs)), statBytes(&st))
		if hs.Ino != st.Ino || hs.Size != st.Size || hs.Mode != st.Mode || hs.Nlink != uint64(st.Nlink) ||
			hs.Blocks != int64(st.Blocks) || hs.Blksize != 4096 || hs.Mtim.Sec != st.Mtime.Tv_sec {
			t.Errorf("%s: host reads %+v from %+v", p, hs, st)
		}
		if p == "/dev" && (hs.Rdev>>8&0xfff != 4 || hs.Rdev&0xff != 64) {
			t.Errorf("st_rdev %#x, want 4:64", hs.Rdev)
		}
	}
	// statx
	var sx uapi.Statx
	if err := fs.Do_statx(AT_FDCWD, []byte(d+"/dev"), 0, uapi.STATX_BASIC_STATS, &sx); err != 0 ||
		sx.Stx_rdev_major != 4 || sx.Stx_rdev_minor != 64 || sx.Stx_mode != uapi.S_IFCHR|0o600 || sx.Stx_mask&uapi.STATX_BASIC_STATS != uapi.STATX_BASIC_STATS {
		t.Errorf("statx: %s %+v", errname(err), sx)
	}
	wantErr(t, "statx reserved", fs.Do_statx(AT_FDCWD, []byte(d), 0, uapi.STATX__RESERVED, &sx), -uapi.EINVAL)
	// AT_EMPTY_PATH on a descriptor.
	fd := mustOpen(t, d+"/f", uapi.O_RDONLY, 0)
	var st fs.Kstat
	if err := fs.Vfs_fstatat(fd, nil, &st, uapi.AT_EMPTY_PATH); err != 0 || st.Size != 5000 {
		t.Errorf("AT_EMPTY_PATH: %s size %d", errname(err), st.Size)
	}
	closefd(t, fd)
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}
