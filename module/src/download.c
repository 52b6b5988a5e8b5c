/*
 * download.c - the module's downloads, through libcurl, and the codes each
 * model reports for their failures (docs/MODULE.md, "Error codes").
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "module_impl.h"

struct transfer {
    struct download *out;
    size_t cap, limit;
    bool too_large;
    unsigned urc_max, urc_done;
    download_progress_fn progress;
    void *ctx;
};

static size_t on_data(char *data, size_t one, size_t n, void *user)
{
    struct transfer *t = user;
    size_t need = t->out->size + n;
    uint8_t *grown;

    (void)one; /* always 1 */
    if (need > t->limit) {
        t->too_large = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;

        while (cap < need)
            cap *= 2;
        if (cap > t->limit)
            cap = t->limit;
        grown = realloc(t->out->data, cap);
        if (grown == NULL) {
            t->too_large = true;
            return 0;
        }
        t->out->data = grown;
        t->cap = cap;
    }
    memcpy(t->out->data + t->out->size, data, n);
    t->out->size = need;
    return n;
}

/* Progress URCs as the body arrives: step k once k/max of it is in; the
 * last step waits for the end of the transfer (it means "complete"). */
static int on_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t ut,
                       curl_off_t un)
{
    struct transfer *t = user;

    (void)ut;
    (void)un;
    if (total > 0 && (uint64_t)total > t->limit) {
        t->too_large = true;
        return 1; /* CURLE_ABORTED_BY_CALLBACK */
    }
    while (total > 0 && t->urc_done + 1 < t->urc_max &&
           (uint64_t)now * t->urc_max >= (uint64_t)total * (t->urc_done + 1)) {
        t->urc_done++;
        t->progress(t->ctx, t->urc_done, t->urc_max);
    }
    return 0;
}

/* BC25/BC32 <HTTP_err>. */
static unsigned bc_code(CURLcode rc, long status, bool too_large)
{
    if (too_large)
        return 6502; /* larger than the free file-system space */
    if (rc == CURLE_HTTP_RETURNED_ERROR && status == 404)
        return 6504; /* package not found */
    if (rc == CURLE_URL_MALFORMAT)
        return 6501;
    if (rc == CURLE_OUT_OF_MEMORY)
        return 6509;
    return 6503; /* download failed */
}

/* EC200x <HTTP_err> (701..730). */
static unsigned ec_http_code(CURLcode rc, bool too_large, bool connected)
{
    if (too_large)
        return 729; /* allocate memory failed: the FOTA area cannot hold it */
    switch (rc) {
    case CURLE_URL_MALFORMAT:
        return 711;
    case CURLE_COULDNT_RESOLVE_HOST:
        return 714;
    case CURLE_COULDNT_CONNECT:
        return 716;
    case CURLE_OPERATION_TIMEDOUT:
        return connected ? 722 : 702; /* read timeout, or timeout */
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
        return 719; /* socket closed */
    case CURLE_RECV_ERROR:
        return 717;
    case CURLE_SEND_ERROR:
        return 718;
    case CURLE_HTTP_RETURNED_ERROR:
        return 723; /* response failed (404, 500, ...) */
    case CURLE_OUT_OF_MEMORY:
        return 729;
    default:
        return 701;
    }
}

/* EC200x <FTP_err> (601..630). */
static unsigned ec_ftp_code(CURLcode rc, bool too_large)
{
    if (too_large)
        return 619; /* insufficient system storage */
    switch (rc) {
    case CURLE_URL_MALFORMAT:
        return 610;
    case CURLE_COULDNT_RESOLVE_HOST:
        return 604;
    case CURLE_COULDNT_CONNECT:
        return 605;
    case CURLE_OPERATION_TIMEDOUT:
        return 609;
    case CURLE_LOGIN_DENIED:
        return 625;
    case CURLE_REMOTE_FILE_NOT_FOUND:
        return 627; /* requested action not taken (550) */
    case CURLE_FTP_ACCEPT_FAILED:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
        return 615; /* failed to open data connection */
    case CURLE_PARTIAL_FILE:
        return 616; /* connection closed, transfer aborted */
    case CURLE_RECV_ERROR:
        return 607;
    case CURLE_GOT_NOTHING:
        return 606;
    default:
        return 601;
    }
}

/* The code `model` reports for a transfer that ended with `rc`. */
static unsigned failure_code(const struct module_model *model, enum url_scheme scheme,
                             CURLcode rc, long status, bool too_large, bool connected)
{
    if (model->family == FAMILY_BC)
        return bc_code(rc, status, too_large);
    if (scheme == SCHEME_FTP)
        return ec_ftp_code(rc, too_large);
    return ec_http_code(rc, too_large, connected);
}

void module_download(const struct module_model *model, enum url_scheme scheme, const char *url,
                     size_t limit, unsigned urc_max, const char *ca_file, unsigned timeout,
                     download_progress_fn progress, void *ctx, struct download *out)
{
    static bool initialised;
    struct transfer t;
    CURL *curl;
    CURLcode rc;
    long status = 0;
    curl_off_t connected_at = 0;

    memset(out, 0, sizeof(*out));
    memset(&t, 0, sizeof(t));
    t.out = out;
    t.limit = limit;
    t.urc_max = urc_max;
    t.progress = progress;
    t.ctx = ctx;
    if (!initialised) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            out->code = failure_code(model, scheme, CURLE_OUT_OF_MEMORY, 0, false, false);
            return;
        }
        initialised = true;
    }
    curl = curl_easy_init();
    if (curl == NULL) {
        out->code = failure_code(model, scheme, CURLE_OUT_OF_MEMORY, 0, false, false);
        return;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)timeout);
    /* A server that stops sending: less than 1 byte/s for `timeout` seconds. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)timeout);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
    if (ca_file != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    if (scheme == SCHEME_FTP)
        curl_easy_setopt(curl, CURLOPT_FTP_USE_EPSV, 1L);
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_at);
    curl_easy_cleanup(curl);
    if (rc == CURLE_FILESIZE_EXCEEDED || rc == CURLE_ABORTED_BY_CALLBACK)
        t.too_large = true;
    if (rc == CURLE_OK && !t.too_large) {
        while (t.urc_done < t.urc_max) {
            t.urc_done++;
            progress(ctx, t.urc_done, t.urc_max);
        }
        if (out->data == NULL)
            out->data = malloc(1);
        out->code = out->data != NULL
                        ? 0
                        : failure_code(model, scheme, CURLE_OUT_OF_MEMORY, 0, false, false);
        return;
    }
    out->code = failure_code(model, scheme, rc, status, t.too_large, connected_at > 0);
    free(out->data);
    out->data = NULL;
    out->size = 0;
}
