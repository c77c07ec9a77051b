#ifndef SPLICER_CTESTCRYPTO_SHIM_H
#define SPLICER_CTESTCRYPTO_SHIM_H
// OpenSSL's libcrypto, used only by the tests to compare SHA-256 digests of relayed streams.
#include <openssl/evp.h>
#endif
