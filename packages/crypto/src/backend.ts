import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { createRequire } from 'node:module';
import * as noble from '@noble/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { createKeccak } from 'hash-wasm';
import { CRYPTO_ERROR, CryptoError } from './errors.js';

// noble needs synchronous hashes for RFC 6979 nonces.
noble.hashes.sha256 = (m) => nobleSha256(m);
noble.hashes.hmacSha256 = (k, m) => hmac(nobleSha256, k, m);

/** The primitives whose speed differs by backend. Everything else is built on top of these. */
export interface Backend {
  readonly name: BackendName;
  keccak256(data: Uint8Array): Uint8Array;
  /** keccak256(prefix ‖ suffix) for many suffixes: the prefix is absorbed once (PoW searches). */
  keccak256Prefix(prefix: Uint8Array): (suffix: Uint8Array) => Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256; an empty salt means a zero-filled salt of hash length (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  isValidPrivateKey(key: Uint8Array): boolean;
  isValidPublicKey(key: Uint8Array): boolean;
  getPublicKey(privateKey: Uint8Array, compressed: boolean): Uint8Array;
  convertPublicKey(publicKey: Uint8Array, compressed: boolean): Uint8Array;
  /** X coordinate of privateKey * publicKey (32 bytes). */
  ecdhX(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Deterministic (RFC 6979), low-s signature over a 32-byte digest: 64-byte r‖s and recovery id. */
  sign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recovery: number };
  recover(digest: Uint8Array, signature: Uint8Array, recovery: number, compressed: boolean): Uint8Array;
  verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}
export type BackendName = 'portable' | 'fast';

const bad = (code: (typeof CRYPTO_ERROR)[keyof typeof CRYPTO_ERROR], msg: string) => new CryptoError(code, msg);

export const portableBackend: Backend = {
  name: 'portable',
  keccak256: (d) => keccak_256(d),
  keccak256Prefix: (prefix) => {
    const absorbed = keccak_256.create().update(prefix);
    return (suffix) => absorbed.clone().update(suffix).digest();
  },
  sha256: (d) => nobleSha256(d),
  hmacSha256: (k, d) => hmac(nobleSha256, k, d),
  hkdfSha256: (ikm, salt, info, length) => hkdf(nobleSha256, ikm, salt, info, length),
  isValidPrivateKey: (k) => k.length === 32 && noble.utils.isValidSecretKey(k),
  isValidPublicKey: (p) => {
    if (p.length !== 33 && p.length !== 65) return false;
    try {
      noble.Point.fromBytes(p).assertValidity();
      return true;
    } catch {
      return false;
    }
  },
  getPublicKey: (k, c) => {
    try {
      return noble.getPublicKey(k, c);
    } catch (e) {
      throw bad(CRYPTO_ERROR.INVALID_PRIVATE_KEY, `invalid private key: ${(e as Error).message}`);
    }
  },
  convertPublicKey: (p, c) => {
    try {
      return noble.Point.fromBytes(p).toBytes(c);
    } catch (e) {
      throw bad(CRYPTO_ERROR.INVALID_PUBLIC_KEY, `invalid public key: ${(e as Error).message}`);
    }
  },
  ecdhX: (k, p) => {
    let point: Uint8Array;
    try {
      point = noble.getSharedSecret(k, p, true);
    } catch (e) {
      throw bad(CRYPTO_ERROR.INVALID_PUBLIC_KEY, `ECDH failed: ${(e as Error).message}`);
    }
    return point.slice(1);
  },
  sign: (digest, k) => {
    const rec = noble.sign(digest, k, { prehash: false, format: 'recovered', lowS: true });
    return { signature: rec.slice(1), recovery: rec[0] };
  },
  recover: (digest, sig, recovery, compressed) => {
    const rec = new Uint8Array(65);
    rec[0] = recovery;
    rec.set(sig, 1);
    try {
      return noble.recoverPublicKey(rec, digest, { prehash: false, isCompressed: compressed });
    } catch (e) {
      throw bad(CRYPTO_ERROR.INVALID_SIGNATURE, `signature does not recover: ${(e as Error).message}`);
    }
  },
  verify: (digest, sig, pub) => {
    try {
      return noble.verify(sig, digest, pub, { prehash: false, lowS: false });
    } catch {
      return false;
    }
  },
};

interface NativeSecp256k1 {
  privateKeyVerify(k: Uint8Array): boolean;
  publicKeyVerify(p: Uint8Array): boolean;
  publicKeyCreate(k: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(p: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(msg: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  signatureNormalize(sig: Uint8Array): Uint8Array;
  ecdh(
    pub: Uint8Array,
    k: Uint8Array,
    opts: { hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array; xbuf: Uint8Array; ybuf: Uint8Array },
    out: Uint8Array,
  ): Uint8Array;
}

function loadNative(): NativeSecp256k1 | null {
  try {
    const require = createRequire(import.meta.url);
    // `secp256k1/bindings` is libsecp256k1 through N-API; the package's main entry silently
    // falls back to a slow JS implementation, which we do not want to call "fast".
    return require('secp256k1/bindings') as NativeSecp256k1;
  } catch {
    return null;
  }
}

const nodeHash = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const nodeHmac = (k: Uint8Array, d: Uint8Array) => new Uint8Array(createHmac('sha256', k).update(d).digest());

function makeFastBackend(
  native: NativeSecp256k1,
  keccak: (d: Uint8Array) => Uint8Array,
  keccakPrefix: (prefix: Uint8Array) => (suffix: Uint8Array) => Uint8Array,
): Backend {
  const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return {
    name: 'fast',
    keccak256: keccak,
    keccak256Prefix: keccakPrefix,
    sha256: nodeHash,
    hmacSha256: nodeHmac,
    hkdfSha256: (ikm, salt, info, length) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),
    isValidPrivateKey: (k) => k.length === 32 && native.privateKeyVerify(k),
    isValidPublicKey: (p) => (p.length === 33 || p.length === 65) && native.publicKeyVerify(p),
    getPublicKey: (k, c) => {
      if (k.length !== 32 || !native.privateKeyVerify(k)) throw bad(CRYPTO_ERROR.INVALID_PRIVATE_KEY, 'invalid private key');
      return u8(native.publicKeyCreate(k, c));
    },
    convertPublicKey: (p, c) => {
      if ((p.length !== 33 && p.length !== 65) || !native.publicKeyVerify(p)) {
        throw bad(CRYPTO_ERROR.INVALID_PUBLIC_KEY, 'invalid public key');
      }
      return u8(native.publicKeyConvert(p, c));
    },
    ecdhX: (k, p) => {
      if (k.length !== 32 || !native.privateKeyVerify(k)) throw bad(CRYPTO_ERROR.INVALID_PRIVATE_KEY, 'invalid private key');
      if ((p.length !== 33 && p.length !== 65) || !native.publicKeyVerify(p)) {
        throw bad(CRYPTO_ERROR.INVALID_PUBLIC_KEY, 'ECDH failed: invalid public key');
      }
      const out = new Uint8Array(32);
      native.ecdh(p, k, { hashfn: (x) => x, xbuf: new Uint8Array(32), ybuf: new Uint8Array(32) }, out);
      return out;
    },
    sign: (digest, k) => {
      if (k.length !== 32 || !native.privateKeyVerify(k)) throw bad(CRYPTO_ERROR.INVALID_PRIVATE_KEY, 'invalid private key');
      const { signature, recid } = native.ecdsaSign(digest, k);
      return { signature: u8(signature), recovery: recid };
    },
    recover: (digest, sig, recovery, compressed) => {
      try {
        return u8(native.ecdsaRecover(sig, recovery, digest, compressed));
      } catch (e) {
        throw bad(CRYPTO_ERROR.INVALID_SIGNATURE, `signature does not recover: ${(e as Error).message}`);
      }
    },
    verify: (digest, sig, pub) => {
      try {
        // libsecp256k1 only accepts low-s; normalise so both backends agree on high-s input.
        return native.ecdsaVerify(native.signatureNormalize(new Uint8Array(sig)), digest, pub);
      } catch {
        return false;
      }
    },
  };
}

async function initFast(): Promise<Backend | null> {
  const native = loadNative();
  if (!native) return null;
  try {
    const hasher = await createKeccak(256);
    const keccak = (d: Uint8Array): Uint8Array => {
      hasher.init();
      hasher.update(d);
      return hasher.digest('binary');
    };
    // One hasher serves every call: each call runs to completion synchronously, and a prefix's
    // absorbed state is saved and reloaded around each suffix.
    const keccakPrefix = (prefix: Uint8Array) => {
      hasher.init();
      hasher.update(prefix);
      const state = hasher.save();
      return (suffix: Uint8Array): Uint8Array => {
        hasher.load(state);
        hasher.update(suffix);
        return hasher.digest('binary');
      };
    };
    return makeFastBackend(native, keccak, keccakPrefix);
  } catch {
    return null;
  }
}

/** The fast backend (libsecp256k1 + hash-wasm), or null where the native module does not load. */
export const fastBackend: Backend | null = await initFast();

function initialBackend(): Backend {
  const wanted = process.env.STATUS_CRYPTO_BACKEND;
  if (wanted === 'portable') return portableBackend;
  return fastBackend ?? portableBackend;
}

let active: Backend = initialBackend();

/** The backend every function of this package currently uses. */
export function getBackend(): Backend {
  return active;
}

/** Backends that loaded on this machine (portable always; fast when the native module is there). */
export function availableBackends(): Backend[] {
  return fastBackend ? [portableBackend, fastBackend] : [portableBackend];
}

/** Selects the backend by name for the whole process (tests run every vector through each). */
export function useBackend(name: BackendName): Backend {
  if (name === 'portable') active = portableBackend;
  else if (fastBackend) active = fastBackend;
  else throw new CryptoError(CRYPTO_ERROR.BACKEND_UNAVAILABLE, 'fast backend unavailable: native secp256k1 did not load');
  return active;
}
