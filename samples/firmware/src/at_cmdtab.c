/* at_cmdtab.c - the AT command table (name, handler, test command response) */
#include "at.h"
#include "at_handlers.h"
#include "fw_config.h"

const at_cmd_desc_t g_at_cmd_table[] = {
    /* V.250 basic commands */
    { "I",           at_h_ati,        "ATI[<value>]" },
    { "E",           at_h_ate,        "ATE<value>" },
    { "V",           at_h_atv,        "ATV<value>" },
    { "Q",           at_h_atq,        "ATQ<value>" },
    { "Z",           at_h_atz,        "ATZ[<value>]" },
    { "&F",          at_h_at_f,       "AT&F[<value>]" },
    { "&W",          at_h_at_w,       "AT&W[<value>]" },
    /* 3GPP TS 27.007 general commands */
    { "+CGMI",       at_h_cgmi,       "+CGMI" },
    { "+CGMM",       at_h_cgmm,       "+CGMM" },
    { "+CGMR",       at_h_cgmr,       "+CGMR" },
    { "+CGSN",       at_h_cgsn,       "+CGSN: (0-3)" },
    { "+CIMI",       at_h_cimi,       "+CIMI" },
    { "+CMEE",       at_h_cmee,       "+CMEE: (0-2)" },
    { "+CLAC",       at_h_clac,       "+CLAC" },
    { "+IPR",        at_h_ipr,        "+IPR: (),(4800,9600,19200,38400,57600,115200,230400,460800,921600)" },
    { "+CBC",        at_h_cbc,        "+CBC: (0-2),(0-100)" },
    { "+CCLK",       at_h_cclk,       "+CCLK" },
    { "+CTZR",       at_h_ctzr,       "+CTZR: (0-3)" },
    /* network service */
    { "+CFUN",       at_h_cfun,       "+CFUN: (0,1,4),(0,1)" },
    { "+CPIN",       at_h_cpin,       "+CPIN" },
    { "+CSQ",        at_h_csq,        "+CSQ: (0-31,99),(99)" },
    { "+CESQ",       at_h_cesq,       "+CESQ: (99),(99),(255),(255),(0-34,255),(0-97,255)" },
    { "+CEREG",      at_h_cereg,      "+CEREG: (0-5)" },
    { "+CGATT",      at_h_cgatt,      "+CGATT: (0,1)" },
    { "+CGDCONT",    at_h_cgdcont,    "+CGDCONT: (0-10),(\"IP\",\"IPV6\",\"IPV4V6\",\"Non-IP\")" },
    { "+CGPADDR",    at_h_cgpaddr,    "+CGPADDR: (0)" },
    { "+COPS",       at_h_cops,       "+COPS: (0,1,2),(0,1,2),,(9)" },
    { "+CSCON",      at_h_cscon,      "+CSCON: (0,1)" },
    { "+CPSMS",      at_h_cpsms,      "+CPSMS: (0-2),,,(\"00000000\"-\"11111111\"),(\"00000000\"-\"11111111\")" },
    { "+CEDRXS",     at_h_cedrxs,     "+CEDRXS: (0-3),(5),(\"0000\"-\"1111\")" },
    { "+CEDRXRDP",   at_h_cedrxrdp,   "+CEDRXRDP" },
    /* Quectel extensions */
    { "+QCCID",      at_h_qccid,      "+QCCID" },
    { "+QENG",       at_h_qeng,       "+QENG: (0)" },
    { "+QCSEARFCN",  at_h_qcsearfcn,  "+QCSEARFCN" },
    { "+QNBIOTEVENT", at_h_qnbiotevent, "+QNBIOTEVENT: (0,1),(1)" },
    { "+QRST",       at_h_qrst,       "+QRST: (1)" },
    { "+QPOWD",      at_h_qpowd,      "+QPOWD: (0,1)" },
    { "+QSCLK",      at_h_qsclk,      "+QSCLK: (0-2)" },
    { "+QLEDMODE",   at_h_qledmode,   "+QLEDMODE: (0,1)" },
    { "+QCFG",       at_h_qcfg,       "+QCFG: \"dsevent\",(0,1)\r\n"
                                      "+QCFG: \"autoconnect\",(0,1)\r\n"
                                      "+QCFG: \"band\",(1-16),(1,2,3,4,5,8,12,13,17,18,19,20,25,28,66,70,71,85)\r\n"
                                      "+QCFG: \"logLevel\",(0-5)\r\n"
                                      "+QCFG: \"wakeupRXD\",(0,1)\r\n"
                                      "+QCFG: \"txbackoff\",(0.0-10.0)\r\n"
                                      "+QCFG: \"lockearfcn\",(0-262143),(0-503)\r\n"
                                      "+QCFG: \"timezone\",(\"-12:00\"-\"+14:00\")\r\n"
                                      "+QCFG: \"apn\",<apn>" },
    { "+QTEMP",      at_h_qtemp,      "+QTEMP" },
    { "+QVERIFY",    at_h_qverify,    "+QVERIFY" },
#if FW_REVISION >= 4
    { "+QBAND",      at_h_qband,      "+QBAND" },
#endif
    /* TCP/IP */
    { "+QIOPEN",     at_h_qiopen,     "+QIOPEN: (0-4),(\"TCP\",\"UDP\"),<host>,(1-65535),(0-65535)" },
    { "+QICLOSE",    at_h_qiclose,    "+QICLOSE: (0-4)" },
    { "+QISEND",     at_h_qisend,     "+QISEND: (0-4),(1-512),<hex data>" },
    { "+QIRD",       at_h_qird,       "+QIRD: (0-4),(1-256)" },
    { "+QISTATE",    at_h_qistate,    "+QISTATE" },
    { "+QIDNSGIP",   at_h_qidnsgip,   "+QIDNSGIP: <host>" },
    { "+QNTP",       at_h_qntp,       "+QNTP: <server>,(1-65535)" },
    /* LwM2M */
    { "+QLWSERV",    at_h_qlwserv,    "+QLWSERV: <server>,(1-65535)" },
    { "+QLWCONF",    at_h_qlwconf,    "+QLWCONF: <endpoint>,(60-2592000),(0,1)" },
    { "+QLWREG",     at_h_qlwreg,     "+QLWREG" },
    { "+QLWDEREG",   at_h_qlwdereg,   "+QLWDEREG" },
    { "+QLWUPDATE",  at_h_qlwupdate,  "+QLWUPDATE: (0,1)" },
    { "+QLWSTATUS",  at_h_qlwstatus,  "+QLWSTATUS" },
    /* firmware update */
    { "+QFOTADL",    at_h_qfotadl,    "+QFOTADL: <url>[,<sha256>]" },
    { "+QFOTAINFO",  at_h_qfotainfo,  "+QFOTAINFO" },
};

const unsigned g_at_cmd_count = sizeof(g_at_cmd_table) / sizeof(g_at_cmd_table[0]);
