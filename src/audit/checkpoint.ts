import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Keyring } from '../platform/crypto/keyring.js';

/** PKCS#8 DER prefix for an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX_LENGTH = 12;

/**
 * Signs checkpoints in the C2SP signed-note format (tlog-checkpoint): a body of origin, tree size
 * and base64 root, then a signature line per key, so any witness can check them with standard
 * tooling and only the public verifier key. The Ed25519 key is derived from the keyring, so there
 * is no second secret to store.
 */
export class CheckpointSigner {
  readonly #privateKey: KeyObject;
  readonly publicKey: Buffer;
  readonly keyId: Buffer;

  constructor(
    keys: Keyring,
    readonly origin = 'signpost.audit/local',
  ) {
    const seed = keys.derive('audit-checkpoint-signing');
    this.#privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX_LENGTH);
    this.keyId = keyIdFor(origin, this.publicKey);
  }

  /** The verifier key witnesses configure: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
  verifierKey(): string {
    return `${this.origin}+${this.keyId.toString('hex')}+${Buffer.concat([Buffer.of(1), this.publicKey]).toString('base64')}`;
  }

  sign(treeSize: number, root: Buffer): string {
    const body = checkpointBody(this.origin, treeSize, root);
    const signature = sign(null, Buffer.from(body, 'utf8'), this.#privateKey);
    return `${body}\n\u2014 ${this.origin} ${Buffer.concat([this.keyId, signature]).toString('base64')}\n`;
  }
}

export function checkpointBody(origin: string, treeSize: number, root: Buffer): string {
  return `${origin}\n${treeSize}\n${root.toString('base64')}\n`;
}

function keyIdFor(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from(`${name}\n`, 'utf8')).update(Buffer.of(1)).update(publicKey).digest().subarray(0, 4);
}

export interface ParsedCheckpoint {
  origin: string;
  treeSize: number;
  root: Buffer;
}

/** Checks a signed note with only the verifier key; returns its contents or null. */
export function verifyCheckpoint(note: string, verifierKey: string): ParsedCheckpoint | null {
  // The base64 key may itself contain '+', so split on the first two only.
  const parts = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(verifierKey);
  if (!parts) return null;
  const [, name, keyIdHex, keyB64] = parts as unknown as [string, string, string, string];
  const keyBytes = Buffer.from(keyB64, 'base64');
  if (keyBytes[0] !== 1 || keyBytes.length !== 33) return null;
  const publicKey = keyBytes.subarray(1);
  const split = note.indexOf('\n\n');
  if (split < 0) return null;
  const body = note.slice(0, split + 1);
  const [origin, size, rootB64] = body.split('\n');
  for (const line of note.slice(split + 2).split('\n')) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const blob = Buffer.from(match[2]!, 'base64');
    if (blob.subarray(0, 4).toString('hex') !== keyIdHex || !keyIdFor(name, publicKey).equals(blob.subarray(0, 4))) continue;
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (verify(null, Buffer.from(body, 'utf8'), key, blob.subarray(4))) {
      return { origin: origin!, treeSize: Number(size), root: Buffer.from(rootB64!, 'base64') };
    }
  }
  return null;
}
