import { isPublicKeyHex, publicKeyToHex } from './chat-id.js';

export interface Mention {
  /** `0x04…` key, lowercase. */
  readonly publicKey: string;
  /** Offset of the `@` in the text (UTF-16 code units). */
  readonly start: number;
  /** Offset just past the key. */
  readonly end: number;
}

// 6/PAYLOADS "Mentions": `@0x<pk>` inside a TEXT_PLAIN message, pk the uncompressed public key.
const MENTION = /@(0x04[0-9a-fA-F]{128})(?![0-9a-fA-F])/g;

/** Every `@0x04…` mention of a valid public key in the text, in order of appearance. */
export function parseMentions(text: string): Mention[] {
  const out: Mention[] = [];
  for (const m of text.matchAll(MENTION)) {
    const publicKey = m[1].toLowerCase();
    if (!isPublicKeyHex(publicKey)) continue;
    out.push({ publicKey, start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** True when the text mentions this key (e.g. to notify the user). */
export function isMentioned(text: string, publicKey: Uint8Array): boolean {
  const hex = publicKeyToHex(publicKey);
  return parseMentions(text).some((m) => m.publicKey === hex);
}

/** The text form of a mention of this key. */
export function formatMention(publicKey: Uint8Array): string {
  return `@${publicKeyToHex(publicKey)}`;
}
