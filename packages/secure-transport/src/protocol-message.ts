import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import {
  ProtoWriter,
  lenValue,
  readFields,
  stringValue,
  uint32Value,
  varintValue,
  type ProtoField,
} from './protobuf.js';

/** `SignedPreKey` (field numbers in proto/protocol_message.proto). */
export interface SignedPreKey {
  signedPreKey: Uint8Array;
  version: number;
  protocolVersion: number;
}

/** `Bundle`: an identity's signed prekeys by installation id, signed by the identity key. */
export interface Bundle {
  identity: Uint8Array;
  signedPreKeys: Map<string, SignedPreKey>;
  signature: Uint8Array;
  /** Unix nanoseconds (int64 on the wire). */
  timestamp: bigint;
}

/** `BundleContainer`: our bundle with the private signed prekey (kept locally, never sent). */
export interface BundleContainer {
  bundle: Bundle | undefined;
  privateSignedPreKey: Uint8Array;
}

export interface X3dhHeader {
  key: Uint8Array;
  id: Uint8Array;
}

export interface DrHeader {
  key: Uint8Array;
  n: number;
  pn: number;
  id: Uint8Array;
}

export interface DhHeader {
  key: Uint8Array;
}

export interface DirectMessageProtocol {
  x3dhHeader?: X3dhHeader;
  drHeader?: DrHeader;
  dhHeader?: DhHeader;
  payload: Uint8Array;
}

export interface ProtocolMessage {
  installationId: string;
  bundles: Bundle[];
  directMessage: Map<string, DirectMessageProtocol>;
  publicMessage?: Uint8Array;
}

const FIELD = {
  SIGNED_PRE_KEY: { SIGNED_PRE_KEY: 1, VERSION: 2, PROTOCOL_VERSION: 3 },
  BUNDLE: { IDENTITY: 1, SIGNED_PRE_KEYS: 2, SIGNATURE: 4, TIMESTAMP: 5 },
  BUNDLE_CONTAINER: { BUNDLE: 1, PRIVATE_SIGNED_PRE_KEY: 2 },
  DR_HEADER: { KEY: 1, N: 2, PN: 3, ID: 4 },
  DH_HEADER: { KEY: 1 },
  X3DH_HEADER: { KEY: 1, ID: 4 },
  DIRECT_MESSAGE: { X3DH_HEADER: 1, DR_HEADER: 2, PAYLOAD: 3, DH_HEADER: 101 },
  PROTOCOL_MESSAGE: { INSTALLATION_ID: 2, BUNDLES: 3, DIRECT_MESSAGE: 101, PUBLIC_MESSAGE: 102 },
  MAP_ENTRY: { KEY: 1, VALUE: 2 },
} as const;

const copy = (b: Uint8Array): Uint8Array => b.slice();

