package boottest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	q "gokern/internal/qemutest"
)

// Boot tests of the file side (issue 14 item 5): an initramfs the test
// builds with the host's Go (u-root's cpio writer, compress/gzip) is
// given with -initrd, the kernel unpacks it into rootfs and lists every
// file with its size and CRC-32 (selftest fs_initramfs), which must be
// what the test wrote; the initrd's pages go back to the buddy allocator;
// a damaged archive is reported and its whole files kept; the VFS, pipe,
// out-of-memory, /proc and tty selftests pass in the booted kernel.

// fsEntry is one entry of a test archive.
type fsEntry struct {
	name   string
	mode   uint64
	data   []byte
	ino    uint64
	nlink  uint64
	rmajor uint64
	rminor uint64
	mtime  uint64
}

// fsArchive writes entries as newc cpio (u-root's writer) with a
// trailer.
func fsArchive(t *testing.T, es []fsEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := cpio.Newc.Writer(&b).(*cpio.DedupWriter)
	for i, e := range es {
		info := cpio.Info{Name: e.name, Mode: e.mode, Ino: uint64(i + 100), NLink: 1, MTime: e.mtime, Rmajor: e.rmajor, Rminor: e.rminor}
		if e.ino != 0 {
			info.Ino, info.NLink = e.ino, e.nlink
		}
		rec := cpio.Record{Info: info}
		if e.mode&0o170000 == 0o100000 || e.mode&0o170000 == 0o120000 {
			rec = cpio.StaticRecord(e.data, info)
		}
		if err := w.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRecord(cpio.StaticRecord(nil, cpio.Info{Name: cpio.Trailer, NLink: 1})); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fsGzip(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// fsTree is a busybox-like tree: directories, executables, text files,
// a big binary, symlinks to one program, a hard-linked file, device
// nodes. size scales the big file.
func fsTree(seed int64, bigSize int) []fsEntry {
	r := rand.New(rand.NewSource(seed))
	es := []fsEntry{
		{name: "bin", mode: 0o40755, mtime: 1700000000},
		{name: "etc", mode: 0o40755, mtime: 1700000001},
		{name: "etc/init.d", mode: 0o40700, mtime: 1700000002},
		{name: "dev", mode: 0o40755, mtime: 1700000003},
		{name: "dev/null", mode: 0o20666, rmajor: 1, rminor: 3},
		{name: "dev/ttyS0", mode: 0o20620, rmajor: 4, rminor: 64},
		{name: "tmp", mode: 0o41777, mtime: 1700000004},
		{name: "etc/passwd", mode: 0o100644, data: []byte("root:x:0:0:root:/root:/bin/sh\n"), mtime: 1700000005},
		{name: "etc/init.d/rcS", mode: 0o100755, data: []byte("#!/bin/sh\nmount -t proc proc /proc\n"), mtime: 1700000006},
	}
	big := make([]byte, bigSize)
	r.Read(big)
	// Compressible, as programs are: runs and repeated words.
	for i := 0; i < len(big); i += 64 + r.Intn(64) {
		n := min(len(big)-i, 32+r.Intn(32))
		copy(big[i:i+n], bytes.Repeat([]byte("gokern\x00"), 8))
	}
	es = append(es, fsEntry{name: "bin/busybox", mode: 0o100755, data: big, mtime: 1700000007})
	for _, app := range []string{"sh", "ls", "cat", "mount", "ps", "free", "uptime"} {
		es = append(es, fsEntry{name: "bin/" + app, mode: 0o120777, data: []byte("busybox")})
	}
	for i := 0; i < 20; i++ {
		data := make([]byte, r.Intn(9000))
		r.Read(data)
		es = append(es, fsEntry{name: fmt.Sprintf("etc/file%02d", i), mode: 0o100600, data: data, mtime: uint64(1700001000 + i)})
	}
	hard := []byte("one file, two names\n")
	es = append(es, fsEntry{name: "etc/hard1", mode: 0o100644, ino: 7777, nlink: 2},
		fsEntry{name: "etc/hard2", mode: 0o100644, ino: 7777, nlink: 2, data: hard})
	return es
}

// listing is what the kernel's fs_initramfs prints about each entry,
// keyed by path.
var listingRE = regexp.MustCompile(`# fs_initramfs: (file|dir|link|node) (/\S*) (.*)`)

func kernelListing(r *q.Result) map[string]string {
	m := map[string]string{}
	for _, l := range r.Lines() {
		if s := listingRE.FindStringSubmatch(l); s != nil {
			m[s[2]] = s[1] + " " + strings.TrimSpace(s[3])
		}
	}
	return m
}

// expectListing is the listing the archive should give, in the kernel's
// words, with the built-in archive's entries.
func expectListing(es []fsEntry) map[string]string {
	m := map[string]string{
		"/dev":         "dir mode 40755",
		"/dev/console": "node mode 20600 rdev 5:1",
		"/root":        "dir mode 40700",
	}
	hard := map[uint64][]byte{}
	for _, e := range es {
		if e.ino != 0 && len(e.data) > 0 {
			hard[e.ino] = e.data
		}
	}
	for _, e := range es {
		p := "/" + e.name
		switch e.mode & 0o170000 {
		case 0o100000:
			data, nlink := e.data, uint64(1)
			if e.ino != 0 {
				data, nlink = hard[e.ino], e.nlink
			}
			m[p] = fmt.Sprintf("file mode %o size %d crc32 %08x nlink %d mtime %d", e.mode, len(data), crc32.ChecksumIEEE(data), nlink, e.mtime)
		case 0o40000:
			m[p] = fmt.Sprintf("dir mode %o", e.mode)
		case 0o120000:
			m[p] = "link -> " + string(e.data)
		default:
			m[p] = fmt.Sprintf("node mode %o rdev %d:%d", e.mode, e.rmajor, e.rminor)
		}
	}
	return m
}

func writeTemp(t *testing.T, data []byte) string {
	p := filepath.Join(t.TempDir(), "initrd")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// compareListing checks the kernel's listing against the expected one.
func compareListing(t *testing.T, r *q.Result, want map[string]string) {
	t.Helper()
	got := kernelListing(r)
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: the kernel lists %q, the archive has %q", p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: listed by the kernel, not in the archive: %q", p, got[p])
		}
	}
}

var freeingRE = regexp.MustCompile(`Freeing initrd memory: (\d+)K`)

// TestInitramfs: the same tree as a plain and as a gzipped archive, and
// split over a plain and a gzipped archive concatenated; every file read
// back whole by the booted kernel; the initrd's pages freed.
func TestInitramfs(t *testing.T) {
	es := fsTree(1, 300000)
	plain := fsArchive(t, es)
	half := len(es) / 2
	a, b := fsArchive(t, es[:half]), fsArchive(t, es[half:])
	for _, c := range []struct {
		name string
		img  []byte
	}{
		{"plain", plain},
		{"gzip", fsGzip(plain)},
		{"plain+gzip", append(append(append([]byte{}, a...), make([]byte, 512)...), fsGzip(b)...)},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: writeTemp(t, c.img), Append: "selftest=fs_initramfs,fs_initrd_freed"})
			allPassed(t, r)
			mustContain(t, r, "Trying to unpack rootfs image as initramfs...")
			if strings.Contains(r.Output, "Initramfs unpacking failed") {
				t.Fatalf("unpacking failed\n%s", r.Describe())
			}
			compareListing(t, r, expectListing(es))
			m := freeingRE.FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no Freeing initrd memory line\n%s", r.Describe())
			}
			// QEMU puts the initrd on a page boundary: every page but a
			// partial last one is freed.
			if k, _ := strconv.Atoi(m[1]); k != len(c.img)/4096*4 {
				t.Errorf("freed %dK of an initrd of %d bytes, want %dK", k, len(c.img), len(c.img)/4096*4)
			}
		})
	}
}

