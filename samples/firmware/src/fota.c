/*
 * fota.c - firmware package download (AT+QFOTADL or LwM2M /5/0/1).
 *
 * The package is fetched with HTTP/1.1 GET into the download partition.
 * Interrupted transfers resume with a Range request.  The package starts with
 * a 128 byte descriptor naming the source and target revisions; the source
 * revision must match the running firmware.  The payload SHA-256 must match
 * the descriptor (and the value given to AT+QFOTADL, if any), the whole file
 * must match an RFC 3230 "Digest: SHA-256=" header when the server sends one,
 * and descriptors flagged as authenticated carry an HMAC-SHA-256 of the
 * payload digest keyed with the LwM2M pre-shared key.  Then the bootloader is
 * told to install the package at the next reset.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fota.h"
#include "at.h"
#include "at_handlers.h"
#include "base64.h"
#include "board.h"
#include "crc.h"
#include "errcodes.h"
#include "flash.h"
#include "fw_config.h"
#include "http.h"
#include "log.h"
#include "lwm2m.h"
#include "mbox.h"
#include "nw.h"
#include "sha256.h"
#include "sockets.h"
#include "url.h"

#define FOTA_SOCKET         SOCK_FOTA
#define FOTA_HDR_BUF        768u
#define FOTA_DESC_SIZE      128u
#define FOTA_DESC_MAGIC     "QPKG"
#define FOTA_MARKER_MAGIC   0x55504454u   /* "UPDT" */
#define FOTA_DESC_FLAG_MAC  0x0001u

typedef struct __attribute__((packed)) {
    char     magic[4];
    uint16_t desc_len;
    uint16_t flags;
    char     from_version[24];
    char     to_version[24];
    uint32_t payload_len;
    uint8_t  payload_sha256[32];
    uint8_t  mac[32];           /* HMAC-SHA-256(psk, payload_sha256) if flagged */
    uint32_t desc_crc;          /* CRC-32 of the preceding 124 bytes */
} fota_desc_t;

typedef struct {
    uint32_t magic;
    uint32_t image_len;
    uint8_t  sha256[32];
    uint32_t crc;
} fota_marker_t;

typedef struct {
    fota_state_t   state;
    fota_err_t     err;
    url_t          url;
    uint8_t        expected_sha[32];
    bool           have_expected;
    uint32_t       ipv4;
    uint32_t       received;          /* payload bytes stored in flash */
    uint32_t       total;             /* expected file size (0 = unknown) */
    uint32_t       erased_up_to;      /* flash offset erased so far */
    uint8_t        retries;
    uint8_t        last_decile;
    bool           head_done;
    http_response_t rsp;
    char           head[FOTA_HDR_BUF];
    size_t         head_len;
    sha256_ctx_t   sha;               /* payload (after the descriptor) */
    sha256_ctx_t   file_sha;          /* whole file, for the HTTP Digest header */
    bool           have_http_digest;
    uint8_t        http_digest[32];
    fota_desc_t    desc;
    bool           desc_done;
    swtimer_t      timeout;
    swtimer_t      reboot;
} fota_ctx_t;

static fota_ctx_t s_fota;

static const char *const s_state_names[] = {
    "IDLE", "RESOLVING", "CONNECTING", "DOWNLOADING", "VERIFYING", "READY", "UPDATING", "FAILED",
};

static const char *const s_err_names[FOTA_ERR_COUNT] = {
    "none", "invalid URL", "DNS failure", "connect failed", "HTTP error", "timeout",
    "package too large", "flash error", "bad package descriptor", "wrong source version",
    "checksum mismatch", "no network",
};

const char *fota_state_name(fota_state_t st)
{
    return (unsigned)st < sizeof(s_state_names) / sizeof(s_state_names[0]) ? s_state_names[st] : "?";
}

const char *fota_err_name(fota_err_t err)
{
    return (unsigned)err < FOTA_ERR_COUNT ? s_err_names[err] : "?";
}

fota_state_t fota_state(void)
{
    return s_fota.state;
}

uint32_t fota_progress_permille(void)
{
    if (s_fota.total == 0)
        return 0;
    return (uint32_t)(((uint64_t)s_fota.received * 1000u) / s_fota.total);
}

static void set_state(fota_state_t st)
{
    if (st != s_fota.state) {
        LOGI("FOTA", "%s -> %s", fota_state_name(s_fota.state), fota_state_name(st));
        s_fota.state = st;
    }
}

