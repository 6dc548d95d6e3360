package userprog

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// The Go standard library's own tests on gokern (issue 15): `go test -c`
// binaries of stdlib packages, built by the stock toolchain for
// linux/amd64, each booted as init in an initramfs that gives it what
// `go test` gives it on Linux — its package directory as the working
// directory (source files and testdata/ under $GOROOT/src/<pkg>, the
// time zones at $GOROOT/lib/time/zoneinfo.zip), and the ordinary files of
// a Linux system (busybox's /bin, /usr/bin, /etc/passwd and /etc/group,
// /dev nodes). Tests that need what gokern lacks are skipped by name from
// user/gotest/skips, each with its reason (docs/go-on-gokern.md §5).

// StdPackages run in ./qemu.sh test (TestGoStd, at -smp 1): the
// packages issue 15 names, then 35 more whose tests took 0.5-14 s each
// under TCG when first measured (docs/go-on-gokern.md §5 has their
// times; net's, its unix-socket tests, 7.5 s), and os/exec (17-47 s at
// -smp 1), back since its hang, a lost SIGCONT in TestWaitid, was fixed.
var StdPackages = []string{
	"sort", "strings", "bytes", "strconv", "container/list",
	"sync", "sync/atomic", "time", "os", "encoding/json",

	"fmt", "math", "bufio", "io", "io/fs", "unicode/utf8", "unicode",
	"path", "path/filepath", "context", "errors", "text/template",
	"html/template", "archive/zip", "crypto/sha256", "crypto/aes",
	"hash/crc32", "encoding/binary", "encoding/base64", "encoding/csv",
	"encoding/xml", "os/signal", "os/user", "runtime/debug",
	"net/url", "mime", "log", "flag", "slices", "maps", "container/heap",
	"testing/fstest", "embed", "syscall", "os/exec", "net",

	// Session 9: 20 more, 2-10 s each at -smp 1 when first measured
	// (docs/go-on-gokern.md §5, "Session 9").
	"encoding/hex", "encoding/pem", "crypto/sha1", "crypto/sha512",
	"crypto/hmac", "hash/fnv", "text/tabwriter", "text/scanner",
	"go/scanner", "go/token", "iter", "unique", "weak", "io/ioutil",
	"testing/iotest", "net/textproto", "net/netip", "html", "log/slog",
	"runtime/metrics",

	// Session 10: 29 more, 2-11 s each at -smp 1 (docs/go-on-gokern.md
	// §5, "Session 10"): HTTP servers and clients over loopback TCP,
	// and computation.
	"net/http/httptest", "net/http/httputil", "net/http/httptrace",
	"net/http/fcgi", "net/http/cookiejar", "net/rpc/jsonrpc", "expvar",
	"database/sql", "internal/fuzz", "math/cmplx", "math/bits",
	"image", "image/color", "testing/quick", "go/ast", "go/constant",
	"compress/bzip2", "compress/lzw", "hash/adler32", "container/ring",
	"cmp", "debug/gosym", "debug/dwarf", "debug/pe", "crypto/md5",
	"crypto/hkdf", "encoding/ascii85", "encoding/base32",
	"mime/quotedprintable",
}

