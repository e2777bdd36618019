// status-inspect's logic: opens a Whisper v6 / Waku v1 envelope layer by layer, the way
// status-go v0.62.18 does on receive (waku message → ProtocolMessage → secure transport →
// MVDS → ApplicationMetadataMessage → payload), and reports every layer as JSON. A layer that
// cannot be opened carries an `error` ({code, message}); the layers below it are still reported.
// Pure: no I/O, and the clock only feeds the informational `expired` field.
import { toHex0x } from '@status-stack/crypto';
import { decodeEnvelope, type Envelope } from '@status-stack/whisper';
import { decodeProtocolMessage, type ProtocolMessage } from '@status-stack/secure-transport';
import { decodePayload, isDatasyncPayload, type MvdsPayload } from '@status-stack/mvds';
import { INSPECT_ERROR, InspectError, type InspectKeys, type InspectOptions, type InspectResult, type KeyRing, layerError } from './inspect-types.js';
import { prepareKeys } from './inspect-keys.js';
import { parseEnvelopes } from './inspect-input.js';
import { applicationMessage, envelopeLayer, mailserverRequestLayer, mvdsLayer, openDirectMessages, openWhisper, protocolMessageLayer } from './inspect-layers.js';

export { INSPECT_ERROR, InspectError, type InspectErrorCode, type InspectKeys, type InspectOptions, type InspectResult, type KeyRing } from './inspect-types.js';
export type {
  JsonValue,
  LayerError,
  EnvelopeLayer,
  KeyAttempt,
  WhisperLayer,
  BundleJson,
  DirectMessageJson,
  ProtocolMessageLayer,
  EncryptionLayer,
  MvdsMessageJson,
  MvdsLayer,
  ApplicationMessageJson,
  MailserverRequestLayer,
  IgnoredJson,
} from './inspect-types.js';
export { prepareKeys } from './inspect-keys.js';
export { parseEnvelopes, parseHex, splitInputLines, type ParsedInput } from './inspect-input.js';
export { toJsonValue } from './inspect-layers.js';

/** Opens one decoded envelope layer by layer. */
export function inspectDecodedEnvelope(env: Envelope, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult {
  const ring = prepareKeys(keys);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const result: InspectResult = { envelope: envelopeLayer(env, now), whisper: {} };
  const opened = openWhisper(env, ring);
  if (!opened.ok) {
    result.whisper = opened.layer;
    return result;
  }
  result.whisper = opened.layer;
  if (opened.kind === 'mailserver-password') {
    result.mailserverRequest = mailserverRequestLayer(opened.payload, result.envelope.hash);
    return result;
  }
  if (opened.signer === undefined) {
    // As StatusClient's handleEnvelope: a Status payload always comes signed.
    result.ignored = { reason: 'UNSIGNED', message: 'unsigned envelope: status requires a signature (status-go drops it before the secure transport)' };
  }

  // Secure transport. As in status-go, a payload that is not a ProtocolMessage goes on to the
  // layers above unchanged (older clients, plain Whisper messages).
  let decrypted: { source: string; payload: Uint8Array } | undefined;
  let pm: ProtocolMessage | undefined;
  try {
    pm = decodeProtocolMessage(opened.payload);
  } catch (e) {
    result.protocolMessage = { error: layerError(e) };
  }
  if (pm !== undefined) {
    const layer = protocolMessageLayer(pm, opened.signer);
    result.protocolMessage = layer;
    if (pm.publicMessage !== undefined) {
      decrypted = { source: 'public_message', payload: pm.publicMessage };
    } else if (pm.directMessage.size > 0) {
      const r = openDirectMessages(pm, layer, ring);
      if ('payload' in r) decrypted = r;
      else {
        result.encryption = { error: r };
        return result;
      }
    } else {
      layer.error = { code: INSPECT_ERROR.NO_PAYLOAD, message: 'ProtocolMessage carries neither public_message nor direct_message: using the transport payload as is' };
    }
  }
  decrypted ??= { source: 'transport-payload', payload: opened.payload };
  result.encryption = { source: decrypted.source, decryptedPayload: toHex0x(decrypted.payload) };

  // MVDS: a payload without any MVDS record is not datasync (status-go: Payload.IsValid).
  let bodies: Array<{ source: string; body: Uint8Array }>;
  let mvds: MvdsPayload | undefined;
  try {
    const p = decodePayload(decrypted.payload.slice());
    if (isDatasyncPayload(p)) mvds = p;
  } catch {
    mvds = undefined;
  }
  if (mvds !== undefined) {
    result.mvds = mvdsLayer(mvds);
    bodies = mvds.messages.map((m, i) => ({ source: `mvds.messages[${i}]`, body: m.body }));
  } else {
    result.mvds = null;
    bodies = [{ source: decrypted.source === 'public_message' ? 'public_message' : 'payload', body: decrypted.payload }];
  }
  const sent = env.expiry - env.ttl;
  result.applicationMessages = bodies.map((b) => applicationMessage(b.source, b.body, opened.signer, sent));
  return result;
}

/** Opens one envelope (its RLP) layer by layer. Throws InspectError(INVALID_INPUT) when the bytes are not an envelope. */
export function inspectEnvelope(bytes: Uint8Array, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult {
  let env: Envelope;
  try {
    env = decodeEnvelope(bytes);
  } catch (e) {
    const err = layerError(e);
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not an envelope: ${err.code}: ${err.message}`, { cause: e });
  }
  return inspectDecodedEnvelope(env, keys, opts);
}

/** Opens an envelope or every envelope of a messages packet. Throws InspectError(INVALID_INPUT). */
export function inspectInput(bytes: Uint8Array, keys: InspectKeys | KeyRing, opts: InspectOptions = {}): InspectResult[] {
  const ring = prepareKeys(keys);
  return parseEnvelopes(bytes).envelopes.map((env) => inspectDecodedEnvelope(env, ring, opts));
}
