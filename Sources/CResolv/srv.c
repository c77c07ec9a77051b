#include "CResolv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int splicer_srv_query(const char *name, uint32_t nameserver_ipv4, uint16_t nameserver_port,
                      splicer_srv_record *records, int capacity) {
  struct __res_state state;
  memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) {
    return SPLICER_SRV_INIT_FAILED;
  }
  if (nameserver_port != 0) {
    // One nameserver of the config's choosing; nsaddr_list holds IPv4 only.
    state.nsaddr_list[0].sin_family = AF_INET;
    state.nsaddr_list[0].sin_addr.s_addr = nameserver_ipv4;
    state.nsaddr_list[0].sin_port = htons(nameserver_port);
    state.nscount = 1;
  }
  // Bounded: a dead nameserver must not hold the discovery thread for half a minute.
  state.retrans = 2;
  state.retry = 2;
  unsigned char answer[65536];
  int length = res_nquery(&state, name, ns_c_in, ns_t_srv, answer, sizeof answer);
  if (length < 0) {
    int error = state.res_h_errno;
    res_nclose(&state);
    switch (error) {
    case HOST_NOT_FOUND: return SPLICER_SRV_NXDOMAIN;
    case NO_DATA: return SPLICER_SRV_NO_DATA;
    case TRY_AGAIN: return SPLICER_SRV_TRY_AGAIN;
    default: return SPLICER_SRV_FAILED;
    }
  }
  res_nclose(&state);
  ns_msg message;
  if (ns_initparse(answer, length, &message) != 0) {
    return SPLICER_SRV_MALFORMED;
  }
  int count = 0;
  int answers = ns_msg_count(message, ns_s_an);
  for (int index = 0; index < answers && count < capacity; index++) {
    ns_rr record;
    if (ns_parserr(&message, ns_s_an, index, &record) != 0) {
      return SPLICER_SRV_MALFORMED;
    }
    // CNAMEs on the way to the records are skipped.
    if (ns_rr_type(record) != ns_t_srv || ns_rr_class(record) != ns_c_in) {
      continue;
    }
    const unsigned char *data = ns_rr_rdata(record);
    if (ns_rr_rdlen(record) < 7) {
      return SPLICER_SRV_MALFORMED;
    }
    splicer_srv_record *out = &records[count];
    out->priority = ns_get16(data);
    out->weight = ns_get16(data + 2);
    out->port = ns_get16(data + 4);
    out->ttl = ns_rr_ttl(record);
    if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, out->target, sizeof out->target) < 0) {
      return SPLICER_SRV_MALFORMED;
    }
    count++;
  }
  return count == 0 ? SPLICER_SRV_NO_DATA : count;
}
