# SPDX-License-Identifier: GPL-2.0-only
# The patch series that `make patch` produces: one call of `patch` per step,
# in order. Sourced by patch.sh, which defines `patch`, `keep` and `edit`.
#
#   patch SUBJECT BODY -- ACTION...
# where each ACTION is "keep PATH" (take the checkout's file), "drop PATH"
# (delete it from the tree) or "edit PATH FILTER" (the checkout's file, or
# the tree's when the checkout has none, piped through FILTER, a command).

patch "dma-buf: uapi: rewrite the userspace header" "\
Replace include/uapi/linux/dma-buf.h with a header written for the new
dma-buf core. The ABI is unchanged: the ioctl numbers, struct layouts,
flag values and DMA_BUF_NAME_LEN are those of 6.12, and the kselftests
added later in this series check every number and size against them.
The kernel-doc describes each ioctl and its errno values." \
	-- keep include/uapi/linux/dma-buf.h

patch "dma-buf: rewrite the driver header, add buffer iteration" "\
Replace include/linux/dma-buf.h with a header written for the new core.
Every function, inline, macro, structure and member name that 6.12
drivers use is kept, with complete types, so exporters and importers
build unchanged. Members are grouped by the lock that protects them.

Declare dma_buf_iter_begin() and dma_buf_iter_next(), which walk every
live buffer with a reference held; the next patch implements them." \
	-- keep include/linux/dma-buf.h

patch "dma-buf: Kconfig: reword the help texts" "\
Say in each help text what the option gives and who needs it, in words
written for this series, and drop the redundant 'default n' lines. No
symbol, dependency or effective default changes." \
	-- edit drivers/dma-buf/Kconfig "without_kunit_kconfig"

patch "dma-buf: replace the core with one split by concern" "\
drivers/dma-buf/dma-buf.c mixes the pseudo filesystem, the attachment
state machine, CPU access, poll and debugfs in one file. Replace it with
a core written from scratch and split along those lines:

  dma-buf-export.c   export, references, release, the list of buffers
  dma-buf-file.c     the dmabuf pseudo filesystem, fops, ioctls, fdinfo
  dma-buf-attach.c   attach, detach, pin, map, unmap, move_notify
  dma-buf-cpu.c      begin/end CPU access, DMA_BUF_IOCTL_SYNC, mmap, vmap
  dma-buf-sync.c     poll and sync_file export/import
  dma-buf-debugfs.c  dma_buf/bufinfo

dma-buf-internal.h holds what they share and documents the locking
convention; every exported function's kernel-doc names its context and
lockdep asserts it.

Behaviour follows 6.12 for userspace and drivers, with two additions from
newer kernels: static importers of a pinnable buffer get it pinned for
the life of their mapping and wait for its kernel fences before using
it, and built-in code can walk the buffers with dma_buf_iter_begin()/
_next() (not exported to modules). cache_sgt_mapping keeps its 6.12
meaning. API misuse by drivers warns once per call site; with
DMABUF_DEBUG the core also records the tables it hands out, so that it
can refuse a foreign one and undo mappings left at detach time.

Faster than 6.12 where userspace polls the core most: poll() and the
SYNC ioctl on an idle buffer take no lock, SET_NAME allocates nothing,
and bufinfo prints its table once, in 6.12's format.

Every operation on a buffer is a tracepoint of the new dma_buf system
(include/trace/events/dma_buf.h), with the exporter, size and inode
number; events fire while the caller still holds the buffer. The
dma-buf entry of MAINTAINERS covers the new header." \
	-- keep include/trace/events/dma_buf.h edit MAINTAINERS "only_trace_maintained" \
	keep drivers/dma-buf/dma-buf-export.c keep drivers/dma-buf/dma-buf-file.c \
	keep drivers/dma-buf/dma-buf-attach.c keep drivers/dma-buf/dma-buf-cpu.c \
	keep drivers/dma-buf/dma-buf-sync.c keep drivers/dma-buf/dma-buf-debugfs.c \
	keep drivers/dma-buf/dma-buf-internal.h drop drivers/dma-buf/dma-buf.c \
	edit drivers/dma-buf/Makefile "without_bpf_kunit_make"