static void close_socket(void)
{
    uint32_t args[1] = { FOTA_SOCKET };
    mbox_request(MBOX_REQ_SOCK_CLOSE, args, 1);
}

void fota_abort(fota_err_t err)
{
    swtimer_stop(&s_fota.timeout);
    close_socket();
    s_fota.err = err;
    set_state(FOTA_ST_FAILED);
    LOGE("FOTA", "download failed: %s (%lu/%lu bytes)", fota_err_name(err),
         (unsigned long)s_fota.received, (unsigned long)s_fota.total);
    at_urc("+QIND: \"FOTA\",\"FAILED\",%d", (int)err);
}

static void kick_timeout(void)
{
    swtimer_start(&s_fota.timeout, FOTA_HTTP_TIMEOUT_S * 1000u, 0);
}

static void connect_server(void)
{
    uint32_t args[4] = { FOTA_SOCKET, 6u /* TCP */, s_fota.ipv4, s_fota.url.port };
    set_state(FOTA_ST_CONNECTING);
    s_fota.head_done = false;
    s_fota.head_len = 0;
    kick_timeout();
    if (mbox_request(MBOX_REQ_SOCK_OPEN, args, 4) != 0)
        fota_abort(FOTA_ERR_CONNECT);
}

static void timeout_cb(void *arg)
{
    (void)arg;
    if (s_fota.state != FOTA_ST_CONNECTING && s_fota.state != FOTA_ST_DOWNLOADING &&
        s_fota.state != FOTA_ST_RESOLVING)
        return;
    close_socket();
    if (++s_fota.retries > FOTA_MAX_RETRIES) {
        fota_abort(FOTA_ERR_TIMEOUT);
        return;
    }
    LOGW("FOTA", "no data for %u s, retry %u/%u from offset %lu", (unsigned)FOTA_HTTP_TIMEOUT_S,
         (unsigned)s_fota.retries, (unsigned)FOTA_MAX_RETRIES, (unsigned long)s_fota.received);
    if (s_fota.ipv4)
        connect_server();
    else
        fota_abort(FOTA_ERR_DNS);
}

static void reboot_cb(void *arg)
{
    (void)arg;
    board_reset();
}

int fota_start(const char *url, const char *expected_sha256_hex)
{
    int r;

    if (s_fota.state != FOTA_ST_IDLE && s_fota.state != FOTA_ST_FAILED)
        return CME_QUEC_FOTA_BUSY;
    memset(&s_fota.url, 0, sizeof(s_fota.url));
    r = url_parse(url, &s_fota.url);
    if (r != URL_OK) {
        LOGW("FOTA", "URL rejected: %s", url_strerror(r));
        return CME_QUEC_FOTA_URL;
    }
    if (strcmp(s_fota.url.scheme, "http") != 0) {
        LOGW("FOTA", "scheme %s not supported", s_fota.url.scheme);
        return CME_QUEC_FOTA_URL;
    }
    s_fota.have_expected = false;
    if (expected_sha256_hex != NULL) {
        if (hex_to_bytes(expected_sha256_hex, s_fota.expected_sha, sizeof(s_fota.expected_sha)) != 32)
            return CME_INCORRECT_PARAMETERS;
        s_fota.have_expected = true;
    }
    if (!nw_is_registered())
        return CME_QUEC_FOTA_NET;

    s_fota.err = FOTA_ERR_NONE;
    s_fota.received = 0;
    s_fota.total = 0;
    s_fota.erased_up_to = 0;
    s_fota.retries = 0;
    s_fota.last_decile = 0;
    s_fota.desc_done = false;
    s_fota.have_http_digest = false;
    sha256_init(&s_fota.sha);
    sha256_init(&s_fota.file_sha);
    LOGI("FOTA", "download http://%s:%u%s", s_fota.url.host, (unsigned)s_fota.url.port, s_fota.url.path);

    if (sockets_parse_ipv4(s_fota.url.host, &s_fota.ipv4)) {
        connect_server();
    } else {
        uint32_t args[2] = { DNS_ID_FOTA, (uint32_t)(uintptr_t)s_fota.url.host };
        s_fota.ipv4 = 0;
        set_state(FOTA_ST_RESOLVING);
        kick_timeout();
        if (mbox_request(MBOX_REQ_DNS_QUERY, args, 2) != 0)
            return CME_QUEC_FOTA_NET;
    }
    at_urc("+QIND: \"FOTA\",\"START\"");
    return 0;
}

