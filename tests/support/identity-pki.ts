/**
 * Test support: a small PKI made at test time with Debian's `openssl` CLI through
 * host.processes (so it runs on both engines): a root and an intermediate CA of
 * example.org, another trust domain's root, good leaf SVIDs, and leaves that break one
 * X509-SVID rule each. Also a signature verifier that asks `openssl dgst -verify` (an
 * independent check of the chain logic). Everything is kept in memory: the directories
 * openssl works in are removed as soon as it is done.
 */
import { getHost } from '../../runtime/src/host/index.js';
import {
  type Certificate, decodePemCertificates, OID, parseCertificate, type PublicKeyInfo, type SignatureVerifier, type SignedData,
} from '../../runtime/src/identity/index.js';
import { removeTree, tempDir } from './tmp.js';

/** The time the tests judge validity at: inside every "valid" certificate's lifetime. */
export const NOW_MS = Date.UTC(2026, 5, 1);

async function openssl(args: string[], cwd: string): Promise<string> {
  // No cwd option in host.processes: paths are made absolute by the callers.
  const r = await getHost().processes.run(['openssl', ...args], { timeoutMs: 20_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} (in ${cwd}) failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface Issued {
  name: string;
  /** The certificate and its private key, as openssl wrote them (PEM). */
  pem: string;
  keyPem: string;
  der: Uint8Array;
  cert: Certificate;
}

export interface Pki {
  issued: Map<string, Issued>;
  get(name: string): Issued;
}

/** Run `f` with `files` written into a fresh directory, which is removed afterwards. */
export async function withFiles<T>(files: Record<string, string | Uint8Array>, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir('openssl');
  try {
    for (const [name, data] of Object.entries(files)) getHost().files.writeAtomic(`${dir}/${name}`, data);
    return await f(dir);
  } finally {
    removeTree(dir);
  }
}

interface Spec {
  name: string;
  subject: string;
  /** Extension lines for openssl's config (`key = value`). */
  ext: string[];
  /** Name of the issuer (already made), or null for self-signed. */
  issuer: string | null;
  start?: string;
  end?: string;
  /** Key of another certificate to reuse (for impostors), else a fresh P-256 key. */
  keyFrom?: string;
  curve?: string;
  /** Digest the issuer signs with (default sha256). */
  md?: string;
}

const LEAF_EXT = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment, keyAgreement',
  'extendedKeyUsage = serverAuth, clientAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
];
const CA_EXT = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];

function leaf(name: string, issuer: string, san: string, over: Partial<Spec> = {}, ext: string[] = LEAF_EXT): Spec {
  // Lines from the first "[section]" on belong to sections the extensions refer to.
  const cut = ext.findIndex((l) => l.startsWith('['));
  const own = cut < 0 ? ext : ext.slice(0, cut);
  const sections = cut < 0 ? [] : ext.slice(cut);
  return { name, subject: `/C=US/O=SPIRE/CN=${name}`, ext: [...own, `subjectAltName = ${san}`, ...sections], issuer, ...over };
}