patch "dma-buf: build the sysfs statistics in kernfs directly" "\
With DMABUF_SYSFS_STATS (Android's GKI enables it) every export made a
kobject, printed and allocated its name, added an attribute group file
by file, and every release looked each file up by name to remove it:
about 9,400 instructions on top of a 5,100-instruction export+close of
a one-page buffer. Make the directory and its two files as kernfs nodes
directly: the name is the inode number in decimal, written by hand, and
the directory goes with its files in one kernfs_remove(). The files,
their contents, modes and sizes are those of 6.12; a reader holds the
file's active reference, which removal waits for.

What remains is what three kernfs nodes cost (allocation, id, name
hash, tree insertion and removal). The lifecycle kselftest checks the
files against bufinfo and reads them while buffers are released." \
	-- keep drivers/dma-buf/dma-buf-sysfs-stats.c

patch "dma-buf: add the BPF dmabuf iterator" "\
Let BPF programs visit every live buffer, in the two forms newer kernels
offer: the bpf_iter target 'dmabuf', whose programs get a struct
bpf_iter__dmabuf per buffer and print through the iterator's seq_file,
and the open-coded iterator kfuncs bpf_iter_dmabuf_new(), _next() and
_destroy() for sleepable programs. Both walk with dma_buf_iter_begin()/
_next(), so the buffer in hand is referenced and buffers whose last
reference is gone are passed over. A read() that fills its buffer keeps
the next buffer, with its reference, for the following read(); closing
the iterator early gives it back.

Built when BPF_SYSCALL and DEBUG_INFO_BTF are both enabled; the
kselftest bpf-iter, later in this series, checks both forms against
bufinfo while buffers come and go." \
	-- keep drivers/dma-buf/dma-buf-bpf.c edit drivers/dma-buf/Makefile "without_kunit_make"

patch "dma-buf: add KUnit suites for the core" "\
One suite per file of the core, around a shared mock exporter that
records every callback and whether the reservation lock was held in it,
with mock static and dynamic importers and mock fences:

  dma-buf-lifecycle   export validation, references, release, names,
                      llseek, iteration, bufinfo
  dma-buf-attach      attach/detach, pin, map/unmap, move_notify,
                      pin-on-map, cache_sgt_mapping, DMABUF_DEBUG
  dma-buf-cpu-access  begin/end CPU access, SYNC ioctl, mmap, vmap
  dma-buf-sync        poll readiness and callbacks, sync_file export
                      and import
  dma-buf-faults      every allocation of every entry point failed in
                      turn through failslab and fail_nth
  dma-buf-races       kthreads racing attach, map, vmap, CPU access,
                      put, iteration, bufinfo, poll and SET_NAME
  dma-buf-trace       every event's fields, and the put and fd orders

Tests that misuse the API on purpose assert that the core noticed,
through the count dma_buf_misuse() keeps.

DMABUF_KUNIT_TEST selects DMA_SHARED_BUFFER, which has no prompt, so
the suites run with:

  tools/testing/kunit/kunit.py run --kunitconfig=drivers/dma-buf/tests

The kunitconfig turns every option of the core on, with KASAN and fault
injection; running it again with DMABUF_DEBUG, DMABUF_MOVE_NOTIFY,
DMABUF_SYSFS_STATS and SYNC_FILE off covers the other side." \
	-- keep drivers/dma-buf/Kconfig keep drivers/dma-buf/Makefile \
	keep drivers/dma-buf/tests/.kunitconfig keep drivers/dma-buf/tests/Makefile \
	keep drivers/dma-buf/tests/mock-exporter.h keep drivers/dma-buf/tests/mock-exporter.c \
	keep drivers/dma-buf/tests/lifecycle-test.c keep drivers/dma-buf/tests/attach-test.c \
	keep drivers/dma-buf/tests/cpu-access-test.c keep drivers/dma-buf/tests/sync-test.c \
	keep drivers/dma-buf/tests/faults-test.c keep drivers/dma-buf/tests/races-test.c \
	keep drivers/dma-buf/tests/trace-test.c

