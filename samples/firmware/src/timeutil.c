/*
 * timeutil.c - wall clock kept in the always-on RTC domain.
 *
 * The RTC counts seconds since power-on; the UTC epoch at counter zero is kept
 * in RTC backup register 0 so that it survives PSM deep sleep.  Register 1
 * holds the time zone (quarter hours, signed), the DST adjustment, a CRC-8
 * over those two bytes and a flag telling whether the time came from the
 * network (NITZ / EMM information).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timeutil.h"
#include "bc25_regs.h"
#include "crc.h"
#include "log.h"

#define BK_EPOCH      0
#define BK_TZINFO     1
#define TZINFO_SYNCED 0x80000000u
#define EPOCH_2020    1577836800u

typedef struct {
    int8_t      qh;
    const char *name;
} tz_name_t;

/* Standard offsets in use today, with a well known zone observing them. */
static const tz_name_t s_tz_names[] = {
    { -48, "UTC-12:00 (Baker Island)" },
    { -44, "UTC-11:00 (Samoa, SST)" },
    { -40, "UTC-10:00 (Hawaii, HST)" },
    { -38, "UTC-09:30 (Marquesas)" },
    { -36, "UTC-09:00 (Alaska, AKST)" },
    { -32, "UTC-08:00 (Pacific, PST)" },
    { -28, "UTC-07:00 (Mountain, MST)" },
    { -24, "UTC-06:00 (Central, CST)" },
    { -20, "UTC-05:00 (Eastern, EST)" },
    { -16, "UTC-04:00 (Atlantic, AST)" },
    { -14, "UTC-03:30 (Newfoundland, NST)" },
    { -12, "UTC-03:00 (Buenos Aires, ART)" },
    {  -8, "UTC-02:00 (South Georgia)" },
    {  -4, "UTC-01:00 (Azores, AZOT)" },
    {   0, "UTC+00:00 (London, GMT)" },
    {   4, "UTC+01:00 (Central Europe, CET)" },
    {   8, "UTC+02:00 (Eastern Europe, EET)" },
    {  12, "UTC+03:00 (Moscow, MSK)" },
    {  14, "UTC+03:30 (Tehran, IRST)" },
    {  16, "UTC+04:00 (Dubai, GST)" },
    {  18, "UTC+04:30 (Kabul, AFT)" },
    {  20, "UTC+05:00 (Karachi, PKT)" },
    {  22, "UTC+05:30 (India, IST)" },
    {  23, "UTC+05:45 (Kathmandu, NPT)" },
    {  24, "UTC+06:00 (Dhaka, BST)" },
    {  26, "UTC+06:30 (Yangon, MMT)" },
    {  28, "UTC+07:00 (Bangkok, ICT)" },
    {  32, "UTC+08:00 (Beijing, CST)" },
    {  35, "UTC+08:45 (Eucla, ACWST)" },
    {  36, "UTC+09:00 (Tokyo, JST)" },
    {  38, "UTC+09:30 (Adelaide, ACST)" },
    {  40, "UTC+10:00 (Sydney, AEST)" },
    {  42, "UTC+10:30 (Lord Howe, LHST)" },
    {  44, "UTC+11:00 (Noumea, NCT)" },
    {  48, "UTC+12:00 (Auckland, NZST)" },
    {  51, "UTC+12:45 (Chatham, CHAST)" },
    {  52, "UTC+13:00 (Tonga, TOT)" },
    {  56, "UTC+14:00 (Kiritimati, LINT)" },
};

