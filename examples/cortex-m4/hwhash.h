/*
 * hwhash.h - a hash driver (struct dfota_hash_ops) that stands for a
 * crypto engine: it costs no CPU per byte hashed, yet returns correct
 * digests. It cannot compute them, so the host does: before the run the
 * script writes, for every digest the update asks for, the algorithm, the
 * number of bytes hashed and the digest (file format in hwhash.c). The
 * driver counts the bytes each digest is given and returns the host's digest
 * for that algorithm and length; one it does not have fails the update
 * (DFOTA_E_INTERNAL), so a wrong or unexpected request cannot pass.
 */
#ifndef HWHASH_H
#define HWHASH_H

#include "dfota/hash.h"

extern const struct dfota_hash_ops hwhash_ops;

/* Read the table from host file `name`: 0, or -1 (and a message). */
int hwhash_load(const char *name);

/* Entries of the table no digest request used. */
unsigned hwhash_unused(void);

#endif
