/*
 * main.c - a bare-metal Cortex-M4 program for qemu-system-arm -M mps2-an386
 * that hashes a 4 KiB buffer with the device-side SHA-256 and MD5, prints the
 * digests through semihosting and calls bench_mark() around each digest so
 * that bench/hash-m4/run.sh can count, in QEMU's one-instruction-per-block
 * execution trace, exactly the instructions each one executes. It also
 * paints the stack below the caller and reports the deepest byte written.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef BENCH_NO_MD5
#include "dfota/md5.h"
#else /* before md5.c existed: the same marks, nothing between them */
struct dfota_md5 {
    int unused;
};
#define dfota_md5_init(ctx) ((void)(ctx))
#define dfota_md5_update(ctx, p, n) ((void)(ctx), (void)(p), (void)(n))
#define dfota_md5_final(ctx, digest) ((void)(ctx), memset(digest, 0, 16))
#endif
#include "dfota/sha256.h"

#define MESSAGE_SIZE 4096u
#define PAINT_SIZE 1024u
#define PAINT_BYTE 0xa5u

extern uint32_t bench_stack_top[];
extern uint8_t bench_bss_start[], bench_bss_end[];
void bench_reset(void);
int main(void);

__attribute__((section(".vectors"), used)) static void (*const vectors[2])(void) = {
    (void (*)(void))(uintptr_t)bench_stack_top, bench_reset};

static uint8_t message[MESSAGE_SIZE + 4] __attribute__((aligned(4)));
static struct dfota_sha256 sha;
static struct dfota_md5 md5;

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void put(const char *s)
{
    semihost(0x04u, s); /* SYS_WRITE0 */
}

static void put_hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char text[2 * 32 + 1];
    size_t i;

    for (i = 0; i < n && i < 32; i++) {
        text[2 * i] = digits[p[i] >> 4];
        text[2 * i + 1] = digits[p[i] & 15u];
    }
    text[2 * i] = 0;
    put(text);
}

static void put_u32(uint32_t v)
{
    char text[11];
    int i = 10;

    text[i] = 0;
    do {
        text[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    put(text + i);
}

/* run.sh counts the trace lines between two calls of this function. */
__attribute__((noinline)) void bench_mark(unsigned which)
{
    __asm__ volatile("" : : "r"(which) : "memory");
}

static uint8_t *stack_pointer(void)
{
    uint8_t *sp;

    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Fill PAINT_SIZE bytes below this function's stack pointer with PAINT_BYTE. */
__attribute__((noinline)) static void paint(void)
{
    volatile uint8_t *sp = stack_pointer();
    unsigned i;

    for (i = 1; i <= PAINT_SIZE; i++)
        sp[-(int)i] = PAINT_BYTE;
}

/* The deepest painted byte that changed, as bytes below `top`. */
static unsigned painted_depth(const uint8_t *top)
{
    unsigned i;

    for (i = PAINT_SIZE; i > 0; i--)
        if (top[-(int)i] != PAINT_BYTE)
            return i;
    return 0;
}

__attribute__((noinline)) static void hash_sha256(const uint8_t *p, size_t n, uint8_t *digest)
{
    dfota_sha256_init(&sha);
    dfota_sha256_update(&sha, p, n);
    dfota_sha256_final(&sha, digest);
}

__attribute__((noinline)) static void hash_md5(const uint8_t *p, size_t n, uint8_t *digest)
{
    dfota_md5_init(&md5);
    dfota_md5_update(&md5, p, n);
    dfota_md5_final(&md5, digest);
}

int main(void)
{
    uint8_t digest[32];
    uint32_t x = 0x12345678u;
    const uint8_t *top;
    unsigned depth;
    unsigned i;

    for (i = 0; i < sizeof(message); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        message[i] = (uint8_t)(x >> 11);
    }
    top = stack_pointer();

    paint();
    bench_mark(1);
    hash_sha256(message, MESSAGE_SIZE, digest);
    bench_mark(2);
    depth = painted_depth(top);
    put("sha256 ");
    put_hex(digest, 32);
    put(" stack ");
    put_u32(depth);
    put("\n");

    paint();
    bench_mark(3);
    hash_md5(message, MESSAGE_SIZE, digest);
    bench_mark(4);
    depth = painted_depth(top);
    put("md5 ");
    put_hex(digest, 16);
    put(" stack ");
    put_u32(depth);
    put("\n");

    /* The update() alone, from an aligned and an unaligned pointer. */
    dfota_sha256_init(&sha);
    bench_mark(5);
    dfota_sha256_update(&sha, message, MESSAGE_SIZE);
    bench_mark(6);
    dfota_sha256_init(&sha);
    bench_mark(7);
    dfota_sha256_update(&sha, message + 1, MESSAGE_SIZE);
    bench_mark(8);
    dfota_md5_init(&md5);
    bench_mark(9);
    dfota_md5_update(&md5, message, MESSAGE_SIZE);
    bench_mark(10);
    dfota_md5_init(&md5);
    bench_mark(11);
    dfota_md5_update(&md5, message + 1, MESSAGE_SIZE);
    bench_mark(12);
    return 0;
}

void bench_reset(void)
{
    memset(bench_bss_start, 0, (size_t)(bench_bss_end - bench_bss_start));
    main();
    /* SYS_EXIT, AArch32: the reason itself in r1, ADP_Stopped_ApplicationExit. */
    semihost(0x18u, (const void *)(uintptr_t)0x20026u);
    for (;;) {
    }
}