/* ITU-T E.212 mobile country codes. */
static const mcc_info_t s_mcc[] = {
    { 202, "GR", "Greece", 8 },               { 204, "NL", "Netherlands", 4 },
    { 206, "BE", "Belgium", 4 },              { 208, "FR", "France", 4 },
    { 212, "MC", "Monaco", 4 },               { 213, "AD", "Andorra", 4 },
    { 214, "ES", "Spain", 4 },                { 216, "HU", "Hungary", 4 },
    { 218, "BA", "Bosnia and Herzegovina", 4 }, { 219, "HR", "Croatia", 4 },
    { 220, "RS", "Serbia", 4 },               { 222, "IT", "Italy", 4 },
    { 226, "RO", "Romania", 8 },              { 228, "CH", "Switzerland", 4 },
    { 230, "CZ", "Czech Republic", 4 },       { 231, "SK", "Slovakia", 4 },
    { 232, "AT", "Austria", 4 },              { 234, "GB", "United Kingdom", 0 },
    { 235, "GB", "United Kingdom", 0 },       { 238, "DK", "Denmark", 4 },
    { 240, "SE", "Sweden", 4 },               { 242, "NO", "Norway", 4 },
    { 244, "FI", "Finland", 8 },              { 246, "LT", "Lithuania", 8 },
    { 247, "LV", "Latvia", 8 },               { 248, "EE", "Estonia", 8 },
    { 250, "RU", "Russian Federation", 12 },  { 255, "UA", "Ukraine", 8 },
    { 257, "BY", "Belarus", 12 },             { 259, "MD", "Moldova", 8 },
    { 260, "PL", "Poland", 4 },               { 262, "DE", "Germany", 4 },
    { 266, "GI", "Gibraltar", 4 },            { 268, "PT", "Portugal", 0 },
    { 270, "LU", "Luxembourg", 4 },           { 272, "IE", "Ireland", 0 },
    { 274, "IS", "Iceland", 0 },              { 276, "AL", "Albania", 4 },
    { 278, "MT", "Malta", 4 },                { 280, "CY", "Cyprus", 8 },
    { 282, "GE", "Georgia", 16 },             { 283, "AM", "Armenia", 16 },
    { 284, "BG", "Bulgaria", 8 },             { 286, "TR", "Turkey", 12 },
    { 293, "SI", "Slovenia", 4 },             { 294, "MK", "North Macedonia", 4 },
    { 302, "CA", "Canada", -20 },             { 310, "US", "United States", -20 },
    { 311, "US", "United States", -20 },      { 312, "US", "United States", -20 },
    { 313, "US", "United States", -20 },      { 334, "MX", "Mexico", -24 },
    { 338, "JM", "Jamaica", -20 },            { 404, "IN", "India", 22 },
    { 405, "IN", "India", 22 },               { 410, "PK", "Pakistan", 20 },
    { 413, "LK", "Sri Lanka", 22 },           { 414, "MM", "Myanmar", 26 },
    { 415, "LB", "Lebanon", 8 },              { 416, "JO", "Jordan", 12 },
    { 418, "IQ", "Iraq", 12 },                { 419, "KW", "Kuwait", 12 },
    { 420, "SA", "Saudi Arabia", 12 },        { 424, "AE", "United Arab Emirates", 16 },
    { 425, "IL", "Israel", 8 },               { 427, "QA", "Qatar", 12 },
    { 432, "IR", "Iran", 14 },                { 440, "JP", "Japan", 36 },
    { 441, "JP", "Japan", 36 },               { 450, "KR", "Korea, Republic of", 36 },
    { 452, "VN", "Viet Nam", 28 },            { 454, "HK", "Hong Kong", 32 },
    { 455, "MO", "Macao", 32 },               { 456, "KH", "Cambodia", 28 },
    { 457, "LA", "Lao PDR", 28 },             { 460, "CN", "China", 32 },
    { 466, "TW", "Taiwan", 32 },              { 470, "BD", "Bangladesh", 24 },
    { 502, "MY", "Malaysia", 32 },            { 505, "AU", "Australia", 40 },
    { 510, "ID", "Indonesia", 28 },           { 515, "PH", "Philippines", 32 },
    { 520, "TH", "Thailand", 28 },            { 525, "SG", "Singapore", 32 },
    { 530, "NZ", "New Zealand", 48 },         { 602, "EG", "Egypt", 8 },
    { 603, "DZ", "Algeria", 4 },              { 604, "MA", "Morocco", 4 },
    { 605, "TN", "Tunisia", 4 },              { 620, "GH", "Ghana", 0 },
    { 621, "NG", "Nigeria", 4 },              { 639, "KE", "Kenya", 12 },
    { 655, "ZA", "South Africa", 8 },         { 712, "CR", "Costa Rica", -24 },
    { 714, "PA", "Panama", -20 },             { 716, "PE", "Peru", -20 },
    { 722, "AR", "Argentina", -12 },          { 724, "BR", "Brazil", -12 },
    { 730, "CL", "Chile", -16 },              { 732, "CO", "Colombia", -20 },
    { 734, "VE", "Venezuela", -16 },          { 740, "EC", "Ecuador", -20 },
    { 748, "UY", "Uruguay", -12 },
};

typedef struct {
    uint16_t    mcc;
    uint16_t    mnc;
    const char *name;
} operator_t;

