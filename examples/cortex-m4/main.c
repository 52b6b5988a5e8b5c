/*
 * main.c - the dfota example firmware: a device that applies the package it
 * downloaded, on an emulated Cortex-M4 (QEMU mps2-an386) with an emulated
 * NOR flash (nor.h). One scenario a run, named on the semihosting command
 * line (scripts/target-check.sh runs them all):
 *
 *   twobank   a delta package, the new image built in bank B from bank A
 *   inplace   an in-place delta package: check pass, then the apply pass,
 *             bank A overwritten through the scratch area
 *   full      a full-image package decoded into bank B
 *   powercut  twobank with a system reset (a power cut) in the middle of the
 *             apply; the next boot finds the progress record, resumes,
 *             verifies and marks the new image good
 *   hwhash    twobank with the hash driver replaced by a hardware-like one that costs no
 *             CPU per byte (as a crypto engine would) and returns digests
 *             the host computed (hwhash.c)
 *   patch     a raw patch (no package front end) applied two-bank straight
 *             through dfota/apply.h, as a device that gets patches by
 *             other means would
 *   patchhw   patch with the hardware-like hash driver
 *
 * Built with -DDFOTA_CODEC_ZSTD=0 (the small profile, docs/PORTING.md) it
 * has no zstd: the full scenario is then refused (UNSUPPORTED_FEATURE)
 * and not run. Built with -DEXAMPLE_RAW_ONLY it has only the raw-patch
 * scenarios: the firmware of a device that applies raw patches, whose
 * linker map then holds only what such an applier links.
 * Every package is pushed in 64-byte chunks from the UFS area, as a module
 * reads its file system; every result is compared byte for byte with the
 * new image read from the host. Measurements are printed as lines
 * "measure NAME VALUE" for the script; the applier is run between
 * measure_begin() and measure_end(), which the instruction-counting QEMU
 * plugin (plugin/insncount.c) watches.
 *
 * Command line: fw.elf SCENARIO OLD NEW PACKAGE [DIGESTS]
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "hwhash.h"
#include "nor.h"
#include "syscalls.h"

#include "dfota/apply.h" /* DFOTA_CODEC_* */
#if DFOTA_CODEC_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_estimateDCtxSize() */
#include <zstd.h>
#endif

#include "dfota/apply.h"
#include "dfota/hash.h"
#include "dfota/patch.h"
#include "dfota/pkgapply.h"
#include "dfota/progress.h"

#define CHUNK 64u             /* package bytes per push */
#define PROGRESS_STEPS 10u
#define STACK_PATTERN 0x5AA5C33Cu
#define WORKSPACE_MAX (512u * 1024u)

/* The workspace the header states is given exactly: this buffer only has to be large enough. */
static uint8_t workspace[WORKSPACE_MAX] __attribute__((aligned(8)));

/* What must survive the reset of the power-cut scenario, beside the flash. */
struct persist {
    uint32_t magic;
    uint32_t boots;
    char scenario[16];
};
#define PERSIST_MAGIC 0xD0F07A11u
__attribute__((section(".persist.boot"))) static struct persist boot;

/* Boot control block: the size of the image in bank A (word 0, written when
 * the image is installed), then one 4-byte state word appended per change
 * (NOR programming only clears bits, so appending needs no erase); the last
 * programmed one is the state. */
#define CONTROL_STATES 16u
#define CONTROL_PENDING 0x50454E44u /* "PEND": a downloaded update waits in UFS */
#define CONTROL_GOOD_B 0x474F4F42u  /* "GOOB": bank B holds the new image, verified */
#define CONTROL_GOOD_A 0x474F4F41u  /* "GOOA": bank A, rewritten in place, verified */

struct device {
    uint32_t source_base; /* area read_source reads */
    uint32_t target_base; /* area erase/write/read_target address */
    uint32_t area_size;
    uint32_t cut_at;      /* power-cut scenario: reset before writing this target offset, 0 = never */
    unsigned last_percent;
    int quiet;
    struct dfota_progress_store store;
};

/* In the loaded image (CODE, which is RAM on this board): boot 1 of the
 * power-cut scenario overwrites it, and it must read its initial value on
 * boot 2, which shows that the reset reloaded the ELF image while the flash
 * (not in the image) kept what was programmed. */
static volatile const uint32_t image_probe = 0x1A2B3C4Du;

static const char *scenario;
static const char *old_name, *new_name, *package_name, *digests_name;
static char cmdline[256];
static int failures;

