package initramfs

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/u-root/u-root/pkg/cpio"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// entry is one thing an archive holds, as the tests describe it.
type entry struct {
	name   string
	mode   uint32 // with the type
	data   []byte // file contents or symlink target
	ino    uint64 // for hard links: entries sharing ino are one file
	nlink  uint64
	rmajor uint32
	rminor uint32
	mtime  uint64
}

// archive writes entries with u-root's newc writer (an implementation
// independent of ours) and a trailer.
func archive(t testing.TB, es []entry) []byte { return archiveTrailer(t, es, 0) }

// archiveTrailer: with the trailer's nlink given (u-root writes 0,
// Linux's gen_init_cpio and GNU cpio 1).
func archiveTrailer(t testing.TB, es []entry, trailerNlink uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	w := cpio.Newc.Writer(&b)
	for i, e := range es {
		info := cpio.Info{Name: e.name, Mode: uint64(e.mode), Ino: uint64(i + 1000), NLink: 1, MTime: e.mtime,
			Rmajor: uint64(e.rmajor), Rminor: uint64(e.rminor)}
		if e.ino != 0 {
			info.Ino, info.NLink = e.ino, e.nlink
		}
		var rec cpio.Record
		if e.mode&uapi.S_IFMT == uapi.S_IFREG || e.mode&uapi.S_IFMT == uapi.S_IFLNK {
			rec = cpio.StaticRecord(e.data, info)
		} else {
			rec = cpio.Record{Info: info}
		}
		// (The dedup writer would drop hard links' later names.)
		if err := w.(*cpio.DedupWriter).WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRecord(cpio.StaticRecord(nil, cpio.Info{Name: cpio.Trailer, NLink: trailerNlink})); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// randomTree makes directories, files of many sizes (0, small, around a
// page, over 1 MiB), symlinks, hard links, device nodes and FIFOs.
func randomTree(r *rand.Rand, n int) []entry {
	es := []entry{{name: "d0", mode: uapi.S_IFDIR | 0o755, mtime: 1000}}
	dirs := []string{"d0"}
	for i := 0; i < n; i++ {
		dir := dirs[r.Intn(len(dirs))]
		name := fmt.Sprintf("%s/n%d%s", dir, i, strings.Repeat("x", r.Intn(40)))
		switch k := r.Intn(10); {
		case k < 2:
			es = append(es, entry{name: name, mode: uapi.S_IFDIR | 0o750, mtime: uint64(2000 + i)})
			dirs = append(dirs, name)
		case k < 7:
			size := []int{0, 1, 100, 4095, 4096, 4097, 70000, 1<<20 + 7}[r.Intn(8)]
			data := make([]byte, size)
			r.Read(data)
			es = append(es, entry{name: name, mode: uapi.S_IFREG | uint32(0o600+r.Intn(0o177)), data: data, mtime: uint64(3000 + i)})
		case k < 8:
			es = append(es, entry{name: name, mode: uapi.S_IFLNK | 0o777, data: []byte("../target/" + name)})
		case k < 9:
			es = append(es, entry{name: name, mode: uapi.S_IFCHR | 0o620, rmajor: 4, rminor: uint32(64 + i)})
		default:
			es = append(es, entry{name: name, mode: uapi.S_IFIFO | 0o644})
		}
	}
	// Hard links: three names, the body on the last (gen_init_cpio's
	// and GNU cpio's way).
	body := []byte("hard linked body")
	for j, nm := range []string{"d0/h1", "d0/h2", "d0/h3"} {
		e := entry{name: nm, mode: uapi.S_IFREG | 0o644, ino: 99999, nlink: 3}
		if j == 2 {
			e.data = body
		}
		es = append(es, e)
	}
	return es
}

// expect is what a tree should read back as: path → description.
func expect(es []entry) map[string]string {
	m := map[string]string{}
	for _, e := range es {
		m[e.name] = describeEntry(e)
	}
	return m
}

func describeEntry(e entry) string {
	switch e.mode & uapi.S_IFMT {
	case uapi.S_IFREG:
		data := e.data
		if e.ino == 99999 {
			data = []byte("hard linked body")
		}
		nlink := uint64(1)
		if e.ino != 0 {
			nlink = e.nlink
		}
		return fmt.Sprintf("file %o size %d crc %08x nlink %d mtime %d", e.mode, len(data), crc32.ChecksumIEEE(data), nlink, e.mtime)
	case uapi.S_IFDIR:
		return fmt.Sprintf("dir %o mtime %d", e.mode, e.mtime)
	case uapi.S_IFLNK:
		return fmt.Sprintf("link -> %s", e.data)
	case uapi.S_IFCHR:
		return fmt.Sprintf("chr %o %d:%d", e.mode, e.rmajor, e.rminor)
	}
	return fmt.Sprintf("other %o", e.mode)
}

// readBack walks our tree from dir and describes it the same way.
func readBack(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	var walk func(rel string)
	walk = func(rel string) {
		for _, n := range listdir(t, dir+"/"+rel) {
			p := n
			if rel != "" {
				p = rel + "/" + n
			}
			var st fs.Kstat
			if err := fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(dir+"/"+p), &st, uapi.AT_SYMLINK_NOFOLLOW); err != 0 {
				t.Fatalf("lstat %s: %d", p, err)
			}
			switch st.Mode & uapi.S_IFMT {
			case uapi.S_IFREG:
				data := readFile(t, dir+"/"+p)
				m[p] = fmt.Sprintf("file %o size %d crc %08x nlink %d mtime %d", st.Mode, len(data), crc32.ChecksumIEEE(data), st.Nlink, st.Mtime.Tv_sec)
			case uapi.S_IFDIR:
				m[p] = fmt.Sprintf("dir %o mtime %d", st.Mode, st.Mtime.Tv_sec)
				walk(p)
			case uapi.S_IFLNK:
				buf := make([]byte, 4096)
				it := fs.Iov_iter_kvec(buf)
				n := fs.Do_readlinkat(uapi.AT_FDCWD, []byte(dir+"/"+p), &it)
				m[p] = fmt.Sprintf("link -> %s", buf[:n])
			case uapi.S_IFCHR:
				m[p] = fmt.Sprintf("chr %o %d:%d", st.Mode, uapi.MAJOR(st.Rdev), uapi.MINOR(st.Rdev))
			default:
				m[p] = fmt.Sprintf("other %o", st.Mode)
			}
		}
	}
	walk("")
	return m
}

func listdir(t testing.TB, path string) []string { return fstest.Listdir(t, path, 8192) }

func readFile(t testing.TB, path string) []byte {
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte(path), uapi.O_RDONLY, 0)
	if fd < 0 {
		t.Fatalf("open %s: %d", path, fd)
	}
	defer fs.Ksys_close(fd)
	var out []byte
	buf := make([]byte, 65536)
	for {
		it := fs.Iov_iter_kvec(buf)
		n := fs.Ksys_read(fd, &it)
		if n <= 0 {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

var dirN int

// inFreshDir runs f with a new, empty working directory, and removes it
// after.
func inFreshDir(t testing.TB, f func(dir string)) {
	t.Helper()
	dirN++
	dir := fmt.Sprintf("/u%d", dirN)
	if err := fs.Do_mkdirat(uapi.AT_FDCWD, []byte(dir), 0o755); err != 0 {
		t.Fatal(err)
	}
	fs.Ksys_chdir([]byte(dir))
	f(dir)
	fs.Ksys_chdir([]byte("/"))
	removeAll(t, dir)
}

func removeAll(t testing.TB, path string) {
	var st fs.Kstat
	if fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(path), &st, uapi.AT_SYMLINK_NOFOLLOW) != 0 {
		return
	}
	if st.Mode&uapi.S_IFMT == uapi.S_IFDIR {
		for _, n := range listdir(t, path) {
			removeAll(t, path+"/"+n)
		}
		if err := fs.Do_rmdir(uapi.AT_FDCWD, []byte(path)); err != 0 {
			t.Fatalf("rmdir %s: %d", path, err)
		}
		return
	}
	fs.Do_unlinkat(uapi.AT_FDCWD, []byte(path))
}

func diff(want, got map[string]string) string {
	var out []string
	for k, v := range want {
		if got[k] != v {
			out = append(out, fmt.Sprintf("%s: want %q, got %q", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: unexpected %q", k, v))
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... %d more", len(out)-10))
	}
	return strings.Join(out, "\n")
}

// TestBuiltinArchive: the built-in archive is usr/default_cpio_list as
// u-root's (and GNU cpio's) writer spells it, with gen_init_cpio's
// trailer.
func TestBuiltinArchive(t *testing.T) {
	want := archiveTrailer(t, []entry{
		{name: "dev", mode: uapi.S_IFDIR | 0o755, ino: 1, nlink: 2},
		{name: "dev/console", mode: uapi.S_IFCHR | 0o600, rmajor: 5, rminor: 1, ino: 2, nlink: 1},
		{name: "root", mode: uapi.S_IFDIR | 0o700, ino: 3, nlink: 2},
	}, 1)
	if X__initramfs_start != string(want) {
		t.Fatalf("built-in archive:\n%q\nu-root writes:\n%q", X__initramfs_start, want)
	}
	fstest.Boot(t)
	before := fstest.Snapshot()
	inFreshDir(t, func(dir string) {
		msg, st := Unpack_to_rootfs([]byte(X__initramfs_start))
		if msg != "" || st.Dirs != 2 || st.Others != 1 {
			t.Fatalf("%q %+v", msg, st)
		}
		got := readBack(t, dir)
		if got["dev/console"] != "chr 20600 5:1" || got["root"] != "dir 40700 mtime 0" {
			t.Fatalf("%v", got)
		}
	})
	fstest.CheckLeaks(t, before)
}

// TestUnpack: random trees, plain, gzipped, split over several
// concatenated archives with zero padding between, all read back whole:
// contents, modes, times, links, devices.
func TestUnpack(t *testing.T) {
	fstest.Boot(t)
	for seed := int64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewSource(seed))
		es := randomTree(r, 40)
		plain := archive(t, es)
		half := len(es) / 2
		a, b := archive(t, es[:half]), archive(t, es[half:])
		variants := map[string][]byte{
			"plain":                 plain,
			"gzip":                  gz(t, plain),
			"plain+gzip":            append(append(append([]byte{}, a...), make([]byte, 512)...), gz(t, b)...),
			"plain+empty gzip+gzip": append(append(append([]byte{}, a...), gz(t, nil)...), gz(t, b)...),
			// A plain archive after a compressed one must start on 4
			// bytes of the file (Linux: this_header & 3), so pad.
			"gzip+plain": append(pad4(gz(t, a)), b...),
		}
		for name, img := range variants {
			inFreshDir(t, func(dir string) {
				msg, st := Unpack_to_rootfs(img)
				if msg != "" {
					t.Fatalf("seed %d %s: %s", seed, name, msg)
				}
				if st.Skipped != 0 {
					t.Errorf("seed %d %s: %d skipped", seed, name, st.Skipped)
				}
				if d := diff(expect(es), readBack(t, dir)); d != "" {
					t.Fatalf("seed %d %s:\n%s", seed, name, d)
				}
			})
		}
	}
}

// TestUnpackInPieces: the state machine fed in pieces of every size from
// 1 byte, as the decompressor's flushes feed it: headers, names and
// symlink targets split anywhere.
func TestUnpackInPieces(t *testing.T) {
	fstest.Boot(t)
	r := rand.New(rand.NewSource(7))
	es := randomTree(r, 15)
	// Small files only, so that 1-byte pieces stay quick.
	for i := range es {
		if len(es[i].data) > 5000 {
			es[i].data = es[i].data[:5000]
		}
	}
	img := archive(t, es)
	for _, piece := range []int{1, 2, 3, 7, 109, 110, 111, 4096} {
		inFreshDir(t, func(dir string) {
			s := (*state)(unsafe.Pointer(new([unsafe.Sizeof(state{})]byte)))
			s.state = Start
			for b := img; len(b) > 0 && s.message == ""; {
				n := min(piece, len(b))
				if !s.flush_buffer(b[:n]) {
					break
				}
				b = b[n:]
			}
			s.finish()
			s.dir_utime()
			if s.message != "" {
				t.Fatalf("pieces of %d: %s", piece, s.message)
			}
			if d := diff(expect(es), readBack(t, dir)); d != "" {
				t.Fatalf("pieces of %d:\n%s", piece, d)
			}
		})
	}
}

// TestUnpackGNUCpio: an archive made by the host's GNU cpio from a real
// directory (a third implementation) unpacks to that directory.
func TestUnpackGNUCpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Fatalf("no cpio on the host (./qemu.sh test installs it): %v", err)
	}
	fstest.Boot(t)
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(src, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(src, "etc/init.d/rcS"), []byte("#!/bin/sh\necho hello\n"), 0o755)
	big := make([]byte, 300000)
	rand.New(rand.NewSource(8)).Read(big)
	os.WriteFile(filepath.Join(src, "big"), big, 0o600)
	os.Symlink("etc/passwd", filepath.Join(src, "link"))
	os.Link(filepath.Join(src, "big"), filepath.Join(src, "hard"))
	cmd := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio -o -H newc --quiet")
	cmd.Dir = src
	img, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	inFreshDir(t, func(dir string) {
		if msg, _ := Unpack_to_rootfs(gz(t, img)); msg != "" {
			t.Fatal(msg)
		}
		if got := readFile(t, dir+"/big"); !bytes.Equal(got, big) {
			t.Fatalf("big: %d bytes", len(got))
		}
		if got := readFile(t, dir+"/hard"); !bytes.Equal(got, big) {
			t.Fatalf("hard link: %d bytes", len(got))
		}
		var st fs.Kstat
		fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(dir+"/big"), &st, 0)
		if st.Nlink != 2 || st.Mode != uapi.S_IFREG|0o600 {
			t.Fatalf("big: nlink %d mode %o", st.Nlink, st.Mode)
		}
		if got := readFile(t, dir+"/link"); string(got) != "root:x:0:0:root:/root:/bin/sh\n" {
			t.Fatalf("through the symlink: %q", got)
		}
		fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(dir+"/etc/init.d/rcS"), &st, 0)
		if st.Mode != uapi.S_IFREG|0o755 {
			t.Fatalf("rcS mode %o", st.Mode)
		}
	})
}