static const operator_t s_operators[] = {
    { 204, 4, "Vodafone NL" },    { 204, 8, "KPN" },            { 204, 16, "T-Mobile NL" },
    { 208, 1, "Orange F" },       { 208, 10, "SFR" },           { 208, 20, "Bouygues" },
    { 214, 1, "Vodafone ES" },    { 214, 7, "Movistar" },       { 222, 1, "TIM" },
    { 222, 10, "Vodafone IT" },   { 234, 10, "O2 - UK" },       { 234, 15, "Vodafone UK" },
    { 234, 30, "EE" },            { 238, 1, "TDC" },            { 240, 1, "Telia SE" },
    { 242, 1, "Telenor NO" },     { 262, 1, "Telekom.de" },     { 262, 2, "Vodafone.de" },
    { 262, 3, "o2 - de" },        { 310, 260, "T-Mobile" },     { 310, 410, "AT&T" },
    { 311, 480, "Verizon" },      { 440, 10, "NTT DOCOMO" },    { 440, 20, "SoftBank" },
    { 440, 50, "KDDI" },          { 450, 5, "SK Telecom" },     { 450, 8, "KT" },
    { 460, 0, "CHINA MOBILE" },   { 460, 1, "CHN-UNICOM" },     { 460, 3, "CHN-CT" },
    { 460, 4, "CHINA MOBILE" },   { 460, 6, "CHN-UNICOM" },     { 460, 9, "CHN-UNICOM" },
    { 460, 11, "CHN-CT" },        { 466, 92, "Chunghwa" },      { 505, 1, "Telstra" },
    { 505, 2, "Optus" },          { 505, 3, "Vodafone AU" },    { 520, 3, "AIS" },
};

static int32_t s_tz_qh;
static int s_dst;
static bool s_synced;

void time_init(void)
{
    uint32_t info = RTC_BACKUP(BK_TZINFO);
    uint8_t tzdst[2] = { (uint8_t)info, (uint8_t)(info >> 8) };
    if (crc8_smbus(0, tzdst, 2) != (uint8_t)(info >> 16)) {
        /* backup domain lost or corrupted: forget the zone */
        info = 0;
    }
    if (RTC_BACKUP(BK_EPOCH) < EPOCH_2020) {
        /* cold boot: start at 2020-01-01 00:00:00 UTC until the network tells us */
        RTC_BACKUP(BK_EPOCH) = EPOCH_2020 - RTC_SECONDS;
        RTC_BACKUP(BK_TZINFO) = 0;
        info = 0;
    }
    s_tz_qh = (int8_t)(info & 0xFFu);
    s_dst = (int)((info >> 8) & 0x3u);
    s_synced = (info & TZINFO_SYNCED) != 0;
}

time_t time_utc(void)
{
    return (time_t)(RTC_BACKUP(BK_EPOCH) + RTC_SECONDS);
}

void time_set_utc(time_t t, int tz_qh, int dst, bool from_network)
{
    if (tz_qh < -96 || tz_qh > 96)
        tz_qh = 0;
    RTC_BACKUP(BK_EPOCH) = (uint32_t)t - RTC_SECONDS;
    s_tz_qh = tz_qh;
    s_dst = dst & 3;
    s_synced = s_synced || from_network;
    uint8_t tzdst[2] = { (uint8_t)(int8_t)tz_qh, (uint8_t)s_dst };
    RTC_BACKUP(BK_TZINFO) = tzdst[0] | ((uint32_t)tzdst[1] << 8) |
                            ((uint32_t)crc8_smbus(0, tzdst, 2) << 16) |
                            (s_synced ? TZINFO_SYNCED : 0u);
}

int time_tz_qh(void)
{
    return (int)s_tz_qh;
}

int time_dst(void)
{
    return s_dst;
}

bool time_is_network_synced(void)
{
    return s_synced;
}

/* "yy/MM/dd,hh:mm:ss+zz" in local time, as 3GPP TS 27.007 +CCLK */
int time_format_cclk(char *buf, size_t size)
{
    time_t local = time_utc() + (time_t)s_tz_qh * 15 * 60;
    struct tm tm;
    char body[24];

    gmtime_r(&local, &tm);
    if (strftime(body, sizeof(body), "%y/%m/%d,%H:%M:%S", &tm) == 0)
        return -1;
    return snprintf(buf, size, "%s%c%02d", body, s_tz_qh < 0 ? '-' : '+',
                    (int)(s_tz_qh < 0 ? -s_tz_qh : s_tz_qh));
}

