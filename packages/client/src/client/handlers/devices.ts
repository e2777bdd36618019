import { bytesToHex } from '@status-stack/crypto';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from '@status-stack/secure-transport';
import {
  APPLICATION_MESSAGE_TYPE,
  nextClock,
  sendApplicationMessage,
  sendUnsignedApplicationMessage,
  wrapApplicationMessage,
  type PairInstallation,
} from '@status-stack/payloads';
import type { InstallationRecord } from '../../types.js';
import type { ChatTransport } from '../chat-transport.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_NS, EMPTY } from '../constants.js';
import { CLIENT_ERROR, ClientError, throwIfAborted } from '../errors.js';
import { decodeRecord, encodeRecord } from '../json-codec.js';
import type { MessageSender } from '../message-sender.js';
import type { ClientInstallation, InstallationMetadata, IterateOptions } from '../types.js';

/** Metadata of an installation record (JSON written by this client), or undefined when absent or unreadable. */
function parseInstallationMetadata(json: string | null): { name: string; deviceType: string; clock: bigint } | undefined {
  if (json === null) return undefined;
  try {
    const v = JSON.parse(json) as { name?: unknown; deviceType?: unknown; clock?: unknown };
    if (typeof v.name !== 'string' || typeof v.deviceType !== 'string') return undefined;
    return { name: v.name, deviceType: v.deviceType, clock: typeof v.clock === 'string' && /^[0-9]+$/.test(v.clock) ? BigInt(v.clock) : 0n };
  } catch {
    return undefined;
  }
}

function metadataJson(name: string, deviceType: string, clock: bigint): string {
  return JSON.stringify({ name, deviceType, clock: clock.toString() });
}

/**
 * Our devices: the bundle we advertise on our contact-code topic, this installation's metadata,
 * pairing (PairInstallation, enabling and disabling installations) and syncing chats and contacts to them.
 */