/* ---------------------------------------------------------------- output */

static void say(const char *a, const char *b)
{
    board_puts(a);
    if (b)
        board_puts(b);
}

static void say_u32(const char *a, uint32_t v, const char *b)
{
    board_puts(a);
    board_put_u32(v);
    board_puts(b);
}

static void measure(const char *name, uint32_t value)
{
    board_puts("measure ");
    board_puts(name);
    board_puts(" ");
    board_put_u32(value);
    board_puts("\n");
}

static void fail(const char *what, enum dfota_status st, const struct dfota_error *err)
{
    failures++;
    board_puts("FAIL ");
    board_puts(scenario);
    board_puts(": ");
    board_puts(what);
    if (st != DFOTA_OK) {
        /* The lean build has no use for the status names: the number only,
         * so that the name table is not linked on the firmware's account. */
#if DFOTA_DEVICE_MESSAGES
        board_puts(": ");
        board_puts(dfota_status_name(st));
#else
        board_puts(": status ");
        board_put_u32((uint32_t)st);
#endif
    }
    if (err && err->message[0]) {
        board_puts(": ");
        board_puts(err->message);
    }
    board_puts("\n");
}

/* ---------------------------------------------------------- host files */

/* Program host file `name` into flash at `base` (at most `capacity` bytes). */
static long load_file(const char *name, uint32_t base, uint32_t capacity)
{
    static uint8_t buf[1024];
    int fd = board_open(name, 0);
    long size, done = 0;
    if (fd < 0) {
        say("cannot open host file ", name);
        board_puts("\n");
        return -1;
    }
    size = board_flen(fd);
    if (size < 0 || (unsigned long)size > capacity) {
        say("host file too large or unreadable: ", name);
        board_puts("\n");
        board_close(fd);
        return -1;
    }
    while (done < size) {
        long n = board_read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        while (n % NOR_WRITE_UNIT != 0)
            buf[n++] = 0xFF;
        if (nor_program(base + (uint32_t)done, buf, (size_t)n) != DFOTA_OK)
            break;
        done += n;
    }
    board_close(fd);
    if (done < size) {
        say("cannot read host file ", name);
        board_puts("\n");
        return -1;
    }
    return size;
}

/* Compare flash at `base` with host file `name`, byte for byte: 0 if equal. */
static int compare_file(const char *name, uint32_t base, uint32_t *size_out)
{
    static uint8_t buf[1024];
    int fd = board_open(name, 0);
    long size, done = 0;
    if (fd < 0)
        return -1;
    size = board_flen(fd);
    while (size >= 0 && done < size) {
        long n = board_read(fd, buf, sizeof(buf));
        if (n <= 0 || memcmp(buf, nor_map(base + (uint32_t)done), (size_t)n) != 0) {
            board_close(fd);
            say_u32("first difference in the 1 KiB block at ", (uint32_t)done, "\n");
            return -1;
        }
        done += n;
    }
    board_close(fd);
    *size_out = (uint32_t)done;
    return size < 0 ? -1 : 0;
}

/* ------------------------------------------------------- flash callbacks */

static enum dfota_status in_area(const struct device *dev, uint32_t offset, size_t len)
{
    return offset <= dev->area_size && len <= dev->area_size - offset ? DFOTA_OK : DFOTA_E_FLASH;
}

static enum dfota_status read_source(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct device *dev = ctx;
    if (in_area(dev, offset, len) != DFOTA_OK)
        return DFOTA_E_FLASH;
    return nor_read(dev->source_base + offset, dst, len);
}

static enum dfota_status erase_target(void *ctx, uint32_t offset, uint32_t len)
{
    struct device *dev = ctx;
    if (in_area(dev, offset, len) != DFOTA_OK)
        return DFOTA_E_FLASH;
    return nor_erase(dev->target_base + offset, len);
}

static enum dfota_status write_target(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    struct device *dev = ctx;
    if (in_area(dev, offset, len) != DFOTA_OK)
        return DFOTA_E_FLASH;
    if (dev->cut_at != 0 && offset >= dev->cut_at) {
        say_u32("power cut: system reset before writing target offset ", offset, "\n");
        board_reset();
    }
    return nor_program(dev->target_base + offset, src, len);
}

static enum dfota_status read_target(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct device *dev = ctx;
    if (in_area(dev, offset, len) != DFOTA_OK)
        return DFOTA_E_FLASH;
    return nor_read(dev->target_base + offset, dst, len);
}

