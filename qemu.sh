#!/usr/bin/env bash
# qemu.sh — build, boot, debug and test gokern.
#
#   ./qemu.sh              build and boot; the serial console is this terminal
#                          (quit QEMU with Ctrl-A X)
#   ./qemu.sh build        build/bzImage, build/vmlinux, build/setup.elf, build/System.map
#   ./qemu.sh run          the same as no argument
#   ./qemu.sh debug        boot stopped at the first instruction with a gdb stub;
#                          prints how to attach
#   ./qemu.sh debug gdb    ... and start gdb with tools/gdb/gokern.gdb attached
#   ./qemu.sh grub         build build/gokern.iso (GRUB 2 for BIOS and UEFI, a menu
#                          with linux, linux16, multiboot, multiboot2) and boot it
#   ./qemu.sh pvh          boot build/vmlinux through its PVH entry (-kernel ELF)
#   ./qemu.sh busybox      boot with the busybox initramfs (build/busybox.cpio:
#                          Debian's busybox-static, its applet links, /init from
#                          user/busybox/init): a shell on the serial console
#   ./qemu.sh test         every test: gofmt, go vet, host tests, boot tests, gdb test
#   ./qemu.sh bench        boot time: gokern to its idle line against a floor image
#                          that exits at its first instruction, SeaBIOS and qboot,
#                          medians and ratio by wall and CPU time, what loading costs,
#                          start_kernel's steps, instruction counts, what TCG
#                          translated (BENCH_RUNS=7)
#   ./qemu.sh lab list     the course labs (labs/README.md)
#   ./qemu.sh lab NAME     in a clean work tree: branch lab-NAME with the lab's
#                          skeleton, built; --export [-o FILE]: a tarball instead
#   ./qemu.sh grade NAME|all [--tree DIR]... [--csv FILE] [-v]
#                          one line per test, then "NAME: score X/Y"; exit 0 only
#                          at full marks; --tree grades submissions in this tree
#   ./qemu.sh labsuite [NAME]  the whole suite on each lab's skeleton (or NAME's):
#                          every failure must be the lab's own (labs/README.md);
#                          about one ./qemu.sh test per lab
#
# Settings (environment):
#   MEM=128M  SMP=1  APPEND="extra kernel cmdline"  MACHINE=pc|q35|microvm
#   INITRD=file     (any initramfs, passed as the initrd: -initrd, or by every GRUB entry)
#   GOINIT=path     a Go program (user/init, or any main.go) built by the stock
#                   toolchain (CGO_ENABLED=0 GOOS=linux GOARCH=amd64) and booted
#                   as /init from build/goinit.cpio (docs/go-on-gokern.md)
#   GRUB_ENTRY=linux|linux16|multiboot|multiboot2   (grub: boot it at once; none: a 5 s menu)
#   ACCEL=tcg|kvm   (tcg by default; kvm only when asked, falling back to tcg)
#   BIOS=seabios|qboot|ovmf (ovmf: UEFI, with grub only)
#   DEBUG_BUILD=1 (build with -gcflags=all=-N -l for gdb)
#   V=1 (print the build's commands in full, not one short line per step)
# Extra QEMU arguments go after --:   ./qemu.sh run -- -d int
set -euo pipefail
cd "$(dirname "$0")"

MEM=${MEM:-128M}
SMP=${SMP:-1}
APPEND=${APPEND:-}
ACCEL=${ACCEL:-tcg}
BIOS=${BIOS:-seabios}
MACHINE=${MACHINE:-pc}
DEBUG_BUILD=${DEBUG_BUILD:-}
INITRD=${INITRD:-}
GOINIT=${GOINIT:-}
GRUB_ENTRY=${GRUB_ENTRY:-}

