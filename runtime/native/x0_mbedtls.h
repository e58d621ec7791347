/*
 * What x0_crypto.c and x0_tls.c share about mbedTLS: the process's random generator
 * and the differences between mbedTLS 2.28 (Debian 12, OpenWrt 23.05) and 3.6
 * (OpenWrt 24.10) that both files meet.
 */
#ifndef X0_MBEDTLS_H
#define X0_MBEDTLS_H

#include <stddef.h>
#include "mbedtls/version.h" /* pulls in config.h (2.28) or build_info.h (3.x) */
#include "mbedtls/pk.h"
#include "quickjs.h"

#if MBEDTLS_VERSION_MAJOR < 2 || (MBEDTLS_VERSION_MAJOR == 2 && MBEDTLS_VERSION_MINOR < 28)
#error "x0tta6bl4 needs mbedTLS 2.28 or 3.x"
#endif
#define X0_MBEDTLS3 (MBEDTLS_VERSION_MAJOR >= 3)

/*
 * The process's CSPRNG: CTR_DRBG (AES-256) seeded from mbedTLS's entropy collector
 * (getrandom(2), or /dev/urandom). Set up on first use and reseeded when the process id
 * changes (a forked child must not repeat its parent's stream). f_rng-compatible.
 */
int x0_random(void *unused, unsigned char *out, size_t len);
/* Make sure the generator is seeded; 0 or a thrown JS exception (-1). */
int x0_random_ready(JSContext *ctx);

/* Parse a private key (SEC1 or PKCS#8 DER, unencrypted); 0 or an mbedTLS error. */
int x0_parse_private_key(mbedtls_pk_context *pk, const unsigned char *der, size_t len);

/* Throw an Error "<op>: <mbedTLS's text for err>" with .code "EMBEDTLS" and .mbedtls. */
JSValue x0_throw_mbedtls(JSContext *ctx, const char *op, int err);

#endif
