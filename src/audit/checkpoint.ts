import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Keyring } from '../platform/crypto/keyring.js';

/** The origin line of this instance's checkpoints when none is configured. */
export const DEFAULT_AUDIT_ORIGIN = 'signpost.audit/local';

/** PKCS#8 DER prefix for an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI DER prefix for an Ed25519 public key; the 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** C2SP signed-note signature type byte for Ed25519. */
const ED25519_TYPE = 0x01;

/**
 * Signs checkpoints in the C2SP signed-note format (tlog-checkpoint): a body of origin, tree size
 * and base64 root, a blank line, then a signature line per key, so any witness can check them with
 * standard tooling and only the public verifier key. The Ed25519 key is derived from the keyring,
 * so there is no second secret to store or lose.
 */
export class CheckpointSigner {
  readonly #privateKey: KeyObject;
  readonly publicKey: Buffer;
  readonly keyId: Buffer;

  constructor(
    keys: Keyring,
    /** Also the key name, as C2SP logs conventionally do: `signpost.audit/<instance>`. */
    readonly origin = DEFAULT_AUDIT_ORIGIN,
  ) {
    if (!/^[^\s+]+$/.test(origin)) throw new RangeError('an audit origin is one word with no spaces or "+"');
    const seed = keys.derive('audit-checkpoint-signing');
    this.#privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
    this.keyId = keyIdFor(origin, this.publicKey);
  }

  /** The verifier key witnesses configure: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
  verifierKey(): string {
    return `${this.origin}+${this.keyId.toString('hex')}+${Buffer.concat([Buffer.of(ED25519_TYPE), this.publicKey]).toString('base64')}`;
  }

  /** The signed note for a tree of `treeSize` leaves with root `root`. */
  sign(treeSize: number, root: Buffer): string {
    const body = checkpointBody(this.origin, treeSize, root);
    const signature = sign(null, Buffer.from(body, 'utf8'), this.#privateKey);
    return `${body}\n\u2014 ${this.origin} ${Buffer.concat([this.keyId, signature]).toString('base64')}\n`;
  }
}

/** The C2SP tlog-checkpoint body: origin, decimal size and base64 root, each ending in a newline. */
export function checkpointBody(origin: string, treeSize: number, root: Buffer): string {
  return `${origin}\n${treeSize}\n${root.toString('base64')}\n`;
}

/** C2SP key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). */
function keyIdFor(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from(`${name}\n`, 'utf8')).update(Buffer.of(ED25519_TYPE)).update(publicKey).digest().subarray(0, 4);
}

/** What a verified checkpoint says. */
export interface ParsedCheckpoint {
  origin: string;
  treeSize: number;
  root: Buffer;
}

/**
 * Checks a signed note with only the verifier key — no database, no keyring — so a witness
 * (a partner agency, the DPO) can check the checkpoints they keep. Returns the contents, or null
 * when the key is malformed, no signature line by that key verifies, the body is not a
 * checkpoint, or its origin is not the key's name.
 */
export function verifyCheckpoint(note: string, verifierKey: string): ParsedCheckpoint | null {
  return CheckpointVerifier.forKey(verifierKey)?.verify(note) ?? null;
}

/**
 * verifyCheckpoint with the verifier key parsed once: `audit verify` checks hundreds of
 * checkpoints with one key, and building the key object took about as long as the signature check.
 */
export class CheckpointVerifier {
  private constructor(
    private readonly name: string,
    private readonly keyIdHex: string,
    private readonly key: KeyObject,
  ) {}

  /** The verifier for a key `<name>+<hex key id>+<base64(0x01 ‖ public key)>`, or null when it is malformed. */
  static forKey(verifierKey: string): CheckpointVerifier | null {
    // The base64 key may itself contain '+', so split on the first two only.
    const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(verifierKey.trim());
    if (!parts) return null;
    const [, name, keyIdHex, keyB64] = parts as unknown as [string, string, string, string];
    const keyBytes = Buffer.from(keyB64, 'base64');
    if (keyBytes.length !== 33 || keyBytes[0] !== ED25519_TYPE) return null;
    const publicKey = keyBytes.subarray(1);
    if (keyIdFor(name, publicKey).toString('hex') !== keyIdHex) return null;
    return new CheckpointVerifier(name, keyIdHex, createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }));
  }

  /** The note's contents when a signature line by this key verifies and the origin is the key's name; otherwise null. */
  verify(note: string): ParsedCheckpoint | null {
    const split = note.indexOf('\n\n');
    if (split < 0 || !note.endsWith('\n')) return null;
    const body = note.slice(0, split + 1);
    const checkpoint = parseBody(body);
    if (!checkpoint || checkpoint.origin !== this.name) return null;
    for (const line of note.slice(split + 2, -1).split('\n')) {
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
      if (!match || match[1] !== this.name) continue;
      const blob = Buffer.from(match[2]!, 'base64');
      if (blob.length !== 68 || blob.subarray(0, 4).toString('hex') !== this.keyIdHex) continue;
      if (verify(null, Buffer.from(body, 'utf8'), this.key, blob.subarray(4))) return checkpoint;
    }
    return null;
  }
}

function parseBody(body: string): ParsedCheckpoint | null {
  // Origin, size, root; C2SP allows further extension lines, which we neither write nor need.
  const lines = body.split('\n');
  const [origin, size, rootB64] = lines;
  if (!origin || !size || !rootB64 || !/^(0|[1-9][0-9]{0,15})$/.test(size)) return null;
  const root = Buffer.from(rootB64, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootB64) return null;
  return { origin, treeSize: Number(size), root };
}