cmd=${1:-run}
[ $# -gt 0 ] && shift
labargs=()
if [ "$cmd" = lab ] || [ "$cmd" = grade ] || [ "$cmd" = labsuite ]; then labargs=("$@"); set --; fi
sub=""
if [ "$cmd" = debug ] && [ "${1:-}" = gdb ]; then sub=gdb; shift; fi
extra=()
if [ "${1:-}" = "--" ]; then shift; extra=("$@"); elif [ $# -gt 0 ]; then
	echo "qemu.sh: unexpected argument '$1' (extra QEMU arguments go after --)" >&2; exit 2
fi

# ensure_tools installs what is missing with apt-get when it can, and
# otherwise prints the exact command to run.
# host_runs_i386: can this kernel run a 32-bit Linux program? Links the
# smallest one (exit(0) through int $0x80) and runs it.
host_runs_i386() {
	command -v as >/dev/null && command -v ld >/dev/null || return 1
	local d rc=1
	d=$(mktemp -d)
	printf '.globl _start\n_start:\n\tmovl $1, %%eax\n\txorl %%ebx, %%ebx\n\tint $0x80\n' >"$d/t.S"
	if as --32 -o "$d/t.o" "$d/t.S" 2>/dev/null && ld -m elf_i386 -o "$d/t" "$d/t.o" 2>/dev/null; then
		"$d/t" 2>/dev/null && rc=0
	fi
	rm -rf "$d"
	return $rc
}

ensure_tools() {
	local need=() pkgs=()
	command -v qemu-system-x86_64 >/dev/null || { need+=(qemu-system-x86_64); pkgs+=(qemu-system-x86); }
	for t in as ld objcopy; do command -v $t >/dev/null || { need+=($t); pkgs+=(binutils); }; done
	command -v gdb >/dev/null || { need+=(gdb); pkgs+=(gdb); }
	command -v cpio >/dev/null || { need+=(cpio); pkgs+=(cpio); }
	# Debian's static busybox: the ELF loader's host test parses it (fs/binfmt_elf).
	if command -v dpkg-query >/dev/null && ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed"; then
		need+=(busybox-static)
		pkgs+=(busybox-static)
	fi
	# GRUB for BIOS and UEFI, and UEFI itself: ./qemu.sh grub and the boot
	# tests of every way in (docs/loaders.md).
	[ -d /usr/lib/grub/i386-pc ] || { need+=(grub-i386-pc); pkgs+=(grub-pc-bin); }
	[ -d /usr/lib/grub/x86_64-efi ] || { need+=(grub-x86_64-efi); pkgs+=(grub-efi-amd64-bin); }
	[ -f /usr/share/ovmf/OVMF.fd ] || { need+=(OVMF); pkgs+=(ovmf); }
	command -v grub-mkrescue >/dev/null || { need+=(grub-mkrescue); pkgs+=(grub-common); }
	command -v xorriso >/dev/null || { need+=(xorriso); pkgs+=(xorriso); }
	command -v mformat >/dev/null || { need+=(mformat); pkgs+=(mtools); }
	# The loader-conversion tests (internal/bootstage) run 32-bit boot code
	# as a host program: a kernel without IA32 emulation needs qemu-i386.
	if ! command -v qemu-i386 >/dev/null && ! host_runs_i386; then need+=(qemu-i386); pkgs+=(qemu-user); fi
	if [ ${#need[@]} -gt 0 ]; then
		local uniq
		uniq=$(printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' ')
		echo "qemu.sh: missing ${need[*]}; installing: $uniq" >&2
		local sudo=""
		[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
		if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
			$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
				$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $uniq >/dev/null ||
				{ echo "qemu.sh: apt-get failed; run: sudo apt-get install -y $uniq" >&2; exit 1; }
		else
			echo "qemu.sh: please run: sudo apt-get install -y $uniq" >&2
			exit 1
		fi
	fi
	if ! command -v go >/dev/null; then
		if [ -x /usr/local/go/bin/go ]; then export PATH=$PATH:/usr/local/go/bin; else
			echo "qemu.sh: Go not found: install Go 1.26 (https://go.dev/dl/) and put it on PATH" >&2; exit 1
		fi
	fi
}

# build runs only the steps whose inputs changed (internal/kbuild), printing
# one line per step as Linux's kbuild does; V=1 prints the commands.
build() {
	local flags=()
	[ -n "$DEBUG_BUILD" ] && flags+=(-debug)
	[ "${V:-0}" = 1 ] && flags+=(-v)
	go run ./cmd/kbuild "${flags[@]}"
}

# goinit builds GOINIT into build/goinit.cpio and boots that as the initrd.
goinit() {
	[ -n "$GOINIT" ] || return 0
	[ -z "$INITRD" ] || { echo "qemu.sh: GOINIT and INITRD both set; choose one" >&2; exit 2; }
	go run ./cmd/goinit -o build/goinit.cpio "$GOINIT"
	INITRD=build/goinit.cpio
}

# qemu_args SERIAL [KERNEL]: the QEMU command line in $args, COM1 on SERIAL,
# booting KERNEL (default build/bzImage; "iso": build/gokern.iso).
qemu_args() {
	local serial=$1 kernel=${2:-build/bzImage} accel=$ACCEL
	if [ "$accel" = kvm ] && ! [ -w /dev/kvm ]; then
		echo "qemu.sh: ACCEL=kvm but /dev/kvm is not usable here; using tcg" >&2
		accel=tcg
	fi
	args=(-accel "$accel" -machine "$MACHINE" -m "$MEM" -smp "$SMP"
		-display none -serial "$serial" -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	if [ "$kernel" = iso ]; then
		args+=(-cdrom build/gokern.iso -boot d)
	else
		args+=(-kernel "$kernel" -append "earlyprintk=serial $APPEND")
		[ -n "$INITRD" ] && args+=(-initrd "$INITRD")
	fi
	case $BIOS in
	seabios) ;;
	qboot) args+=(-bios qboot.rom) ;;
	ovmf)
		[ "$kernel" = iso ] || { echo "qemu.sh: BIOS=ovmf boots through GRUB: ./qemu.sh grub" >&2; exit 2; }
		args+=(-bios /usr/share/ovmf/OVMF.fd) ;;
	*) echo "qemu.sh: BIOS must be seabios, qboot or ovmf" >&2; exit 2 ;;
	esac
}

free_port() {
	local p
	for p in 1234 $(seq 20000 20100); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
	done
	echo 1234
}

case $cmd in
build)
	ensure_tools
	build
	;;
run)
	ensure_tools
	build
	goinit
	qemu_args mon:stdio
	echo "qemu.sh: booting build/bzImage (quit with Ctrl-A X)" >&2
	exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	;;
