/* ringbuf.h - single-producer / single-consumer byte ring buffer */
#ifndef RINGBUF_H
#define RINGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    uint16_t size;
    volatile uint16_t head;   /* next slot to write */
    volatile uint16_t tail;   /* next slot to read  */
    volatile uint16_t count;
    uint32_t dropped;         /* bytes lost because the buffer was full */
    uint16_t high_water;
} ringbuf_t;

void     rb_init(ringbuf_t *rb, uint8_t *storage, uint16_t size);
void     rb_reset(ringbuf_t *rb);
bool     rb_put(ringbuf_t *rb, uint8_t byte);
bool     rb_get(ringbuf_t *rb, uint8_t *byte);
bool     rb_peek(const ringbuf_t *rb, uint16_t offset, uint8_t *byte);
size_t   rb_write(ringbuf_t *rb, const void *data, size_t len);
size_t   rb_read(ringbuf_t *rb, void *data, size_t len);
size_t   rb_discard(ringbuf_t *rb, size_t len);
int      rb_find(const ringbuf_t *rb, uint8_t byte);
uint16_t rb_used(const ringbuf_t *rb);
uint16_t rb_free(const ringbuf_t *rb);

#endif
