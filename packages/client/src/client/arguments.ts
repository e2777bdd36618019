import { bytesToHex } from '@status-stack/crypto';
import { isGroupChatId, isPublicKeyHex, publicChatId, publicKeyToHex } from '@status-stack/payloads';
import { CLIENT_ERROR, ClientError } from './errors.js';

const UUID_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/i;

/**
 * A chat id a caller passed: one that cannot be an id at all (not a string, empty, padded), a
 * `0x…` that is not a valid public key, or a `<uuid>-…` that is not a group id is INVALID_ARGUMENT.
 * A well-formed id with no chat behind it is for the caller to report as UNKNOWN_CHAT.
 */
export function checkChatId(chatId: unknown): string {
  if (typeof chatId !== 'string' || chatId.length === 0 || chatId.trim() !== chatId) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a chat id: ${JSON.stringify(chatId)} (a public chat name, a 0x04… key or a group id)`);
  }
  if (/^0x/i.test(chatId) && !isPublicKeyHex(chatId.toLowerCase())) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a public key: ${JSON.stringify(chatId)} (a 1:1 chat id is 0x04 and 128 hex digits of a secp256k1 point)`);
  }
  if (UUID_PREFIX.test(chatId) && !isGroupChatId(chatId)) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a group chat id: ${JSON.stringify(chatId)} (a lowercase UUID, "-" and the creator's 0x04… key)`);
  }
  return chatId;
}

/** A group chat id a caller passed, or INVALID_ARGUMENT. */
export function checkGroupChatId(chatId: unknown): string {
  if (typeof chatId !== 'string' || !isGroupChatId(chatId)) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a group chat id: ${JSON.stringify(chatId)} (a lowercase UUID, "-" and the creator's 0x04… key)`);
  }
  return chatId;
}

/** A public key a caller passed (`0x04…` or bytes) as lowercase `0x04…`, or INVALID_ARGUMENT. */
export function toKeyHex(key: string | Uint8Array): string {
  try {
    if (typeof key === 'string') {
      const k = key.toLowerCase();
      if (!isPublicKeyHex(k)) throw new Error('not a 0x04 public key');
      return k;
    }
    return publicKeyToHex(key);
  } catch (e) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `not a public key: ${typeof key === 'string' ? key : bytesToHex(key)}`, { cause: e });
  }
}

/** A public chat name a caller passed, normalised as status-go names the chat, or INVALID_ARGUMENT. */
export function toPublicChatId(name: string): string {
  try {
    return publicChatId(name);
  } catch (e) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, (e as Error).message, { cause: e });
  }
}
