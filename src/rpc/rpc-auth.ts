// Proving the cluster secret at connection start, without sending it (docs/rpc.md):
//
//   provider → caller   AUTH  args = providerNonce (32 random bytes), or empty: no secret needed
//   caller → provider   AUTH  args = HMAC(secret, "dchat-rpc caller" | providerNonce) | callerNonce
//   provider → caller   AUTH  status OK, args = HMAC(secret, "dchat-rpc provider" | callerNonce | providerNonce)
//                        or status UNAUTHENTICATED, and the provider closes the connection
//
// Fresh nonces on both sides make a recorded answer useless on another connection, and the
// provider's own proof tells the caller it reached a member of the cluster, not an impostor.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;
const PROOF_BYTES = 32;

export function newNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

function proof(secret: string, role: 'caller' | 'provider', ...nonces: Uint8Array[]): Uint8Array {
  const hmac = createHmac('sha256', secret).update(`dchat-rpc ${role}`);
  for (const nonce of nonces) hmac.update(nonce);
  return hmac.digest();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The caller's answer to a provider's challenge. */
export function callerAnswer(secret: string, providerNonce: Uint8Array, callerNonce: Uint8Array): Uint8Array {
  return Buffer.concat([proof(secret, 'caller', providerNonce), callerNonce]);
}

/** Checks a caller's answer; returns the caller's nonce when the proof holds. */
export function checkCallerAnswer(secret: string, providerNonce: Uint8Array, answer: Uint8Array): Uint8Array | undefined {
  if (answer.length !== PROOF_BYTES + NONCE_BYTES) return undefined;
  const isValid = sameBytes(answer.subarray(0, PROOF_BYTES), proof(secret, 'caller', providerNonce));
  return isValid ? answer.slice(PROOF_BYTES) : undefined;
}

export function providerProof(secret: string, callerNonce: Uint8Array, providerNonce: Uint8Array): Uint8Array {
  return proof(secret, 'provider', callerNonce, providerNonce);
}

export function checkProviderProof(secret: string, callerNonce: Uint8Array, providerNonce: Uint8Array, received: Uint8Array): boolean {
  return sameBytes(received, providerProof(secret, callerNonce, providerNonce));
}

/** The secret from `--cluster-secret` or DCHAT_CLUSTER_SECRET; undefined when neither is set. */
export function clusterSecretFrom(option: string | undefined): string | undefined {
  const secret = option ?? process.env['DCHAT_CLUSTER_SECRET'];
  return secret === undefined || secret === '' ? undefined : secret;
}
