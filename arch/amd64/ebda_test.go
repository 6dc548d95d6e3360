package amd64

import (
	"encoding/binary"
	"testing"

	"gokern/internal/ktest"
	"gokern/memblock"
)

// reserve_ebda_region over a simulated BIOS data area: it reserves from
// the lower of the EBDA and the BIOS's low-memory size up to 1 MiB, and
// distrusts values below 128 KiB or above 636 KiB.
func TestReserveEbdaRegion(t *testing.T) {
	for _, c := range []struct {
		name            string
		ebdaSeg, lowKiB uint16
		want            uint32
	}{
		{"SeaBIOS", 0x9fc0, 639, 0x9f000}, // EBDA at 0x9fc00: capped at 636 KiB
		{"qboot (zeros)", 0, 0, 0x9f000},
		{"EBDA low", 0x8000, 639, 0x80000},
		{"low memory small", 0x9fc0, 512, 0x80000},
		{"insane EBDA", 0x0100, 639, 0x9f000},
	} {
		t.Run(c.name, func(t *testing.T) {
			ram := ktest.NewRAM(t, 2<<20)
			binary.LittleEndian.PutUint16(ram.Mem[BIOS_EBDA_SEGMENT:], c.ebdaSeg)
			binary.LittleEndian.PutUint16(ram.Mem[BIOS_LOWMEM_KILOBYTES:], c.lowKiB)
			memblock.Init(ram)
			reserve_ebda_region(ram)
			if LowmemStart != c.want || EbdaStart != uint32(c.ebdaSeg)<<4 {
				t.Fatalf("LowmemStart %#x EbdaStart %#x, want %#x %#x", LowmemStart, EbdaStart, c.want, uint32(c.ebdaSeg)<<4)
			}
			r := memblock.Reserved()
			if r.Cnt != 1 || r.Regions[0].Base != uint64(c.want) || r.Regions[0].Base+r.Regions[0].Size != 1<<20 {
				t.Fatalf("reserved %d regions, first [%#x, +%#x)", r.Cnt, r.Regions[0].Base, r.Regions[0].Size)
			}
		})
	}
}
