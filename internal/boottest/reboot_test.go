package boottest

import (
	"regexp"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
)

// TestReboot: busybox's poweroff -f and reboot -f end the machine through
// reboot(2), each the way it says: QEMU reports the guest's own shutdown
// (QMP SHUTDOWN, reason guest-shutdown: ACPI S5 written) for poweroff,
// and a guest reset (reason guest-reset, which -no-reboot turns into an
// exit) for reboot, by each reset method reboot= picks: the q35's ACPI
// reset register, the pc's keyboard controller (its ACPI 1.0 FADT has no
// reset register), the 0xcf9 register, a triple fault.
func TestReboot(t *testing.T) {
	for _, c := range []struct {
		name, machine, script, append string
		reason                        string
		want                          []string
	}{
		{"poweroff/pc", "pc", "poweroff", "", "guest-shutdown",
			[]string{"ACPI: PM: (supports S0 S5)", "reboot: Power down", "acpi_power_off called"}},
		{"poweroff/q35", "q35", "poweroff", "", "guest-shutdown",
			[]string{"ACPI: PM: (supports S0 S5)", "reboot: Power down", "acpi_power_off called"}},
		{"reboot/q35", "q35", "reboot", "", "guest-reset",
			[]string{"reboot: Restarting system", "reboot: writing 0xf into the ACPI reset register 0xcf9"}},
		{"reboot/pc", "pc", "reboot", "", "guest-reset",
			[]string{"reboot: Restarting system", "reboot: pulsing the reset line through the keyboard controller"}},
		{"reboot=p", "pc", "reboot", "reboot=p", "guest-reset",
			[]string{"reboot: Restarting system", "reboot: reset through the reset control register 0xcf9"}},
		{"reboot=t", "q35", "reboot", "reboot=t", "guest-reset",
			[]string{"reboot: Restarting system", "reboot: triple fault: INT3 with an empty IDT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := q.Start(t, q.Config{Machine: c.machine, Initrd: busyboxInitrd(t),
				Append: strings.TrimSpace("debug " + c.append + " -- " + c.script)})
			if _, err := m.QMP("query-status", nil); err != nil {
				t.Fatal(err)
			}
			ev, err := m.QMPEvent("SHUTDOWN", 5*time.Minute)
			if err != nil {
				t.Fatalf("%v\n%s", err, m.Result().Describe())
			}
			r := m.Wait(time.Minute)
			if ev["reason"] != c.reason || ev["guest"] != true {
				t.Fatalf("QEMU's SHUTDOWN event %v, want reason %s from the guest\n%s", ev, c.reason, r.Describe())
			}
			mustContainInOrder(t, r, c.want...)
			if strings.Contains(r.Output, "returned") {
				t.Fatalf("the shell ran on after %s -f\n%s", c.script, r.Describe())
			}
		})
	}
}

// TestRebootDenied: reboot(2) without CAP_SYS_BOOT is EPERM (busybox
// prints strerror, after a "(null): " of its own) and the machine runs on to init's own end.
func TestRebootDenied(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Initrd: busyboxInitrd(t), Append: "-- reboot_denied"})
	mustExit(t, r, q.ExitSuccess)
	sec, status := scriptSections(t, r)
	got := strings.Join(userLines(sec["reboot_denied"]), "\n")
	if status["reboot_denied"] != 0 || !regexp.MustCompile(`reboot: (.*: )?Operation not permitted\nstatus 1$`).MatchString(got) {
		t.Fatalf("reboot_denied: status %d, printed\n%s\n%s", status["reboot_denied"], got, r.Describe())
	}
	if strings.Contains(r.Output, "reboot: Restarting system") {
		t.Fatalf("an unprivileged reboot restarted\n%s", r.Describe())
	}
}