static enum dfota_status scratch_check(uint32_t offset, size_t len)
{
    return offset <= NOR_SCRATCH_SIZE && len <= NOR_SCRATCH_SIZE - offset ? DFOTA_OK
                                                                          : DFOTA_E_FLASH;
}

static enum dfota_status erase_scratch(void *ctx, uint32_t offset, uint32_t len)
{
    (void)ctx;
    return scratch_check(offset, len) ? DFOTA_E_FLASH : nor_erase(NOR_SCRATCH_BASE + offset, len);
}

static enum dfota_status write_scratch(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    (void)ctx;
    return scratch_check(offset, len) ? DFOTA_E_FLASH
                                      : nor_program(NOR_SCRATCH_BASE + offset, src, len);
}

static enum dfota_status read_scratch(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    (void)ctx;
    return scratch_check(offset, len) ? DFOTA_E_FLASH
                                      : nor_read(NOR_SCRATCH_BASE + offset, dst, len);
}

static void progress(void *ctx, unsigned percent)
{
    struct device *dev = ctx;
    dev->last_percent = percent;
    if (!dev->quiet)
        say_u32("+QIND: \"FOTA\",\"UPDATING\",", percent, "\n");
}

static enum dfota_status record_read(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    (void)ctx;
    return offset > NOR_RECORD_SIZE || len > NOR_RECORD_SIZE - offset
               ? DFOTA_E_FLASH
               : nor_read(NOR_RECORD_BASE + offset, dst, len);
}

static enum dfota_status record_erase(void *ctx, uint32_t offset, uint32_t len)
{
    (void)ctx;
    return offset > NOR_RECORD_SIZE || len > NOR_RECORD_SIZE - offset
               ? DFOTA_E_FLASH
               : nor_erase(NOR_RECORD_BASE + offset, len);
}

static enum dfota_status record_write(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    (void)ctx;
    return offset > NOR_RECORD_SIZE || len > NOR_RECORD_SIZE - offset
               ? DFOTA_E_FLASH
               : nor_program(NOR_RECORD_BASE + offset, src, len);
}

static enum dfota_status save_progress(void *ctx, const struct dfota_progress *rec)
{
    struct device *dev = ctx;
    struct dfota_progress copy = *rec;
    return dfota_progress_save(&dev->store, &copy);
}

/* ---------------------------------------------------------- boot control */

static uint32_t control_state(void)
{
    uint32_t state = 0xFFFFFFFFu, word, off;
    for (off = CONTROL_STATES; off < NOR_CONTROL_SIZE; off += 4) {
        memcpy(&word, nor_map(NOR_CONTROL_BASE + off), 4);
        if (word == 0xFFFFFFFFu)
            break;
        state = word;
    }
    return state;
}

static int control_set(uint32_t state)
{
    uint32_t word, off;
    for (off = CONTROL_STATES; off < NOR_CONTROL_SIZE; off += 4) {
        memcpy(&word, nor_map(NOR_CONTROL_BASE + off), 4);
        if (word == 0xFFFFFFFFu)
            return nor_program(NOR_CONTROL_BASE + off, (const uint8_t *)&state, 4) == DFOTA_OK
                       ? 0
                       : -1;
    }
    return -1; /* full: a real device would erase and rewrite it */
}

/* The size of the image installed in bank A. */
static uint32_t control_image_size(void)
{
    uint32_t size;
    memcpy(&size, nor_map(NOR_CONTROL_BASE), 4);
    return size;
}

/* ------------------------------------------------------------- measuring */

/* The instruction-counting plugin counts from the first instruction of
 * measure_begin() to the first of measure_end(). Never inlined, never merged. */
__attribute__((noinline, used)) void measure_begin(void);
__attribute__((noinline, used)) void measure_end(void);
void measure_begin(void)
{
    __asm__ volatile("nop" ::: "memory");
}
void measure_end(void)
{
    __asm__ volatile("nop; nop" ::: "memory");
}

extern uint32_t __stack_limit[];

