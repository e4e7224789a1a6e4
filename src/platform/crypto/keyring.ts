import fs from 'node:fs';
import path from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config.js';
import { open, seal } from './aead.js';

const KEY_BYTES = 32;
/** Wrapping key version 1 is the key every data key was wrapped under before rotation existed. */
const WRAP_V1_PURPOSE = 'child-data-key';
const WRAP_FILE = /^wrap-v([1-9][0-9]{0,8})\.key$/;

/** The file a wrapping key of `version` (2 or more) is kept in, under `<dataDir>/keys`. */
export const wrapKeyFileName = (version: number): string => `wrap-v${version}.key`;

/**
 * Where wrapping keys of version 2 and later come from:
 * - `directory`: `wrap-v<N>.key` files (0600) beside `kek.key`; `signpost keys rotate` adds them and
 *   a running server picks up a new file by itself (it looks again whenever the folder changes).
 * - `secret-store`: given by the operator (`SIGNPOST_WRAP_KEYS`, from a KMS or secret store); only
 *   the operator can add one, and servers learn it when they are restarted with it.
 * - `memory`: given to the constructor (tests); {@link Keyring.addWrapKey} adds them in memory.
 */
export type WrapKeySource =
  | { kind: 'directory'; dir: string }
  | { kind: 'secret-store'; keys: ReadonlyMap<number, Buffer> }
  | { kind: 'memory'; keys?: ReadonlyMap<number, Buffer> };

/**
 * The keyring holds two kinds of key, both outside the database:
 *
 * - the **root secret** (`<dataDir>/keys/kek.key`, 0600, or `SIGNPOST_KEK` from a KMS or secret
 *   store), from which purpose-specific keys are derived with HKDF so one key is never used for
 *   two jobs: blind indexes, TOTP secrets, the audit signing key. It never changes: rotating it
 *   would make every blind index, TOTP secret and signed checkpoint unusable.
 * - **versioned wrapping keys**, used only to wrap per-child data keys. Version 1 is derived from
 *   the root secret (exactly the key used before rotation existed); versions 2 and later are
 *   random keys from a {@link WrapKeySource}. New data keys are wrapped under the highest version
 *   available; `signpost keys rotate` adds a version and re-wraps every data key under it.
 *
 * A stolen database dump without these keys reveals nothing that is sealed.
 */
export class Keyring {
  readonly #kek: Buffer;
  readonly #source: WrapKeySource;
  readonly #wrapKeys = new Map<number, Buffer>();
  /** The key folder's modification time when it was last read (directory source only). */
  #folderStamp: bigint | undefined;

  constructor(kek: Buffer, wrapKeys: WrapKeySource = { kind: 'memory' }) {
    if (kek.length !== KEY_BYTES) throw new RangeError('the key-encryption key must be 32 bytes');
    this.#kek = Buffer.from(kek);
    this.#source = wrapKeys;
    this.#wrapKeys.set(1, this.derive(WRAP_V1_PURPOSE));
    if (wrapKeys.kind === 'directory') {
      this.#readFolder(true);
    } else {
      for (const [version, key] of wrapKeys.keys ?? []) this.#addKey(version, key, `wrapping key version ${version}`);
    }
  }

