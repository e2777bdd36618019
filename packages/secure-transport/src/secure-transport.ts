import createDebug from 'debug';
import { bytesToHex, compareBytes, ecdh, equalBytes, generatePrivateKey, getPublicKey } from '@status-stack/crypto';
import { verifyBundle, signBundle } from './bundle.js';
import { PROTOCOL } from './constants.js';
import { decryptWithDh, encryptWithDh } from './dh-header.js';
import {
  decryptSkipped,
  initiatorState,
  ratchetDecrypt,
  ratchetEncrypt,
  responderState,
  type RatchetHeader,
} from './double-ratchet.js';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import { assertPrivateKey, parseCompressedKey, toCompressedKey } from './keys.js';
import {
  decodeProtocolMessage,
  encodeProtocolMessage,
  type Bundle,
  type DirectMessageProtocol,
  type DrHeader,
  type SignedPreKey,
} from './protocol-message.js';
import type {
  DecryptResult,
  EncryptResult,
  InstallationRecord,
  OurPrekeyRecord,
  PublicPrekeyRecord,
  SecureTransportOptions,
  SessionRecord,
  SessionStore,
  StoreBatch,
} from './types.js';
import { x3dhInitiator, x3dhResponder } from './x3dh.js';

const log = createDebug('status:secure-transport');

const NS_PER_MS = 1_000_000n;

/** Session id: the prekey it was built on, the device, the identity, and a prefix of its shared key. */
function sessionId(bundleId: Uint8Array, installationId: string, identity: Uint8Array, sharedKey: Uint8Array): string {
  return `${bytesToHex(bundleId)}/${installationId}/${bytesToHex(identity)}/${bytesToHex(sharedKey.subarray(0, 8))}`;
}

/** Staged writes of one operation plus read-your-writes lookups over them. */
class Staging {
  readonly batch: Required<Pick<StoreBatch, 'sessions' | 'deleteSessions' | 'putSkippedKeys' | 'deleteSkippedKeys' | 'pruneSkippedKeys' | 'publicPrekeys' | 'installations' | 'ourPrekeys' | 'deleteOurPrekeys'>> = {
    sessions: [],
    deleteSessions: [],
    putSkippedKeys: [],
    deleteSkippedKeys: [],
    pruneSkippedKeys: [],
    publicPrekeys: [],
    installations: [],
    ourPrekeys: [],
    deleteOurPrekeys: [],
  };

  putSession(r: SessionRecord): void {
    const i = this.batch.sessions.findIndex((s) => s.id === r.id);
    if (i >= 0) this.batch.sessions[i] = r;
    else this.batch.sessions.push(r);
  }

  mergeSessions(stored: SessionRecord[], identityHex: string, installationId: string): SessionRecord[] {
    const byId = new Map(stored.map((s) => [s.id, s]));
    for (const s of this.batch.sessions) {
      if (s.installationId === installationId && bytesToHex(s.identity) === identityHex) byId.set(s.id, s);
    }
    for (const id of this.batch.deleteSessions) byId.delete(id);
    return [...byId.values()];
  }

  putPrekey(r: PublicPrekeyRecord): void {
    const hex = bytesToHex(r.identity);
    const i = this.batch.publicPrekeys.findIndex((p) => p.installationId === r.installationId && bytesToHex(p.identity) === hex);
    if (i >= 0) this.batch.publicPrekeys[i] = r;
    else this.batch.publicPrekeys.push(r);
  }

  mergePrekeys(stored: PublicPrekeyRecord[], identityHex: string): PublicPrekeyRecord[] {
    const byId = new Map(stored.map((p) => [p.installationId, p]));
    for (const p of this.batch.publicPrekeys) if (bytesToHex(p.identity) === identityHex) byId.set(p.installationId, p);
    return [...byId.values()];
  }

  putInstallation(r: InstallationRecord): void {
    const hex = bytesToHex(r.identity);
    const i = this.batch.installations.findIndex((p) => p.installationId === r.installationId && bytesToHex(p.identity) === hex);
    if (i >= 0) this.batch.installations[i] = r;
    else this.batch.installations.push(r);
  }