grub)
	ensure_tools
	build
	go run ./cmd/kbuild -q -iso -entry "$GRUB_ENTRY" -append "earlyprintk=serial $APPEND" -initrd "$INITRD"
	qemu_args mon:stdio iso
	echo "qemu.sh: booting build/gokern.iso with GRUB (${GRUB_ENTRY:-menu}, BIOS=$BIOS; quit with Ctrl-A X)" >&2
	exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	;;
pvh)
	ensure_tools
	build
	qemu_args mon:stdio build/vmlinux
	echo "qemu.sh: booting build/vmlinux through its PVH entry (MACHINE=$MACHINE; quit with Ctrl-A X)" >&2
	exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	;;
busybox)
	ensure_tools
	build
	go run ./cmd/gen_initramfs -o build/busybox.cpio
	INITRD=build/busybox.cpio
	qemu_args mon:stdio
	echo "qemu.sh: booting build/bzImage with build/busybox.cpio (quit with Ctrl-A X)" >&2
	exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	;;
debug)
	ensure_tools
	build
	goinit
	if [ "$sub" = gdb ]; then qemu_args file:build/serial.log; else qemu_args mon:stdio; fi
	port=$(free_port)
	args+=(-S -gdb "tcp:127.0.0.1:$port")
	if [ "$sub" = gdb ]; then
		qemu-system-x86_64 "${args[@]}" "${extra[@]}" </dev/null >build/qemu.log 2>&1 &
		qpid=$!
		trap 'kill $qpid 2>/dev/null || true' EXIT
		echo "qemu.sh: QEMU waits for gdb on port $port; the console goes to build/serial.log" >&2
		gdb -x tools/gdb/gokern.gdb -ex "gk-connect 127.0.0.1:$port"
	else
		echo "qemu.sh: QEMU waits at the first instruction. In another terminal:" >&2
		echo "    gdb -x tools/gdb/gokern.gdb -ex 'gk-connect 127.0.0.1:$port'" >&2
		echo "  then for example: gk-stages, continue (docs/boot.md)" >&2
		exec qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	fi
	;;
test)
	ensure_tools
	echo "== gofmt" >&2
	unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './build/*'))
	if [ -n "$unformatted" ]; then echo "gofmt: not formatted: $unformatted" >&2; exit 1; fi
	echo "== go vet" >&2
	go vet ./...
	(cd user && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go vet ./...)
	echo "== build" >&2
	build
	echo "== go test (host tests, boot tests, gdb test)" >&2
	go test -count=1 -timeout 25m ./...
	;;
bench)
	ensure_tools
	build
	go run ./cmd/bootbench -n "${BENCH_RUNS:-7}" -append "$APPEND"
	;;
lab | grade)
	ensure_tools
	go build -o build/lab ./cmd/lab
	name=${labargs[0]:-}
	if [ "$cmd" = grade ]; then exec build/lab grade "${labargs[@]}"; fi
	case $name in
	"") exec build/lab usage ;;
	list) exec build/lab list ;;
	*)
		if [ "${labargs[1]:-}" = --export ]; then exec build/lab export "$name" "${labargs[@]:2}"; fi
		exec build/lab start "${labargs[@]}"
		;;
	esac
	;;
labsuite)
	ensure_tools
	build
	GOKERN_LABS_SUITE=full exec go test -count=1 -timeout 12h -v -run "^TestGrades\$/^${labargs[0]:-.*}\$" ./internal/labs
	;;
*)
	echo "usage: ./qemu.sh [build|run|grub|pvh|busybox|debug [gdb]|test|bench|lab|grade|labsuite] [-- qemu args]" >&2
	exit 2
	;;
esac
