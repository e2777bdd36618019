import type { PrivateKey, PublicKey } from '@status-stack/crypto';
import { STATUS_POW, WHISPER } from './constants.js';
import type { Envelope } from './envelope.js';
import type { OutgoingMessage } from './types.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import { decodePlaintext, decryptAsymmetric, decryptSymmetric, encodePlaintext, encryptAsymmetric, encryptSymmetric, type DecodedPlaintext } from './message.js';
import { sealEnvelope } from './pow.js';
import { assertTopic, type Topic } from './topic.js';

export interface WrapParams {
  topic: Topic;
  payload: Uint8Array;
  /** Exactly one of symKey / publicKey. */
  symKey?: Uint8Array;
  publicKey?: PublicKey;
  signingKey?: PrivateKey;
  padding?: Uint8Array;
  /** Seconds (default 50, go-ethereum's DefaultTTL). */
  ttl?: number;
  /** Default 0.002, what Status clients seal to. */
  powTarget?: number;
  /** Seconds (default 1). */
  powTime?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** Known-answer tests only: fixed AES-GCM nonce / ECIES ephemeral key and IV, fixed expiry. */
  gcmNonce?: Uint8Array;
  eciesEphemeralKey?: PrivateKey;
  eciesIv?: Uint8Array;
  expiry?: number;
}

/** Builds the plaintext, signs, encrypts and seals an envelope, in go-ethereum's order (sign, encrypt, seal). */
export function wrapMessage(p: WrapParams): Envelope {
  assertTopic(p.topic);
  if ((p.symKey === undefined) === (p.publicKey === undefined)) {
    throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, 'exactly one of symKey and publicKey is required');
  }
  const ttl = p.ttl ?? WHISPER.DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 0xffffffff) throw new WhisperError(WHISPER_ERROR.INVALID_ARGUMENT, `ttl must be a positive uint32, got ${ttl}`);
  const plaintext = encodePlaintext({ payload: p.payload, padding: p.padding, signingKey: p.signingKey });
  const data = p.symKey
    ? encryptSymmetric(p.symKey, plaintext, p.gcmNonce)
    : encryptAsymmetric(p.publicKey!, plaintext, { ephemeralPrivateKey: p.eciesEphemeralKey, iv: p.eciesIv });
  const now = p.now ?? Date.now;
  const expiry = p.expiry ?? Math.floor(now() / 1000) + ttl;
  return sealEnvelope(
    { expiry, ttl, topic: p.topic.slice(), data },
    { powTarget: p.powTarget ?? STATUS_POW.TARGET, powTime: p.powTime ?? 1, now },
  );
}

export function openSymmetric(env: Envelope, symKey: Uint8Array): DecodedPlaintext {
  return decodePlaintext(decryptSymmetric(symKey, env.data));
}

export function openAsymmetric(env: Envelope, privateKey: PrivateKey): DecodedPlaintext {
  return decodePlaintext(decryptAsymmetric(privateKey, env.data));
}

/**
 * Seals what a layer above asked a transport to send (the `EnvelopeTransport.post` input): the
 * one mapping from `OutgoingMessage` to `wrapMessage` that every transport shares.
 */
export function sealOutgoing(message: OutgoingMessage, defaults: { powTarget?: number; now?: () => number } = {}): Envelope {
  return wrapMessage({
    topic: message.topic,
    payload: message.payload,
    symKey: message.symKey,
    publicKey: message.publicKey,
    signingKey: message.sign,
    padding: message.padding,
    ttl: message.ttl,
    powTarget: message.powTarget ?? defaults.powTarget,
    powTime: message.powTime,
    now: defaults.now,
  });
}