// TestTruncated: an archive cut anywhere is reported, and every file that
// stays is whole: the one the archive ends inside of is removed.
func TestTruncated(t *testing.T) {
	fstest.Boot(t)
	r := rand.New(rand.NewSource(9))
	es := randomTree(r, 12)
	img := archive(t, es)
	want := expect(es)
	trailer := bytes.LastIndex(img, []byte("070701"))
	cuts := []int{1, 50, 109, 110, 111, 120}
	for i := 0; i < 60; i++ {
		cuts = append(cuts, r.Intn(trailer))
	}
	for _, gzipped := range []bool{false, true} {
		for _, cut := range cuts {
			in := img[:cut]
			if gzipped {
				// A whole gzip stream of a cut archive, and a cut gzip
				// stream of the whole archive.
				in = gz(t, in)
			}
			inFreshDir(t, func(dir string) {
				msg, _ := Unpack_to_rootfs(in)
				if msg == "" {
					t.Fatalf("cut at %d of %d (gzip %v): no error", cut, len(img), gzipped)
				}
				for p, d := range readBack(t, dir) {
					if want[p] != d && !strings.HasPrefix(want[p], "dir ") {
						t.Fatalf("cut at %d (gzip %v): %s is %q, want %q (whole) or nothing", cut, gzipped, p, d, want[p])
					}
				}
			})
		}
	}
	z := gz(t, img)
	for _, cut := range []int{5, 10, 11, 100, len(z) / 2, len(z) - 9, len(z) - 1} {
		inFreshDir(t, func(dir string) {
			msg, _ := Unpack_to_rootfs(z[:cut])
			if !strings.HasPrefix(msg, "decompressor failed") {
				t.Fatalf("gzip cut at %d of %d: %q", cut, len(z), msg)
			}
			for p, d := range readBack(t, dir) {
				if want[p] != d && !strings.HasPrefix(want[p], "dir ") {
					t.Fatalf("gzip cut at %d: %s is %q, want %q", cut, p, d, want[p])
				}
			}
		})
	}
}