export class Devices {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
    private readonly sender: MessageSender,
  ) {}

  /** Publishes our bundle on our contact-code topic when it changed or the interval passed (always with `force`). */
  async publishContactCode(force: boolean): Promise<boolean> {
    const c = this.core;
    if (c.status !== 'running') return false;
    const bundle = await c.secure.ourBundle();
    const fingerprint = [...bundle.signedPreKeys.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, k]) => `${id}:${bytesToHex(k.signedPreKey)}:${k.version}`)
      .join(',');
    const last = await c.storage.kvGet(CLIENT_NS.META, 'contact-code');
    const prev = last ? decodeRecord<{ fingerprint: string; at: number }>(last, 'contact code state') : undefined;
    const due = !prev || prev.fingerprint !== fingerprint || c.now() - prev.at >= c.settings.contactCodeIntervalMs;
    if (!force && !due) return false;
    // status-go v0.62: an ApplicationMetadataMessage of type CONTACT_CODE_ADVERTISEMENT, empty payload, our bundle attached.
    const amm = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CONTACT_CODE_ADVERTISEMENT, EMPTY, c.privateKey, c.publicKey);
    const message = await c.secure.buildPublicMessage(amm.bytes);
    await this.chats.postOn(this.chats.contactCodeKeys(c.publicKeyHex), message);
    await c.storage.kvPut(CLIENT_NS.META, 'contact-code', encodeRecord({ fingerprint, at: c.now() }));
    return true;
  }

  async installations(): Promise<ClientInstallation[]> {
    const c = this.core;
    c.assertRunning();
    const stored = new Map((await c.storage.listInstallations(c.publicKeyHex)).map((r) => [r.installationId, parseInstallationMetadata(r.metadata)]));
    return (await c.secure.installations())
      .filter((i) => i.installationId !== c.installationId)
      .map((i) => {
        const meta = stored.get(i.installationId);
        return { installationId: i.installationId, enabled: i.enabled, lastSeen: i.lastSeen, name: meta?.name ?? null, deviceType: meta?.deviceType ?? null };
      });
  }

  async installationMetadata(): Promise<InstallationMetadata | undefined> {
    const c = this.core;
    c.assertRunning();
    const meta = parseInstallationMetadata((await c.storage.getInstallation(c.publicKeyHex, c.installationId))?.metadata ?? null);
    return meta && { name: meta.name, deviceType: meta.deviceType };
  }

  async setInstallationMetadata(metadata: InstallationMetadata): Promise<void> {
    const c = this.core;
    c.assertRunning();
    for (const [field, value] of [
      ['name', metadata.name],
      ['deviceType', metadata.deviceType],
    ] as const) {
      // Receivers (status-go's ValidateReceivedPairInstallation) drop blank fields.
      if (typeof value !== 'string' || value.trim().length === 0) throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `installation ${field} must not be blank: ${JSON.stringify(value)}`);
    }
    const existing = parseInstallationMetadata((await c.storage.getInstallation(c.publicKeyHex, c.installationId))?.metadata ?? null);
    await c.storage.putInstallation({
      identity: c.publicKeyHex,
      installationId: c.installationId,
      enabled: true,
      lastSeen: c.now(),
      metadata: metadataJson(metadata.name, metadata.deviceType, existing?.clock ?? 0n),
    });
  }

  /** See StatusClient.sendPairInstallation. */
  async sendPairInstallation(options: IterateOptions): Promise<string> {
    const c = this.core;
    c.assertRunning();
    throwIfAborted(options.signal, 'sendPairInstallation');
    const own = await c.storage.getInstallation(c.publicKeyHex, c.installationId);
    const meta = parseInstallationMetadata(own?.metadata ?? null);
    if (!own || !meta) throw new ClientError(CLIENT_ERROR.NOT_ALLOWED, 'no installation metadata: call setInstallationMetadata first');
    const clock = nextClock(meta.clock, c.now());
    const value: PairInstallation = { clock, installationId: c.installationId, deviceType: meta.deviceType, name: meta.name };
    // Unsigned, as status-go's SendPairInstallation (wrapMessageV1 without a sender key): deniable, the
    // DH message's envelope signature names us; its id is keccak256(wrapper bytes).
    const amm = sendUnsignedApplicationMessage({ kind: 'pairInstallation', type: APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION, value });
    await c.storage.putInstallation({ ...own, metadata: metadataJson(meta.name, meta.deviceType, clock) });
    const message = await c.secure.buildDhMessage(c.publicKey, amm.bytes);
    throwIfAborted(options.signal, 'sendPairInstallation');
    await this.chats.postProtocolMessage(c.publicKeyHex, c.publicKey, message);
    return amm.id;
  }

  /** A PairInstallation from one of our devices (the pipeline checked author and channel). */
  async receivePairInstallation(value: PairInstallation): Promise<void> {
    const c = this.core;
    if (value.installationId === c.installationId) return;
    // As status-go: only an installation the secure transport knows (from the bundle the message carries).
    const known = (await c.secure.installations()).find((i) => i.installationId === value.installationId);
    if (!known) {
      c.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `PairInstallation for unknown installation ${JSON.stringify(value.installationId)}`);
      return;
    }
    const stored = await c.storage.getInstallation(c.publicKeyHex, value.installationId);
    const prev = parseInstallationMetadata(stored?.metadata ?? null);
    if (prev && prev.clock >= value.clock) return;
    const record: InstallationRecord = {
      identity: c.publicKeyHex,
      installationId: value.installationId,
      enabled: known.enabled,
      lastSeen: known.lastSeen,
      metadata: metadataJson(value.name, value.deviceType, value.clock),
    };
    await c.storage.putInstallation(record);
    c.emitter.emit('installation', { installationId: value.installationId, enabled: known.enabled, lastSeen: known.lastSeen, name: value.name, deviceType: value.deviceType });
  }

  async setEnabled(installationId: string, enabled: boolean): Promise<void> {
    const c = this.core;
    c.assertRunning();
    try {
      if (enabled) await c.secure.enableInstallation(installationId);
      else await c.secure.disableInstallation(installationId);
    } catch (e) {
      if (e instanceof SecureTransportError && e.code === SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT) {
        throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, e.message, { cause: e });
      }
      throw e;
    }
    this.sender.forgetPairedDevices();
    const known = (await c.secure.installations()).find((i) => i.installationId === installationId);
    const stored = await c.storage.getInstallation(c.publicKeyHex, installationId);
    const lastSeen = known?.lastSeen ?? stored?.lastSeen ?? 0;
    await c.storage.putInstallation({ identity: c.publicKeyHex, installationId, enabled, lastSeen, metadata: stored?.metadata ?? null });
    const meta = parseInstallationMetadata(stored?.metadata ?? null);
    c.emitter.emit('installation', { installationId, enabled, lastSeen, name: meta?.name ?? null, deviceType: meta?.deviceType ?? null });
    await this.publishContactCode(false);
  }

  /** Sends our joined public chats and added contacts to our paired devices; resolves with how many messages went out. */
  async sync(options: IterateOptions): Promise<number> {
    const c = this.core;
    c.assertRunning();
    let sent = 0;
    const clock = BigInt(c.now());
    for (const chat of await c.storage.listChats()) {
      if (chat.type !== 'public' || !chat.joined) continue;
      throwIfAborted(options.signal, 'syncDevices');
      const amm = sendApplicationMessage(
        { kind: 'syncInstallationPublicChat', type: APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_PUBLIC_CHAT, value: { clock, id: chat.id } },
        c.privateKey,
        c.publicKey,
      );
      await this.sender.postDirect(c.publicKeyHex, amm.bytes);
      sent++;
    }
    for (const contact of await c.storage.listContacts()) {
      if (!contact.added) continue;
      throwIfAborted(options.signal, 'syncDevices');
      const amm = sendApplicationMessage(
        {
          kind: 'syncInstallationContact',
          type: APPLICATION_MESSAGE_TYPE.SYNC_INSTALLATION_CONTACT,
          value: { clock, id: contact.publicKey, profileImage: '', ensName: contact.name ?? '', lastUpdated: contact.lastUpdated, systemTags: [':contact/added'], localNickname: '' },
        },
        c.privateKey,
        c.publicKey,
      );
      await this.sender.postDirect(c.publicKeyHex, amm.bytes);
      sent++;
    }
    return sent;
  }
}
