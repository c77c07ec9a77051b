#ifndef SPLICER_CRESOLV_H
#define SPLICER_CRESOLV_H

#include <stdint.h>

/// One SRV record of an answer: the target name (no trailing dot) and its numbers.
typedef struct splicer_srv_record {
  char target[256];
  uint16_t priority;
  uint16_t weight;
  uint16_t port;
  uint32_t ttl;
} splicer_srv_record;

/// Why a query gave no records.
enum {
  SPLICER_SRV_INIT_FAILED = -1,  // res_ninit failed (no usable resolv.conf)
  SPLICER_SRV_NXDOMAIN = -2,     // the name does not exist
  SPLICER_SRV_NO_DATA = -3,      // the name exists but has no SRV record
  SPLICER_SRV_TRY_AGAIN = -4,    // timeout or SERVFAIL
  SPLICER_SRV_FAILED = -5,       // refused, or another unrecoverable answer
  SPLICER_SRV_MALFORMED = -6,    // the answer could not be parsed
};

/// Queries the SRV records of `name` with glibc's libresolv (res_nquery, ns_parserr,
/// dn_expand) on a res_state of the caller's stack, so that it is safe on any thread.
///
/// `nameserver_ipv4` (network byte order) and `nameserver_port` (host order) replace the
/// system's nameservers when `nameserver_port` is not 0. Returns the number of records
/// written to `records` (at most `capacity`), or one of the negative codes above.
int splicer_srv_query(const char *name, uint32_t nameserver_ipv4, uint16_t nameserver_port,
                      splicer_srv_record *records, int capacity);

#endif
