// status-inspect's layer decoders: each opens one layer of an envelope and reports it as JSON.
import { decompressPublicKey, toHex0x, equalBytes, type PublicKey } from '@status-stack/crypto';
import { computePow, decodeMessagesRequestPayload, decodePlaintext, decryptAsymmetric, decryptSymmetric, encodeEnvelope, envelopeBloom, envelopeHash, envelopeSize, type Envelope } from '@status-stack/whisper';
import { SECURE_TRANSPORT_ERROR, decryptWithDh, verifyBundle, type Bundle, type DirectMessageProtocol, type ProtocolMessage } from '@status-stack/secure-transport';
import { messageId as mvdsMessageId, type MvdsPayload } from '@status-stack/mvds';
import { APPLICATION_MESSAGE_TYPE, CONTENT_TYPE, MESSAGE_TYPE, decodeApplicationPayload, enumName, openApplicationMessage, validateReceivedChatMessage } from '@status-stack/payloads';
import { type ApplicationMessageJson, type BundleJson, type DirectMessageJson, type EnvelopeLayer, INSPECT_ERROR, type JsonValue, type KeyAttempt, type KeyRing, type LayerError, type MailserverRequestLayer, type MvdsLayer, type MvdsMessageJson, type ProtocolMessageLayer, type SymKind, type WhisperLayer, layerError } from './inspect-types.js';

export function envelopeLayer(env: Envelope, now: number): EnvelopeLayer {
  return {
    hash: toHex0x(envelopeHash(env)),
    expiry: env.expiry,
    ttl: env.ttl,
    sent: env.expiry - env.ttl,
    expired: env.expiry < now,
    topic: toHex0x(env.topic),
    nonce: env.nonce.toString(10),
    pow: computePow(env),
    bloom: toHex0x(envelopeBloom(env)),
    size: envelopeSize(env),
    rlpLength: encodeEnvelope(env).length,
    data: toHex0x(env.data),
  };
}

interface Opened {
  ok: true;
  layer: WhisperLayer;
  payload: Uint8Array;
  signer?: PublicKey;
  kind: SymKind | 'asymmetric';
}

function describePlaintext(plaintext: Uint8Array): WhisperLayer {
  const flags = plaintext[0];
  const out: WhisperLayer = { plaintext: toHex0x(plaintext), flags, signed: (flags & 4) !== 0, payloadSizeLength: flags & 3 };
  return out;
}

/** Tries the keys, those expected on the envelope's topic first. */
export function openWhisper(env: Envelope, ring: KeyRing): Opened | { ok: false; layer: WhisperLayer } {
  type Try = { label: string; kind: SymKind | 'asymmetric'; topicMatch: boolean | undefined; open: () => Uint8Array };
  const tries: Try[] = [];
  for (const c of ring.symmetric) {
    tries.push({ label: c.label, kind: c.kind, topicMatch: c.topic === undefined ? undefined : equalBytes(c.topic, env.topic), open: () => decryptSymmetric(c.key, env.data) });
  }
  const a = ring.asymmetric;
  if (a !== undefined) {
    tries.push({ label: a.label, kind: 'asymmetric', topicMatch: a.topics.some((t) => equalBytes(t, env.topic)), open: () => decryptAsymmetric(a.privateKey, env.data) });
  }
  tries.sort((x, y) => Number(y.topicMatch === true) - Number(x.topicMatch === true));
  const attempts: KeyAttempt[] = [];
  for (const t of tries) {
    let plaintext: Uint8Array;
    try {
      plaintext = t.open();
    } catch (e) {
      attempts.push({ key: t.label, ...layerError(e) });
      continue;
    }
    const encryption = t.kind === 'asymmetric' ? 'asymmetric' : 'symmetric';
    const layer: WhisperLayer = { openedWith: t.label, encryption, ...describePlaintext(plaintext) };
    // A key that opens an envelope on a topic other than the one derived for it points at a
    // topic derivation bug on the sender's side (or a private key used off its usual topics).
    if (t.topicMatch !== undefined) layer.topicMatchesKey = t.topicMatch;
    if (encryption === 'symmetric') layer.salt = toHex0x(env.data.subarray(env.data.length - 12));
    try {
      const d = decodePlaintext(plaintext);
      layer.payload = toHex0x(d.payload);
      layer.padding = toHex0x(d.padding);
      if (d.signature) layer.signature = toHex0x(d.signature);
      if (d.signer) layer.signer = toHex0x(d.signer);
      return { ok: true, layer, payload: d.payload, signer: d.signer, kind: t.kind };
    } catch (e) {
      // The key is right (the MAC verified) but the plaintext is malformed: stop here.
      layer.error = layerError(e);
      return { ok: false, layer };
    }
  }
  const tried = attempts.length === 0 ? 'no keys were given' : `tried ${attempts.map((x) => x.key).join(', ')}`;
  return {
    ok: false,
    layer: { attempts, error: { code: INSPECT_ERROR.NO_MATCHING_KEY, message: `no key opens the envelope data (topic ${toHex0x(env.topic)}): ${tried}` } },
  };
}

