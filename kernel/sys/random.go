package sys

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// getrandom(buf, buflen, flags) and the kernel's random numbers. Linux:
// drivers/char/random.c, in its shape since 5.18: entropy from the
// CPU's RDSEED/RDRAND and from timing jitter is hashed into a 32-byte
// key, and the output is ChaCha20 under that key with "fast key
// erasure": every request first replaces the key with ChaCha20 output,
// so that nothing already returned can be recomputed from the state.
// Linux hashes with BLAKE2s; gokern uses ChaCha20 itself as the
// compression function (Davies-Meyer: the block of key^input, fed
// forward), one primitive instead of two.

// chacha20_block is one ChaCha20 block (RFC 8439 2.3): the 16-word state
// after 20 rounds, added to the input state.
func chacha20_block(in *[16]uint32, out *[16]uint32) {
	x := *in
	qr := func(a, b, c, d int) {
		x[a] += x[b]
		x[d] = bits.RotateLeft32(x[d]^x[a], 16)
		x[c] += x[d]
		x[b] = bits.RotateLeft32(x[b]^x[c], 12)
		x[a] += x[b]
		x[d] = bits.RotateLeft32(x[d]^x[a], 8)
		x[c] += x[d]
		x[b] = bits.RotateLeft32(x[b]^x[c], 7)
	}
	for i := 0; i < 10; i++ {
		qr(0, 4, 8, 12)
		qr(1, 5, 9, 13)
		qr(2, 6, 10, 14)
		qr(3, 7, 11, 15)
		qr(0, 5, 10, 15)
		qr(1, 6, 11, 12)
		qr(2, 7, 8, 13)
		qr(3, 4, 9, 14)
	}
	for i := range out {
		out[i] = x[i] + in[i]
	}
}

// chacha20_state is the block input for key and a 64-bit counter
// ("expand 32-byte k", the key, the counter, a zero nonce).
func chacha20_state(s *[16]uint32, key *[8]uint32, counter uint64) {
	s[0], s[1], s[2], s[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	copy(s[4:12], key[:])
	s[12], s[13], s[14], s[15] = uint32(counter), uint32(counter>>32), 0, 0
}

// crng is Linux's base_crng: the key, and whether it was ever seeded.
var crng struct {
	key    [8]uint32
	seeded bool
	mixes  uint64
}

// mix_pool_bytes hashes 32 bytes of input into the key (Linux
// mix_pool_bytes + extract_entropy): key' = ChaCha20(key ^ input)[0:8]
// ^ (key ^ input).
func mix_pool_bytes(in *[8]uint32) {
	var k [8]uint32
	for i := range k {
		k[i] = crng.key[i] ^ in[i]
	}
	var s, out [16]uint32
	chacha20_state(&s, &k, crng.mixes)
	chacha20_block(&s, &out)
	for i := range crng.key {
		crng.key[i] = out[i] ^ k[i]
	}
	crng.mixes++
}

// CPUID bits of the CPU's random number instructions (SDM Vol. 2A,
// CPUID: leaf 1 ECX bit 30, leaf 7 subleaf 0 EBX bit 18).
const (
	CPUID1_ECX_RDRAND = 1 << 30
	CPUID7_EBX_RDSEED = 1 << 18
)

// Rand_initialize seeds the key at boot (Linux random_init and
// try_to_generate_entropy): RDSEED, else RDRAND, when the CPU has them,
// and always 1024 samples of the TSC around a CPUID, whose cost jitters
// (under TCG and on hardware alike), mixed in as they come.
func Rand_initialize() {
	max, _, _, _ := asm.Cpuid(0)
	_, _, ecx1, _ := asm.Cpuid(1)
	var ebx7 uint32
	if max >= 7 {
		_, ebx7, _, _ = asm.Cpuid_count(7, 0)
	}
	var in [8]uint32
	cpu := 0
	for i := 0; i < 4; i++ {
		var v uint64
		ok := false
		if ebx7&CPUID7_EBX_RDSEED != 0 {
			v, ok = asm.Rdseed64()
		}
		if !ok && ecx1&CPUID1_ECX_RDRAND != 0 {
			v, ok = asm.Rdrand64()
		}
		if ok {
			in[2*i], in[2*i+1] = uint32(v), uint32(v>>32)
			cpu++
		}
	}
	mix_pool_bytes(&in)
	for round := 0; round < 128; round++ {
		for i := range in {
			t0 := asm.Rdtsc()
			asm.Cpuid(0)
			in[i] = uint32(asm.Rdtsc()-t0) ^ uint32(t0)<<8
		}
		mix_pool_bytes(&in)
	}
	crng.seeded = true
	printk.Pr_info("random: crng init done (%d CPU random words, 1024 TSC jitter samples)\n", printk.Int(cpu*2))
}

// crng_make_state erases the key with the next ChaCha20 block (Linux
// crng_fast_key_erasure), the TSC mixed in first, and returns the block
// input for the output that follows under the new key.
func crng_make_state(s *[16]uint32) {
	t := asm.Rdtsc()
	crng.key[0] ^= uint32(t)
	crng.key[1] ^= uint32(t >> 32)
	var out [16]uint32
	chacha20_state(s, &crng.key, 0)
	chacha20_block(s, &out)
	copy(crng.key[:], out[:8])
	chacha20_state(s, &crng.key, 1)
}

// Get_random_bytes fills buf (Linux get_random_bytes).
func Get_random_bytes(buf []byte) {
	var s, out [16]uint32
	crng_make_state(&s)
	var b [64]byte
	for len(buf) > 0 {
		chacha20_block(&s, &out)
		s[12]++
		for i, w := range out {
			binary.LittleEndian.PutUint32(b[4*i:], w)
		}
		buf = buf[copy(buf, b[:]):]
	}
}

// The flags of getrandom (include/uapi/linux/random.h).
const (
	GRND_NONBLOCK = 1
	GRND_RANDOM   = 2
	GRND_INSECURE = 4
)

// sys_getrandom: getrandom(buf, buflen, flags): buflen bytes (capped at
// MAX_RW_COUNT); -EINVAL for unknown flags or GRND_INSECURE with
// GRND_RANDOM. The crng is seeded at boot, so it never blocks. A fault
// part-way returns what was copied, -EFAULT if nothing was; a pending
// signal ends a large request at a page boundary, as Linux's
// get_random_bytes_user does.
func sys_getrandom(r *asm.PtRegs) int64 {
	flags := a3(r)
	if flags&^(GRND_NONBLOCK|GRND_RANDOM|GRND_INSECURE) != 0 || flags&(GRND_INSECURE|GRND_RANDOM) == GRND_INSECURE|GRND_RANDOM {
		return -asm.EINVAL
	}
	if !crng.seeded && flags&GRND_INSECURE == 0 {
		return -uapi.EAGAIN
	}
	buf, n := uintptr(a1(r)), min(a2(r), MAX_RW_COUNT)
	var s, out [16]uint32
	crng_make_state(&s)
	var b [64]byte
	done := uint64(0)
	for done < n {
		chacha20_block(&s, &out)
		s[12]++
		for i, w := range out {
			binary.LittleEndian.PutUint32(b[4*i:], w)
		}
		c := min(n-done, 64)
		left := asm.Copy_to_user(buf+uintptr(done), uintptr(unsafe.Pointer(&b[0])), uintptr(c))
		done += c - uint64(left)
		if left != 0 {
			break
		}
		if done%asm.PAGE_SIZE == 0 && done < n && sched.Signal_pending() {
			break
		}
	}
	b = [64]byte{}
	if done == 0 && n > 0 {
		return -asm.EFAULT
	}
	return int64(done)
}