patch "selftests: dmabuf: test the dma-buf ABI through real exporters" "\
Userspace tests of the dma-buf file ABI, using the system dma-heap and
udmabuf as exporters and vgem, vkms, vivid and vim2m as importers:

  abi         ioctl numbers and struct sizes
  lifecycle   fstat, lseek, fdinfo, names, refcounting across dup,
              fork and SCM_RIGHTS, bufinfo, many buffers
  cpu-access  mmap bounds, DMA_BUF_IOCTL_SYNC flags
  sync        poll/epoll on vgem and sw_sync fences, sync_file export
              and import
  import      data shared between devices, attachments in bufinfo
  flags       the buffer's file keeps only the access mode and
              O_NONBLOCK, in F_GETFL, fdinfo and bufinfo
  faults      every ioctl with its 1st, 2nd, ... slab allocation failing
              (failslab and /proc/thread-self/fail-nth)
  races       threads and processes racing close, poll, SET_NAME,
              bufinfo, fd passing, mmap, SYNC and PRIME import
  random-ops  seeded random operation sequences checked step by step
              against a model of the fd table and the buffers
  trace       the dma_buf events through tracefs, field by field
  bpf-iter    both forms of the BPF dmabuf iterator against bufinfo,
              with short reads and buffers created and closed meanwhile
              (built when VMLINUX_BTF names the kernel's vmlinux)

The config file lists the options they need; a missing driver is a
failure rather than a skip, so a misconfigured run cannot pass.

Add the folder to MAINTAINERS under the dma-buf entry, together with the
uapi header, which the entry did not cover." \
	-- keep tools/testing/selftests/dmabuf/Makefile keep tools/testing/selftests/dmabuf/config \
	keep tools/testing/selftests/dmabuf/dmabuf-util.h keep tools/testing/selftests/dmabuf/abi.c \
	keep tools/testing/selftests/dmabuf/lifecycle.c \
	keep tools/testing/selftests/dmabuf/cpu-access.c \
	keep tools/testing/selftests/dmabuf/sync.c keep tools/testing/selftests/dmabuf/import.c \
	keep tools/testing/selftests/dmabuf/flags.c keep tools/testing/selftests/dmabuf/faults.c \
	keep tools/testing/selftests/dmabuf/races.c keep tools/testing/selftests/dmabuf/random-ops.c \
	keep tools/testing/selftests/dmabuf/trace.c \
	keep tools/testing/selftests/dmabuf/bpf-iter.c \
	keep tools/testing/selftests/dmabuf/dmabuf_iter.bpf.c \
	keep tools/testing/selftests/dmabuf/dmabuf_iter.bpf.h \
	edit tools/testing/selftests/Makefile "with_dmabuf_target" \
	keep MAINTAINERS

patch "tools/dma-buf: add dmabuf-usage, which process holds which dma-buf" "\
A libc-only program that lists, for every process, the dma-bufs it holds
through fds and through mappings (/proc/<pid>/fd, fdinfo and maps), each
buffer counted once per process: RSS (the sizes of the buffers it holds)
and PSS (each buffer's size split among its holders), per exporter and
per name, plus the buffers that only the kernel holds, from debugfs
bufinfo, with totals that add up to bufinfo's. --json prints one record
per line; --snapshot FILE and --diff OLD [NEW] show the buffers and
processes that appeared, went away or changed, for leak hunting. --root
reads a fake /proc, which fixture-test.sh (make check) uses. Built with
BPF=1, it lists the buffers through the dmabuf BPF iterator instead of
bufinfo, with no debugfs needed.

The kselftest usage.c runs the tool on a scenario whose answer is known:
two processes sharing a buffer, one of them also mapping a buffer whose
fd it closed, and a buffer held only by vgem after its fd was closed." \
	-- keep tools/dma-buf/Makefile keep tools/dma-buf/README \
	keep tools/dma-buf/dmabuf-usage.c keep tools/dma-buf/fixture-test.sh \
	keep tools/dma-buf/dmabuf-usage-bpf.c keep tools/dma-buf/dmabuf-usage-bpf.h \
	keep tools/dma-buf/dmabuf-usage.bpf.c \
	keep tools/testing/selftests/dmabuf/usage.c

patch "Documentation: dma-buf: describe the new core" "\
Rewrite Documentation/driver-api/dma-buf.rst for the new core: what it
is for, the exporter and importer sequences, the userspace view, the
attachment states, CPU access with DMA_BUF_IOCTL_SYNC, implicit fences
and poll, and the locking convention, pulling the kernel-doc of the new
files. The sections on reservation objects, fences and sync_file keep
their kernel-doc with new text around it." \
	-- keep Documentation/driver-api/dma-buf.rst