static inline uint32_t *stack_pointer(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Fill the free stack below this function's frame with the pattern. */
__attribute__((noinline)) static void stack_paint(void)
{
    uint32_t *p, *end = stack_pointer() - 8;
    for (p = __stack_limit; p < end; p++)
        *p = STACK_PATTERN;
}

/* Bytes of stack used below `top` since stack_paint(). */
static uint32_t stack_used(const uint32_t *top)
{
    const uint32_t *p = __stack_limit;
    while (p < top && *p == STACK_PATTERN)
        p++;
    if (p == __stack_limit) {
        board_puts("stack overflow: the painted stack is used up to its limit\n");
        failures++;
    }
    return (uint32_t)((uintptr_t)top - (uintptr_t)p);
}

/* ------------------------------------------------------------- applying */

static void device_init(struct device *dev, enum dfota_apply_layout layout)
{
    memset(dev, 0, sizeof(*dev));
    dev->source_base = NOR_BANK_A_BASE;
    dev->target_base = layout == DFOTA_APPLY_IN_PLACE ? NOR_BANK_A_BASE : NOR_BANK_B_BASE;
    dev->area_size = NOR_BANK_SIZE;
    dev->store.ctx = dev;
    dev->store.read = record_read;
    dev->store.erase = record_erase;
    dev->store.write = record_write;
    dev->store.slot_size = NOR_ERASE_SIZE;
    dev->store.write_align = NOR_WRITE_UNIT;
}

static void io_init(struct dfota_apply_io *io, struct device *dev, enum dfota_apply_layout layout,
                    const struct dfota_hash_ops *hash)
{
    memset(io, 0, sizeof(*io));
    io->ctx = dev;
    io->read_source = read_source;
    io->erase_target = erase_target;
    io->write_target = write_target;
    io->progress = progress;
    io->save_progress = save_progress;
    io->hash = hash;
    if (layout == DFOTA_APPLY_IN_PLACE) {
        io->erase_scratch = erase_scratch;
        io->write_scratch = write_scratch;
        io->read_scratch = read_scratch;
    } else {
        io->read_target = read_target;
    }
}

static void config_init(struct dfota_apply_config *cfg, enum dfota_apply_layout layout)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->erase_size = NOR_ERASE_SIZE;
    cfg->write_align = NOR_WRITE_UNIT;
    cfg->source_size = control_image_size();
    cfg->target_capacity = NOR_BANK_SIZE;
    cfg->progress_steps = PROGRESS_STEPS;
    cfg->layout = layout;
    cfg->scratch_size = layout == DFOTA_APPLY_IN_PLACE ? NOR_SCRATCH_SIZE : 0;
}

#ifndef EXAMPLE_RAW_ONLY /* the package scenarios */
typedef enum dfota_status (*push_fn)(struct dfota_pkg *, const uint8_t *, size_t);

/* Push the package from the UFS area in CHUNK-byte pieces, read into RAM as
 * a module reads its file system. Inlined, so that the applier is called
 * from its caller's frame (the stack measurement starts there). */
static inline __attribute__((always_inline)) enum dfota_status
push_package(struct dfota_pkg *pkg, uint32_t size, push_fn push, uint8_t *chunk)
{
    uint32_t off;
    for (off = 0; off < size; off += CHUNK) {
        uint32_t n = size - off < CHUNK ? size - off : CHUNK;
        enum dfota_status st = nor_read(NOR_UFS_BASE + off, chunk, n);
        if (st == DFOTA_OK)
            st = push(pkg, chunk, n);
        if (st != DFOTA_OK)
            return st;
    }
    return DFOTA_OK;
}

/* The workspace figures: what zstd's context takes here, what the package
 * header states, what this build's front end needs. All must agree. */
