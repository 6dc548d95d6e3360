package bootstage

// A harness that runs the boot stage's loader conversions — the very
// assembly of boot/compressed/zeropage.S, multiboot.S and pvh.S — on the
// host: the sources are assembled as 32-bit code and linked into a small
// static i386 Linux program together with a driver that calls one
// conversion with the registers a loader would set, and a memory image
// (the information blob at the addresses it names) linked at those very
// addresses. The program writes the boot_params, command line and
// setup_data node the conversion built to stdout, and on an error the
// message loader_error prints to stderr, then exits 35 as the boot stage
// does under QEMU. The host tests (loaders_test.go) feed it information
// built with github.com/u-root/u-root/pkg/boot/multiboot and by hand.
//
// The boot stage calls serial_putchar, __puthex, __putdec and die (its
// console, early_serial_console.S, which uses port I/O), jumps to
// startup_32, and debug_loader_converted reads boot_params_ptr; the driver
// provides them for Linux (write(2), exit(2)). Everything else is the boot stage's.
// After a successful conversion the driver calls debug_loader_converted,
// whose line is then the Message.

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"gokern/arch/amd64/asm"
	"gokern/internal/kbuild"
)

// Segment is bytes at a physical address of the simulated machine.
type Segment struct {
	Addr uint32
	Data []byte
}

// Conversion is one of the boot stage's conversions.
type Conversion string

const (
	Multiboot  Conversion = "mb_convert"
	Multiboot2 Conversion = "mb2_convert"
	PVH        Conversion = "pvh_convert"
)

// HarnessBase is where the harness's own code and data are linked: above
// any address a test's memory image uses.
const HarnessBase = 0xe0000000

// Harness holds the assembled boot-stage objects.
type Harness struct {
	dir  string
	objs []string
	mu   sync.Mutex
	syms map[string]uint32 // of the last program linked: the same every time
}

// Symbol is the address the harness links a boot-stage symbol at (after a
// Run).
func (h *Harness) Symbol(name string) (uint32, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.syms[name]
	if !ok {
		return 0, fmt.Errorf("harness: no symbol %s (nothing run yet?)", name)
	}
	return v, nil
}

// driver calls test_call (a --defsym) with EAX = test_eax, EBX = test_ebx
// and EBP = 0 (the boot stage reaches its symbols as sym(%ebp); here they
// are linked at their run addresses), then dumps the results.
const driver = `
	.code32
	.text
	.globl	_start, startup_32, serial_putchar, __puthex, __putdec, die, boot_params_ptr
_start:
	movl	$boot_stack_end, %esp
	xorl	%ebp, %ebp
	movl	$test_eax, %eax
	movl	$test_ebx, %ebx
	call	test_call
	movl	%eax, result_code
	movl	$result_code, %ecx
	movl	$4, %edx
	call	out
	movl	$loader_bp, %ecx
	movl	$BOOT_PARAMS_SIZE, %edx
	call	out
	movl	$loader_cmdline, %ecx
	movl	$COMMAND_LINE_SIZE, %edx
	call	out
	movl	$loader_node, %ecx
	movl	$(SD_data + GB_SIZE), %edx
	call	out
	movl	$loader_err_code, %ecx
	movl	$28, %edx
	call	out
	cmpl	$0, result_code
	jne	loader_error			/* prints, then die */
	movl	$loader_bp, boot_params_ptr	/* as startup_32 has it, for */
	call	debug_loader_converted		/* its "debug" line */
	movl	$1, %eax			/* exit(0) */
	xorl	%ebx, %ebx
	int	$0x80
out:	movl	$4, %eax			/* write(1, ECX, EDX) */
	movl	$1, %ebx
	int	$0x80
	ret
serial_putchar:					/* AL to stderr; preserves all */
	pushal
	movb	%al, putc_buf
	movl	$4, %eax
	movl	$2, %ebx
	movl	$putc_buf, %ecx
	movl	$1, %edx
	int	$0x80
	popal
	ret
__puthex:					/* EAX as 8 hex digits */
	pushal
	movl	%eax, %edx
	movl	$8, %ecx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	hexdigits(%eax), %al
	call	serial_putchar
	subl	$1, %ecx
	jnz	1b
	popal
	ret
__putdec:					/* EAX in decimal */
	pushal
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divl	%ebx
	pushl	%edx
	addl	$1, %ecx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	serial_putchar
	subl	$1, %ecx
	jnz	2b
	popal
	ret
hexdigits: .ascii "0123456789abcdef"
die:	movl	$1, %eax			/* exit(35), as isa-debug-exit's 0x11 */
	movl	$35, %ebx
	int	$0x80
startup_32:
	ud2
	.bss
	.balign	16
	.globl	boot_stack_end
	.skip	16384
boot_stack_end:
result_code:	.skip	4
putc_buf:	.skip	4
boot_params_ptr: .skip	4
`

