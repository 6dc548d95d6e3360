package boottest

import (
	"debug/dwarf"
	"debug/elf"
	"testing"

	"gokern/arch/amd64"
	"gokern/internal/kcheck"
	q "gokern/internal/qemutest"
	"gokern/kallsyms"
	"gokern/kernel/sched"
)

// TestKernelGoRules runs the kernel-Go checker (DESIGN.md §4) over the
// built vmlinux: no kernel function may reach the Go allocator or
// scheduler.
func TestKernelGoRules(t *testing.T) {
	for _, debug := range []bool{false, true} {
		img := q.Image(t, debug)
		r, err := kcheck.Analyze(img.Vmlinux, kcheck.Gokern())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Violations {
			t.Errorf("debug=%v: %v", debug, v)
		}
		if r.KernelFuncs < 50 {
			t.Fatalf("only %d kernel functions found: is the prefix list right?", r.KernelFuncs)
		}
		t.Logf("debug=%v: %d kernel functions, %d calls checked, %d allowed", debug, r.KernelFuncs, r.CallsChecked, len(r.Allowed))
	}
}

// TestRuntimeLayout checks the assumptions the kernel makes about the Go
// runtime's g and m (arch/amd64/g.go, kallsyms) against the DWARF of the
// very vmlinux that runs: field offsets and sizes.
func TestRuntimeLayout(t *testing.T) {
	f, err := elf.Open(q.Image(t, false).Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*dwarf.StructType{}
	rd := d.Reader()
	for {
		e, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if name != "runtime.g" && name != "runtime.m" && name != "runtime.stack" {
			continue
		}
		typ, err := d.Type(e.Offset)
		if err != nil {
			t.Fatal(err)
		}
		structs[name] = typ.(*dwarf.StructType)
	}
	g, m := structs["runtime.g"], structs["runtime.m"]
	if g == nil || m == nil {
		t.Fatalf("runtime.g or runtime.m not in the DWARF (found %v)", structs)
	}
	off := map[string]int64{}
	for _, fld := range g.Field {
		off[fld.Name] = fld.ByteOffset
	}
	want := map[string]int64{"stack": 0, "stackguard0": 16, "stackguard1": 24, "m": kallsyms.G_M_OFFSET}
	for name, o := range want {
		if got, ok := off[name]; !ok || got != o {
			t.Errorf("runtime.g.%s at offset %d, the kernel assumes %d", name, got, o)
		}
	}
	if g.ByteSize > amd64.G_SIZE || g.ByteSize > sched.G_SIZE {
		t.Errorf("runtime.g is %d bytes, gStatic reserves %d, a task's g %d", g.ByteSize, amd64.G_SIZE, sched.G_SIZE)
	}
	if m.ByteSize > kallsyms.M_SIZE {
		t.Errorf("runtime.m is %d bytes, kallsyms lends %d", m.ByteSize, kallsyms.M_SIZE)
	}
	t.Logf("runtime.g %d bytes, runtime.m %d bytes", g.ByteSize, m.ByteSize)
}

// TestDebugBuildBoots: the -N -l build (for gdb) boots and passes the
// selftests too.
func TestDebugBuildBoots(t *testing.T) {
	r := q.Boot(t, q.Config{Debug: true, Append: "selftest=all"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "selftest: all passed")
}