void fota_on_dns(uint32_t ipv4)
{
    if (s_fota.state != FOTA_ST_RESOLVING)
        return;
    if (ipv4 == 0) {
        fota_abort(FOTA_ERR_DNS);
        return;
    }
    s_fota.ipv4 = ipv4;
    connect_server();
}

static void send_get(void)
{
    char req[512];
    char auth[96];
    char userpass[2 * URL_USER_MAX + 2];
    uint32_t from = s_fota.received;
    int n;

    auth[0] = '\0';
    if (s_fota.url.user[0]) {
        n = snprintf(userpass, sizeof(userpass), "%s:%s", s_fota.url.user, s_fota.url.password);
        if (n > 0 && (size_t)n < sizeof(userpass))
            base64_encode((const uint8_t *)userpass, (size_t)n, auth, sizeof(auth));
    }
    /* resume: ask for the rest of the file */
    n = http_build_get(req, sizeof(req), s_fota.url.host, s_fota.url.port, s_fota.url.path,
                       from, from ? (s_fota.total ? s_fota.total - 1u : 0xFFFFFFFEu) : 0u, auth);
    if (n < 0) {
        fota_abort(FOTA_ERR_URL);
        return;
    }
    uint32_t args[3] = { FOTA_SOCKET, (uint32_t)(uintptr_t)req, (uint32_t)n };
    if (mbox_request(MBOX_REQ_SOCK_SEND, args, 3) != 0)
        fota_abort(FOTA_ERR_CONNECT);
    set_state(FOTA_ST_DOWNLOADING);
    kick_timeout();
}

void fota_on_sock_state(uint32_t state, uint32_t err)
{
    if (s_fota.state == FOTA_ST_CONNECTING) {
        if (state == 1)
            send_get();
        else
            fota_abort(FOTA_ERR_CONNECT);
    } else if (s_fota.state == FOTA_ST_DOWNLOADING && state == 0) {
        LOGW("FOTA", "connection closed by peer (err %lu) at %lu bytes", (unsigned long)err,
             (unsigned long)s_fota.received);
        if (s_fota.total == 0 || s_fota.received < s_fota.total) {
            if (++s_fota.retries > FOTA_MAX_RETRIES)
                fota_abort(FOTA_ERR_CONNECT);
            else
                connect_server();
        }
    }
}

static int store(const uint8_t *data, size_t len)
{
    uint32_t off = s_fota.received;

    if (off + len > FLASH_FOTA_SIZE)
        return FOTA_ERR_TOO_LARGE;
    while (s_fota.erased_up_to < off + len) {
        if (flash_erase(FLASH_FOTA_ADDR + s_fota.erased_up_to, FLASH_SECTOR_SIZE) != 0)
            return FOTA_ERR_FLASH;
        s_fota.erased_up_to += FLASH_SECTOR_SIZE;
    }
    if (flash_program(FLASH_FOTA_ADDR + off, data, len) != 0)
        return FOTA_ERR_FLASH;
    return FOTA_ERR_NONE;
}

static int check_descriptor(void)
{
    const fota_desc_t *d = (const fota_desc_t *)(uintptr_t)FLASH_FOTA_ADDR;
    char from[25], to[25];

    memcpy(&s_fota.desc, d, sizeof(s_fota.desc));
    if (memcmp(s_fota.desc.magic, FOTA_DESC_MAGIC, 4) != 0 || s_fota.desc.desc_len != FOTA_DESC_SIZE)
        return FOTA_ERR_HEADER;
    if (crc32(&s_fota.desc, offsetof(fota_desc_t, desc_crc)) != s_fota.desc.desc_crc)
        return FOTA_ERR_HEADER;
    memcpy(from, s_fota.desc.from_version, 24);
    from[24] = '\0';
    memcpy(to, s_fota.desc.to_version, 24);
    to[24] = '\0';
    LOGI("FOTA", "package %s -> %s, %lu byte payload", from, to, (unsigned long)s_fota.desc.payload_len);
    if (strcmp(from, g_fw_version) != 0)
        return FOTA_ERR_VERSION;
    if (s_fota.total && s_fota.desc.payload_len + FOTA_DESC_SIZE != s_fota.total)
        return FOTA_ERR_HEADER;
    return FOTA_ERR_NONE;
}

/* compare without an early exit so the time does not leak the mismatch position */
static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