// TestBadArchives: each damage gives its message; entries before it stay.
func TestBadArchives(t *testing.T) {
	fstest.Boot(t)
	good := archive(t, []entry{{name: "first", mode: uapi.S_IFREG | 0o644, data: []byte("kept")}})
	good = good[:bytes.LastIndex(good, []byte("070701"))] // without its trailer
	second := archive(t, []entry{{name: "second", mode: uapi.S_IFREG | 0o644, data: []byte("2")}})
	mod := func(f func(b []byte)) []byte {
		b := append(append([]byte{}, good...), second...)
		f(b[len(good):])
		return b
	}
	longname := archive(t, []entry{{name: strings.Repeat("a/", 2100) + "x", mode: uapi.S_IFREG, data: []byte("x")}})
	compname := archive(t, []entry{{name: strings.Repeat("c", 300), mode: uapi.S_IFREG | 0o644, data: []byte("x")}})
	notdir := archive(t, []entry{{name: "first/inside", mode: uapi.S_IFREG | 0o644, data: []byte("x")}})
	crc := newcCRC("checked", []byte("checksummed"), 0)
	badcrc := newcCRC("checked", []byte("checksummed"), 1)
	zbad := gz(t, second)
	zbad[len(zbad)-8] ^= 1 // the CRC-32
	cases := []struct {
		name    string
		img     []byte
		msg     string
		present []string
		absent  []string
	}{
		{"magic", mod(func(b []byte) { b[5] = '9' }), "no cpio magic", []string{"first"}, []string{"second"}},
		{"old binary cpio", mod(func(b []byte) { copy(b, "070707") }), "incorrect cpio method used: use -H newc option", []string{"first"}, nil},
		{"not hex", mod(func(b []byte) { b[20] = 'g' }), "malformed archive: a header field is not hexadecimal", []string{"first"}, []string{"second"}},
		{"name without NUL", mod(func(b []byte) { b[110+6] = 'X' }), "malformed archive", []string{"first"}, []string{"second"}},
		{"junk after", append(append([]byte{}, good...), 'J', 'U', 'N', 'K'), "invalid magic at start of compressed archive", []string{"first"}, nil},
		{"junk inside gzip", append(append([]byte{}, good...), gz(t, append([]byte("JUNK"), second...))...), "junk within compressed archive", []string{"first"}, nil},
		{"broken padding", append(append(append([]byte{}, good...), 0), second[:10]...), "broken padding", []string{"first"}, nil},
		{"gzip crc", append(append([]byte{}, good...), zbad...), "decompressor failed: incorrect data check", []string{"first", "second"}, nil},
		{"name longer than PATH_MAX", append(append([]byte{}, good...), longname...), "", []string{"first"}, nil},
		{"component longer than NAME_MAX", append(append([]byte{}, good...), compname...), "", []string{"first"}, []string{strings.Repeat("c", 300)}},
		{"path through a file", append(append([]byte{}, good...), notdir...), "", []string{"first"}, []string{"first/inside"}},
		{"070702 checksum", append(append([]byte{}, good...), crc...), "", []string{"first", "checked"}, nil},
		{"070702 bad checksum", append(append([]byte{}, good...), badcrc...), "bad data checksum", []string{"first"}, nil},
	}
	for _, c := range cases {
		inFreshDir(t, func(dir string) {
			msg, st := Unpack_to_rootfs(c.img)
			if msg != c.msg {
				t.Errorf("%s: message %q, want %q", c.name, msg, c.msg)
			}
			for _, p := range c.present {
				var k fs.Kstat
				if err := fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(dir+"/"+p), &k, 0); err != 0 {
					t.Errorf("%s: %s missing (%d)", c.name, p, err)
				}
			}
			for _, p := range c.absent {
				var k fs.Kstat
				if err := fs.Vfs_fstatat(uapi.AT_FDCWD, []byte(dir+"/"+p), &k, 0); err == 0 {
					t.Errorf("%s: %s exists", c.name, p)
				}
			}
			if c.msg == "" && c.name != "070702 checksum" && st.Skipped != 1 {
				t.Errorf("%s: %d entries skipped, want 1 reported", c.name, st.Skipped)
			}
		})
	}
}