export function mailserverRequestLayer(payload: Uint8Array, requestId: string): MailserverRequestLayer {
  try {
    const r = decodeMessagesRequestPayload(payload);
    return {
      requestId,
      lower: r.lower,
      upper: r.upper,
      bloom: toHex0x(r.bloom),
      topics: r.topics.map(toHex0x),
      limit: r.limit,
      cursor: toHex0x(r.cursor),
      batch: r.batch,
    };
  } catch (e) {
    return { requestId, error: layerError(e) };
  }
}

function bundleJson(b: Bundle, signer: PublicKey | undefined): BundleJson {
  const signedPreKeys: BundleJson['signedPreKeys'] = {};
  for (const [id, k] of b.signedPreKeys) {
    signedPreKeys[id] = { signedPreKey: toHex0x(k.signedPreKey), version: k.version, protocolVersion: k.protocolVersion };
  }
  const out: BundleJson = { identity: toHex0x(b.identity), signedPreKeys, signature: toHex0x(b.signature), timestamp: b.timestamp.toString(10), verified: false };
  try {
    const identity = decompressPublicKey(verifyBundle(b));
    out.verified = true;
    out.recoveredIdentity = toHex0x(identity);
    if (signer !== undefined) out.matchesSigner = equalBytes(identity, signer);
  } catch (e) {
    out.error = layerError(e);
  }
  return out;
}

function directMessageJson(installationId: string, m: DirectMessageProtocol): DirectMessageJson {
  const out: DirectMessageJson = { installationId, payload: toHex0x(m.payload), opened: false };
  if (m.x3dhHeader) out.x3dhHeader = { key: toHex0x(m.x3dhHeader.key), id: toHex0x(m.x3dhHeader.id) };
  if (m.drHeader) out.drHeader = { key: toHex0x(m.drHeader.key), n: m.drHeader.n, pn: m.drHeader.pn, id: toHex0x(m.drHeader.id) };
  if (m.dhHeader) out.dhHeader = { key: toHex0x(m.dhHeader.key) };
  return out;
}

export function protocolMessageLayer(pm: ProtocolMessage, signer: PublicKey | undefined): ProtocolMessageLayer {
  const out: ProtocolMessageLayer = {
    installationId: pm.installationId,
    bundles: pm.bundles.map((b) => bundleJson(b, signer)),
    directMessages: [...pm.directMessage].map(([id, m]) => directMessageJson(id, m)),
  };
  if (pm.publicMessage !== undefined) out.publicMessage = toHex0x(pm.publicMessage);
  return out;
}

/**
 * The secure-transport layer as far as a stateless tool can go: public messages, and direct
 * messages with a DH header (first contact without a bundle: opened with our identity key).
 * X3DH / Double Ratchet messages need the recipient's session database.
 */