// NewHarness assembles the conversions and the driver in dir. root is the
// repository (for the sources and consts.inc's Go constants).
func NewHarness(root, dir string) (*Harness, error) {
	inc := filepath.Join(dir, "include", "generated")
	if err := os.MkdirAll(inc, 0o755); err != nil {
		return nil, err
	}
	consts, err := kbuild.GoConsts(root, kbuild.ConstsPackages)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(inc, "consts.inc"), []byte(kbuild.ConstsIncText(consts)), 0o644); err != nil {
		return nil, err
	}
	drv := filepath.Join(dir, "driver.S")
	if err := os.WriteFile(drv, []byte("\t.include \"bootparam.inc\"\n"+driver), 0o644); err != nil {
		return nil, err
	}
	h := &Harness{dir: dir}
	for _, src := range []string{filepath.Join(root, "boot", "compressed", "zeropage.S"), filepath.Join(root, "boot", "compressed", "multiboot.S"),
		filepath.Join(root, "boot", "compressed", "pvh.S"), drv} {
		obj := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".S")+".o")
		if out, err := exec.Command("as", "--32", "-I", filepath.Join(root, "boot"), "-I", filepath.Join(dir, "include"), "-o", obj, src).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("as %s: %v\n%s", src, err, out)
		}
		h.objs = append(h.objs, obj)
	}
	return h, nil
}

// Converted is what one conversion did.
type Converted struct {
	Code    uint32 // 0, or the error code (zeropage.S ERR_*)
	BP      asm.BootParams
	Cmdline []byte // loader_cmdline, up to its NUL
	Node    []byte // the setup_data node: header and data
	Err     [7]uint32
	Message string // what loader_error printed; after a success, debug_loader_converted's line
	Exit    int    // 0, or 35 after an error
	// Loader is the loader name in the node, up to its NUL.
	Loader string
}

