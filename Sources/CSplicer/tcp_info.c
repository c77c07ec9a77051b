// TCP_INFO from the kernel's own struct tcp_info (<linux/tcp.h>): glibc's copy in
// <netinet/tcp.h> stops before tcpi_delivery_rate, and the two headers cannot be included in
// one file, hence a file of its own.
#include "CSplicer.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

const int splicer_TCP_KEEPIDLE = TCP_KEEPIDLE;
const int splicer_TCP_KEEPINTVL = TCP_KEEPINTVL;
const int splicer_TCP_KEEPCNT = TCP_KEEPCNT;

int splicer_read_tcp_info(int fd, splicer_tcp_info *out) {
  struct tcp_info info;
  memset(&info, 0, sizeof info);
  socklen_t length = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return -1;
  out->rtt_us = info.tcpi_rtt;
  out->rttvar_us = info.tcpi_rttvar;
  out->total_retrans = info.tcpi_total_retrans;
  // An older kernel fills a shorter struct: no delivery rate then (0 from the memset).
  out->delivery_rate = length >= offsetof(struct tcp_info, tcpi_delivery_rate) + sizeof info.tcpi_delivery_rate
                           ? info.tcpi_delivery_rate
                           : 0;
  return 0;
}