static size_t workspace_figures(uint32_t package_size)
{
    const uint8_t *pkg = nor_map(NOR_UFS_BASE);
    struct dfota_package_header hdr;
    struct dfota_error err;
    size_t need = 0, rule = 0;
    enum dfota_status st = dfota_container_parse(pkg, package_size, &hdr, &err);
    if (st != DFOTA_OK) {
        fail("package header", st, &err);
        return 0;
    }
#if DFOTA_CODEC_ZSTD
    measure("zstd_dctx", (uint32_t)ZSTD_estimateDCtxSize());
    if (ZSTD_estimateDCtxSize() != DFOTA_ZSTD_DCTX_SIZE) {
        say_u32("ZSTD_estimateDCtxSize() differs from DFOTA_ZSTD_DCTX_SIZE ", DFOTA_ZSTD_DCTX_SIZE,
                "\n");
        fail("zstd context size", DFOTA_OK, NULL);
    }
#endif
    if (hdr.package_type == DFOTA_PACKAGE_DELTA) {
        struct dfota_patch_header ph;
        st = dfota_patch_header_decode(pkg + hdr.header_size, package_size - hdr.header_size, &ph,
                                       &err);
        if (st != DFOTA_OK) {
            fail("patch header", st, &err);
            return 0;
        }
        need = dfota_pkg_workspace_need_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count);
        rule = dfota_pkg_workspace_size_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count);
        measure("patch_workspace", ph.workspace_size);
    } else {
#if DFOTA_CODEC_ZSTD
        /* The frame header's window: the payload starts with the zstd frame. */
        ZSTD_frameHeader fh;
        if (ZSTD_getFrameHeader(&fh, pkg + hdr.header_size, package_size - hdr.header_size) != 0) {
            fail("zstd frame header", DFOTA_OK, NULL);
            return 0;
        }
        need = dfota_pkg_workspace_need_full(fh.windowSize);
        rule = dfota_pkg_workspace_size_full(fh.windowSize);
        measure("window_size", (uint32_t)fh.windowSize);
#else
        fail("a full image needs zstd, which this build leaves out", DFOTA_OK, NULL);
        return 0;
#endif
    }
    measure("workspace_header", hdr.workspace_size);
    measure("workspace_rule", (uint32_t)rule);
    measure("workspace_need", (uint32_t)need);
    if (need != hdr.workspace_size || rule != hdr.workspace_size) {
        fail("workspace: the header, the rule and this build disagree", DFOTA_OK, NULL);
        return 0;
    }
    if (need > sizeof(workspace)) {
        fail("workspace larger than the firmware's buffer", DFOTA_OK, NULL);
        return 0;
    }
    return need;
}

/* One byte less than stated must be refused (WORKSPACE) before any flash
 * operation: the stated figure is exactly what is needed. */
static void workspace_refusal(size_t need, uint32_t package_size, enum dfota_apply_layout layout)
{
    struct device dev;
    struct dfota_apply_io io;
    struct dfota_apply_config cfg;
    struct dfota_pkg *pkg;
    struct dfota_error err;
    struct nor_counters before = nor_count;
    enum dfota_status st;
    device_init(&dev, layout);
    dev.quiet = 1;
    io_init(&io, &dev, layout, &dfota_hash_builtin);
    config_init(&cfg, layout);
    st = dfota_pkg_init(&pkg, workspace, need - 1, &cfg, &io, &err);
    if (st == DFOTA_OK) {
        uint8_t chunk[CHUNK];
        st = layout == DFOTA_APPLY_IN_PLACE
                 ? push_package(pkg, package_size, dfota_pkg_check_push, chunk)
                 : push_package(pkg, package_size, dfota_pkg_push, chunk);
        err = *dfota_pkg_error(pkg);
    }
    if (st != DFOTA_E_WORKSPACE) {
        fail("a workspace one byte short is not refused with WORKSPACE", st, &err);
        return;
    }
    if (nor_count.erases != before.erases || nor_count.programs != before.programs) {
        fail("the short workspace was refused only after a flash write", DFOTA_OK, NULL);
        return;
    }
    say_u32("workspace of ", (uint32_t)(need - 1), " bytes refused (WORKSPACE), flash untouched\n");
}

/*
 * Apply the package in the UFS area: init, resume from `rec` if given, the
 * check pass when in place, the apply pass, finish. Measured: stack (painted)
 * and, between the markers, instructions.
 */
static enum dfota_status apply_package(uint32_t package_size, size_t ws_size,
                                       enum dfota_apply_layout layout,
                                       const struct dfota_hash_ops *hash,
                                       const struct dfota_progress *rec, uint32_t cut_at)
{
    struct device dev;
    struct dfota_apply_io io;
    struct dfota_apply_config cfg;
    struct dfota_pkg *pkg = NULL;
    struct dfota_error err;
    enum dfota_status st;
    uint8_t chunk[CHUNK];
    uint32_t *top;
    uint32_t stack;

    device_init(&dev, layout);
    dev.cut_at = cut_at;
    dev.quiet = 1;
    io_init(&io, &dev, layout, hash);
    config_init(&cfg, layout);
    dfota_error_clear(&err);

    top = stack_pointer();
    stack_paint();
    measure_begin();
    st = dfota_pkg_init(&pkg, workspace, ws_size, &cfg, &io, &err);
    if (st == DFOTA_OK && rec)
        st = dfota_pkg_resume(pkg, rec);
    if (st == DFOTA_OK && layout == DFOTA_APPLY_IN_PLACE) {
        st = push_package(pkg, package_size, dfota_pkg_check_push, chunk);
        if (st == DFOTA_OK)
            st = dfota_pkg_check_finish(pkg);
    }
    if (st == DFOTA_OK)
        st = push_package(pkg, package_size, dfota_pkg_push, chunk);
    if (st == DFOTA_OK)
        st = dfota_pkg_finish(pkg);
    measure_end();
    stack = stack_used(top);

    if (pkg)
        err = *dfota_pkg_error(pkg);
    if (st != DFOTA_OK) {
        fail("apply", st, &err);
        return st;
    }
    measure("stack_peak", stack);
    measure("target_bytes", dfota_pkg_target_done(pkg));
    measure("last_percent", dev.last_percent);
    return DFOTA_OK;
}

