package uapi

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestResourceLayouts: struct rusage, struct tms and the SIGCHLD part of
// siginfo_t as the host's x/sys/unix spells them, and the wait constants.
func TestResourceLayouts(t *testing.T) {
	sameLayout(t, Rusage{}, unix.Rusage{}, [2]string{"Utime", "Utime"}, [2]string{"Stime", "Stime"},
		[2]string{"Maxrss", "Maxrss"}, [2]string{"Minflt", "Minflt"}, [2]string{"Nvcsw", "Nvcsw"}, [2]string{"Nivcsw", "Nivcsw"})
	if unsafe.Sizeof(Rusage{}) != unsafe.Sizeof(unix.Rusage{}) {
		t.Errorf("rusage: %d bytes, host %d", unsafe.Sizeof(Rusage{}), unsafe.Sizeof(unix.Rusage{}))
	}
	sameLayout(t, Tms{}, unix.Tms{}, [2]string{"Utime", "Utime"}, [2]string{"Stime", "Stime"},
		[2]string{"Cutime", "Cutime"}, [2]string{"Cstime", "Cstime"})
	sameLayout(t, Siginfo_chld{}, unix.Siginfo{}, [2]string{"Signo", "Signo"}, [2]string{"Errno", "Errno"}, [2]string{"Code", "Code"})
	if unsafe.Sizeof(Siginfo_chld{}) != unsafe.Sizeof(unix.Siginfo{}) {
		t.Errorf("siginfo: %d bytes, host %d", unsafe.Sizeof(Siginfo_chld{}), unsafe.Sizeof(unix.Siginfo{}))
	}
	for _, c := range []struct {
		name      string
		ours, hst int64
	}{{"WNOHANG", WNOHANG, unix.WNOHANG}, {"WUNTRACED", WUNTRACED, unix.WUNTRACED}, {"WEXITED", WEXITED, unix.WEXITED},
		{"WCONTINUED", WCONTINUED, unix.WCONTINUED}, {"WNOWAIT", WNOWAIT, unix.WNOWAIT}, {"__WALL", X__WALL, unix.WALL},
		{"__WCLONE", X__WCLONE, unix.WCLONE}, {"P_PID", P_PID, unix.P_PID}, {"P_PGID", P_PGID, unix.P_PGID},
		{"P_ALL", P_ALL, unix.P_ALL},
		{"RUSAGE_CHILDREN", RUSAGE_CHILDREN, unix.RUSAGE_CHILDREN}} {
		if c.ours != c.hst {
			t.Errorf("%s = %#x, host %#x", c.name, c.ours, c.hst)
		}
	}
}
