/* ringbuf.c - byte ring buffer shared between an ISR and the main loop */
#include <string.h>
#include "ringbuf.h"
#include "bc25_regs.h"

void rb_init(ringbuf_t *rb, uint8_t *storage, uint16_t size)
{
    rb->buf = storage;
    rb->size = size;
    rb->dropped = 0;
    rb->high_water = 0;
    rb_reset(rb);
}

void rb_reset(ringbuf_t *rb)
{
    uint32_t key = irq_save();
    rb->head = 0;
    rb->tail = 0;
    rb->count = 0;
    irq_restore(key);
}

bool rb_put(ringbuf_t *rb, uint8_t byte)
{
    if (rb->count >= rb->size) {
        rb->dropped++;
        return false;
    }
    rb->buf[rb->head] = byte;
    rb->head = (uint16_t)((rb->head + 1u) % rb->size);
    uint32_t key = irq_save();
    rb->count++;
    irq_restore(key);
    if (rb->count > rb->high_water)
        rb->high_water = rb->count;
    return true;
}

bool rb_get(ringbuf_t *rb, uint8_t *byte)
{
    if (rb->count == 0)
        return false;
    *byte = rb->buf[rb->tail];
    rb->tail = (uint16_t)((rb->tail + 1u) % rb->size);
    uint32_t key = irq_save();
    rb->count--;
    irq_restore(key);
    return true;
}

bool rb_peek(const ringbuf_t *rb, uint16_t offset, uint8_t *byte)
{
    if (offset >= rb->count)
        return false;
    *byte = rb->buf[(rb->tail + offset) % rb->size];
    return true;
}

size_t rb_write(ringbuf_t *rb, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t done = 0;

    while (done < len) {
        uint16_t free_now = rb_free(rb);
        if (free_now == 0)
            break;
        /* contiguous space up to the end of storage */
        size_t chunk = (size_t)(rb->size - rb->head);
        if (chunk > free_now)
            chunk = free_now;
        if (chunk > len - done)
            chunk = len - done;
        memcpy(&rb->buf[rb->head], p + done, chunk);
        rb->head = (uint16_t)((rb->head + chunk) % rb->size);
        uint32_t key = irq_save();
        rb->count = (uint16_t)(rb->count + chunk);
        irq_restore(key);
        done += chunk;
    }
    if (rb->count > rb->high_water)
        rb->high_water = rb->count;
    rb->dropped += (uint32_t)(len - done);
    return done;
}

size_t rb_read(ringbuf_t *rb, void *data, size_t len)
{
    uint8_t *p = data;
    size_t done = 0;

    while (done < len && rb->count > 0) {
        size_t chunk = (size_t)(rb->size - rb->tail);
        if (chunk > rb->count)
            chunk = rb->count;
        if (chunk > len - done)
            chunk = len - done;
        memcpy(p + done, &rb->buf[rb->tail], chunk);
        rb->tail = (uint16_t)((rb->tail + chunk) % rb->size);
        uint32_t key = irq_save();
        rb->count = (uint16_t)(rb->count - chunk);
        irq_restore(key);
        done += chunk;
    }
    return done;
}

size_t rb_discard(ringbuf_t *rb, size_t len)
{
    uint32_t key = irq_save();
    if (len > rb->count)
        len = rb->count;
    rb->tail = (uint16_t)((rb->tail + len) % rb->size);
    rb->count = (uint16_t)(rb->count - len);
    irq_restore(key);
    return len;
}

int rb_find(const ringbuf_t *rb, uint8_t byte)
{
    uint16_t n = rb->count;
    uint16_t idx = rb->tail;

    for (uint16_t i = 0; i < n; i++) {
        if (rb->buf[idx] == byte)
            return i;
        idx = (uint16_t)((idx + 1u) % rb->size);
    }
    return -1;
}

uint16_t rb_used(const ringbuf_t *rb)
{
    return rb->count;
}

uint16_t rb_free(const ringbuf_t *rb)
{
    return (uint16_t)(rb->size - rb->count);
}
