import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import { encodeSignedGroupEvent, foldGroupEvents, groupEventKey, openGroupEvent, type GroupFold, type SignedGroupEvent } from '@status-stack/payloads';
import type { ChatRecord } from '../types.js';
import type { ClientChat } from './types.js';
import { CLIENT_ERROR, ClientError } from './errors.js';

// A private group is kept as the set of its signed membership events (ChatRecord.members, JSON):
// the state is always re-folded from them, so every member holding the same events holds the same state.

interface StoredGroup {
  events: string[];
}

export function groupEventsOf(chat: ChatRecord): SignedGroupEvent[] {
  if (chat.members === null) return [];
  let parsed: StoredGroup;
  try {
    parsed = JSON.parse(chat.members) as StoredGroup;
  } catch (e) {
    throw new ClientError(CLIENT_ERROR.STORAGE_FAILED, `group ${chat.id} has unreadable members JSON: ${(e as Error).message}`, { cause: e });
  }
  return parsed.events.map((hex) => openGroupEvent(chat.id, hexToBytes(hex)));
}

export function encodeGroupEvents(events: readonly SignedGroupEvent[]): string {
  return JSON.stringify({ events: events.map((e) => bytesToHex(encodeSignedGroupEvent(e))) } satisfies StoredGroup);
}

/** The union of two event sets, de-duplicated as the fold does. */
export function mergeGroupEvents(a: readonly SignedGroupEvent[], b: readonly SignedGroupEvent[]): SignedGroupEvent[] {
  const out = new Map<string, SignedGroupEvent>();
  for (const e of [...a, ...b]) if (!out.has(groupEventKey(e))) out.set(groupEventKey(e), e);
  return [...out.values()];
}

export function foldGroup(chatId: string, events: readonly SignedGroupEvent[]): GroupFold {
  return foldGroupEvents(chatId, events);
}

/** A stored chat as the client shows it: a private group with the state its events fold into. */
export function toClientChat(chat: ChatRecord): ClientChat {
  if (chat.type !== 'private-group') return { ...chat };
  return { ...chat, group: foldGroup(chat.id, groupEventsOf(chat)).state };
}
