// Test-only fixtures: fixed identities and a signer for group events. Not part of the package.
import { getPublicKey, hexToBytes } from '@status-stack/crypto';
import { groupChatId, publicKeyToHex, signGroupEvent, type MembershipUpdateEvent, type SignedGroupEvent } from '../src/index.js';

export interface Identity {
  readonly name: string;
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
  readonly hex: string;
}

export function identity(name: string, byte: number): Identity {
  const priv = hexToBytes(byte.toString(16).padStart(2, '0').repeat(32));
  const pub = getPublicKey(priv);
  return { name, priv, pub, hex: publicKeyToHex(pub) };
}

export const alice = identity('alice', 0x11);
export const bob = identity('bob', 0x22);
export const carol = identity('carol', 0x33);
export const dave = identity('dave', 0x44);
export const eve = identity('eve', 0x55);
export const everyone = [alice, bob, carol, dave, eve] as const;

export const GROUP_UUID = '5b9c1d2e-3f40-4a51-9b62-7c83d94ea5f6';
export const groupId = groupChatId(alice.pub, GROUP_UUID);

export function event(
  by: Identity,
  type: number,
  clock: number | bigint,
  fields: { members?: string[]; name?: string } = {},
  chatId: string = groupId,
): SignedGroupEvent {
  const e: MembershipUpdateEvent = { clock: BigInt(clock), type, members: fields.members ?? [], name: fields.name ?? '' };
  return signGroupEvent(chatId, e, by.priv, by.pub);
}