/** Every certificate the identity tests use. */
const SPECS: Spec[] = [
  { name: 'root', subject: '/C=US/O=SPIFFE/CN=example.org root', ext: [...CA_EXT, 'subjectAltName = URI:spiffe://example.org'], issuer: null },
  // The root re-issued with the same name and key, and an expired copy (a bundle during
  // renewal of the root certificate holds both).
  {
    name: 'root-expired-copy', subject: '/C=US/O=SPIFFE/CN=example.org root', keyFrom: 'root', issuer: null, start: '20200101000000Z', end: '20210101000000Z',
    ext: [...CA_EXT, 'subjectAltName = URI:spiffe://example.org'],
  },
  {
    name: 'intermediate', subject: '/C=US/O=SPIFFE/CN=example.org intermediate', issuer: 'root', curve: 'P-384',
    ext: ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', 'subjectAltName = URI:spiffe://example.org'],
  },
  { name: 'other-root', subject: '/C=US/O=SPIFFE/CN=other.org root', ext: [...CA_EXT, 'subjectAltName = URI:spiffe://other.org'], issuer: null },
  leaf('node1', 'intermediate', 'URI:spiffe://example.org/agent/node1, DNS:node1.mesh, IP:10.0.0.1, IP:fd00::1'),
  leaf('direct', 'root', 'URI:spiffe://example.org/agent/direct'),
  // Signed by the P-384 intermediate with SHA-384, as a SPIRE CA with an ec-p384 key signs.
  leaf('sha384', 'intermediate', 'URI:spiffe://example.org/agent/sha384', { md: 'sha384' }),
  // Every kind of subjectAltName entry openssl can write (only the URI makes it an SVID).
  leaf('all-sans', 'intermediate', 'URI:spiffe://example.org/agent/all, email:ops@example.org, dirName:dir_sect, otherName:1.2.3.4;UTF8:hello, RID:1.2.3.4.5, IP:192.0.2.7', {}, [
    ...LEAF_EXT, '[dir_sect]', 'CN = directory name',
  ]),
  leaf('two-uris', 'intermediate', 'URI:spiffe://example.org/agent/a, URI:spiffe://example.org/agent/b'),
  leaf('no-uri', 'intermediate', 'DNS:node1.mesh'),
  leaf('root-path', 'intermediate', 'URI:spiffe://example.org'),
  leaf('ca-leaf', 'intermediate', 'URI:spiffe://example.org/agent/ca', {}, [
    'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, digitalSignature, keyCertSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  ]),
  // A CA certificate used as a leaf, otherwise fit for TLS (digitalSignature, both EKUs): only the leaf-is-ca rule refuses it.
  leaf('ca-leaf-tls', 'root', 'URI:spiffe://example.org/agent/ca-tls', {}, [
    'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = serverAuth, clientAuth', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('no-digital-signature', 'intermediate', 'URI:spiffe://example.org/agent/kx', {}, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, keyEncipherment', 'extendedKeyUsage = serverAuth, clientAuth', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('no-key-usage', 'intermediate', 'URI:spiffe://example.org/agent/noku', {}, ['basicConstraints = critical, CA:FALSE', 'authorityKeyIdentifier = keyid']),
  leaf('client-only', 'intermediate', 'URI:spiffe://example.org/agent/client', {}, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('expired', 'intermediate', 'URI:spiffe://example.org/agent/old', { start: '20200101000000Z', end: '20200102000000Z' }),
  leaf('not-yet-valid', 'intermediate', 'URI:spiffe://example.org/agent/future', { start: '20300101000000Z', end: '20310101000000Z' }),
  leaf('other-td', 'other-root', 'URI:spiffe://other.org/agent/node9'),
  // Claims example.org but was issued by other.org's CA.
  leaf('wrong-issuer', 'other-root', 'URI:spiffe://example.org/agent/node9'),
  // A CA with the intermediate's name but its own key; it signs a leaf without key identifiers.
  { name: 'impostor', subject: '/C=US/O=SPIFFE/CN=example.org intermediate', ext: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign', 'subjectKeyIdentifier = none'], issuer: null },
  leaf('forged', 'impostor', 'URI:spiffe://example.org/agent/node1', {}, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'subjectKeyIdentifier = none', 'authorityKeyIdentifier = none',
  ]),
  // An intermediate that is not a CA, and a leaf it signed.
  leaf('not-ca', 'root', 'URI:spiffe://example.org/agent/notca', { subject: '/C=US/O=SPIFFE/CN=not a ca' }, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyCertSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('under-not-ca', 'not-ca', 'URI:spiffe://example.org/agent/under'),
  // An intermediate below the pathlen:0 intermediate, and a leaf under it.
  {
    name: 'sub-intermediate', subject: '/C=US/O=SPIFFE/CN=example.org sub', issuer: 'intermediate',
    ext: [...CA_EXT, 'authorityKeyIdentifier = keyid', 'subjectAltName = URI:spiffe://example.org'],
  },
  leaf('too-deep', 'sub-intermediate', 'URI:spiffe://example.org/agent/deep'),
  // An empty subject is allowed when the SAN is critical (X509-SVID §3.1).
  leaf('no-subject', 'intermediate', 'critical, URI:spiffe://example.org/agent/anon', { subject: '/' }),
  leaf('no-subject-san-not-critical', 'intermediate', 'URI:spiffe://example.org/agent/anon', { subject: '/' }),
  leaf('key-usage-not-critical', 'intermediate', 'URI:spiffe://example.org/agent/ku', {}, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = digitalSignature', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('leaf-cert-sign', 'intermediate', 'URI:spiffe://example.org/agent/signer', {}, [
    'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyCertSign', 'authorityKeyIdentifier = keyid',
  ]),
  leaf('https-uri', 'intermediate', 'URI:https://example.org/agent/web'),
  // A CA without keyCertSign, and a CA whose SPIFFE ID has a path; a leaf under each.
  {
    name: 'ca-no-cert-sign', subject: '/C=US/O=SPIFFE/CN=no cert sign', issuer: 'root',
    ext: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, digitalSignature, cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'],
  },
  leaf('under-no-cert-sign', 'ca-no-cert-sign', 'URI:spiffe://example.org/agent/x'),
  {
    name: 'ca-with-path', subject: '/C=US/O=SPIFFE/CN=ca with path', issuer: 'root',
    ext: [...CA_EXT, 'authorityKeyIdentifier = keyid', 'subjectAltName = URI:spiffe://example.org/ca/1'],
  },
  leaf('under-ca-with-path', 'ca-with-path', 'URI:spiffe://example.org/agent/y'),
  { name: 'rsa-root', subject: '/CN=rsa root/O=Example \\, Inc.', ext: [...CA_EXT], issuer: null, curve: 'RSA' },
];

const CA_CONFIG = (dir: string) => `[ca]
default_ca = d
[d]
database = ${dir}/index.txt
new_certs_dir = ${dir}/new
serial = ${dir}/serial
default_md = sha256
policy = p
unique_subject = no
email_in_dn = no
[p]
countryName = optional
organizationName = optional
commonName = optional
`;

async function issue(dir: string, spec: Spec, made: Map<string, Issued>): Promise<Issued> {
  const files = getHost().files;
  const keyPath = `${dir}/${spec.keyFrom ?? spec.name}.key`;
  if (!spec.keyFrom) {
    const keyArgs = spec.curve === 'RSA' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${spec.curve ?? 'P-256'}`];
    await openssl(['genpkey', ...keyArgs, '-out', keyPath], dir);
  }
  const csr = `${dir}/${spec.name}.csr`;
  await openssl(['req', '-new', '-key', keyPath, '-subj', spec.subject, '-out', csr], dir);
  const extPath = `${dir}/${spec.name}.ext`;
  files.writeAtomic(extPath, `[x]\n${spec.ext.join('\n')}\n`);
  const pemPath = `${dir}/${spec.name}.pem`;
  if (spec.issuer !== null && !made.has(spec.issuer)) throw new Error(`${spec.name}: issuer ${spec.issuer} not made yet`);
  const signer = spec.issuer === null ? ['-selfsign', '-keyfile', keyPath] : ['-cert', `${dir}/${spec.issuer}.pem`, '-keyfile', `${dir}/${spec.issuer}.key`];
  await openssl([
    'ca', '-batch', '-notext', '-config', `${dir}/ca.cnf`, ...signer, '-in', csr, '-extfile', extPath, '-extensions', 'x',
    '-md', spec.md ?? 'sha256', '-startdate', spec.start ?? '20250101000000Z', '-enddate', spec.end ?? '20400101000000Z', '-out', pemPath,
  ], dir);
  const pem = files.readText(pemPath);
  const ders = decodePemCertificates(pem);
  if (!ders.ok) throw new Error(`${spec.name}: ${ders.error.message}`);
  const der = ders.value[0] as Uint8Array;
  const cert = parseCertificate(der);
  if (!cert.ok) throw new Error(`${spec.name}: our reader refused openssl's certificate: ${cert.error.message}`);
  return { name: spec.name, pem, keyPem: files.readText(keyPath), der, cert: cert.value };
}

let made: Promise<Pki> | null = null;

/** The PKI, made once per test process. */
export function testPki(): Promise<Pki> {
  made ??= (async () => {
    const dir = tempDir('pki');
    const files = getHost().files;
    const issued = new Map<string, Issued>();
    try {
      files.mkdirp(`${dir}/new`, 0o700);
      files.writeAtomic(`${dir}/index.txt`, '');
      files.writeAtomic(`${dir}/serial`, '1000\n');
      files.writeAtomic(`${dir}/ca.cnf`, CA_CONFIG(dir));
      for (const spec of SPECS) issued.set(spec.name, await issue(dir, spec, issued));
    } finally {
      removeTree(dir);
    }
    return {
      issued,
      get(name: string): Issued {
        const i = issued.get(name);
        if (i === undefined) throw new Error(`no test certificate ${name}`);
        return i;
      },
    };
  })();
  return made;
}

/** openssl's digest option for a signature algorithm, or null when the verifier cannot check it. */
function digestOf(algorithmOid: string): string | null {
  switch (algorithmOid) {
    case OID.ecdsaWithSha256:
    case OID.sha256WithRsa:
      return '-sha256';
    case OID.ecdsaWithSha384:
    case OID.sha384WithRsa:
      return '-sha384';
    case OID.ecdsaWithSha512:
    case OID.sha512WithRsa:
      return '-sha512';
    default:
      return null;
  }
}

export interface CountingVerifier {
  verify: SignatureVerifier;
  calls: number;
}

/** Signature checks by `openssl dgst -verify` (a real verifier, independent of ours). */
export function opensslVerifier(): CountingVerifier {
  const out: CountingVerifier = {
    calls: 0,
    verify: async (signed: SignedData, key: PublicKeyInfo): Promise<boolean> => {
      out.calls++;
      const digest = digestOf(signed.algorithm.oid);
      if (digest === null) return false;
      return withFiles({ tbs: signed.tbs, sig: signed.signature, key: key.der }, async (dir) => {
        const r = await getHost().processes.run(['openssl', 'dgst', digest, '-verify', `${dir}/key`, '-keyform', 'DER', '-signature', `${dir}/sig`, `${dir}/tbs`]);
        return r.status === 0;
      });
    },
  };
  return out;
}

/** What `openssl x509 -noout <options>` prints for a certificate (to cross-check our reader). */
export function opensslX509(issued: Issued, options: string[]): Promise<string> {
  return withFiles({ 'cert.pem': issued.pem }, (dir) => openssl(['x509', '-in', `${dir}/cert.pem`, '-noout', ...options], dir));
}
