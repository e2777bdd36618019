import { keccak256, keccak256Prefix } from '@status-stack/crypto';
import { encodeEnvelopeWithoutNonce, envelopeSize, type Envelope } from './envelope.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';

/** Number of leading zero bits of a big-endian byte string. */
export function leadingZeroBits(hash: Uint8Array): number {
  let n = 0;
  for (const b of hash) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

function powInput(withoutNonce: Uint8Array): { buf: Uint8Array; view: DataView } {
  const buf = new Uint8Array(withoutNonce.length + 8);
  buf.set(withoutNonce);
  return { buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/**
 * PoW as go-ethereum's whisperv6 computes it (not as EIP-627's prose says):
 * 2^lz(keccak256(R ‖ nonce as 8-byte BE)) / len(R) / (ttl + diff), R = RLP([expiry, ttl, topic, data]).
 * `diff` is the extra seconds a node adds for envelopes sent slightly in the future.
 */
export function computePow(env: Envelope, diff = 0): number {
  const r = encodeEnvelopeWithoutNonce(env);
  const { buf, view } = powInput(r);
  view.setBigUint64(r.length, env.nonce, false);
  const lz = leadingZeroBits(keccak256(buf));
  return 2 ** lz / r.length / (env.ttl + diff);
}

/** go-ethereum's powToFirstBit: the leading-zero target for a PoW, using size() = 20 + len(data), at least 1. */
export function powTargetBits(pow: number, size: number, ttl: number): number {
  const bits = Math.ceil(Math.log2(pow * size * ttl));
  return Number.isFinite(bits) && bits >= 1 ? bits : 1;
}

export interface SealOptions {
  /** PoW target; 0 means no sealing (nonce 0), as go-ethereum does. */
  powTarget: number;
  /** Time budget in seconds. */
  powTime: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Searches nonces from 0 upward for the first whose hash has the target's leading zeros, exactly
 * as go-ethereum's Seal does, so that the same inputs give the same nonce.
 */
export function sealEnvelope(env: Omit<Envelope, 'nonce'>, opts: SealOptions): Envelope {
  if (!(opts.powTarget >= 0) || !Number.isFinite(opts.powTarget)) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `powTarget must be a finite number >= 0, got ${opts.powTarget}`);
  }
  if (opts.powTarget === 0) return { ...env, nonce: 0n };
  const target = powTargetBits(opts.powTarget, envelopeSize(env), env.ttl);
  const r = encodeEnvelopeWithoutNonce(env);
  // R is absorbed once; each attempt hashes only the 8-byte nonce on top of the saved state.
  const hashWithNonce = keccak256Prefix(r);
  const nonceBytes = new Uint8Array(8);
  const view = new DataView(nonceBytes.buffer);
  const now = opts.now ?? Date.now;
  const finish = now() + opts.powTime * 1000;
  let best = -1;
  let bestNonce = 0;
  let nonce = 0;
  for (;;) {
    for (let i = 0; i < 1024; i++) {
      view.setUint32(0, Math.floor(nonce / 0x100000000), false);
      view.setUint32(4, nonce >>> 0, false);
      const lz = leadingZeroBits(hashWithNonce(nonceBytes));
      if (lz > best) {
        best = lz;
        bestNonce = nonce;
        if (lz >= target) return { ...env, nonce: BigInt(bestNonce) };
      }
      nonce++;
    }
    if (now() >= finish) break;
  }
  throw new WhisperError(
    WHISPER_ERROR.POW_NOT_REACHED,
    `PoW target ${opts.powTarget} (${target} leading zero bits) not reached in ${opts.powTime}s; best ${best} bits at nonce ${bestNonce}`,
  );
}

/** The PoW value in status packets: the IEEE-754 float64 bit pattern as an unsigned integer. */
export function powToUint64(pow: number): bigint {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, pow, false);
  return v.getBigUint64(0, false);
}

export function uint64ToPow(bits: bigint): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, bits, false);
  return v.getFloat64(0, false);
}

/** Decodes a PoW requirement, rejecting NaN, infinities and negatives as go-ethereum does. */
export function decodePowRequirement(bits: bigint): number {
  const pow = uint64ToPow(bits);
  if (!Number.isFinite(pow) || pow < 0) throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `invalid PoW requirement ${pow} (bits 0x${bits.toString(16)})`);
  return pow;
}
