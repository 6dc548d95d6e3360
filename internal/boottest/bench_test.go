package boottest

import (
	"os"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// BenchmarkBoot measures a boot to the idle line under TCG: the wall time
// from QEMU's start to its exit, and the kernel's own time from startup_32
// to the idle line (the idle line's printk time stamp). Also reports the
// image sizes. Run: go test ./internal/boottest -run XXX -bench Boot
func BenchmarkBoot(b *testing.B) {
	img := q.Image(b, false)
	for _, bios := range []string{"seabios", "qboot"} {
		b.Run(bios, func(b *testing.B) {
			cfg := q.Config{Append: "exit_at_idle"}
			if bios == "qboot" {
				cfg.BIOS = "qboot"
			}
			var wall, kernel float64
			for i := 0; i < b.N; i++ {
				r := q.Boot(b, cfg)
				if r.ExitCode != q.ExitSuccess {
					b.Fatal(r.Describe())
				}
				s := r.Stamps()
				last := s[len(s)-1]
				if !strings.Contains(last.Text, "cpu_idle") {
					b.Fatalf("last line %q", last.Text)
				}
				wall += r.Wall.Seconds()
				kernel += last.Time
			}
			b.ReportMetric(wall/float64(b.N)*1000, "wall-ms/boot")
			b.ReportMetric(kernel/float64(b.N)*1000, "kernel-ms/boot")
		})
	}
	st, err := os.Stat(img.BzImage)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("bzImage %d bytes: setup %d sectors (%d bytes), payload %d bytes; kernel %#x-%#x (%d KiB in memory)",
		st.Size(), img.Image.SetupSects+1, 512*(img.Image.SetupSects+1), st.Size()-int64(512*(img.Image.SetupSects+1)),
		img.Piggy.Start, img.Piggy.End, (img.Piggy.End-img.Piggy.Start)>>10)
}
