/* cells.h - neighbour cell list kept for AT+QENG and cell reselection logging */
#ifndef CELLS_H
#define CELLS_H

#include <stddef.h>
#include <stdint.h>

#define CELLS_MAX 16u

typedef struct {
    uint32_t earfcn;
    uint16_t pci;
    int16_t  rsrp_dbm10;
    int16_t  rsrq_db10;
    int16_t  rssi_dbm10;
    int16_t  sinr_db10;
    uint32_t last_seen_s;
} ncell_t;

void   cells_clear(void);
int    cells_parse_report(const char *text, size_t len, uint32_t now_s);
size_t cells_sorted(ncell_t *out, size_t max);
size_t cells_count(void);
void   cells_age_out(uint32_t now_s, uint32_t max_age_s);
const ncell_t *cells_best(void);

#endif