// MoreStdPackages are the ones that take longer — computation, 10 s to
// minutes under TCG: TestGoStd runs them with -gostd=all.
var MoreStdPackages = []string{
	"math/big", "compress/gzip", "compress/flate", "archive/tar", "regexp",
	"math/rand/v2",
	// net/http: its servers and clients over loopback TCP (net/ipv4),
	// 600 tests in 100-160 s.
	"net/http",
	// Session 9: 10-30 s at -smp 1, or minutes (testing re-runs its own
	// binary, runtime/pprof profiles for seconds a test), or one run
	// only so far.
	"crypto/ecdsa", "crypto/rand", "hash/maphash", "mime/multipart",
	"internal/poll", "image/png", "index/suffixarray", "go/parser",
	"reflect", "encoding/asn1", "testing", "runtime/pprof", "runtime/trace",
	"log/syslog", "os/exec/internal/fdtest", "internal/syscall/unix",
	"crypto/internal/sysrand", "debug/elf", "internal/testenv", "net/mail",
	"net/rpc", "net/smtp", "hash/crc64", "go/printer", "go/format",
	"compress/zlib",
	// Session 10: 4-200 s at -smp 1: TLS handshakes over loopback
	// TCP, certificate chains, RSA keys, a test binary that re-runs
	// itself as a CGI child, encoding/gob in 2 GiB, JPEG and image
	// drawing.
	"crypto/tls", "crypto/x509", "crypto/rsa", "crypto/cipher",
	"crypto/sha3", "crypto/ecdh", "crypto/ed25519", "crypto/des",
	"crypto/subtle", "net/http/cgi", "net/http/pprof", "encoding/gob",
	"image/jpeg", "image/gif", "image/draw", "regexp/syntax", "go/doc",
	"text/template/parse", "unicode/utf16", "math/rand", "go/build",
	// The runtime's and the library's internal packages: cgroup and
	// /proc parsing, GODEBUG settings of re-run children, synctest's
	// bubbles, the concurrent maps.
	"internal/godebug", "internal/runtime/cgroup", "internal/sysinfo",
	"internal/runtime/syscall/linux", "internal/runtime/atomic",
	"internal/runtime/maps", "internal/sync", "internal/synctest",
	"testing/synctest", "internal/cpu", "internal/abi",
	"internal/reflectlite", "internal/singleflight", "internal/zstd",
	"internal/trace", "net/http/internal",
	// The runtime's own tests, in 2 GiB (GoTestMem): 1-3 minutes; they
	// found mincore missing and rt_sigreturn losing the direction flag.
	"runtime",
	// Session 10, last: 1-28 s at -smp 2, one run (not yet at -smp 1).
	"crypto/mlkem", "crypto/pbkdf2", "crypto/hpke", "crypto/elliptic",
	"crypto/dsa", "crypto/rc4", "internal/saferio", "internal/xcoff",
	"internal/profile", "internal/diff", "debug/macho", "debug/plan9obj",
	"debug/buildinfo", "go/importer", "internal/coverage/cfile",
}

// goTestTrees are what a package's tests read of GOROOT outside their
// own directory, which `go test` has in place: whole trees, relative to
// GOROOT, packed with the package's directory.
var goTestTrees = map[string][]string{
	// ../../testdata/Isaac.Newton-Opticks.txt
	"compress/flate": {"src/testdata"},
	// ../testdata/Isaac.Newton-Opticks.txt, TestSendfile's file.
	"net": {"src/testdata"},
	// TestAlloc's ../../testdata/Isaac.Newton-Opticks.txt
	"internal/zstd": {"src/testdata"},
	// TestTraceV1 reads the old traces in a sub-package's testdata.
	"internal/trace": {"src/internal/trace/internal/tracev1/testdata"},
	// TestBug3486 walks $GOROOT/src/unicode.
	"path/filepath": {"src/unicode"},
	// TestReadDir lists ".." and looks for io_test.go and ioutil/.
	"io/ioutil": {"src/io"},
	// performance_test.go reads ../printer/nodes.go at init.
	"go/parser": {"src/go/printer"},
	// ../testdata/gettysburg.txt, e.txt, pi.txt
	"compress/zlib": {"src/compress/testdata"},
	"compress/lzw":  {"src/compress/testdata"},
	// ../testdata/video-001.gif, video-001.png, ...
	"image/gif":  {"src/image/testdata"},
	"image/jpeg": {"src/image/testdata"},
	"image/draw": {"src/image/testdata"},
}

// GoTestMem is the guest memory a package's tests get: 256 MiB, or more
// for those that need more on Linux too.
func GoTestMem(pkg string) string {
	switch pkg {
	case "encoding/pem":
		// TestCVE202224675 decodes a 120 MB input: 240 MB maximum
		// resident on the host's Linux (GOMAXPROCS 1 and 4), and the
		// OOM killer ended it at -smp 4 in 256 MiB.
		return "512M"
	case "runtime":
		// TestScavengeIndex alone: 536 MB maximum resident on the
		// host's Linux (GOMAXPROCS 2 and 4); the OOM killer ended it
		// at -smp 2 in 256 MiB, and at -smp 4 in 1 GiB (992 MB
		// resident after the package's earlier tests).
		return "2G"
	case "encoding/gob":
		// TestLargeSlice's encodings: 675 MB maximum resident on the
		// host's Linux at GOMAXPROCS 1, 1 GB at 4 (session 9); the OOM
		// killer ended it in 256 MiB.
		return "2G"
	case "runtime/pprof":
		// 184 MB maximum resident on the host's Linux at GOMAXPROCS
		// 4; the OOM killer ended it in TestBlockProfileBias at -smp 4
		// in 256 MiB.
		return "512M"
	}
	return "256M"
}

