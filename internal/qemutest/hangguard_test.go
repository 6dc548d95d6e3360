package qemutest

import (
	"testing"
	"time"
)

// TestHangGuard: a boot's hang guard grows with its memory, and an
// explicit Timeout wins.
func TestHangGuard(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want time.Duration
	}{
		{Config{}, DefaultTimeout},
		{Config{Mem: "128M"}, DefaultTimeout},
		{Config{Mem: "1G"}, DefaultTimeout},
		{Config{Mem: "1025M"}, DefaultTimeout + PerGiBTimeout},
		{Config{Mem: "2G"}, DefaultTimeout + PerGiBTimeout},
		{Config{Mem: "8G"}, DefaultTimeout + 7*PerGiBTimeout},
		{Config{Mem: "8192"}, DefaultTimeout + 7*PerGiBTimeout},
		{Config{Mem: "banana"}, DefaultTimeout},
		{Config{Mem: "8G", Timeout: time.Minute}, time.Minute},
	} {
		if got := hangGuard(c.cfg); got != c.want {
			t.Errorf("hangGuard(Mem %q, Timeout %v) = %v, want %v", c.cfg.Mem, c.cfg.Timeout, got, c.want)
		}
	}
}