  mergeInstallations(stored: InstallationRecord[], identityHex: string): InstallationRecord[] {
    const byId = new Map(stored.map((p) => [p.installationId, p]));
    for (const p of this.batch.installations) if (bytesToHex(p.identity) === identityHex) byId.set(p.installationId, p);
    return [...byId.values()];
  }

  isEmpty(): boolean {
    return Object.values(this.batch).every((v) => v.length === 0);
  }
}

/**
 * The Status secure transport for one identity on one device: X3DH bundles, Double Ratchet sessions
 * with every device of every contact, multi-device fan-out, all state behind a SessionStore.
 * Operations are serialised per instance; each one's writes reach the store in one `apply` before it returns.
 */
export class SecureTransport {
  readonly installationId: string;
  /** Our identity key, 33-byte compressed. */
  readonly identityKey: Uint8Array;
  private readonly identityHex: string;
  private readonly privateKey: Uint8Array;
  private readonly store: SessionStore;
  private readonly now: () => number;
  private readonly maxInstallations: number;
  private readonly maxSkip: number;
  private readonly maxKeep: number;
  private readonly maxMessageKeysPerSession: number;
  private readonly refreshIntervalMs: number;
  private readonly retentionMs: number;
  private readonly maxSessionsPerDevice: number;
  private readonly sessionRetentionMs: number;
  private readonly advertisementCooldownMs: number;
  /** Last bundle advertisement per identity: in memory, as status-go's publisher keeps it. */
  private readonly lastAdvertised = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SecureTransportOptions) {
    assertPrivateKey(options.identityPrivateKey, 'identityPrivateKey');
    if (typeof options.installationId !== 'string' || options.installationId.length === 0 || options.installationId === PROTOCOL.NO_INSTALLATION_ID) {
      throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `invalid installation id ${JSON.stringify(options.installationId)}`);
    }
    this.privateKey = options.identityPrivateKey.slice();
    this.identityKey = getPublicKey(this.privateKey, true);
    this.identityHex = bytesToHex(this.identityKey);
    this.installationId = options.installationId;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.maxInstallations = options.maxInstallations ?? PROTOCOL.MAX_INSTALLATIONS;
    this.maxSkip = options.maxSkip ?? PROTOCOL.MAX_SKIP;
    this.maxKeep = options.maxKeep ?? PROTOCOL.MAX_KEEP;
    this.maxMessageKeysPerSession = options.maxMessageKeysPerSession ?? PROTOCOL.MAX_MESSAGE_KEYS_PER_SESSION;
    this.refreshIntervalMs = options.bundleRefreshIntervalMs ?? PROTOCOL.BUNDLE_REFRESH_INTERVAL_MS;
    this.retentionMs = options.prekeyRetentionMs ?? PROTOCOL.PREKEY_RETENTION_MS;
    this.maxSessionsPerDevice = options.maxSessionsPerDevice ?? 32;
    this.sessionRetentionMs = options.sessionRetentionMs ?? PROTOCOL.PREKEY_RETENTION_MS;
    this.advertisementCooldownMs = options.advertisementCooldownMs ?? PROTOCOL.ADVERTISEMENT_COOLDOWN_MS;
  }

  /** Runs operations one at a time: each reads, computes and writes the store before the next starts. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(st: Staging): Promise<void> {
    if (!st.isEmpty()) await this.store.apply(st.batch);
  }

  // ---------------------------------------------------------------- bundles

  /** Our bundle (rotating the signed prekey when due), signed now. */
  ourBundle(): Promise<Bundle> {
    return this.exclusive(async () => {
      const st = new Staging();
      const bundle = await this.buildOurBundle(st);
      await this.commit(st);
      return bundle;
    });
  }

  /** The ECDH secret with a contact (negotiated topic/key input: whisper derives them from it). */
  sharedSecret(theirIdentityKey: Uint8Array): Uint8Array {
    return ecdh(this.privateKey, toCompressedKey(theirIdentityKey, 'their identity key'));
  }

  private async currentPrekey(st: Staging): Promise<OurPrekeyRecord> {
    const now = this.now();
    const all = await this.store.getOurPrekeys();
    for (const p of st.batch.ourPrekeys) {
      const i = all.findIndex((q) => equalBytes(q.publicKey, p.publicKey));
      if (i >= 0) all[i] = p;
      else all.push(p);
    }
    for (const p of all) {
      if (p.rotatedAt !== null && now - p.rotatedAt > this.retentionMs) st.batch.deleteOurPrekeys.push(bytesToHex(p.publicKey));
    }
    const live = all.filter((p) => p.rotatedAt === null).sort((a, b) => b.version - a.version)[0];
    if (live && now - live.createdAt < this.refreshIntervalMs) return live;
    const privateKey = generatePrivateKey();
    const fresh: OurPrekeyRecord = {
      privateKey,
      publicKey: getPublicKey(privateKey, true),
      version: all.reduce((m, p) => Math.max(m, p.version), 0) + 1,
      createdAt: now,
      rotatedAt: null,
    };
    if (live) st.batch.ourPrekeys.push({ ...live, rotatedAt: now });
    st.batch.ourPrekeys.push(fresh);
    log('new signed prekey version %d', fresh.version);
    return fresh;
  }

  private async buildOurBundle(st: Staging): Promise<Bundle> {
    const prekey = await this.currentPrekey(st);
    const signedPreKeys = new Map<string, SignedPreKey>([
      [this.installationId, { signedPreKey: prekey.publicKey, version: prekey.version, protocolVersion: PROTOCOL.PROTOCOL_VERSION }],
    ]);
    // Our paired devices travel in our bundle, so contacts learn of them (status-go GetAnyPrivateBundle).
    const ours = await this.activeInstallations(this.identityHex, st);
    const prekeys = st.mergePrekeys(await this.store.getPublicPrekeys(this.identityHex), this.identityHex);
    for (const inst of ours) {
      const p = prekeys.find((k) => k.installationId === inst.installationId);
      if (p) signedPreKeys.set(inst.installationId, { signedPreKey: p.signedPreKey, version: p.version, protocolVersion: p.protocolVersion });
    }
    return signBundle(this.privateKey, signedPreKeys, BigInt(this.now()) * NS_PER_MS);
  }

  /**
   * Verifies and records a received bundle; returns the devices it added or refreshed.
   * Throws INVALID_BUNDLE_SIGNATURE for a forgery and STALE_BUNDLE for a bundle older than the
   * newest one accepted for that identity that brings nothing new.
   */
  processBundle(bundle: Bundle): Promise<InstallationRecord[]> {
    return this.exclusive(async () => {
      const st = new Staging();
      const installations = await this.stageBundle(bundle, st);
      await this.commit(st);
      return installations;
    });
  }

  private async stageBundle(bundle: Bundle, st: Staging): Promise<InstallationRecord[]> {
    const identity = verifyBundle(bundle);
    const identityHex = bytesToHex(identity);
    const isOurs = identityHex === this.identityHex;
    const prekeys = st.mergePrekeys(await this.store.getPublicPrekeys(identityHex), identityHex);
    const installations = st.mergeInstallations(await this.store.getInstallations(identityHex), identityHex);
    const newest = prekeys.reduce((m, p) => (p.timestamp > m ? p.timestamp : m), -1n);
    const lastSeen = Number(bundle.timestamp / NS_PER_MS);
    let changed = false;
    const touched: InstallationRecord[] = [];
    for (const [installationId, spk] of bundle.signedPreKeys) {
      if (isOurs && installationId === this.installationId) continue;
      if (installationId === PROTOCOL.NO_INSTALLATION_ID) continue;
      const existing = prekeys.find((p) => p.installationId === installationId);
      const record: PublicPrekeyRecord = {
        identity,
        installationId,
        signedPreKey: spk.signedPreKey,
        version: spk.version,
        protocolVersion: spk.protocolVersion,
        timestamp: bundle.timestamp,
      };
      if (!existing || spk.version > existing.version || (spk.version === existing.version && bundle.timestamp > existing.timestamp)) {
        if (existing && !equalBytes(existing.signedPreKey, spk.signedPreKey)) {
          // Re-keying (spec "Re-keying"): sessions we built on the old prekey stop being used for sending.
          await this.expireSessionsOn(identity, installationId, existing.signedPreKey, st);
          changed = true;
        }
        if (!existing) changed = true;
        st.putPrekey(record);
      } else {
        continue;
      }
      const inst = installations.find((i) => i.installationId === installationId);
      const next: InstallationRecord = {
        identity,
        installationId,
        protocolVersion: spk.protocolVersion,
        lastSeen: Math.max(inst?.lastSeen ?? 0, lastSeen),
        enabled: inst?.enabled ?? !isOurs,
      };
      if (!inst) changed = true;
      st.putInstallation(next);
      touched.push(next);
    }
    if (!changed && touched.length === 0 && bundle.timestamp < newest) {
      throw new SecureTransportError(
        SECURE_TRANSPORT_ERROR.STALE_BUNDLE,
        `bundle of ${identityHex} with timestamp ${bundle.timestamp} is older than the accepted ${newest}`,
      );
    }
    return touched;
  }

  private async expireSessionsOn(identity: Uint8Array, installationId: string, bundleId: Uint8Array, st: Staging): Promise<void> {
    const hex = bytesToHex(identity);
    const sessions = st.mergeSessions(await this.store.getSessionsFor(hex, installationId), hex, installationId);
    for (const s of sessions) if (!s.expired && equalBytes(s.bundleId, bundleId)) st.putSession({ ...s, expired: true });
  }

  // ---------------------------------------------------------------- installations

  private async activeInstallations(identityHex: string, st?: Staging): Promise<InstallationRecord[]> {
    let all = await this.store.getInstallations(identityHex);
    if (st) all = st.mergeInstallations(all, identityHex);
    return all
      .filter((i) => i.enabled && !(identityHex === this.identityHex && i.installationId === this.installationId))
      .sort((a, b) => b.lastSeen - a.lastSeen || (a.installationId < b.installationId ? -1 : 1))
      .slice(0, this.maxInstallations);
  }

  /** Devices known for an identity (ours when omitted), enabled or not. */
  async installations(identityKey?: Uint8Array): Promise<InstallationRecord[]> {
    const hex = identityKey ? bytesToHex(toCompressedKey(identityKey, 'identity key')) : this.identityHex;
    return this.store.getInstallations(hex);
  }

  /** Pairs one of our own devices: it gets a copy of everything we send. */
  enableInstallation(installationId: string): Promise<void> {
    return this.setInstallationEnabled(installationId, true);
  }

  /** Unpairs one of our own devices. */
  disableInstallation(installationId: string): Promise<void> {
    return this.setInstallationEnabled(installationId, false);
  }

  private setInstallationEnabled(installationId: string, enabled: boolean): Promise<void> {
    return this.exclusive(async () => {
      const inst = (await this.store.getInstallations(this.identityHex)).find((i) => i.installationId === installationId);
      if (!inst) {
        throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `unknown installation ${JSON.stringify(installationId)} of ours`);
      }
      await this.store.apply({ installations: [{ ...inst, enabled }] });
    });
  }

  // ---------------------------------------------------------------- sessions

  private async rotatedPrekeyIds(): Promise<Set<string>> {
    const ours = await this.store.getOurPrekeys();
    return new Set(ours.filter((p) => p.rotatedAt !== null).map((p) => bytesToHex(p.publicKey)));
  }

  /**
   * The session we send on: not expired, not built on a prekey of ours we rotated out, and among
   * those the one whose shared key sorts first (spec "Concurrent sessions"), so both ends agree.
   */
  private activeSession(sessions: SessionRecord[], rotated: Set<string>): SessionRecord | undefined {
    return sessions
      .filter((s) => !s.expired && !rotated.has(bytesToHex(s.bundleId)))
      .sort((a, b) => compareBytes(a.sharedKey, b.sharedKey))[0];
  }

  /**
   * Stages a session touched by this operation and prunes its siblings: sessions we no longer send on
   * and idle past `sessionRetentionMs` go; beyond `maxSessionsPerDevice` the least recently used
   * (expired first) go. The session we send on is never pruned.
   */
  private stageSession(rec: SessionRecord, st: Staging, siblings: SessionRecord[], rotated: Set<string>): void {
    const now = this.now();
    const touched = { ...rec, lastUsed: now };
    st.putSession(touched);
    const all = [...siblings.filter((s) => s.id !== rec.id), touched];
    const active = this.activeSession(all, rotated);
    const candidates = all.filter((s) => s.id !== rec.id && s.id !== active?.id);
    const doomed = new Set(candidates.filter((s) => now - s.lastUsed > this.sessionRetentionMs).map((s) => s.id));
    const excess = all.length - doomed.size - this.maxSessionsPerDevice;
    if (excess > 0) {
      const lru = candidates
        .filter((s) => !doomed.has(s.id))
        .sort((a, b) => Number(b.expired) - Number(a.expired) || a.lastUsed - b.lastUsed);
      for (const s of lru.slice(0, excess)) doomed.add(s.id);
    }
    for (const id of doomed) if (!st.batch.deleteSessions.includes(id)) st.batch.deleteSessions.push(id);
  }

  private async encryptForDevice(
    identity: Uint8Array,
    installationId: string,
    plaintext: Uint8Array,
    st: Staging,
    rotated: Set<string>,
  ): Promise<DirectMessageProtocol | null> {
    const hex = bytesToHex(identity);
    const sessions = st.mergeSessions(await this.store.getSessionsFor(hex, installationId), hex, installationId);
    let session = this.activeSession(sessions, rotated);
    if (!session) {
      const prekey = st.mergePrekeys(await this.store.getPublicPrekeys(hex), hex).find((p) => p.installationId === installationId);
      if (!prekey) return null;
      const ephemeral = generatePrivateKey();
      const sharedKey = x3dhInitiator(this.privateKey, ephemeral, identity, prekey.signedPreKey);
      session = {
        id: sessionId(prekey.signedPreKey, installationId, identity, sharedKey),
        identity,
        installationId,
        bundleId: prekey.signedPreKey,
        sharedKey,
        ephemeralKey: getPublicKey(ephemeral, true),
        expired: false,
        createdAt: this.now(),
        lastUsed: this.now(),
        state: initiatorState(sharedKey, prekey.signedPreKey),
      };
      log('X3DH with %s/%s', hex.slice(0, 12), installationId);
    }
    const { state, header, ciphertext } = ratchetEncrypt(session.state, plaintext);
    this.stageSession({ ...session, state }, st, sessions, rotated);
    const dm: DirectMessageProtocol = {
      drHeader: { key: header.key, n: header.n, pn: header.pn, id: session.bundleId },
      payload: ciphertext,
    };
    // Until the responder answers, every message repeats the X3DH header (lost first messages).
    if (session.ephemeralKey) dm.x3dhHeader = { key: session.ephemeralKey, id: session.bundleId };
    return dm;
  }

  // ---------------------------------------------------------------- messages

  /**
   * Encrypts for every active device of the recipient and of ourselves (our paired devices), at most
   * `maxInstallations` each, most recently active first; with no known device of the recipient, uses
   * the DH_header path (entry "none"). Returns ProtocolMessage bytes carrying our bundle.
   */
  async encrypt(recipientIdentityKey: Uint8Array, plaintext: Uint8Array): Promise<EncryptResult> {
    const recipient = toCompressedKey(recipientIdentityKey, 'recipient identity key');
    return this.exclusive(async () => {
      const st = new Staging();
      const rotated = await this.rotatedPrekeyIds();
      const directMessage = new Map<string, DirectMessageProtocol>();
      const targets: string[] = [];
      const recipientHex = bytesToHex(recipient);
      for (const inst of await this.activeInstallations(recipientHex)) {
        const dm = await this.encryptForDevice(recipient, inst.installationId, plaintext, st, rotated);
        if (dm) {
          directMessage.set(inst.installationId, dm);
          targets.push(inst.installationId);
        }
      }
      let usedDh = false;
      if (directMessage.size === 0 && recipientHex !== this.identityHex) {
        directMessage.set(PROTOCOL.NO_INSTALLATION_ID, encryptWithDh(recipient, plaintext));
        targets.push(PROTOCOL.NO_INSTALLATION_ID);
        usedDh = true;
      }
      if (recipientHex !== this.identityHex) {
        for (const inst of await this.activeInstallations(this.identityHex)) {
          const dm = await this.encryptForDevice(this.identityKey, inst.installationId, plaintext, st, rotated);
          if (dm) {
            directMessage.set(inst.installationId, dm);
            targets.push(inst.installationId);
          }
        }
      }
      const bundle = await this.buildOurBundle(st);
      const message = encodeProtocolMessage({ installationId: this.installationId, bundles: [bundle], directMessage });
      await this.commit(st);
      return { message, targets, usedDh };
    });
  }

  /** A public-chat ProtocolMessage: the payload in clear in `public_message`, our bundle attached. */
  buildPublicMessage(payload: Uint8Array): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const st = new Staging();
      const bundle = await this.buildOurBundle(st);
      const message = encodeProtocolMessage({
        installationId: this.installationId,
        bundles: [bundle],
        directMessage: new Map(),
        publicMessage: payload,
      });
      await this.commit(st);
      return message;
    });
  }

  /**
   * What status-go sends to a sender whose message had no entry for this device: an empty payload
   * through the DH_header path, with our bundle, so the sender adds this device from then on.
   */
  async buildBundleAdvertisement(recipientIdentityKey: Uint8Array): Promise<Uint8Array> {
    const recipient = toCompressedKey(recipientIdentityKey, 'recipient identity key');
    return this.exclusive(async () => {
      const st = new Staging();
      const message = await this.buildAdvertisement(recipient, st);
      await this.commit(st);
      return message;
    });
  }

  /**
   * status-go's BuildDHMessage: `plaintext` DH-encrypted to the recipient's identity key (entry "none"),
   * our bundle attached. Every device of that identity opens it, paired or not; sent to our own identity
   * it is how status-go's SendPairInstallation reaches our other devices.
   */
  async buildDhMessage(recipientIdentityKey: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const recipient = toCompressedKey(recipientIdentityKey, 'recipient identity key');
    return this.exclusive(async () => {
      const st = new Staging();
      const message = await this.buildAdvertisement(recipient, st, plaintext);
      await this.commit(st);
      return message;
    });
  }

  private async buildAdvertisement(recipient: Uint8Array, st: Staging, plaintext: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const bundle = await this.buildOurBundle(st);
    return encodeProtocolMessage({
      installationId: this.installationId,
      bundles: [bundle],
      directMessage: new Map([[PROTOCOL.NO_INSTALLATION_ID, encryptWithDh(recipient, plaintext)]]),
    });
  }

  /** Opens a DH ("none") entry with our identity key, or undefined when it was not encrypted to us. */
  private openOwnDh(entry: DirectMessageProtocol | undefined): Uint8Array | undefined {
    if (!entry?.dhHeader || entry.x3dhHeader || entry.drHeader) return undefined;
    try {
      return decryptWithDh(this.privateKey, parseCompressedKey(entry.dhHeader.key, 'DH header key'), entry.payload);
    } catch (e) {
      if (e instanceof SecureTransportError) return undefined;
      throw e;
    }
  }

  /**
   * Opens a ProtocolMessage from `senderIdentityKey` (the Whisper/Waku signer). Verifies attached
   * bundles, then decrypts our entry; every state change is saved, in one store write, before the
   * plaintext is returned, and a message that fails changes nothing.
   */
  async decrypt(senderIdentityKey: Uint8Array, protocolMessage: Uint8Array): Promise<DecryptResult> {
    const sender = toCompressedKey(senderIdentityKey, 'sender identity key');
    const msg = decodeProtocolMessage(protocolMessage);
    return this.exclusive(async () => {
      if (msg.bundles.length > PROTOCOL.MAX_BUNDLES_PER_MESSAGE) {
        throw new SecureTransportError(
          SECURE_TRANSPORT_ERROR.INVALID_BUNDLE,
          `ProtocolMessage carries ${msg.bundles.length} bundles, more than ${PROTOCOL.MAX_BUNDLES_PER_MESSAGE}`,
        );
      }
      const st = new Staging();
      const bundles: Bundle[] = [];
      const installations: InstallationRecord[] = [];
      for (const b of msg.bundles) {
        try {
          installations.push(...(await this.stageBundle(b, st)));
        } catch (e) {
          // Every message re-sends the sender's bundle, so an out-of-order message carries an older one.
          if (e instanceof SecureTransportError && e.code === SECURE_TRANSPORT_ERROR.STALE_BUNDLE) continue;
          throw e;
        }
        bundles.push(b);
      }
      const base = { installationId: msg.installationId, bundles, installations };
      if (msg.publicMessage !== undefined) {
        await this.commit(st);
        return { ...base, status: 'public', plaintext: msg.publicMessage, method: null };
      }
      if (msg.directMessage.size === 0) {
        throw new SecureTransportError(SECURE_TRANSPORT_ERROR.NO_PAYLOAD, `ProtocolMessage from ${msg.installationId} carries no payload`);
      }
      const fromUs = equalBytes(sender, this.identityKey);
      if (fromUs && msg.installationId === this.installationId) {
        // Our own message coming back (the transport delivers our posts to our own filters).
        await this.commit(st);
        return { ...base, status: 'own-message', plaintext: null, method: null };
      }
      // The DH ("none") entry is for a recipient we had no bundle of; from our own identity it is
      // handled below (a DH message to ourselves, or someone else's first contact).
      const entry = msg.directMessage.get(this.installationId) ?? (fromUs ? undefined : msg.directMessage.get(PROTOCOL.NO_INSTALLATION_ID));
      if (!entry && fromUs) {
        // From another device of ours, a DH entry is either a DH message to our own identity (status-go's
        // SendPairInstallation, meant for every device of ours, paired or not) or a first contact with
        // someone else, which our key does not open.
        const own = this.openOwnDh(msg.directMessage.get(PROTOCOL.NO_INSTALLATION_ID));
        if (own) {
          await this.touchInstallation(sender, msg.installationId, st);
          await this.commit(st);
          return { ...base, status: 'decrypted', plaintext: own, method: 'dh' };
        }
      }
      if (!entry) {
        if (!fromUs) {
          const senderHex = bytesToHex(sender);
          const last = this.lastAdvertised.get(senderHex);
          const now = this.now();
          if (last !== undefined && now - last < this.advertisementCooldownMs) {
            await this.commit(st);
            return { ...base, status: 'not-addressed', plaintext: null, method: null };
          }
          const reply = await this.buildAdvertisement(sender, st);
          await this.commit(st);
          this.lastAdvertised.set(senderHex, now);
          return { ...base, status: 'not-addressed', plaintext: null, method: null, reply };
        }
        await this.commit(st);
        const status = msg.installationId === this.installationId ? 'own-message' : 'not-paired';
        return { ...base, status, plaintext: null, method: null };
      }
      let plaintext: Uint8Array;
      let method: DecryptResult['method'];
      if (entry.x3dhHeader) {
        if (!entry.drHeader) throw new SecureTransportError(SECURE_TRANSPORT_ERROR.NO_HEADER, 'X3DH header without a DR header');
        plaintext = await this.decryptX3dh(sender, msg.installationId, entry, st);
        method = 'x3dh';
      } else if (entry.drHeader) {
        plaintext = await this.decryptRatchetEntry(sender, msg.installationId, entry.drHeader, entry.payload, st);
        method = 'ratchet';
      } else if (entry.dhHeader) {
        const key = parseCompressedKey(entry.dhHeader.key, 'DH header key');
        plaintext = decryptWithDh(this.privateKey, key, entry.payload);
        method = 'dh';
      } else {
        throw new SecureTransportError(SECURE_TRANSPORT_ERROR.NO_HEADER, `entry from ${msg.installationId} has no X3DH, DR or DH header`);
      }
      await this.touchInstallation(sender, msg.installationId, st);
      await this.commit(st);
      return { ...base, status: 'decrypted', plaintext, method };
    });
  }

  private async touchInstallation(identity: Uint8Array, installationId: string, st: Staging): Promise<void> {
    if (!installationId || installationId === PROTOCOL.NO_INSTALLATION_ID) return;
    const hex = bytesToHex(identity);
    const inst = st.mergeInstallations(await this.store.getInstallations(hex), hex).find((i) => i.installationId === installationId);
    if (inst) st.putInstallation({ ...inst, lastSeen: Math.max(inst.lastSeen, this.now()) });
  }

  private async decryptX3dh(sender: Uint8Array, installationId: string, entry: DirectMessageProtocol, st: Staging): Promise<Uint8Array> {
    const x3dh = entry.x3dhHeader!;
    const dr = entry.drHeader!;
    const ephemeral = parseCompressedKey(x3dh.key, 'X3DH ephemeral key');
    const prekey = (await this.store.getOurPrekeys()).find((p) => equalBytes(p.publicKey, x3dh.id));
    if (!prekey) {
      throw new SecureTransportError(
        SECURE_TRANSPORT_ERROR.UNKNOWN_PREKEY,
        `X3DH header names signed prekey ${bytesToHex(x3dh.id)}, which we do not hold`,
      );
    }
    const sharedKey = x3dhResponder(this.privateKey, prekey.privateKey, sender, ephemeral);
    const hex = bytesToHex(sender);
    const sessions = st.mergeSessions(await this.store.getSessionsFor(hex, installationId), hex, installationId);
    const id = sessionId(prekey.publicKey, installationId, sender, sharedKey);
    const session: SessionRecord = sessions.find((s) => s.id === id) ?? {
      id,
      identity: sender,
      installationId,
      bundleId: prekey.publicKey,
      sharedKey,
      ephemeralKey: null,
      expired: false,
      createdAt: this.now(),
      lastUsed: this.now(),
      state: responderState(sharedKey, prekey.privateKey),
    };
    const header = this.ratchetHeader(dr);
    const plaintext = await this.decryptWithSession(session, header, entry.payload, st);
    this.stageSession(st.batch.sessions.find((s) => s.id === id)!, st, sessions, await this.rotatedPrekeyIds());
    return plaintext;
  }

  private ratchetHeader(dr: DrHeader): RatchetHeader {
    return { key: parseCompressedKey(dr.key, 'DR header key'), n: dr.n, pn: dr.pn };
  }

  private async decryptRatchetEntry(sender: Uint8Array, installationId: string, dr: DrHeader, payload: Uint8Array, st: Staging): Promise<Uint8Array> {
    const header = this.ratchetHeader(dr);
    const hex = bytesToHex(sender);
    const sessions = (await this.store.getSessionsFor(hex, installationId)).filter((s) => equalBytes(s.bundleId, dr.id));
    if (sessions.length === 0) {
      throw new SecureTransportError(
        SECURE_TRANSPORT_ERROR.NO_SESSION,
        `no session with ${hex} / ${installationId} on prekey ${bytesToHex(dr.id)}`,
      );
    }
    // Concurrent sessions can share a prekey: try the one on this ratchet key first, then newest first.
    sessions.sort((a, b) => Number(equalBytes(b.state.dhr, header.key)) - Number(equalBytes(a.state.dhr, header.key)) || b.lastUsed - a.lastUsed);
    let firstError: unknown;
    for (const s of sessions) {
      try {
        const plaintext = await this.decryptWithSession(s, header, payload, st);
        const siblings = await this.store.getSessionsFor(hex, installationId);
        this.stageSession(st.batch.sessions.find((x) => x.id === s.id)!, st, siblings, await this.rotatedPrekeyIds());
        return plaintext;
      } catch (e) {
        if (!(e instanceof SecureTransportError)) throw e;
        firstError ??= e;
      }
    }
    throw firstError;
  }

  /** Decrypts with one session, staging its new state and key changes only on success. */
  private async decryptWithSession(session: SessionRecord, header: RatchetHeader, payload: Uint8Array, st: Staging): Promise<Uint8Array> {
    const dh = bytesToHex(header.key);
    const mk = await this.store.getSkippedKey(session.id, dh, header.n);
    if (mk) {
      const plaintext = decryptSkipped(mk, header, payload);
      st.batch.deleteSkippedKeys.push({ sessionId: session.id, dh, n: header.n });
      // The peer answered on this session: stop repeating our X3DH header.
      st.putSession({ ...session, ephemeralKey: null });
      return plaintext;
    }
    const { state, plaintext, skipped } = ratchetDecrypt(session.state, header, payload, { maxSkip: this.maxSkip });
    st.putSession({ ...session, state, ephemeralKey: null });
    for (const k of skipped) st.batch.putSkippedKeys.push({ sessionId: session.id, dh: bytesToHex(k.dh), n: k.n, mk: k.mk, seq: k.seq });
    st.batch.pruneSkippedKeys.push({
      sessionId: session.id,
      deleteUpToSeq: state.keysCount - this.maxKeep,
      maxKeys: this.maxMessageKeysPerSession,
    });
    return plaintext;
  }
}
