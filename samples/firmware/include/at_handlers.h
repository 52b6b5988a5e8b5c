/* at_handlers.h - prototypes of every AT command handler */
#ifndef AT_HANDLERS_H
#define AT_HANDLERS_H

#include "at.h"
#include "fw_config.h"

/* at_cmds_sys.c */
int at_h_ati(const at_args_t *a);
int at_h_ate(const at_args_t *a);
int at_h_atv(const at_args_t *a);
int at_h_atq(const at_args_t *a);
int at_h_atz(const at_args_t *a);
int at_h_at_f(const at_args_t *a);
int at_h_at_w(const at_args_t *a);
int at_h_cgmi(const at_args_t *a);
int at_h_cgmm(const at_args_t *a);
int at_h_cgmr(const at_args_t *a);
int at_h_cgsn(const at_args_t *a);
int at_h_cmee(const at_args_t *a);
int at_h_clac(const at_args_t *a);
int at_h_ipr(const at_args_t *a);
int at_h_qrst(const at_args_t *a);
int at_h_qpowd(const at_args_t *a);
int at_h_qsclk(const at_args_t *a);
int at_h_qledmode(const at_args_t *a);
int at_h_qcfg(const at_args_t *a);
int at_h_cbc(const at_args_t *a);
int at_h_qtemp(const at_args_t *a);
int at_h_cclk(const at_args_t *a);
int at_h_ctzr(const at_args_t *a);
int at_h_qverify(const at_args_t *a);

/* at_cmds_nw.c */
int at_h_cfun(const at_args_t *a);
int at_h_csq(const at_args_t *a);
int at_h_cesq(const at_args_t *a);
int at_h_cereg(const at_args_t *a);
int at_h_cgatt(const at_args_t *a);
int at_h_cgdcont(const at_args_t *a);
int at_h_cgpaddr(const at_args_t *a);
int at_h_cops(const at_args_t *a);
int at_h_cpsms(const at_args_t *a);
int at_h_cedrxs(const at_args_t *a);
int at_h_cedrxrdp(const at_args_t *a);
int at_h_qeng(const at_args_t *a);
int at_h_qcsearfcn(const at_args_t *a);
int at_h_cimi(const at_args_t *a);
int at_h_qccid(const at_args_t *a);
int at_h_cpin(const at_args_t *a);
int at_h_qnbiotevent(const at_args_t *a);
int at_h_cscon(const at_args_t *a);

/* at_cmds_lwm2m.c */
int at_h_qlwserv(const at_args_t *a);
int at_h_qlwconf(const at_args_t *a);
int at_h_qlwreg(const at_args_t *a);
int at_h_qlwdereg(const at_args_t *a);
int at_h_qlwupdate(const at_args_t *a);
int at_h_qlwstatus(const at_args_t *a);

/* sockets.c / sntp.c */
int at_h_qiopen(const at_args_t *a);
int at_h_qiclose(const at_args_t *a);
int at_h_qisend(const at_args_t *a);
int at_h_qird(const at_args_t *a);
int at_h_qistate(const at_args_t *a);
int at_h_qidnsgip(const at_args_t *a);
int at_h_qntp(const at_args_t *a);

/* fota.c */
int at_h_qfotadl(const at_args_t *a);
int at_h_qfotainfo(const at_args_t *a);

#if FW_REVISION >= 4
/* band.c (new in BC25R01A04) */
int at_h_qband(const at_args_t *a);
#endif

#endif