// GoTestFlags are the flags every test binary runs with (as the issue
// asks: -test.v -test.short).
var GoTestFlags = []string{"-test.v", "-test.short"}

// Skip is one entry of user/gotest/skips: a top-level test of a package
// that is not run, and why.
type Skip struct {
	Pkg, Test, Reason string
}

// SkipsFile is the checked-in skip list.
func SkipsFile() string { return filepath.Join(Root(), "user", "gotest", "skips") }

// LoadSkips reads the skip list: one entry a line, "pkg TestName reason",
// '#' comments and blank lines ignored; an entry without a reason or
// with a test name that is not a top-level Go test name is an error.
func LoadSkips(path string) ([]Skip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := regexp.MustCompile(`^(Test|Example|Fuzz)[A-Za-z0-9_]*$`)
	var out []Skip
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		w := strings.Fields(l)
		if len(w) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"pkg TestName reason\", got %q", path, n, l)
		}
		if !name.MatchString(w[1]) {
			return nil, fmt.Errorf("%s:%d: %q is not a top-level test name", path, n, w[1])
		}
		out = append(out, Skip{Pkg: w[0], Test: w[1], Reason: strings.Join(w[2:], " ")})
	}
	return out, sc.Err()
}

// SkipArgs are the flags that skip pkg's entries: -test.skip with an
// anchored alternation of their names, or nothing. With them comes
// -test.run=., which runs what no -test.run runs, but tells a TestMain
// that not every test ran: os/exec's fails a run without -test.run in
// which a helper command went unused (TestExtraFilesRace's, skipped).
func SkipArgs(pkg string, skips []Skip) []string {
	var names []string
	for _, s := range skips {
		if s.Pkg == pkg {
			names = append(names, s.Test)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return []string{"-test.run", ".", "-test.skip", "^(" + strings.Join(names, "|") + ")$"}
}

// goroot is the toolchain's GOROOT.
func goroot() (string, error) {
	b, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %v", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// pkgFiles are the files `go test` gives a package's tests in its
// directory: the directory's own regular files and everything under
// testdata/ (not the sub-packages' directories), as paths relative to dir.
func pkgFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel != "." && !strings.HasPrefix(rel, "testdata") {
				// A sub-package: present, empty (os's TestReadDir
				// looks for "exec" in its directory).
				out = append(out, rel+"/")
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// GoTestCacheDir is where test binaries and their initramfs are kept:
// build/gotest under the repository.
func GoTestCacheDir() string { return filepath.Join(Root(), "build", "gotest") }

// GoTestBinary builds `go test -c` of the standard-library package pkg
// (CGO_ENABLED=0 GOOS=linux GOARCH=amd64) into the cache and returns its
// path. The name holds a hash of what the binary is made from — the
// toolchain's version and GOROOT, the package, and the names, sizes and
// times of the package's files — so an unchanged toolchain reuses it
// without running go at all.
func GoTestBinary(pkg string) (string, error) {
	root, err := goroot()
	if err != nil {
		return "", err
	}
	ver, err := exec.Command("go", "version").Output()
	if err != nil {
		return "", fmt.Errorf("go version: %v", err)
	}
	dir := filepath.Join(root, "src", filepath.FromSlash(pkg))
	files, err := pkgFiles(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", ver, root, pkg)
	for _, f := range files {
		if strings.HasSuffix(f, "/") {
			fmt.Fprintf(h, "%s\n", f)
			continue
		}
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return cached(strings.ReplaceAll(pkg, "/", "_")+"-"+hex.EncodeToString(h.Sum(nil))[:16]+".test", func(tmp string) error {
		cmd := exec.Command("go", "test", "-c", "-o", tmp, pkg)
		cmd.Env = GoEnv()
		b, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go test -c %s: %v\n%s", pkg, err, b)
		}
		// A package without test files (time/tzdata) gets no binary:
		// go test -c says so and leaves the empty temporary file.
		if st, err := os.Stat(tmp); err != nil || st.Size() == 0 {
			return fmt.Errorf("go test -c %s made no test binary (%s)", pkg, strings.TrimSpace(string(b)))
		}
		return nil
	})
}

// cached returns the cache's file name, making it first with build (given
// a temporary name in the same directory) if it is not there. The file
// is renamed into place whole: parallel tests asking for the same one
// never see half of it.
func cached(name string, build func(tmp string) error) (string, error) {
	out := filepath.Join(GoTestCacheDir(), name)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(GoTestCacheDir(), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(GoTestCacheDir(), ".tmp-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := build(tmp.Name()); err != nil {
		return "", err
	}
	return out, os.Rename(tmp.Name(), out)
}

// GoTestInitrd writes (once: the name is the archive's content hash) the
// initramfs that runs pkg's test binary bin as init with args, and
// returns its path. /init is a busybox sh script that changes to the
// package's directory, as `go test` does, and execs the binary, so the
// test binary is pid 1.
func GoTestInitrd(pkg, bin string, args []string) (string, error) {
	root, err := goroot()
	if err != nil {
		return "", err
	}
	es, err := BusyboxEntries(nil)
	if err != nil {
		return "", err
	}
	// BusyboxEntries' /init is the busybox menu: this archive's is the
	// script below.
	kept := es[:0]
	for _, e := range es {
		if e.Name != "init" {
			kept = append(kept, e)
		}
	}
	es = kept
	have := map[string]bool{}
	for _, e := range es {
		have[e.Name] = true
	}
	rel := strings.TrimPrefix(root, "/")
	// The files and directories of GOROOT keep their modification
	// times, as go test sees them in place (net/http's TestServeContent
	// serves testdata/index.html and wants its time in Last-Modified);
	// the made-up ones have the epoch.
	mtime := func(name string) uint32 {
		if name != rel && !strings.HasPrefix(name, rel+"/") {
			return 0
		}
		st, err := os.Stat("/" + name)
		if err != nil {
			return 0
		}
		return uint32(st.ModTime().Unix())
	}
	dirs := func(p string) {
		var parts []string
		for d := filepath.Dir(p); d != "." && d != "/"; d = filepath.Dir(d) {
			parts = append(parts, d)
		}
		for i := len(parts) - 1; i >= 0; i-- {
			if !have[parts[i]] {
				have[parts[i]] = true
				es = append(es, Entry{Name: parts[i], Mode: 0o40755, Mtime: mtime(parts[i])})
			}
		}
	}
	file := func(name string, mode uint32, data []byte) {
		dirs(name)
		have[name] = true
		es = append(es, Entry{Name: name, Mode: mode, Data: data, Mtime: mtime(name)})
	}
	pkgdir := filepath.Join(root, "src", filepath.FromSlash(pkg))
	files, err := pkgFiles(pkgdir)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "/") {
			dirs(filepath.Join(rel, "src", pkg, f, "x"))
			continue
		}
		b, err := os.ReadFile(filepath.Join(pkgdir, f))
		if err != nil {
			return "", err
		}
		file(filepath.Join(rel, "src", pkg, f), 0o100644, b)
	}
	for _, tree := range goTestTrees[pkg] {
		err := filepath.WalkDir(filepath.Join(root, tree), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, _ := filepath.Rel(root, p)
			if d.IsDir() {
				dirs(filepath.Join(rel, r, "x"))
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			file(filepath.Join(rel, r), 0o100644, b)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	zip, err := os.ReadFile(filepath.Join(root, "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return "", err
	}
	file(filepath.Join(rel, "lib", "time", "zoneinfo.zip"), 0o100644, zip)
	file("etc/passwd", 0o100644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	file("etc/group", 0o100644, []byte("root:x:0:\n"))
	file("etc/hosts", 0o100644, []byte("127.0.0.1\tlocalhost\n"))
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	// In a directory of its own, as go test runs it from
	// $WORK/b001/ (os's TestExecutable runs it as "dir/prog").
	name := "go-build/b001/" + strings.ReplaceAll(pkg, "/", "_") + ".test"
	file(name, 0o100755, data)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// As a Linux system a test runs on has them: /proc (os.Executable
	// reads /proc/self/exe), a tmpfs /tmp, a PATH.
	file("init", 0o100755, []byte(fmt.Sprintf(`#!/bin/sh
# %s's tests as init, in the package's directory as go test runs them
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc || exit 1
mount -t tmpfs tmpfs /tmp || exit 1
cd /%s || exit 1
exec /%s %s
`, pkg, filepath.Join(rel, "src", pkg), name, strings.Join(quoted, " "))))
	archive := Cpio(es)
	sum := sha256.Sum256(archive)
	return cached(strings.ReplaceAll(pkg, "/", "_")+"-"+hex.EncodeToString(sum[:])[:16]+".cpio", func(tmp string) error {
		return os.WriteFile(tmp, archive, 0o644)
	})
}
