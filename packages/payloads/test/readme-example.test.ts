// The README's examples, run as written (imports via the package's public entry).
import { expect, it } from 'vitest';
import { getPublicKey, generatePrivateKey } from '@status-stack/crypto';
import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MESSAGE_TYPE,
  LamportClock,
  emptyChatMessage,
  encodeChatMessage,
  wrapApplicationMessage,
  receiveApplicationMessage,
  groupChatId,
  signGroupEvent,
  buildMembershipUpdate,
  openMembershipUpdate,
  foldGroupEvents,
  MEMBERSHIP_EVENT_TYPE as E,
} from '@status-stack/payloads';

it('README: send and receive a public chat message', () => {
  const priv = generatePrivateKey();
  const clock = new LamportClock();
  const chat = {
    ...emptyChatMessage(),
    clock: clock.next(),
    timestamp: BigInt(Date.now()),
    text: 'hello',
    chatId: 'status',
    messageType: MESSAGE_TYPE.PUBLIC_GROUP,
    contentType: CONTENT_TYPE.TEXT_PLAIN,
  };
  const sent = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, encodeChatMessage(chat), priv, getPublicKey(priv));
  const got = receiveApplicationMessage(sent.bytes, { transportTimestampMs: Date.now() });
  expect(got.id).toBe(sent.id);
  expect(got.decoded.kind).toBe('chatMessage');
  if (got.decoded.kind === 'chatMessage') {
    expect(got.decoded.value.text).toBe('hello');
    clock.observe(got.decoded.value.clock);
  }
  expect(clock.next()).toBeGreaterThan(chat.clock);
});

it('README: a private group', () => {
  const priv = generatePrivateKey();
  const chatId = groupChatId(getPublicKey(priv));
  const created = signGroupEvent(chatId, { clock: 1n, type: E.CHAT_CREATED, name: 'friends', members: [] }, priv);
  const wire = buildMembershipUpdate(chatId, [created]);
  const { events } = openMembershipUpdate(wire);
  const { state, rejected } = foldGroupEvents(chatId, events);
  expect(rejected).toEqual([]);
  expect(state?.name).toBe('friends');
});
