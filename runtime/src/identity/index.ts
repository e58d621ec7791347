/** Identity: DER and X.509 reading, SPIFFE IDs, X.509-SVID validation, authorization. */
export * from './base64.js';
export * from './chain.js';
export * from './der.js';
export * from './der-oid.js';
export * from './der-string.js';
export * from './der-time.js';
export * from './pem.js';
export * from './policy.js';
export * from './result.js';
export * from './spiffe-id.js';
export * from './svid.js';
export * from './x509.js';
export * from './x509-extensions.js';
export * from './x509-general-name.js';
export * from './x509-name.js';