export function openDirectMessages(pm: ProtocolMessage, layer: ProtocolMessageLayer, ring: KeyRing): { source: string; payload: Uint8Array } | LayerError {
  const reasons: string[] = [];
  let firstCode: string | undefined;
  for (const [id, m] of pm.directMessage) {
    const json = layer.directMessages!.find((d) => d.installationId === id)!;
    if (m.dhHeader !== undefined) {
      if (ring.asymmetric === undefined) {
        json.error = { code: INSPECT_ERROR.NO_PRIVATE_KEY, message: 'a DH-header message opens with the recipient identity key: give --private-key' };
      } else {
        try {
          const payload = decryptWithDh(ring.asymmetric.privateKey, m.dhHeader.key, m.payload);
          json.opened = true;
          json.openedWith = `dh-header:${toHex0x(ring.asymmetric.publicKey)}`;
          return { source: `direct_message:${id}`, payload };
        } catch (e) {
          json.error = layerError(e);
        }
      }
    } else if (m.x3dhHeader !== undefined || m.drHeader !== undefined) {
      json.error = {
        code: INSPECT_ERROR.SESSION_REQUIRED,
        message: `${m.x3dhHeader ? 'X3DH' : 'Double Ratchet'} message: opening it needs the recipient's signed prekey / ratchet session state, which only its database holds`,
      };
    } else {
      json.error = { code: SECURE_TRANSPORT_ERROR.NO_HEADER, message: 'direct message without X3DH, DR or DH header' };
    }
    firstCode ??= json.error.code;
    reasons.push(`${JSON.stringify(id)}: ${json.error.code}`);
  }
  return { code: firstCode ?? INSPECT_ERROR.NO_PAYLOAD, message: `no direct message could be opened (${reasons.join('; ')})` };
}

export function mvdsLayer(p: MvdsPayload): MvdsLayer {
  return {
    acks: p.acks.map(toHex0x),
    offers: p.offers.map(toHex0x),
    requests: p.requests.map(toHex0x),
    messages: p.messages.map((m) => {
      const out: MvdsMessageJson = { id: toHex0x(mvdsMessageId(m)), groupId: toHex0x(m.groupId), timestamp: m.timestamp.toString(10), body: toHex0x(m.body) };
      if (m.metadata) out.metadata = { parents: m.metadata.parents.map(toHex0x), ephemeral: m.metadata.ephemeral };
      return out;
    }),
  };
}

/** Generic JSON of a decoded protobuf value: bytes as hex, 64-bit integers as decimal strings, maps as objects. */
export function toJsonValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toHex0x(v);
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Map) {
    const o: { [key: string]: JsonValue } = {};
    for (const [k, x] of v) o[String(k)] = toJsonValue(x);
    return o;
  }
  if (v instanceof Set) return [...v].map(toJsonValue);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === 'object') {
    const o: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJsonValue(x);
    return o;
  }
  return String(v);
}

export function applicationMessage(source: string, body: Uint8Array, transportSigner: PublicKey | undefined, sentSeconds: number): ApplicationMessageJson {
  const out: ApplicationMessageJson = { source, raw: toHex0x(body) };
  let opened: ReturnType<typeof openApplicationMessage>;
  try {
    opened = openApplicationMessage(body, transportSigner ? { transportAuthor: transportSigner } : {});
  } catch (e) {
    out.error = layerError(e);
    return out;
  }
  out.type = opened.type;
  out.typeName = enumName(APPLICATION_MESSAGE_TYPE, opened.type);
  out.signature = toHex0x(opened.signature);
  out.signer = opened.authorHex;
  out.messageId = opened.id;
  out.deniable = opened.deniable;
  if (transportSigner !== undefined) out.matchesTransportSigner = equalBytes(opened.author, transportSigner);
  out.payload = toHex0x(opened.payload);
  try {
    const decoded = decodeApplicationPayload(opened.type, opened.payload);
    if (decoded.kind === 'unknown') {
      out.decoded = { kind: 'unknown', raw: toHex0x(decoded.raw) };
    } else {
      const value = toJsonValue(decoded.value) as { [key: string]: JsonValue };
      if (decoded.kind === 'chatMessage') {
        value.messageType = enumName(MESSAGE_TYPE, decoded.value.messageType);
        value.contentType = enumName(CONTENT_TYPE, decoded.value.contentType);
        try {
          validateReceivedChatMessage(decoded.value, BigInt(sentSeconds) * 1000n);
          out.validation = 'ok';
        } catch (e) {
          out.validation = layerError(e);
        }
      }
      out.decoded = { kind: decoded.kind, ...value };
    }
  } catch (e) {
    out.decoded = { error: layerError(e) as unknown as JsonValue };
  }
  return out;
}
