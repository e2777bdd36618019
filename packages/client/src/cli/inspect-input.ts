// status-inspect's input: hex text, one envelope or messages packet per line, and the RLP it holds.
import { RLP } from '@ethereumjs/rlp';
import { decodeEnvelope, decodeMessagesPacket, type Envelope } from '@status-stack/whisper';
import { INSPECT_ERROR, InspectError, layerError } from './inspect-types.js';

const HEX_RE = /^(0x)?([0-9a-fA-F]{2})*$/;

/** Strict hex (0x optional). Throws InspectError(INVALID_INPUT). */
export function parseHex(text: string, what = 'input'): Uint8Array {
  const t = text.trim();
  if (t.length === 0 || t === '0x' || !HEX_RE.test(t)) {
    const shown = t.length > 80 ? `${t.slice(0, 80)}…` : t;
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `${what} is not hex: ${JSON.stringify(shown)}`);
  }
  const h = t.startsWith('0x') ? t.slice(2) : t;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One input per non-empty line; `#` starts a comment line. Returns [line number, text]. */
export function splitInputLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t.length > 0 && !t.startsWith('#')) out.push({ line: i + 1, text: t });
  });
  return out;
}

export interface ParsedInput {
  /** `envelope`: one envelope's RLP; `messages`: an RLP list of envelopes (messages / P2P messages packet). */
  kind: 'envelope' | 'messages';
  envelopes: Envelope[];
}

/** Decides whether the bytes are one envelope or a messages packet, and decodes them. Throws InspectError(INVALID_INPUT). */
export function parseEnvelopes(bytes: Uint8Array): ParsedInput {
  let item: Uint8Array | unknown[];
  try {
    item = RLP.decode(bytes) as Uint8Array | unknown[];
  } catch (e) {
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not RLP (${bytes.length} bytes): ${(e as Error).message}`, { cause: e });
  }
  if (item instanceof Uint8Array) {
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `an RLP byte string of ${item.length} bytes, not an envelope or a list of envelopes`);
  }
  try {
    // An envelope starts with its expiry (a byte string); a messages packet with an envelope (a list).
    if (item.length > 0 && item[0] instanceof Uint8Array) return { kind: 'envelope', envelopes: [decodeEnvelope(bytes)] };
    return { kind: 'messages', envelopes: decodeMessagesPacket(bytes) };
  } catch (e) {
    const err = layerError(e);
    throw new InspectError(INSPECT_ERROR.INVALID_INPUT, `not an envelope: ${err.code}: ${err.message}`, { cause: e });
  }
}
