#ifndef SPLICER_CCAP_SHIM_H
#define SPLICER_CCAP_SHIM_H
#include <sys/capability.h>
#endif