int time_parse_cclk(const char *s, time_t *utc, int *tz_qh)
{
    int yy, mo, dd, hh, mi, ss, tz = 0;
    char sign = '+';
    struct tm tm;
    int n;

    n = sscanf(s, "%2d/%2d/%2d,%2d:%2d:%2d%c%2d", &yy, &mo, &dd, &hh, &mi, &ss, &sign, &tz);
    if (n != 6 && n != 8)
        return -1;
    if (n == 8 && sign != '+' && sign != '-')
        return -1;
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 60 || tz > 96)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = yy + 100;
    tm.tm_mon = mo - 1;
    tm.tm_mday = dd;
    tm.tm_hour = hh;
    tm.tm_min = mi;
    tm.tm_sec = ss;
    tm.tm_isdst = 0;
    /* newlib has no TZ set, so mktime() works in UTC */
    time_t local = mktime(&tm);
    if (local == (time_t)-1)
        return -1;
    if (sign == '-')
        tz = -tz;
    *tz_qh = tz;
    *utc = local - (time_t)tz * 15 * 60;
    return 0;
}

int time_format_iso8601(char *buf, size_t size, time_t t, int tz_qh)
{
    time_t local = t + (time_t)tz_qh * 15 * 60;
    struct tm tm;
    char body[24];
    int a = tz_qh < 0 ? -tz_qh : tz_qh;

    gmtime_r(&local, &tm);
    if (strftime(body, sizeof(body), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return -1;
    if (tz_qh == 0)
        return snprintf(buf, size, "%sZ", body);
    return snprintf(buf, size, "%s%c%02d:%02d", body, tz_qh < 0 ? '-' : '+', a / 4, (a % 4) * 15);
}

int time_format_log(char *buf, size_t size)
{
    time_t now = time_utc();
    struct tm tm;
    unsigned ms = (unsigned)(RTC_SUBSEC * 1000u / 32768u) % 1000u;

    gmtime_r(&now, &tm);
    size_t n = strftime(buf, size, "%m-%d %H:%M:%S", &tm);
    if (n == 0 || n + 5 > size)
        return -1;
    return (int)n + snprintf(buf + n, size - n, ".%03u", ms);
}

const char *time_zone_name(int tz_qh)
{
    for (size_t i = 0; i < sizeof(s_tz_names) / sizeof(s_tz_names[0]); i++) {
        if (s_tz_names[i].qh == tz_qh)
            return s_tz_names[i].name;
    }
    return "UTC (non-standard offset)";
}

/* Accept "+8", "-3:30", "+05:45" or quarter hours "q32". */
int time_tz_from_string(const char *s, int *tz_qh)
{
    int h = 0, m = 0, q;
    char sign = '+';

    if (s[0] == 'q' || s[0] == 'Q') {
        q = atoi(s + 1);
    } else {
        int n = sscanf(s, "%c%d:%d", &sign, &h, &m);
        if (n < 2 || (sign != '+' && sign != '-') || h > 14 || m < 0 || m > 59 || (m % 15) != 0)
            return -1;
        q = h * 4 + m / 15;
        if (sign == '-')
            q = -q;
    }
    if (q < -48 || q > 56)
        return -1;
    *tz_qh = q;
    return 0;
}

static int mcc_cmp(const void *key, const void *elem)
{
    uint16_t k = *(const uint16_t *)key;
    const mcc_info_t *e = elem;
    return (int)k - (int)e->mcc;
}

const mcc_info_t *plmn_mcc_lookup(uint16_t mcc)
{
    return bsearch(&mcc, s_mcc, sizeof(s_mcc) / sizeof(s_mcc[0]), sizeof(s_mcc[0]), mcc_cmp);
}

const char *plmn_operator_name(uint16_t mcc, uint16_t mnc)
{
    for (size_t i = 0; i < sizeof(s_operators) / sizeof(s_operators[0]); i++) {
        if (s_operators[i].mcc == mcc && s_operators[i].mnc == mnc)
            return s_operators[i].name;
    }
    return NULL;
}

/* "46011" / "310260" -> mcc, mnc, number of MNC digits */
int plmn_parse(const char *s, uint16_t *mcc, uint16_t *mnc, uint8_t *mnc_digits)
{
    size_t len = strlen(s);
    unsigned v_mcc, v_mnc;

    if (len != 5 && len != 6)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    if (sscanf(s, "%3u%u", &v_mcc, &v_mnc) != 2)
        return -1;
    *mcc = (uint16_t)v_mcc;
    *mnc = (uint16_t)v_mnc;
    *mnc_digits = (uint8_t)(len - 3);
    return 0;
}