#endif
/* ------------------------------------------------------------ scenarios */

/* The factory state: blank flash, the old image in bank A, the package in UFS. */
static int provision(uint32_t *package_size)
{
    long old_size, pkg_size;
    uint32_t installed;
    if (nor_erase(0, NOR_SIZE) != DFOTA_OK)
        return -1;
    old_size = load_file(old_name, NOR_BANK_A_BASE, NOR_BANK_SIZE);
    pkg_size = load_file(package_name, NOR_UFS_BASE, NOR_UFS_SIZE);
    if (old_size < 0 || pkg_size < 0)
        return -1;
    installed = (uint32_t)old_size;
    if (nor_program(NOR_CONTROL_BASE, (const uint8_t *)&installed, 4) != DFOTA_OK ||
        control_set(CONTROL_PENDING) != 0)
        return -1;
    say_u32("provisioned: old image ", (uint32_t)old_size, " bytes in bank A, package ");
    say_u32("", (uint32_t)pkg_size, " bytes in UFS\n");
    *package_size = (uint32_t)pkg_size;
    return 0;
}

static int verify_and_mark(enum dfota_apply_layout layout)
{
    uint32_t base = layout == DFOTA_APPLY_IN_PLACE ? NOR_BANK_A_BASE : NOR_BANK_B_BASE;
    uint32_t size = 0;
    if (compare_file(new_name, base, &size) != 0) {
        fail("the new image differs from the expected one", DFOTA_OK, NULL);
        return -1;
    }
    say_u32("new image bit-exact: ", size, " bytes\n");
    if (control_set(layout == DFOTA_APPLY_IN_PLACE ? CONTROL_GOOD_A : CONTROL_GOOD_B) != 0 ||
        control_state() != (layout == DFOTA_APPLY_IN_PLACE ? CONTROL_GOOD_A : CONTROL_GOOD_B)) {
        fail("marking the new image good", DFOTA_OK, NULL);
        return -1;
    }
    board_puts(layout == DFOTA_APPLY_IN_PLACE ? "marked good: bank A\n" : "marked good: bank B\n");
    return 0;
}

#ifndef EXAMPLE_RAW_ONLY
static uint32_t stored_package_size(void)
{
    /* header_size + payload_size, from the package as stored */
    struct dfota_package_header hdr;
    if (dfota_container_parse(nor_map(NOR_UFS_BASE), NOR_UFS_SIZE, &hdr, NULL) != DFOTA_OK)
        return 0;
    return hdr.header_size + hdr.payload.size;
}

/* First boot: the old image and the package into the flash, and the workspace
 * figures checked; the workspace to give the apply, 0 after a failure. */
static size_t prepare(uint32_t *package_size)
{
    if (provision(package_size) != 0) {
        fail("provisioning", DFOTA_OK, NULL);
        return 0;
    }
    return workspace_figures(*package_size);
}

static void run_plain(enum dfota_apply_layout layout, const struct dfota_hash_ops *hash)
{
    uint32_t package_size;
    size_t ws = prepare(&package_size);

    if (ws == 0)
        return;
    workspace_refusal(ws, package_size, layout);
    if (apply_package(package_size, ws, layout, hash, NULL, 0) != DFOTA_OK)
        return;
    verify_and_mark(layout);
}

#endif

/*
 * A raw patch in the UFS area, applied two-bank through dfota/apply.h: the
 * workspace is the patch header's figure, exactly what this build needs; one
 * byte less is refused before any flash operation.
 */
