package bootmem

const (
	K = 1 << 10
	M = 1 << 20
)

// reservedPages lists the reserved page frames of a node.
func reservedPages(b *BootmemData) []uint64 {
	var out []uint64
	for pfn := b.Node_min_pfn; pfn < b.Node_low_pfn; pfn++ {
		if test_bit(b.bitmap, pfn-b.Node_min_pfn) {
			out = append(out, pfn)
		}
	}
	return out
}
