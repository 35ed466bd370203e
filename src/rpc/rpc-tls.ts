// TLS for dchat RPC, keyed from the cluster secret (docs/security.md). Both ends prove that they
// hold the pre-shared key inside the TLS 1.3 handshake (the caller by its PSK binder, the provider
// by its Finished message), and the key exchange is (EC)DHE, so every connection has its own
// keys: a relay that forwards bytes between two members learns nothing and can inject nothing,
// and a recorded connection stays unreadable even if the secret leaks later.
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import type { ClusterSecret } from '../base/cluster-secret.js';

/** TLS 1.3 with a SHA-256 suite: the hash a PSK of this size is used with. */
const cipherSuite = 'TLS_AES_128_GCM_SHA256';

export function providerTlsOptions(secret: ClusterSecret): TlsOptions {
  return {
    minVersion: 'TLSv1.3',
    ciphers: cipherSuite,
    pskCallback: (_socket, identity) => secret.rpcKeyFor(identity) ?? null,
  };
}

export function callerTlsOptions(secret: ClusterSecret): ConnectionOptions {
  const { identity, key } = secret.rpcKey();
  return {
    minVersion: 'TLSv1.3',
    ciphers: cipherSuite,
    pskCallback: () => ({ identity, psk: key }),
    // There are no certificates: the provider proves itself by the key, inside the handshake.
    checkServerIdentity: () => undefined,
  };
}

/** Addresses a provider without credentials may bind: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
