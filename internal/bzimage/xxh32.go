package bzimage

import (
	"encoding/binary"
	"math/bits"
)

// The boot stage's payload check (boot/compressed/verify_image.S) is
// XXH32, the 32-bit xxHash: Linux lib/xxhash.c (xxh32), the content
// checksum of the LZ4 frame format, and a sibling of XXH64, whose low 32
// bits are the zstd frame's checksum that Linux's decompressor verifies
// when it unpacks a zstd bzImage (lib/decompress_unzstd.c). gokern's
// payload is not compressed, so it has no compressor's check and carries
// this one. It replaced a slice-by-8 CRC32 (Linux lib/crc32.c): under
// QEMU's TCG the cost is per guest instruction and per memory access, and
// XXH32 takes 1.2 instructions and a quarter of a load per byte where the
// CRC took 3.1 and 1.25 (a table lookup per byte). Like the CRC it is 32
// bits, and a change confined to one aligned 4-byte word always changes
// it: each step on a lane (add, rotate, multiply by an odd constant) is a
// bijection, and so is the final mix.
const (
	PRIME32_1 = 2654435761
	PRIME32_2 = 2246822519
	PRIME32_3 = 3266489917
	PRIME32_4 = 668265263
	PRIME32_5 = 374761393
)

func xxh32_round(v, in uint32) uint32 {
	return bits.RotateLeft32(v+in*PRIME32_2, 13) * PRIME32_1
}

// Xxh32 is XXH32 of p with seed (Linux xxh32).
func Xxh32(p []byte, seed uint32) uint32 {
	n := uint32(len(p))
	var h uint32
	if len(p) >= 16 {
		v1, v2, v3, v4 := seed+PRIME32_1+PRIME32_2, seed+PRIME32_2, seed, seed-PRIME32_1
		for ; len(p) >= 16; p = p[16:] {
			v1 = xxh32_round(v1, binary.LittleEndian.Uint32(p[0:]))
			v2 = xxh32_round(v2, binary.LittleEndian.Uint32(p[4:]))
			v3 = xxh32_round(v3, binary.LittleEndian.Uint32(p[8:]))
			v4 = xxh32_round(v4, binary.LittleEndian.Uint32(p[12:]))
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + PRIME32_5
	}
	h += n
	for ; len(p) >= 4; p = p[4:] {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(p)*PRIME32_3, 17) * PRIME32_4
	}
	for _, b := range p {
		h = bits.RotateLeft32(h+uint32(b)*PRIME32_5, 11) * PRIME32_1
	}
	h ^= h >> 15
	h *= PRIME32_2
	h ^= h >> 13
	h *= PRIME32_3
	h ^= h >> 16
	return h
}