// TestInitramfsDamaged: a truncated archive and a corrupt one are
// reported with Linux's message, the files that were whole are there,
// the one cut short is not, and the boot goes on.
func TestInitramfsDamaged(t *testing.T) {
	es := fsTree(2, 100000)
	plain := fsArchive(t, es)
	want := expectListing(es)
	// Cut in the middle of bin/busybox's contents.
	cut := bytes.Index(plain, []byte("bin/busybox\x00")) + 5000
	zplain := fsGzip(plain)
	bad := append([]byte{}, plain...)
	copy(bad[bytes.Index(bad, []byte("etc/file03"))-110:], "070799")
	for _, c := range []struct {
		name, msg string
		img       []byte
		gone      []string
	}{
		{"truncated", "Initramfs unpacking failed: truncated archive", plain[:cut], []string{"/bin/busybox"}},
		{"truncated gzip", "Initramfs unpacking failed: decompressor failed: unexpected end of compressed data", zplain[:len(zplain)/2], nil},
		{"corrupt header", "Initramfs unpacking failed: no cpio magic", bad, []string{"/etc/file03"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: writeTemp(t, c.img), Append: "selftest=fs_initramfs,fs_initrd_freed"})
			allPassed(t, r)
			mustContain(t, r, c.msg)
			got := kernelListing(r)
			if len(got) < 5 {
				t.Fatalf("almost nothing kept: %v\n%s", got, r.Describe())
			}
			for p, g := range got {
				w := want[p]
				if g != w && !strings.HasPrefix(p, "/dev") && p != "/root" && !strings.HasPrefix(w, "dir ") {
					t.Errorf("%s: kept as %q, the archive had %q (a file kept must be whole)", p, g, w)
				}
			}
			for _, p := range c.gone {
				if _, ok := got[p]; ok {
					t.Errorf("%s kept although cut short or after the damage", p)
				}
			}
		})
	}
}

