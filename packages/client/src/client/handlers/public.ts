import { publicChatId } from '@status-stack/payloads';
import type { ChatRecord } from '../../types.js';
import { toPublicChatId } from '../arguments.js';
import type { ChatTransport } from '../chat-transport.js';
import type { ClientCore } from '../client-core.js';
import { CLIENT_ERROR, ClientError } from '../errors.js';
import type { ClientChat, IterateOptions } from '../types.js';
import type { History } from './history.js';

/** Public chats: joining (listening on the chat's topic, with its history), leaving, and joins synced from our devices. */
export class PublicChats {
  constructor(
    private readonly core: ClientCore,
    private readonly chats: ChatTransport,
    private readonly history: History,
  ) {}

  async join(name: string, options: IterateOptions): Promise<ClientChat> {
    const c = this.core;
    c.assertRunning();
    const id = toPublicChatId(name);
    const chat = await this.putJoined(id, await c.storage.getChat(id));
    if (c.settings.historyEnabled && c.mailserverReady()) {
      // History is best effort: a mailserver that fails or vanishes is reported, the join stands.
      await this.history.request([this.chats.publicChatKeys(id).topic], options).catch((e: unknown) => {
        if (e instanceof ClientError && e.code === CLIENT_ERROR.ABORTED) throw e;
        c.reportError(e, CLIENT_ERROR.HISTORY_FAILED, `history of ${id}`);
      });
    }
    return { ...chat };
  }

  async leave(name: string): Promise<void> {
    const c = this.core;
    c.assertRunning();
    const id = toPublicChatId(name);
    const chat = await c.storage.getChat(id);
    this.chats.unlistenPublicChat(id);
    if (!chat) return;
    const left = { ...chat, joined: false, updatedAt: c.now() };
    await c.storage.putChat(left);
    c.emitter.emit('chat', { ...left });
  }

  /** A SyncInstallationPublicChat from one of our devices: we join the chat too. */
  async joinSynced(name: string): Promise<void> {
    let id: string;
    try {
      id = publicChatId(name);
    } catch (e) {
      this.core.payloadError(CLIENT_ERROR.INVALID_PAYLOAD, `synced public chat: ${(e as Error).message}`, e);
      return;
    }
    const existing = await this.core.storage.getChat(id);
    if (existing?.joined) return;
    await this.putJoined(id, existing);
  }

  private async putJoined(id: string, existing: ChatRecord | undefined): Promise<ChatRecord> {
    const now = this.core.now();
    const chat: ChatRecord = existing
      ? { ...existing, joined: true, updatedAt: now }
      : { id, type: 'public', name: id, joined: true, lastClock: 0n, members: null, createdAt: now, updatedAt: now };
    await this.core.storage.putChat(chat);
    this.chats.listenChat(chat);
    this.core.emitter.emit('chat', { ...chat });
    return chat;
  }
}