  /** A 32-byte key for one purpose, e.g. "totp-secrets" or "blind-index:surname". */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#kek, Buffer.alloc(0), `signpost:${purpose}`, 32));
  }

  /** Seals a small secret (a TOTP seed) under a purpose key. */
  sealFor(purpose: string, plaintext: Buffer, additionalData: string): Buffer {
    return seal(this.derive(purpose), plaintext, additionalData);
  }

  openFor(purpose: string, sealed: Buffer, additionalData: string): Buffer {
    return open(this.derive(purpose), sealed, additionalData);
  }

  /** Where wrapping keys of version 2 and later come from. */
  get wrapKeySource(): WrapKeySource['kind'] {
    return this.#source.kind;
  }

  /** The version new data keys are wrapped under: the highest available. */
  currentWrapVersion(): number {
    this.#readFolder(false);
    return Math.max(...this.#wrapKeys.keys());
  }

  /** Every wrapping key version available, lowest first (always includes 1). */
  wrapVersions(): number[] {
    this.#readFolder(false);
    return [...this.#wrapKeys.keys()].sort((a, b) => a - b);
  }

  /** True when the wrapping key of `version` is available. */
  hasWrapKey(version: number): boolean {
    if (!this.#wrapKeys.has(version)) this.#readFolder(true);
    return this.#wrapKeys.has(version);
  }

  /**
   * The wrapping key of one version (held by the keyring: do not modify it). Throws a ConfigError
   * saying where the key was expected when it is not available.
   */
  wrapKey(version: number): Buffer {
    if (!this.hasWrapKey(version)) throw new ConfigError(`The wrapping key version ${version} is not available: ${this.#whereKeysLive(version)}.`);
    return this.#wrapKeys.get(version)!;
  }

  /** The file holding a wrapping key version, for the directory source (versions 2 and later). */
  wrapKeyFile(version: number): string | undefined {
    return this.#source.kind === 'directory' && version >= 2 ? path.join(this.#source.dir, wrapKeyFileName(version)) : undefined;
  }

  /**
   * Adds wrapping key version N+1, random, and makes it current. With the directory source it is
   * written to `wrap-v<N+1>.key` (0600) and synced to disk before it is used, so no data key is ever
   * wrapped under a key that a crash could lose. Refused for the secret-store source: only the
   * operator can add a key there.
   */
  addWrapKey(): { version: number; file: string | undefined } {
    const version = this.currentWrapVersion() + 1;
    const key = randomBytes(KEY_BYTES);
    switch (this.#source.kind) {
      case 'secret-store':
        throw new ConfigError(
          `Wrapping keys come from SIGNPOST_WRAP_KEYS, so Signpost cannot create one. Add version ${version} to your secret store ` +
          `(append "${version}:<32 random bytes as base64, e.g. from: openssl rand -base64 32>" to SIGNPOST_WRAP_KEYS, comma-separated), ` +
          'restart every Signpost process with it, then run: signpost keys rotate',
        );
      case 'memory':
        this.#addKey(version, key, `wrapping key version ${version}`);
        return { version, file: undefined };
      case 'directory': {
        const file = path.join(this.#source.dir, wrapKeyFileName(version));
        writeKeyFileDurably(file, key);
        this.#readFolder(true);
        if (!this.#wrapKeys.has(version)) throw new Error(`The new wrapping key ${file} could not be read back`);
        return { version, file };
      }
    }
  }

  #whereKeysLive(version: number): string {
    switch (this.#source.kind) {
      case 'directory':
        return `expected in ${path.join(this.#source.dir, wrapKeyFileName(version))}`;
      case 'secret-store':
        return `add it to SIGNPOST_WRAP_KEYS as ${version}:<base64 key>`;
      case 'memory':
        return 'this keyring holds no such key';
    }
  }

  #addKey(version: number, key: Buffer, what: string): void {
    if (!Number.isInteger(version) || version < 2) throw new ConfigError(`${what}: wrapping key versions start at 2 (version 1 is derived from the root key)`);
    if (key.length !== KEY_BYTES) throw new ConfigError(`${what} must be 32 bytes`);
    this.#wrapKeys.set(version, Buffer.from(key));
  }

  /**
   * Reads wrapping key files not read yet. Cheap when nothing changed (one stat of the folder), so
   * a running server notices a key added by `signpost keys rotate` at its next use. Keys already
   * read stay in memory even if their file is later deleted.
   */
  #readFolder(force: boolean): void {
    if (this.#source.kind !== 'directory') return;
    const { dir } = this.#source;
    let stamp: bigint;
    try {
      stamp = fs.statSync(dir, { bigint: true }).mtimeNs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (!force && stamp === this.#folderStamp) return;
    this.#folderStamp = stamp;
    for (const name of fs.readdirSync(dir)) {
      const match = WRAP_FILE.exec(name);
      if (!match) continue;
      const version = Number(match[1]);
      if (this.#wrapKeys.has(version) && version >= 2) continue;
      const file = path.join(dir, name);
      this.#addKey(version, readKeyFile(file), `The wrapping key file ${file}`);
    }
  }
}

/** Reads a base64 key file, refusing one that other users can read. */
function readKeyFile(file: string): Buffer {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(`The key file ${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
}

/**
 * Writes a new key file without ever exposing a partial one: a 0600 temporary file is written and
 * fsynced, then hard-linked to its name (which fails rather than overwrite an existing key), and
 * the folder is fsynced so the name survives a crash.
 */
function writeKeyFileDurably(file: string, key: Buffer): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.writeSync(fd, key.toString('base64') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConfigError(`The wrapping key file ${file} already exists; run: signpost keys status`);
    }
    throw error;
  } finally {
    fs.unlinkSync(temporary);
  }
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Loads wrapping keys given as configuration (`SIGNPOST_WRAP_KEYS`, parsed by loadConfig). */
function secretStoreKeys(wrapKeys: readonly { version: number; key: string }[]): Map<number, Buffer> {
  return new Map(wrapKeys.map(({ version, key }) => [version, Buffer.from(key, 'base64')]));
}

/**
 * Loads the root secret from config or from `<dataDir>/keys/kek.key`, creating it (0600) on first
 * start, and the wrapping keys. Wrapping keys live where the root secret lives: with the key file,
 * as `wrap-v<N>.key` files beside it; with `SIGNPOST_KEK` (a secret store), only from
 * `SIGNPOST_WRAP_KEYS`, so a key that must outlive the server is never written to a folder that a
 * container may not keep. Setting `SIGNPOST_WRAP_KEYS` always uses it and ignores key files.
 */
export function loadKeyring(options: {
  keyEncryptionKey: string | undefined;
  dataDir: string;
  wrapKeys?: readonly { version: number; key: string }[] | undefined;
}): Keyring {
  const dir = path.join(options.dataDir, 'keys');
  const wrapSource: WrapKeySource = options.wrapKeys !== undefined || options.keyEncryptionKey
    ? { kind: 'secret-store', keys: secretStoreKeys(options.wrapKeys ?? []) }
    : { kind: 'directory', dir };
  if (options.keyEncryptionKey) return new Keyring(Buffer.from(options.keyEncryptionKey, 'base64'), wrapSource);
  const file = path.join(dir, 'kek.key');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return new Keyring(readKeyFile(file), wrapSource);
}
