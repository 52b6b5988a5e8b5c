/*
 * dfota/rcdec.h - dfota's own coder for the segment streams of a patch
 * (codec 1, "range"; docs/FORMAT.md, "The range codec"), decoder side.
 *
 * An adaptive binary range coder with a fixed model: 12-bit probabilities
 * that adapt by 1/16 of the error, context-selected per field of the
 * record stream (copy, extra and seek lengths, zero runs and difference
 * runs of the difference bytes, the difference bytes by their position in
 * a 32-bit word, the literal bytes by their position in a halfword, and
 * short LZ matches among the literal bytes of the segment, from a
 * history of 2^history_log bytes). It decodes in one pass, starts from a
 * fresh model at every segment, and produces exactly the record stream of
 * docs/FORMAT.md ("Records"), which the applier parses as it parses a zstd
 * frame's content.
 *
 * Device-side: no allocation, no recursion, nothing but the C library's
 * memset/memcpy. RAM: sizeof(struct dfota_rcdec) (DFOTA_RCDEC_STATE_SIZE
 * on the reference build) plus the history, both in the caller's memory.
 *
 * Use: dfota_rcdec_init() once with the history buffer; for each segment
 * dfota_rcdec_reset(), then alternately dfota_rcdec_feed() the frame's
 * bytes (it takes what fits in its 64-byte input buffer) and
 * dfota_rcdec_decode() until it returns DFOTA_RCDEC_DONE.
 */
#ifndef DFOTA_RCDEC_H
#define DFOTA_RCDEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The model, shared with the encoder (diffgen). */
#define DFOTA_RC_PROB_BITS 12u
#define DFOTA_RC_PROB_INIT (1u << (DFOTA_RC_PROB_BITS - 1))
#define DFOTA_RC_ADAPT_SHIFT 4u
#define DFOTA_RC_TOP (1u << 24)
/* Literal history: 2^history_log bytes, history_log in MIN..MAX. */
#define DFOTA_RC_HISTORY_LOG_MIN 8u
#define DFOTA_RC_HISTORY_LOG_MAX 12u
#define DFOTA_RC_HISTORY_LOG_DEFAULT 10u
/* Shortest match (a repeat of the last distance may be 2 bytes). */
#define DFOTA_RC_MATCH_MIN 3u
#define DFOTA_RC_REP_MIN 2u
/* Longest value a number model codes: bit length of value + 1 at most 34. */
#define DFOTA_RC_NUM_BITS_MAX 34u

/* A number: bit length of (value + 1) on a 6-bit tree, the two bits below
 * its leading one modelled per bit length, the rest equiprobable. */
struct dfota_rc_num {
    uint16_t length[64];
    uint16_t top[DFOTA_RC_NUM_BITS_MAX][4];
};

enum dfota_rc_number {
    DFOTA_RC_COPY,   /* copy_len */
    DFOTA_RC_EXTRA,  /* extra_len */
    DFOTA_RC_SEEK,   /* zigzag seek */
    DFOTA_RC_ZERO,   /* zero run: the first of a copy as is, the others - 1 */
    DFOTA_RC_DIFFS,  /* difference run - 1 */
    DFOTA_RC_LENGTH, /* match length - minimum */
    DFOTA_RC_DIST,   /* match distance - 1 */
    DFOTA_RC_NUMBERS
};

struct dfota_rc_model {
    struct dfota_rc_num num[DFOTA_RC_NUMBERS];
    uint16_t is_match[3];  /* context: what the previous literal step was */
    uint16_t is_rep[3];
    uint16_t diff[4][256]; /* difference byte, by target offset mod 4 */
    uint16_t lit[2][256];  /* literal byte, by target offset mod 2 */
};

/* Results of dfota_rcdec_decode(). */
enum dfota_rcdec_result {
    DFOTA_RCDEC_OUTPUT = 0,  /* the output buffer is full: call again */
    DFOTA_RCDEC_INPUT = 1,   /* feed more frame bytes */
    DFOTA_RCDEC_DONE = 2,    /* the segment is complete and every frame byte used */
    DFOTA_RCDEC_CORRUPT = -1 /* the frame does not decode to a valid segment */
};

#define DFOTA_RCDEC_INPUT_SIZE 64u
/* Input a decoding step may read: a step starts only with this much buffered
 * (or the whole frame fed); bytes past the frame's end read as 0. */
#define DFOTA_RCDEC_STEP_MAX 32u
/* Smallest output buffer dfota_rcdec_decode() accepts (a 10-byte varint). */
#define DFOTA_RCDEC_OUTPUT_MIN 16u

struct dfota_rcdec {
    struct dfota_rc_model model;
    uint32_t range, code;
    uint32_t frame_left;      /* frame bytes not yet fed */
    uint32_t virtual_bytes;   /* zero bytes read past the frame's end */
    uint32_t segment_left;    /* target bytes the segment has still to produce */
    uint32_t offset;          /* target bytes produced in the segment */
    uint32_t copy_left, extra_left, run_left;
    uint32_t match_left, match_dist, rep;
    uint32_t history_mask, history_pos, history_fill;
    uint8_t *history;
    uint8_t phase, first_run, last_kind, pad;
    uint16_t in_pos, in_len;
    uint8_t in[DFOTA_RCDEC_INPUT_SIZE];
};

/* Prepare a decoder with a history of 2^history_log bytes at `history`. */
void dfota_rcdec_init(struct dfota_rcdec *d, uint8_t *history, unsigned history_log);

/* Start a segment of `target_len` target bytes whose frame is `frame_size`
 * bytes: fresh model, empty history. */
void dfota_rcdec_reset(struct dfota_rcdec *d, uint32_t frame_size, uint32_t target_len);

/* Give frame bytes: takes as many of `n` as fit (at most the frame's
 * remaining bytes) and returns that count. */
size_t dfota_rcdec_feed(struct dfota_rcdec *d, const uint8_t *p, size_t n);

/* Decode into `out` (`cap` >= DFOTA_RCDEC_OUTPUT_MIN bytes) as far as the
 * input allows; `*produced` receives the bytes written. */
enum dfota_rcdec_result dfota_rcdec_decode(struct dfota_rcdec *d, uint8_t *out, size_t cap,
                                           size_t *produced);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_RCDEC_H */
