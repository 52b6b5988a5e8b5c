/* errcodes.c - error code string tables (3GPP TS 27.007, TS 24.301, RFC 7231, RFC 7252) */
#include <stddef.h>
#include <stdint.h>
#include "errcodes.h"

typedef struct {
    uint16_t    code;
    const char *text;
} code_text_t;

static const char *lookup(const code_text_t *tab, size_t n, int code, const char *dflt)
{
    /* tables are sorted by code: binary search */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tab[mid].code == code)
            return tab[mid].text;
        if (tab[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return dflt;
}

/* 3GPP TS 27.007 clause 9.2 plus the module specific range. */
static const code_text_t s_cme[] = {
    { 0, "phone failure" },
    { 1, "no connection to phone" },
    { 2, "phone-adaptor link reserved" },
    { 3, "operation not allowed" },
    { 4, "operation not supported" },
    { 5, "PH-SIM PIN required" },
    { 6, "PH-FSIM PIN required" },
    { 7, "PH-FSIM PUK required" },
    { 10, "SIM not inserted" },
    { 11, "SIM PIN required" },
    { 12, "SIM PUK required" },
    { 13, "SIM failure" },
    { 14, "SIM busy" },
    { 15, "SIM wrong" },
    { 16, "incorrect password" },
    { 17, "SIM PIN2 required" },
    { 18, "SIM PUK2 required" },
    { 20, "memory full" },
    { 21, "invalid index" },
    { 22, "not found" },
    { 23, "memory failure" },
    { 24, "text string too long" },
    { 25, "invalid characters in text string" },
    { 26, "dial string too long" },
    { 27, "invalid characters in dial string" },
    { 30, "no network service" },
    { 31, "network timeout" },
    { 32, "network not allowed - emergency calls only" },
    { 40, "network personalization PIN required" },
    { 41, "network personalization PUK required" },
    { 42, "network subset personalization PIN required" },
    { 43, "network subset personalization PUK required" },
    { 44, "service provider personalization PIN required" },
    { 45, "service provider personalization PUK required" },
    { 46, "corporate personalization PIN required" },
    { 47, "corporate personalization PUK required" },
    { 48, "hidden key required" },
    { 49, "EAP method not supported" },
    { 50, "incorrect parameters" },
    { 51, "command implemented but currently disabled" },
    { 52, "command aborted by user" },
    { 53, "not attached to network due to MT functionality restrictions" },
    { 54, "modem not allowed - MT restricted to emergency calls only" },
    { 55, "operation not allowed because of MT functionality restrictions" },
    { 56, "fixed dial number only allowed" },
    { 57, "temporarily out of service due to other MT usage" },
    { 58, "language/alphabet not supported" },
    { 59, "unexpected data value" },
    { 60, "system failure" },
    { 61, "data missing" },
    { 62, "call barred" },
    { 63, "message waiting indication subscription failure" },
    { 100, "unknown" },
    { 103, "illegal MS" },
    { 106, "illegal ME" },
    { 107, "GPRS services not allowed" },
    { 108, "GPRS services and non-GPRS services not allowed" },
    { 111, "PLMN not allowed" },
    { 112, "location area not allowed" },
    { 113, "roaming not allowed in this location area" },
    { 114, "GPRS services not allowed in this PLMN" },
    { 115, "no suitable cells in location area" },
    { 122, "congestion" },
    { 125, "not authorized for this CSG" },
    { 126, "insufficient resources" },
    { 127, "missing or unknown APN" },
    { 128, "unknown PDP address or PDP type" },
    { 129, "user authentication failed" },
    { 130, "activation rejected by GGSN, Serving GW or PDN GW" },
    { 131, "activation rejected, unspecified" },
    { 132, "service option not supported" },
    { 133, "requested service option not subscribed" },
    { 134, "service option temporarily out of order" },
    { 140, "feature not supported" },
    { 141, "semantic errors in the TFT operation" },
    { 142, "syntactical errors in the TFT operation" },
    { 143, "unknown PDP context" },
    { 144, "semantic errors in packet filter(s)" },
    { 145, "syntactical errors in packet filter(s)" },
    { 146, "PDP context without TFT already activated" },
    { 148, "unspecified GPRS error" },
    { 149, "PDP authentication failure" },
    { 150, "invalid mobile class" },
    { 171, "last PDN disconnection not allowed" },
    { 172, "semantically incorrect message" },
    { 173, "invalid mandatory information" },
    { 174, "message type non-existent or not implemented" },
    { 175, "conditional IE error" },
    { 176, "protocol error, unspecified" },
    { 177, "operator determined barring" },
    { 178, "maximum number of PDP contexts reached" },
    { 179, "requested APN not supported in current RAT and PLMN combination" },
    { 180, "request rejected - bearer control mode violation" },
    { 701, "FOTA: download in progress" },
    { 702, "FOTA: invalid URL" },
    { 703, "FOTA: network error" },
    { 704, "FOTA: package verification failed" },
    { 740, "LwM2M: operation in progress" },
    { 741, "LwM2M: server not configured" },
    { 742, "LwM2M: not registered" },
    { 760, "flash access failure" },
};

const char *cme_error_str(int code)
{
    return lookup(s_cme, sizeof(s_cme) / sizeof(s_cme[0]), code, "unknown");
}

/* 3GPP TS 24.301 clause 9.9.3.9, EMM cause */
static const code_text_t s_emm[] = {
    { 2, "IMSI unknown in HSS" },
    { 3, "Illegal UE" },
    { 5, "IMEI not accepted" },
    { 6, "Illegal ME" },
    { 7, "EPS services not allowed" },
    { 8, "EPS services and non-EPS services not allowed" },
    { 9, "UE identity cannot be derived by the network" },
    { 10, "Implicitly detached" },
    { 11, "PLMN not allowed" },
    { 12, "Tracking Area not allowed" },
    { 13, "Roaming not allowed in this tracking area" },
    { 14, "EPS services not allowed in this PLMN" },
    { 15, "No Suitable Cells In tracking area" },
    { 16, "MSC temporarily not reachable" },
    { 17, "Network failure" },
    { 18, "CS domain not available" },
    { 19, "ESM failure" },
    { 20, "MAC failure" },
    { 21, "Synch failure" },
    { 22, "Congestion" },
    { 23, "UE security capabilities mismatch" },
    { 24, "Security mode rejected, unspecified" },
    { 25, "Not authorized for this CSG" },
    { 26, "Non-EPS authentication unacceptable" },
    { 31, "Redirection to 5GCN required" },
    { 35, "Requested service option not authorized in this PLMN" },
    { 39, "CS service temporarily not available" },
    { 40, "No EPS bearer context activated" },
    { 42, "Severe network failure" },
    { 78, "PLMN not allowed to operate at the present UE location" },
    { 95, "Semantically incorrect message" },
    { 96, "Invalid mandatory information" },
    { 97, "Message type non-existent or not implemented" },
    { 98, "Message type not compatible with the protocol state" },
    { 99, "Information element non-existent or not implemented" },
    { 100, "Conditional IE error" },
    { 101, "Message not compatible with the protocol state" },
    { 111, "Protocol error, unspecified" },
};

const char *emm_cause_str(int cause)
{
    return lookup(s_emm, sizeof(s_emm) / sizeof(s_emm[0]), cause, "unknown EMM cause");
}

/* 3GPP TS 24.301 clause 9.9.4.4, ESM cause */
static const code_text_t s_esm[] = {
    { 8, "Operator Determined Barring" },
    { 26, "Insufficient resources" },
    { 27, "Missing or unknown APN" },
    { 28, "Unknown PDN type" },
    { 29, "User authentication failed" },
    { 30, "Request rejected by Serving GW or PDN GW" },
    { 31, "Request rejected, unspecified" },
    { 32, "Service option not supported" },
    { 33, "Requested service option not subscribed" },
    { 34, "Service option temporarily out of order" },
    { 35, "PTI already in use" },
    { 36, "Regular deactivation" },
    { 37, "EPS QoS not accepted" },
    { 38, "Network failure" },
    { 39, "Reactivation requested" },
    { 41, "Semantic error in the TFT operation" },
    { 42, "Syntactical error in the TFT operation" },
    { 43, "Invalid EPS bearer identity" },
    { 44, "Semantic errors in packet filter(s)" },
    { 45, "Syntactical errors in packet filter(s)" },
    { 47, "PTI mismatch" },
    { 49, "Last PDN disconnection not allowed" },
    { 50, "PDN type IPv4 only allowed" },
    { 51, "PDN type IPv6 only allowed" },
    { 52, "Single address bearers only allowed" },
    { 53, "ESM information not received" },
    { 54, "PDN connection does not exist" },
    { 55, "Multiple PDN connections for a given APN not allowed" },
    { 56, "Collision with network initiated request" },
    { 57, "PDN type IPv4v6 only allowed" },
    { 58, "PDN type non IP only allowed" },
    { 59, "Unsupported QCI value" },
    { 60, "Bearer handling not supported" },
    { 61, "PDN type Ethernet only allowed" },
    { 65, "Maximum number of EPS bearers reached" },
    { 66, "Requested APN not supported in current RAT and PLMN combination" },
    { 81, "Invalid PTI value" },
    { 95, "Semantically incorrect message" },
    { 96, "Invalid mandatory information" },
    { 97, "Message type non-existent or not implemented" },
    { 98, "Message type not compatible with the protocol state" },
    { 99, "Information element non-existent or not implemented" },
    { 100, "Conditional IE error" },
    { 101, "Message not compatible with the protocol state" },
    { 111, "Protocol error, unspecified" },
    { 112, "APN restriction value incompatible with active EPS bearer context" },
    { 113, "Multiple accesses to a PDN connection not allowed" },
};

const char *esm_cause_str(int cause)
{
    return lookup(s_esm, sizeof(s_esm) / sizeof(s_esm[0]), cause, "unknown ESM cause");
}

static const code_text_t s_http[] = {
    { 100, "Continue" },
    { 101, "Switching Protocols" },
    { 200, "OK" },
    { 201, "Created" },
    { 202, "Accepted" },
    { 203, "Non-Authoritative Information" },
    { 204, "No Content" },
    { 205, "Reset Content" },
    { 206, "Partial Content" },
    { 300, "Multiple Choices" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 303, "See Other" },
    { 304, "Not Modified" },
    { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 408, "Request Timeout" },
    { 409, "Conflict" },
    { 410, "Gone" },
    { 411, "Length Required" },
    { 412, "Precondition Failed" },
    { 413, "Payload Too Large" },
    { 414, "URI Too Long" },
    { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" },
    { 429, "Too Many Requests" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
};

const char *http_status_str(int status)
{
    return lookup(s_http, sizeof(s_http) / sizeof(s_http[0]), status, "Unknown Status");
}

/* RFC 7252 section 12.1.2, keyed by (class << 5 | detail) */
static const code_text_t s_coap[] = {
    { 0x00, "Empty" },
    { 0x01, "GET" },
    { 0x02, "POST" },
    { 0x03, "PUT" },
    { 0x04, "DELETE" },
    { 0x41, "Created" },
    { 0x42, "Deleted" },
    { 0x43, "Valid" },
    { 0x44, "Changed" },
    { 0x45, "Content" },
    { 0x5F, "Continue" },
    { 0x80, "Bad Request" },
    { 0x81, "Unauthorized" },
    { 0x82, "Bad Option" },
    { 0x83, "Forbidden" },
    { 0x84, "Not Found" },
    { 0x85, "Method Not Allowed" },
    { 0x86, "Not Acceptable" },
    { 0x88, "Request Entity Incomplete" },
    { 0x8C, "Precondition Failed" },
    { 0x8D, "Request Entity Too Large" },
    { 0x8F, "Unsupported Content-Format" },
    { 0xA0, "Internal Server Error" },
    { 0xA1, "Not Implemented" },
    { 0xA2, "Bad Gateway" },
    { 0xA3, "Service Unavailable" },
    { 0xA4, "Gateway Timeout" },
    { 0xA5, "Proxying Not Supported" },
};

const char *coap_code_str(unsigned code)
{
    return lookup(s_coap, sizeof(s_coap) / sizeof(s_coap[0]), (int)code, "Unknown");
}