// Map keys are written in sorted order so our encoding is deterministic (Go's map order is not).
function sortedKeys<V>(m: Map<string, V>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function encodeSignedPreKey(k: SignedPreKey): Uint8Array {
  const F = FIELD.SIGNED_PRE_KEY;
  return new ProtoWriter()
    .bytes(F.SIGNED_PRE_KEY, k.signedPreKey)
    .uint(F.VERSION, k.version)
    .uint(F.PROTOCOL_VERSION, k.protocolVersion)
    .finish();
}

export function decodeSignedPreKey(buf: Uint8Array): SignedPreKey {
  const F = FIELD.SIGNED_PRE_KEY;
  const out: SignedPreKey = { signedPreKey: new Uint8Array(0), version: 0, protocolVersion: 0 };
  for (const f of readFields(buf, 'SignedPreKey')) {
    if (f.field === F.SIGNED_PRE_KEY) out.signedPreKey = copy(lenValue(f, 'SignedPreKey'));
    else if (f.field === F.VERSION) out.version = uint32Value(f, 'SignedPreKey');
    else if (f.field === F.PROTOCOL_VERSION) out.protocolVersion = uint32Value(f, 'SignedPreKey');
  }
  return out;
}

function encodeMapEntry(key: string, value: Uint8Array): Uint8Array {
  return new ProtoWriter().string(FIELD.MAP_ENTRY.KEY, key).message(FIELD.MAP_ENTRY.VALUE, value).finish();
}

function decodeMapEntry(f: ProtoField, what: string): { key: string; value: Uint8Array } {
  let key = '';
  let value: Uint8Array = new Uint8Array(0);
  for (const e of readFields(lenValue(f, what), what)) {
    if (e.field === FIELD.MAP_ENTRY.KEY) key = stringValue(e, what);
    else if (e.field === FIELD.MAP_ENTRY.VALUE) value = lenValue(e, what);
  }
  return { key, value };
}

export function encodeBundle(b: Bundle): Uint8Array {
  const F = FIELD.BUNDLE;
  const w = new ProtoWriter().bytes(F.IDENTITY, b.identity);
  for (const id of sortedKeys(b.signedPreKeys)) {
    w.message(F.SIGNED_PRE_KEYS, encodeMapEntry(id, encodeSignedPreKey(b.signedPreKeys.get(id)!)));
  }
  return w.bytes(F.SIGNATURE, b.signature).uint(F.TIMESTAMP, b.timestamp).finish();
}

export function decodeBundle(buf: Uint8Array): Bundle {
  const F = FIELD.BUNDLE;
  const out: Bundle = { identity: new Uint8Array(0), signedPreKeys: new Map(), signature: new Uint8Array(0), timestamp: 0n };
  for (const f of readFields(buf, 'Bundle')) {
    if (f.field === F.IDENTITY) out.identity = copy(lenValue(f, 'Bundle.identity'));
    else if (f.field === F.SIGNED_PRE_KEYS) {
      const { key, value } = decodeMapEntry(f, 'Bundle.signed_pre_keys');
      out.signedPreKeys.set(key, decodeSignedPreKey(value));
    } else if (f.field === F.SIGNATURE) out.signature = copy(lenValue(f, 'Bundle.signature'));
    else if (f.field === F.TIMESTAMP) out.timestamp = BigInt.asIntN(64, varintValue(f, 'Bundle.timestamp'));
  }
  return out;
}

export function encodeBundleContainer(c: BundleContainer): Uint8Array {
  const F = FIELD.BUNDLE_CONTAINER;
  const w = new ProtoWriter();
  if (c.bundle) w.message(F.BUNDLE, encodeBundle(c.bundle));
  return w.bytes(F.PRIVATE_SIGNED_PRE_KEY, c.privateSignedPreKey).finish();
}

export function decodeBundleContainer(buf: Uint8Array): BundleContainer {
  const F = FIELD.BUNDLE_CONTAINER;
  const out: BundleContainer = { bundle: undefined, privateSignedPreKey: new Uint8Array(0) };
  for (const f of readFields(buf, 'BundleContainer')) {
    if (f.field === F.BUNDLE) out.bundle = decodeBundle(lenValue(f, 'BundleContainer.bundle'));
    else if (f.field === F.PRIVATE_SIGNED_PRE_KEY) out.privateSignedPreKey = copy(lenValue(f, 'BundleContainer'));
  }
  return out;
}

export function encodeDrHeader(h: DrHeader): Uint8Array {
  const F = FIELD.DR_HEADER;
  return new ProtoWriter().bytes(F.KEY, h.key).uint(F.N, h.n).uint(F.PN, h.pn).bytes(F.ID, h.id).finish();
}

export function decodeDrHeader(buf: Uint8Array): DrHeader {
  const F = FIELD.DR_HEADER;
  const out: DrHeader = { key: new Uint8Array(0), n: 0, pn: 0, id: new Uint8Array(0) };
  for (const f of readFields(buf, 'DRHeader')) {
    if (f.field === F.KEY) out.key = copy(lenValue(f, 'DRHeader.key'));
    else if (f.field === F.N) out.n = uint32Value(f, 'DRHeader.n');
    else if (f.field === F.PN) out.pn = uint32Value(f, 'DRHeader.pn');
    else if (f.field === F.ID) out.id = copy(lenValue(f, 'DRHeader.id'));
  }
  return out;
}

export function encodeDhHeader(h: DhHeader): Uint8Array {
  return new ProtoWriter().bytes(FIELD.DH_HEADER.KEY, h.key).finish();
}

export function decodeDhHeader(buf: Uint8Array): DhHeader {
  const out: DhHeader = { key: new Uint8Array(0) };
  for (const f of readFields(buf, 'DHHeader')) {
    if (f.field === FIELD.DH_HEADER.KEY) out.key = copy(lenValue(f, 'DHHeader.key'));
  }
  return out;
}

export function encodeX3dhHeader(h: X3dhHeader): Uint8Array {
  const F = FIELD.X3DH_HEADER;
  return new ProtoWriter().bytes(F.KEY, h.key).bytes(F.ID, h.id).finish();
}

export function decodeX3dhHeader(buf: Uint8Array): X3dhHeader {
  const F = FIELD.X3DH_HEADER;
  const out: X3dhHeader = { key: new Uint8Array(0), id: new Uint8Array(0) };
  for (const f of readFields(buf, 'X3DHHeader')) {
    if (f.field === F.KEY) out.key = copy(lenValue(f, 'X3DHHeader.key'));
    else if (f.field === F.ID) out.id = copy(lenValue(f, 'X3DHHeader.id'));
  }
  return out;
}

export function encodeDirectMessageProtocol(m: DirectMessageProtocol): Uint8Array {
  const F = FIELD.DIRECT_MESSAGE;
  const w = new ProtoWriter();
  if (m.x3dhHeader) w.message(F.X3DH_HEADER, encodeX3dhHeader(m.x3dhHeader));
  if (m.drHeader) w.message(F.DR_HEADER, encodeDrHeader(m.drHeader));
  w.bytes(F.PAYLOAD, m.payload);
  if (m.dhHeader) w.message(F.DH_HEADER, encodeDhHeader(m.dhHeader));
  return w.finish();
}

export function decodeDirectMessageProtocol(buf: Uint8Array): DirectMessageProtocol {
  const F = FIELD.DIRECT_MESSAGE;
  const out: DirectMessageProtocol = { payload: new Uint8Array(0) };
  for (const f of readFields(buf, 'DirectMessageProtocol')) {
    if (f.field === F.X3DH_HEADER) out.x3dhHeader = decodeX3dhHeader(lenValue(f, 'X3DH_header'));
    else if (f.field === F.DR_HEADER) out.drHeader = decodeDrHeader(lenValue(f, 'DR_header'));
    else if (f.field === F.DH_HEADER) out.dhHeader = decodeDhHeader(lenValue(f, 'DH_header'));
    else if (f.field === F.PAYLOAD) out.payload = copy(lenValue(f, 'DirectMessageProtocol.payload'));
  }
  return out;
}

export function encodeProtocolMessage(m: ProtocolMessage): Uint8Array {
  const F = FIELD.PROTOCOL_MESSAGE;
  const w = new ProtoWriter().string(F.INSTALLATION_ID, m.installationId);
  for (const b of m.bundles) w.message(F.BUNDLES, encodeBundle(b));
  for (const id of sortedKeys(m.directMessage)) {
    w.message(F.DIRECT_MESSAGE, encodeMapEntry(id, encodeDirectMessageProtocol(m.directMessage.get(id)!)));
  }
  return w.bytes(F.PUBLIC_MESSAGE, m.publicMessage).finish();
}

/** Decodes a `ProtocolMessage`; every malformation is a SecureTransportError(MALFORMED_MESSAGE). */
export function decodeProtocolMessage(buf: Uint8Array): ProtocolMessage {
  if (!(buf instanceof Uint8Array)) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.MALFORMED_MESSAGE, 'ProtocolMessage must be a Uint8Array');
  }
  const F = FIELD.PROTOCOL_MESSAGE;
  const out: ProtocolMessage = { installationId: '', bundles: [], directMessage: new Map() };
  for (const f of readFields(buf, 'ProtocolMessage')) {
    if (f.field === F.INSTALLATION_ID) out.installationId = stringValue(f, 'ProtocolMessage.installation_id');
    else if (f.field === F.BUNDLES) out.bundles.push(decodeBundle(lenValue(f, 'ProtocolMessage.bundles')));
    else if (f.field === F.DIRECT_MESSAGE) {
      const { key, value } = decodeMapEntry(f, 'ProtocolMessage.direct_message');
      out.directMessage.set(key, decodeDirectMessageProtocol(value));
    } else if (f.field === F.PUBLIC_MESSAGE) out.publicMessage = copy(lenValue(f, 'ProtocolMessage.public_message'));
  }
  return out;
}