static void run_patch(const struct dfota_hash_ops *hash)
{
    const uint8_t *patch = nor_map(NOR_UFS_BASE);
    struct dfota_patch_header ph;
    struct device dev;
    struct dfota_apply_io io;
    struct dfota_apply_config cfg;
    struct dfota_apply *ap = NULL;
    struct dfota_error err;
    struct nor_counters before;
    enum dfota_status st;
    uint32_t size, off, *top, stack;
    uint8_t chunk[CHUNK];
    size_t need, rule;

    if (provision(&size) != 0) {
        fail("provisioning", DFOTA_OK, NULL);
        return;
    }
    st = dfota_patch_header_decode(patch, size, &ph, &err);
    if (st != DFOTA_OK) {
        fail("patch header", st, &err);
        return;
    }
    need = dfota_apply_workspace_need_for(ph.codec, ph.window_log, ph.map_count, ph.region_count);
    rule = dfota_apply_workspace_for(ph.codec, ph.window_log, ph.map_count, ph.region_count);
    measure("patch_codec", ph.codec);
    measure("workspace_header", ph.workspace_size);
    measure("workspace_rule", (uint32_t)rule);
    measure("workspace_need", (uint32_t)need);
    if (need != ph.workspace_size || rule != ph.workspace_size || need > sizeof(workspace)) {
        fail("workspace: the header, the rule and this build disagree", DFOTA_OK, NULL);
        return;
    }
    /* One byte short: refused with WORKSPACE once the header is in, flash untouched. */
    device_init(&dev, DFOTA_APPLY_TWO_BANK);
    dev.quiet = 1;
    io_init(&io, &dev, DFOTA_APPLY_TWO_BANK, hash);
    config_init(&cfg, DFOTA_APPLY_TWO_BANK);
    before = nor_count;
    st = dfota_apply_init(&ap, workspace, need - 1, &cfg, &io, &err);
    if (st == DFOTA_OK)
        st = dfota_apply_push(ap, patch, DFOTA_PATCH_HEADER_SIZE);
    if (st != DFOTA_E_WORKSPACE || nor_count.erases != before.erases ||
        nor_count.programs != before.programs) {
        fail("a workspace one byte short is not refused before any flash operation", st, NULL);
        return;
    }
    say_u32("workspace of ", (uint32_t)(need - 1), " bytes refused (WORKSPACE), flash untouched\n");

    device_init(&dev, DFOTA_APPLY_TWO_BANK);
    dev.quiet = 1;
    io_init(&io, &dev, DFOTA_APPLY_TWO_BANK, hash);
    top = stack_pointer();
    stack_paint();
    measure_begin();
    st = dfota_apply_init(&ap, workspace, need, &cfg, &io, &err);
    for (off = 0; st == DFOTA_OK && off < size; off += CHUNK) {
        uint32_t n = size - off < CHUNK ? size - off : CHUNK;

        st = nor_read(NOR_UFS_BASE + off, chunk, n);
        if (st == DFOTA_OK)
            st = dfota_apply_push(ap, chunk, n);
    }
    if (st == DFOTA_OK)
        st = dfota_apply_finish(ap);
    measure_end();
    stack = stack_used(top);
    if (st != DFOTA_OK) {
        fail("apply", st, ap != NULL ? dfota_apply_error(ap) : &err);
        return;
    }
    measure("stack_peak", stack);
    measure("target_bytes", dfota_apply_target_done(ap));
    measure("last_percent", dev.last_percent);
    verify_and_mark(DFOTA_APPLY_TWO_BANK);
}

static void run_patchhw(void)
{
    if (hwhash_load(digests_name) != 0) {
        fail("reading the digests the host computed", DFOTA_OK, NULL);
        return;
    }
    run_patch(&hwhash_ops);
    if (failures == 0 && hwhash_unused() != 0)
        fail("the hardware-like driver was not asked for every digest the host computed", DFOTA_OK, NULL);
}

