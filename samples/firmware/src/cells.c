/*
 * cells.c - neighbour cell table.  The protocol stack delivers neighbour
 * measurements as a short text report, one cell per line:
 *
 *     E=2506,P=101,R=-1082,Q=-112,I=-940,S=54
 *
 * (EARFCN, PCI, RSRP dBm*10, RSRQ dB*10, RSSI dBm*10, SINR dB*10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cells.h"
#include "log.h"

static ncell_t s_cells[CELLS_MAX];
static size_t s_count;

void cells_clear(void)
{
    memset(s_cells, 0, sizeof(s_cells));
    s_count = 0;
}

size_t cells_count(void)
{
    return s_count;
}

static ncell_t *find_or_add(uint32_t earfcn, uint16_t pci)
{
    size_t weakest = 0;
    for (size_t i = 0; i < s_count; i++) {
        if (s_cells[i].earfcn == earfcn && s_cells[i].pci == pci)
            return &s_cells[i];
        if (s_cells[i].rsrp_dbm10 < s_cells[weakest].rsrp_dbm10)
            weakest = i;
    }
    if (s_count < CELLS_MAX)
        return &s_cells[s_count++];
    return &s_cells[weakest];   /* replace the weakest entry */
}

int cells_parse_report(const char *text, size_t len, uint32_t now_s)
{
    char line[64];
    size_t pos = 0;
    int parsed = 0;

    while (pos < len) {
        size_t n = 0;
        while (pos < len && text[pos] != '\n' && n < sizeof(line) - 1)
            line[n++] = text[pos++];
        while (pos < len && text[pos] != '\n')
            pos++;                       /* skip overlong tail */
        pos++;
        line[n] = '\0';
        if (n == 0)
            continue;

        unsigned earfcn, pci;
        int rsrp, rsrq, rssi, sinr;
        if (sscanf(line, "E=%u,P=%u,R=%d,Q=%d,I=%d,S=%d", &earfcn, &pci, &rsrp, &rsrq, &rssi, &sinr) != 6) {
            LOGW("CELL", "bad neighbour line '%s'", line);
            continue;
        }
        if (pci > 503 || rsrp < -1560 || rsrp > -300) {
            LOGW("CELL", "neighbour out of range: pci %u rsrp %d", pci, rsrp);
            continue;
        }
        ncell_t *c = find_or_add(earfcn, (uint16_t)pci);
        c->earfcn = earfcn;
        c->pci = (uint16_t)pci;
        c->rsrp_dbm10 = (int16_t)rsrp;
        c->rsrq_db10 = (int16_t)rsrq;
        c->rssi_dbm10 = (int16_t)rssi;
        c->sinr_db10 = (int16_t)sinr;
        c->last_seen_s = now_s;
        parsed++;
    }
    return parsed;
}

static int cmp_rsrp_desc(const void *a, const void *b)
{
    const ncell_t *x = a, *y = b;
    if (x->rsrp_dbm10 != y->rsrp_dbm10)
        return y->rsrp_dbm10 - x->rsrp_dbm10;
    if (x->rsrq_db10 != y->rsrq_db10)
        return y->rsrq_db10 - x->rsrq_db10;
    return (int)x->pci - (int)y->pci;
}

size_t cells_sorted(ncell_t *out, size_t max)
{
    size_t n = s_count < max ? s_count : max;
    ncell_t tmp[CELLS_MAX];

    memcpy(tmp, s_cells, s_count * sizeof(ncell_t));
    qsort(tmp, s_count, sizeof(ncell_t), cmp_rsrp_desc);
    memcpy(out, tmp, n * sizeof(ncell_t));
    return n;
}

void cells_age_out(uint32_t now_s, uint32_t max_age_s)
{
    size_t w = 0;
    for (size_t i = 0; i < s_count; i++) {
        if (now_s - s_cells[i].last_seen_s <= max_age_s)
            s_cells[w++] = s_cells[i];
    }
    if (w != s_count)
        LOGD("CELL", "aged out %u neighbour(s)", (unsigned)(s_count - w));
    s_count = w;
}

const ncell_t *cells_best(void)
{
    const ncell_t *best = NULL;
    for (size_t i = 0; i < s_count; i++) {
        if (best == NULL || s_cells[i].rsrp_dbm10 > best->rsrp_dbm10)
            best = &s_cells[i];
    }
    return best;
}