// Run links the harness with mem and runs conv with EAX = eax, EBX = ebx.
func (h *Harness) Run(name string, conv Conversion, eax, ebx uint32, mem []Segment) (*Converted, error) {
	dir, err := os.MkdirTemp(h.dir, "run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sort.Slice(mem, func(i, j int) bool { return mem[i].Addr < mem[j].Addr })
	var src, lds strings.Builder
	lds.WriteString("OUTPUT_FORMAT(\"elf32-i386\")\nENTRY(_start)\nSECTIONS\n{\n")
	for i, s := range mem {
		if i > 0 && uint64(mem[i-1].Addr)+uint64(len(mem[i-1].Data)) > uint64(s.Addr) {
			return nil, fmt.Errorf("%s: memory segments at %#x and %#x overlap", name, mem[i-1].Addr, s.Addr)
		}
		if uint64(s.Addr)+uint64(len(s.Data)) > HarnessBase || s.Addr < 0x1000 {
			return nil, fmt.Errorf("%s: memory segment at %#x is outside [0x1000, %#x)", name, s.Addr, HarnessBase)
		}
		f := filepath.Join(dir, fmt.Sprintf("seg%d.bin", i))
		if err := os.WriteFile(f, s.Data, 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(&src, "\t.section .mem%d, \"aw\"\n\t.incbin %q\n", i, f)
		fmt.Fprintf(&lds, "\t. = %#x;\n\t.mem%d : { *(.mem%d) }\n", s.Addr, i, i)
	}
	fmt.Fprintf(&lds, "\t. = %#x;\n\t.text : { *(.text) }\n\t.rodata : { *(.rodata) }\n\t.data : { *(.data) }\n\t.bss : { *(.bss) }\n\t.pgtable : { *(.pgtable) }\n\t/DISCARD/ : { *(.note*) *(.comment) }\n}\n", HarnessBase)
	memS, ldsPath, memO, exe := filepath.Join(dir, "mem.S"), filepath.Join(dir, "run.lds"), filepath.Join(dir, "mem.o"), filepath.Join(dir, "run")
	if err := os.WriteFile(memS, []byte(src.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(ldsPath, []byte(lds.String()), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command("as", "--32", "-o", memO, memS).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("as: %v\n%s", err, out)
	}
	args := []string{"-m", "elf_i386", "-static", "-T", ldsPath, "--no-warn-rwx-segments", "-z", "noexecstack",
		"--defsym", fmt.Sprintf("test_eax=%#x", eax), "--defsym", fmt.Sprintf("test_ebx=%#x", ebx),
		"--defsym", "test_call=" + string(conv), "-o", exe, memO}
	if out, err := exec.Command("ld", append(args, h.objs...)...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ld: %v\n%s", err, out)
	}
	if f, err := elf.Open(exe); err == nil {
		syms, _ := f.Symbols()
		f.Close()
		h.mu.Lock()
		h.syms = map[string]uint32{}
		for _, s := range syms {
			h.syms[s.Name] = uint32(s.Value)
		}
		h.mu.Unlock()
	}
	stdout, stderr, err := runI386(exe)
	o := &Converted{Message: strings.TrimSpace(strings.ReplaceAll(stderr.String(), "\r\n", "\n"))}
	if ee, ok := err.(*exec.ExitError); ok {
		o.Exit = ee.ExitCode()
	} else if err != nil {
		return nil, fmt.Errorf("%s: running the i386 harness: %v", name, err)
	}
	b := stdout.Bytes()
	want := 4 + asm.BOOT_PARAMS_SIZE + asm.COMMAND_LINE_SIZE + asm.SD_data + asm.GB_SIZE + 28
	if len(b) != want {
		return nil, fmt.Errorf("%s: the harness wrote %d bytes, want %d (exit %d, stderr %q)", name, len(b), want, o.Exit, o.Message)
	}
	o.Code = le32(b)
	b = b[4:]
	copy(o.BP[:], b)
	b = b[asm.BOOT_PARAMS_SIZE:]
	o.Cmdline = cstring(b[:asm.COMMAND_LINE_SIZE])
	b = b[asm.COMMAND_LINE_SIZE:]
	o.Node = append([]byte(nil), b[:asm.SD_data+asm.GB_SIZE]...)
	o.Loader = string(cstring(o.Node[asm.SD_data+asm.GB_loader_name:]))
	b = b[asm.SD_data+asm.GB_SIZE:]
	for i := range o.Err {
		o.Err[i] = le32(b[4*i:])
	}
	return o, nil
}

// runI386 runs the 32-bit harness: natively where the host kernel runs
// i386 programs (CONFIG_IA32_EMULATION), else under QEMU's user-mode
// emulator qemu-i386, which ./qemu.sh installs on such a host (seen on a
// paravirtualized VM whose kernel was built without IA32 emulation: exec
// fails with ENOEXEC there).
func runI386(exe string) (stdout, stderr bytes.Buffer, err error) {
	cmd := exec.Command(exe)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if !errors.Is(err, syscall.ENOEXEC) {
		return stdout, stderr, err
	}
	emu, lerr := exec.LookPath("qemu-i386")
	if lerr != nil {
		return stdout, stderr, fmt.Errorf("the host cannot run 32-bit Linux programs (%v) and has no qemu-i386 to emulate them: install Debian's qemu-user (./qemu.sh does)", err)
	}
	stdout.Reset()
	stderr.Reset()
	cmd = exec.Command(emu, exe)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return stdout, stderr, cmd.Run()
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
