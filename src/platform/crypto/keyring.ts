import fs from 'node:fs';
import path from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import { open, seal } from './aead.js';

/**
 * The key-encryption key (KEK) lives outside the database: a 0600 key file beside the embedded
 * cluster by default, or `SIGNPOST_KEK` (fed from a KMS or secret store) in production. A stolen
 * database dump without it reveals nothing that is sealed. Purpose-specific keys are derived
 * with HKDF so one key is never used for two jobs.
 */
export class Keyring {
  readonly #kek: Buffer;

  constructor(kek: Buffer) {
    if (kek.length !== 32) throw new RangeError('the key-encryption key must be 32 bytes');
    this.#kek = Buffer.from(kek);
  }

  /** A 32-byte key for one purpose, e.g. "totp-secrets" or "blind-index:surname". */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#kek, Buffer.alloc(0), `signpost:${purpose}`, 32));
  }

  /** Seals a small secret (a TOTP seed, a data key) under a purpose key. */
  sealFor(purpose: string, plaintext: Buffer, additionalData: string): Buffer {
    return seal(this.derive(purpose), plaintext, additionalData);
  }

  openFor(purpose: string, sealed: Buffer, additionalData: string): Buffer {
    return open(this.derive(purpose), sealed, additionalData);
  }
}

/** Loads the KEK from config or from `<dataDir>/keys/kek.key`, creating it (0600) on first start. */
export function loadKeyring(options: { keyEncryptionKey: string | undefined; dataDir: string }): Keyring {
  if (options.keyEncryptionKey) return new Keyring(Buffer.from(options.keyEncryptionKey, 'base64'));
  const dir = path.join(options.dataDir, 'keys');
  const file = path.join(dir, 'kek.key');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`The key file ${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  }
  return new Keyring(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
}
