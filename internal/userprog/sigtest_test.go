package userprog

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"gokern/arch/amd64/asm"
)

// TestSigtestOnLinux runs user/sigtest on the host's Linux kernel: every
// check it makes of a signal frame, siginfo, the mask and the registers
// after rt_sigreturn holds on Linux itself, so the boot test that runs it
// on gokern (internal/boottest TestSignals) holds gokern to Linux's ABI,
// not to expectations of our own. As a process that is not init it skips
// init's part. Its failure modes are Linux's too: a handler without
// SA_RESTORER, and a frame with a kernel CS, end in SIGSEGV.
func TestSigtestOnLinux(t *testing.T) {
	exe, err := BuildSigtest(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	if kernel, cpu, pv := hostKernelParavirtualized(); pv {
		// Linux under PVM (its kernel runs in user mode) returns to user
		// mode through the hypervisor, whose bad-selector #GP leaves the
		// good SS and CS in the SIGSEGV frame (seen: 0x2b and 0x33 for
		// every row of 5c); Linux's own path, IRETQ's #GP, leaves the bad
		// one, which is what gokern does. That part has no Linux here.
		t.Logf("the host kernel is paravirtualized (it sees %q, a program's CPUID %q): 5c, rt_sigreturn to a bad selector, left out", kernel, cpu)
		args = append(args, "pvm")
	}
	out, err := exec.Command(exe, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sigtest on the host: %v\n%s", err, out)
	}
	if !strings.HasSuffix(string(out), "sigtest: all passed\n") || strings.Contains(string(out), "FAIL") {
		t.Fatalf("sigtest on the host:\n%s", out)
	}
	// Between processes: SIGCHLD, the default actions in a child, a
	// signal at an interrupt, wait4 restarted or -EINTR.
	out, err = exec.Command(exe, "children").CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "sigtest: children passed\n") {
		t.Fatalf("sigtest children on the host: %v\n%s", err, out)
	}
	for _, mode := range []string{"frame", "norestorer"} {
		err := exec.Command(exe, mode).Run()
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("sigtest %s on the host: %v, want death by SIGSEGV", mode, err)
		}
		if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
			t.Errorf("sigtest %s on the host: %v, want death by SIGSEGV", mode, ws)
		}
	}
}

// hostKernelParavirtualized: the host kernel's /proc/cpuinfo names
// another processor than a program's CPUID brand string does, as under a
// PVM hypervisor, which answers the kernel's CPUID itself while a
// program's runs on the real CPU.
func hostKernelParavirtualized() (kernel, cpu string, pv bool) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "", "", false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			kernel = strings.TrimSpace(v)
			break
		}
	}
	if ext, _, _, _ := asm.Cpuid(0x80000000); ext < 0x80000004 {
		return kernel, "", false
	}
	var name []byte
	for i := uint32(0); i < 3; i++ {
		a, b, c, d := asm.Cpuid(0x80000002 + i)
		for _, r := range [4]uint32{a, b, c, d} {
			name = append(name, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
		}
	}
	cpu = strings.TrimSpace(strings.TrimRight(string(name), "\x00"))
	return kernel, cpu, kernel != "" && cpu != kernel
}