var unpackRE = regexp.MustCompile(`initramfs: (\d+) files, (\d+) directories, (\d+) other entries \((\d+) skipped\) from (\d+) bytes in (\d+) us`)

// TestInitramfsFigures: unpacking a 2 MB and a 20 MB archive, plain and
// gzipped, under TCG: the time the kernel measures, and inflate's share
// (gzipped minus plain). Figures, not assertions.
func TestInitramfsFigures(t *testing.T) {
	for _, size := range []int{2 << 20, 20 << 20} {
		es := fsTree(3, size)
		plain := fsArchive(t, es)
		for _, gz := range []bool{false, true} {
			size, gz := size, gz
			img := plain
			if gz {
				img = fsGzip(plain)
			}
			t.Run(fmt.Sprintf("%dMB/gzip=%v", size>>20, gz), func(t *testing.T) {
				t.Parallel()
				r := q.Boot(t, q.Config{Mem: "256M", Initrd: writeTemp(t, img), Append: "selftest=fs_initrd_freed"})
				allPassed(t, r)
				m := unpackRE.FindStringSubmatch(r.Output)
				if m == nil {
					t.Fatalf("no unpack line\n%s", r.Describe())
				}
				us, _ := strconv.ParseFloat(m[6], 64)
				t.Logf("FIGURE initramfs unpack: %d-byte archive (%d bytes of cpio, gzip %v) in %.0f ms: %.1f MB/s of cpio",
					len(img), len(plain), gz, us/1000, float64(len(plain))/us)
			})
		}
	}
}

// TestFsSelftests: the VFS, pipe, out-of-memory, /proc and tty selftests
// in one boot; the tty's echo of the typed line, erase included, is on
// the serial console.
func TestFsSelftests(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "selftest=fs_vfs,fs_pipe,fs_nomem,fs_initramfs,fs_proc,fs_tty,fs_uaccess"})
	allPassed(t, r)
	res, _ := r.KTAP()
	var names []string
	for _, k := range res {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "fs_initramfs fs_nomem fs_pipe fs_proc fs_tty fs_uaccess fs_vfs" {
		t.Fatalf("ran %v", names)
	}
	// ttx, erase ("\b \b"), y: what N_TTY echoed to the UART.
	if !strings.Contains(r.Output, "echo gokern ttx\b \by\n") { // (the harness turns CR-LF into LF)
		t.Errorf("the tty's echo is not on the console\n%s", r.Describe())
	}
	if !strings.Contains(r.Output, "x^C") {
		t.Errorf("^C was not echoed\n%s", r.Describe())
	}
}
