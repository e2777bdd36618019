import type { ChatRecord, ContactRecord, InstallationRecord, MessageRecord } from '../../src/index.js';

export function chat(id: string, over: Partial<ChatRecord> = {}): ChatRecord {
  return { id, type: 'public', name: id, joined: true, lastClock: 0n, members: null, createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, ...over };
}

export function message(id: string, chatId: string, clock: bigint, over: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    chatId,
    clock,
    timestamp: 1_700_000_000_000 + Number(clock),
    from: '0x04' + 'ab'.repeat(64),
    text: `text of ${id}`,
    contentType: 1,
    responseTo: null,
    content: null,
    outgoing: false,
    deliveryState: 'received',
    payload: null,
    receivedAt: 1_700_000_000_500,
    ...over,
  };
}

export function contact(publicKey: string, over: Partial<ContactRecord> = {}): ContactRecord {
  return { publicKey, name: null, added: true, blocked: false, lastUpdated: 1n, ...over };
}

export function installation(identity: string, installationId: string, over: Partial<InstallationRecord> = {}): InstallationRecord {
  return { identity, installationId, enabled: true, lastSeen: 1_700_000_000_000, metadata: null, ...over };
}
