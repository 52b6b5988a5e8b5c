/*
 * insncount.c - a QEMU TCG plugin that counts, exactly, the guest
 * instructions executed between two addresses: from the first instruction
 * of the function at `begin` up to (not including) the first instruction of
 * the function at `end`, once per time the pair is passed.
 *
 *   qemu-system-arm ... -plugin ./insncount.so,begin=0x1234,end=0x1240,out=FILE
 *                          [,stack_lo=ADDR,stack_hi=ADDR]
 *
 * Every instruction that executes adds 1 to a counter through an inline
 * operation (no helper call, so the count is cheap and exact: an
 * instruction that faults before completing is not counted, one that
 * completes is). The first instruction of `begin` and of `end` also calls
 * back to read the counter; the difference goes to FILE as a line
 * "interval N INSTRUCTIONS". Single vCPU (mps2-an386 has one).
 *
 * With stack_lo/stack_hi (the stack's bounds), it also watches every store
 * into [stack_lo, stack_hi) inside the interval and reports the lowest
 * address written and the instruction that wrote it, as
 * "deepest N ADDRESS PC": the function at PC is the one at the bottom of
 * the deepest call chain (the depth itself is measured by the firmware,
 * which paints the stack).
 *
 * With profile=on, every translation block also counts its executions
 * (inline), and at the end of each interval the instructions executed per
 * block start address are written as "profile N PC INSTRUCTIONS" (blocks
 * times their length: an approximation where a block was left early, which
 * only an exception does; the interval's total above stays exact).
 *
 * Built against include/qemu/qemu-plugin.h from Debian's qemu source
 * package (scripts/target-check.sh); plugin API version 1 (QEMU 7.2).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t executed;  /* instructions executed so far (inline counter) */
static uint64_t start;     /* counter at the last `begin` */
static int inside;
static unsigned intervals;
static uint64_t begin_addr, end_addr;
static FILE *out;
static uint64_t stack_lo, stack_hi; /* 0, 0: not watched */
static uint64_t deepest_addr, deepest_pc;

/* profile=on: one record per translated block. */
struct block {
    uint64_t pc;
    uint64_t insns;     /* instructions in the block */
    uint64_t runs;      /* executions (inline counter) */
    uint64_t runs_at_begin;
};
static int profile;
static struct block **blocks;
static size_t nblocks, blocks_cap;

static void on_store(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu;
    (void)info;
    if (inside && vaddr >= stack_lo && vaddr < stack_hi && vaddr < deepest_addr) {
        deepest_addr = vaddr;
        deepest_pc = (uint64_t)(uintptr_t)udata;
    }
}

static void on_begin(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    start = executed;
    inside = 1;
    deepest_addr = UINT64_MAX;
    deepest_pc = 0;
    for (size_t i = 0; i < nblocks; i++)
        blocks[i]->runs_at_begin = blocks[i]->runs;
}

static void on_end(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (!inside)
        return;
    inside = 0;
    intervals++;
    fprintf(out, "interval %u %" PRIu64 "\n", intervals, executed - start);
    if (stack_hi != 0 && deepest_pc != 0)
        fprintf(out, "deepest %u 0x%" PRIx64 " 0x%" PRIx64 "\n", intervals, deepest_addr,
                deepest_pc);
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t runs = blocks[i]->runs - blocks[i]->runs_at_begin;
        if (runs != 0)
            fprintf(out, "profile %u 0x%" PRIx64 " %" PRIu64 "\n", intervals, blocks[i]->pc,
                    runs * blocks[i]->insns);
    }
    fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb), i;
    (void)id;
    if (profile) {
        struct block *b = calloc(1, sizeof(*b));
        if (b && nblocks == blocks_cap) {
            size_t cap = blocks_cap ? 2 * blocks_cap : 1024;
            struct block **grown = realloc(blocks, cap * sizeof(*grown));
            if (grown) {
                blocks = grown;
                blocks_cap = cap;
            }
        }
        if (!b || nblocks == blocks_cap) {
            fprintf(stderr, "insncount: out of memory\n");
            exit(1);
        }
        b->pc = qemu_plugin_tb_vaddr(tb);
        b->insns = n;
        blocks[nblocks++] = b;
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
    }
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
        if (pc == begin_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (pc == end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (stack_hi != 0)
            qemu_plugin_register_vcpu_mem_cb(insn, on_store, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_W, (void *)(uintptr_t)pc);
    }
}

static void on_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    fprintf(out, "total %" PRIu64 "\n", executed);
    fclose(out);
}

static int parse_addr(const char *text, uint64_t *addr)
{
    char *end;
    unsigned long long v = strtoull(text, &end, 0);
    if (*text == '\0' || *end != '\0')
        return -1;
    *addr = v & ~1ull; /* a Thumb function's symbol has bit 0 set */
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    const char *path = NULL;
    int have_begin = 0, have_end = 0, i;
    if (info->system_emulation == 0 || info->system.smp_vcpus != 1) {
        fprintf(stderr, "insncount: for system emulation with one vCPU only\n");
        return -1;
    }
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "begin=", 6) == 0 && parse_addr(arg + 6, &begin_addr) == 0)
            have_begin = 1;
        else if (strncmp(arg, "end=", 4) == 0 && parse_addr(arg + 4, &end_addr) == 0)
            have_end = 1;
        else if (strncmp(arg, "stack_lo=", 9) == 0 && parse_addr(arg + 9, &stack_lo) == 0)
            continue;
        else if (strncmp(arg, "stack_hi=", 9) == 0 && parse_addr(arg + 9, &stack_hi) == 0)
            continue;
        else if (strcmp(arg, "profile=on") == 0)
            profile = 1;
        else if (strncmp(arg, "out=", 4) == 0)
            path = arg + 4;
        else {
            fprintf(stderr, "insncount: bad argument '%s' (begin=ADDR end=ADDR out=FILE)\n", arg);
            return -1;
        }
    }
    if (!have_begin || !have_end || !path) {
        fprintf(stderr, "insncount: begin=ADDR, end=ADDR and out=FILE are required\n");
        return -1;
    }
    out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "insncount: cannot write '%s'\n", path);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