static void finish_download(void)
{
    uint8_t digest[32];
    uint8_t file_digest[32];
    uint8_t mac[32];
    char hex[65];
    fota_marker_t marker;

    swtimer_stop(&s_fota.timeout);
    close_socket();
    set_state(FOTA_ST_VERIFYING);
    sha256_final(&s_fota.sha, digest);
    sha256_final(&s_fota.file_sha, file_digest);
    sha256_to_hex(digest, hex);
    LOGI("FOTA", "downloaded %lu bytes, sha256 %s", (unsigned long)s_fota.received, hex);

    if (memcmp(digest, s_fota.desc.payload_sha256, 32) != 0 ||
        (s_fota.have_expected && memcmp(digest, s_fota.expected_sha, 32) != 0)) {
        fota_abort(FOTA_ERR_CHECKSUM);
        return;
    }
    if (s_fota.have_http_digest && !equal_ct(file_digest, s_fota.http_digest, 32)) {
        LOGW("FOTA", "file does not match the HTTP Digest header");
        fota_abort(FOTA_ERR_CHECKSUM);
        return;
    }
    if (s_fota.desc.flags & FOTA_DESC_FLAG_MAC) {
        const lwm2m_config_t *lc = lwm2m_get_config();
        if (lc->psk_len == 0) {
            LOGW("FOTA", "authenticated package but no pre-shared key configured");
            fota_abort(FOTA_ERR_CHECKSUM);
            return;
        }
        hmac_sha256(lc->psk, lc->psk_len, digest, sizeof(digest), mac);
        if (!equal_ct(mac, s_fota.desc.mac, sizeof(mac))) {
            LOGW("FOTA", "package MAC mismatch");
            fota_abort(FOTA_ERR_CHECKSUM);
            return;
        }
    }
    marker.magic = FOTA_MARKER_MAGIC;
    marker.image_len = s_fota.received;
    memcpy(marker.sha256, digest, 32);
    marker.crc = crc32(&marker, offsetof(fota_marker_t, crc));
    /* the marker lives in the last sector of the download partition */
    if (flash_erase(FLASH_FOTA_ADDR + FLASH_FOTA_SIZE - FLASH_SECTOR_SIZE, FLASH_SECTOR_SIZE) != 0 ||
        flash_program(FLASH_FOTA_ADDR + FLASH_FOTA_SIZE - FLASH_SECTOR_SIZE, &marker, sizeof(marker)) != 0) {
        fota_abort(FOTA_ERR_FLASH);
        return;
    }
    set_state(FOTA_ST_READY);
    at_urc("+QIND: \"FOTA\",\"DOWNLOADED\"");
    at_urc("+QIND: \"FOTA\",\"UPDATING\"");
    set_state(FOTA_ST_UPDATING);
    swtimer_start(&s_fota.reboot, 2000, 0);
}

static void body_bytes(const uint8_t *data, size_t len)
{
    int err;

    if (s_fota.total && s_fota.received + len > s_fota.total)
        len = s_fota.total - s_fota.received;
    if (len == 0)
        return;
    err = store(data, len);
    if (err != FOTA_ERR_NONE) {
        fota_abort((fota_err_t)err);
        return;
    }
    sha256_update(&s_fota.file_sha, data, len);
    /* hash the payload only, the descriptor is covered by its own CRC */
    if (s_fota.received >= FOTA_DESC_SIZE) {
        sha256_update(&s_fota.sha, data, len);
    } else if (s_fota.received + len > FOTA_DESC_SIZE) {
        size_t skip = FOTA_DESC_SIZE - s_fota.received;
        sha256_update(&s_fota.sha, data + skip, len - skip);
    }
    s_fota.received += (uint32_t)len;

    if (!s_fota.desc_done && s_fota.received >= FOTA_DESC_SIZE) {
        s_fota.desc_done = true;
        err = check_descriptor();
        if (err != FOTA_ERR_NONE) {
            fota_abort((fota_err_t)err);
            return;
        }
    }
    uint32_t decile = fota_progress_permille() / 100u;
    if (decile != s_fota.last_decile) {
        s_fota.last_decile = (uint8_t)decile;
        at_urc("+QIND: \"FOTA\",\"DOWNLOADING\",%lu%%", (unsigned long)decile * 10u);
    }
    if (s_fota.total && s_fota.received == s_fota.total)
        finish_download();
}