#ifndef EXAMPLE_RAW_ONLY
static void run_powercut(void)
{
    struct device dev;
    struct dfota_progress rec;
    int found = 0;
    uint32_t package_size;
    enum dfota_status st;
    size_t ws;

    device_init(&dev, DFOTA_APPLY_TWO_BANK);
    if (boot.boots == 1) {
        ws = prepare(&package_size);
        if (ws == 0)
            return;
        *(volatile uint32_t *)(uintptr_t)&image_probe = 0; /* see image_probe */
        /* Cut in the second of the three segments, between two writes. */
        board_puts("boot 1: applying, power cut armed at target offset 81920\n");
        apply_package(package_size, ws, DFOTA_APPLY_TWO_BANK, &dfota_hash_builtin, NULL, 81920u);
        fail("the power cut did not happen", DFOTA_OK, NULL);
        return;
    }
    /* The boot sequence: look for a record, resume, verify, mark good. */
    say_u32("boot ", boot.boots, ": after a reset\n");
    if (image_probe != 0x1A2B3C4Du) {
        fail("the reset did not reload the firmware image", DFOTA_OK, NULL);
        return;
    }
    board_puts("the reset reloaded the firmware image and kept the flash\n");
    if (control_state() != CONTROL_PENDING) {
        fail("no update pending in the boot control block", DFOTA_OK, NULL);
        return;
    }
    st = dfota_progress_load(&dev.store, &rec, &found);
    if (st != DFOTA_OK || !found) {
        fail("no progress record after the power cut", st, NULL);
        return;
    }
    say_u32("progress record found: step ", rec.step, "");
    say_u32(" of ", rec.segment_count, "");
    say_u32(", ", rec.percent, " %, resuming\n");
    if (!dfota_progress_in_progress(&rec) || rec.step == 0) {
        fail("the record does not describe an update half done", DFOTA_OK, NULL);
        return;
    }
    measure("resume_step", rec.step);
    package_size = stored_package_size();
    ws = workspace_figures(package_size);
    if (ws == 0)
        return;
    if (apply_package(package_size, ws, DFOTA_APPLY_TWO_BANK, &dfota_hash_builtin, &rec, 0) !=
        DFOTA_OK)
        return;
    st = dfota_progress_load(&dev.store, &rec, &found);
    if (st != DFOTA_OK || !found || rec.step != rec.segment_count) {
        fail("no complete record after the resumed apply", st, NULL);
        return;
    }
    verify_and_mark(DFOTA_APPLY_TWO_BANK);
}

static void run_hwhash(void)
{
    if (hwhash_load(digests_name) != 0) {
        fail("reading the digests the host computed", DFOTA_OK, NULL);
        return;
    }
    run_plain(DFOTA_APPLY_TWO_BANK, &hwhash_ops);
    if (failures == 0 && hwhash_unused() != 0)
        fail("the hardware-like driver was not asked for every digest the host computed", DFOTA_OK, NULL);
}

#endif

/* Split the command line in place: words separated by spaces. */
static int split(char *line, const char **words, int max)
{
    int n = 0;
    while (*line && n < max) {
        while (*line == ' ')
            *line++ = '\0';
        if (!*line)
            break;
        words[n++] = line;
        while (*line && *line != ' ')
            line++;
    }
    return n;
}

int main(void)
{
    const char *words[6] = {0};
    int n;

    if (boot.magic != PERSIST_MAGIC) {
        boot.magic = PERSIST_MAGIC;
        boot.boots = 0;
    }
    boot.boots++;

    if (board_cmdline(cmdline, sizeof(cmdline)) != 0) {
        board_puts("no semihosting command line\n");
        return 2;
    }
    n = split(cmdline, words, 6);
    if (n < 5) {
        board_puts("usage: fw.elf twobank|inplace|full|powercut|hwhash|patch|patchhw OLD NEW "
                   "PACKAGE [DIGESTS]\n");
        return 2;
    }
    scenario = words[1];
    old_name = words[2];
    new_name = words[3];
    package_name = words[4];
    digests_name = n > 5 ? words[5] : "";
    say_u32("dfota example firmware, boot ", boot.boots, ", scenario ");
    say(scenario, "\n");

    if (0) {
#ifndef EXAMPLE_RAW_ONLY
    } else if (strcmp(scenario, "twobank") == 0) {
        run_plain(DFOTA_APPLY_TWO_BANK, &dfota_hash_builtin);
    } else if (strcmp(scenario, "inplace") == 0) {
        run_plain(DFOTA_APPLY_IN_PLACE, &dfota_hash_builtin);
    } else if (strcmp(scenario, "full") == 0) {
        run_plain(DFOTA_APPLY_TWO_BANK, &dfota_hash_builtin);
    } else if (strcmp(scenario, "powercut") == 0) {
        run_powercut();
    } else if (strcmp(scenario, "hwhash") == 0) {
        run_hwhash();
#endif
    } else if (strcmp(scenario, "patch") == 0) {
        run_patch(&dfota_hash_builtin);
    } else if (strcmp(scenario, "patchhw") == 0) {
        run_patchhw();
    } else {
        say("unknown scenario ", scenario);
        board_puts("\n");
        return 2;
    }
    if (sbrk_calls != 0) {
        say_u32("malloc asked for memory ", sbrk_calls, " time(s)\n");
        failures++;
    }
    if (failures != 0) {
        say("FAILED ", scenario);
        board_puts("\n");
        return 1;
    }
    say("PASSED ", scenario);
    board_puts("\n");
    return 0;
}
