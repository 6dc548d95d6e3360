package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"gokern/kernel/time"
)

// TestImageUpToDate: the checked-in vdso_image_64.go is what vdso.S,
// vdso.lds and vdso.ver build (run go generate ./arch/amd64/entry/vdso
// after changing them), and the build passes Check.
func TestImageUpToDate(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(Out())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./arch/amd64/entry/vdso", Out())
	}
}

// TestVvarLayout: the offsets vdso.S reads the vvar page at are
// kernel/time's Vdso_data layout.
func TestVvarLayout(t *testing.T) {
	var vd time.Vdso_data
	want := map[string]uintptr{
		"VD_SEQ":            unsafe.Offsetof(vd.Seq),
		"VD_CLOCK_MODE":     unsafe.Offsetof(vd.Clock_mode),
		"VD_CYCLE_LAST":     unsafe.Offsetof(vd.Cycle_last),
		"VD_MULT":           unsafe.Offsetof(vd.Mult),
		"VD_SHIFT":          unsafe.Offsetof(vd.Shift),
		"VD_BASETIME":       unsafe.Offsetof(vd.Basetime),
		"VD_TZ_MINUTESWEST": unsafe.Offsetof(vd.Tz_minuteswest),
		"VD_TZ_DSTTIME":     unsafe.Offsetof(vd.Tz_dsttime),
		"VD_HRTIMER_RES":    unsafe.Offsetof(vd.Hrtimer_res),
	}
	f, err := os.Open(filepath.Join(Dir(), "vdso.S"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.ReplaceAll(sc.Text(), ",", " "))
		if len(fields) < 3 || fields[0] != ".set" || !strings.HasPrefix(fields[1], "VD_") {
			continue
		}
		off, ok := want[fields[1]]
		if !ok {
			t.Errorf("vdso.S sets %s, which this test does not know", fields[1])
			continue
		}
		v, err := strconv.ParseUint(fields[2], 0, 64)
		if err != nil || uintptr(v) != off {
			t.Errorf("vdso.S: %s = %s, Vdso_data has it at %d", fields[1], fields[2], off)
		}
		seen[fields[1]] = true
	}
	for n := range want {
		if !seen[n] {
			t.Errorf("vdso.S does not set %s", n)
		}
	}
	if s := unsafe.Sizeof(vd.Basetime[0]); s != 16 {
		t.Errorf("Vdso_timestamp is %d bytes; vdso.S indexes bases by 16", s)
	}
}

// TestCheckRefuses: what Check exists for — an image with a relocation,
// or a function missing from LINUX_2.6 — is refused.
func TestCheckRefuses(t *testing.T) {
	tmp := t.TempDir()
	image, err := Build(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(image, -4096); err != nil {
		t.Fatalf("the real image: %v", err)
	}
	if _, err := Check(image, -8192); err == nil {
		t.Error("vvar_page two pages below: accepted")
	}
	// Rename a symbol in the string table: __vdso_time -> __vdso_tiMe.
	bad := bytes.Replace(image, []byte("__vdso_time\x00"), []byte("__vdso_tiMe\x00"), 1)
	if _, err := Check(bad, -4096); err == nil || !strings.Contains(err.Error(), "__vdso_time") {
		t.Errorf("a missing __vdso_time: %v", err)
	}
}