void fota_on_rx(const uint8_t *data, size_t len)
{
    if (s_fota.state != FOTA_ST_DOWNLOADING)
        return;
    kick_timeout();

    if (!s_fota.head_done) {
        size_t take = len < sizeof(s_fota.head) - s_fota.head_len ? len : sizeof(s_fota.head) - s_fota.head_len;
        size_t body_off = 0;
        int r;

        memcpy(s_fota.head + s_fota.head_len, data, take);
        s_fota.head_len += take;
        r = http_parse_head(s_fota.head, s_fota.head_len, &s_fota.rsp, &body_off);
        if (r < 0 || (r == 0 && s_fota.head_len == sizeof(s_fota.head))) {
            fota_abort(FOTA_ERR_HTTP);
            return;
        }
        if (r == 0)
            return;                         /* header incomplete */
        s_fota.head_done = true;
        LOGI("FOTA", "HTTP %d %s, length %ld", s_fota.rsp.status, http_status_str(s_fota.rsp.status),
             s_fota.rsp.content_length);
        if (s_fota.rsp.status == 200) {
            if (s_fota.received) {
                LOGW("FOTA", "server ignored Range, restarting from 0");
                s_fota.received = 0;
                s_fota.desc_done = false;
                sha256_init(&s_fota.sha);
                sha256_init(&s_fota.file_sha);
            }
            if (s_fota.rsp.content_length > 0)
                s_fota.total = (uint32_t)s_fota.rsp.content_length;
        } else if (s_fota.rsp.status == 206 && s_fota.rsp.has_range) {
            if (s_fota.rsp.range_start != s_fota.received) {
                fota_abort(FOTA_ERR_HTTP);
                return;
            }
            s_fota.total = s_fota.rsp.range_total;
        } else {
            fota_abort(FOTA_ERR_HTTP);
            return;
        }
        if (s_fota.rsp.has_sha256) {
            s_fota.have_http_digest = true;
            memcpy(s_fota.http_digest, s_fota.rsp.sha256, sizeof(s_fota.http_digest));
        }
        if (s_fota.rsp.chunked) {
            LOGW("FOTA", "chunked transfer encoding not supported");
            fota_abort(FOTA_ERR_HTTP);
            return;
        }
        if (s_fota.total > FLASH_FOTA_SIZE - FLASH_SECTOR_SIZE) {
            fota_abort(FOTA_ERR_TOO_LARGE);
            return;
        }
        /* body bytes that arrived with the header: they are in data[] after
         * (body_off - (head_len - take)) */
        size_t consumed_before = s_fota.head_len - take;
        if (body_off >= consumed_before && body_off - consumed_before < len)
            body_bytes(data + (body_off - consumed_before), len - (body_off - consumed_before));
        return;
    }
    body_bytes(data, len);
}

void fota_init(void)
{
    memset(&s_fota, 0, sizeof(s_fota));
    swtimer_init(&s_fota.timeout, "fota-timeout", timeout_cb, NULL);
    swtimer_init(&s_fota.reboot, "fota-reboot", reboot_cb, NULL);
}

void fota_poll(void)
{
    if ((s_fota.state == FOTA_ST_DOWNLOADING || s_fota.state == FOTA_ST_CONNECTING) && !nw_is_attached()) {
        LOGW("FOTA", "network lost during download");
        fota_abort(FOTA_ERR_NO_NETWORK);
    }
}

/* AT+QFOTADL="<url>"[,"<sha256 hex>"] */
int at_h_qfotadl(const at_args_t *a)
{
    const char *url;
    int r;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET)
        return CME_INCORRECT_PARAMETERS;
    url = at_arg_str(a, 0);
    if (url == NULL || a->argc > 2)
        return CME_INCORRECT_PARAMETERS;
    if (strlen(url) > 255)
        return CME_TEXT_TOO_LONG;
    r = fota_start(url, a->argc == 2 ? at_arg_str(a, 1) : NULL);
    return r == 0 ? AT_RES_OK : r;
}

int at_h_qfotainfo(const at_args_t *a)
{
    uint32_t pm = fota_progress_permille();
    if (a->type != AT_CMD_EXEC && a->type != AT_CMD_READ)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    at_resp("+QFOTAINFO: \"%s\",%lu.%lu,%lu,%lu,\"%s\"", fota_state_name(s_fota.state),
            (unsigned long)(pm / 10u), (unsigned long)(pm % 10u), (unsigned long)s_fota.received,
            (unsigned long)s_fota.total, fota_err_name(s_fota.err));
    return AT_RES_OK;
}