// newcCRC writes one 070702 entry (with the sum of its bytes) and a
// trailer; off is added to the sum, to make it wrong.
func newcCRC(name string, data []byte, off uint32) []byte {
	var sum uint32
	for _, c := range data {
		sum += uint32(c)
	}
	var b bytes.Buffer
	hdr := func(magic, name string, mode, size, csum uint32) {
		fmt.Fprintf(&b, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, 7, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name)+1, csum)
		b.WriteString(name)
		b.WriteByte(0)
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	hdr("070702", name, uapi.S_IFREG|0o644, uint32(len(data)), sum+off)
	b.Write(data)
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
	hdr("070701", "TRAILER!!!", 0, 0, 0)
	return b.Bytes()
}

// TestUnpackLeaksNothing: after unpacking and removing the tree, the
// VFS's object counts and the free pages are back.
func TestUnpackLeaksNothing(t *testing.T) {
	fstest.Boot(t)
	img := gz(t, archive(t, randomTree(rand.New(rand.NewSource(10)), 30)))
	before := fstest.Snapshot()
	inFreshDir(t, func(dir string) {
		if msg, _ := Unpack_to_rootfs(img); msg != "" {
			t.Fatal(msg)
		}
	})
	fstest.CheckLeaks(t, before)
	if after := fstest.Snapshot(); after.FreePages+64 < before.FreePages {
		t.Fatalf("free pages %d → %d", before.FreePages, after.FreePages)
	}
}

// FuzzUnpack: any bytes, as an initrd: no crash, and whatever the
// message, the VFS stays consistent (no reference-count bug, every
// created name removable).
func FuzzUnpack(f *testing.F) {
	r := rand.New(rand.NewSource(11))
	small := randomTree(r, 5)
	for i := range small {
		if len(small[i].data) > 300 {
			small[i].data = small[i].data[:300]
		}
	}
	f.Add(archive(f, small))
	f.Add(gz(f, archive(f, small)))
	f.Add([]byte(X__initramfs_start))
	fstest.Boot(f)
	f.Fuzz(func(t *testing.T, img []byte) {
		before := fstest.Snapshot()
		inFreshDir(t, func(dir string) { Unpack_to_rootfs(img) })
		fstest.CheckLeaks(t, before)
	})
}
