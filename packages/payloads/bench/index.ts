// Payload benchmarks: each figure is printed beside a baseline measured in the same run.
// Run: npm run bench -w @status-stack/payloads
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { availableBackends, getBackend, getPublicKey, hexToBytes, keccak256, recoverPublicKey, sign, useBackend, type BackendName } from '@status-stack/crypto';
import {
  APPLICATION_MESSAGE_TYPE,
  CONTENT_TYPE,
  MESSAGE_TYPE,
  decodeApplicationMetadataMessage,
  decodeChatMessage,
  emptyChatMessage,
  encodeApplicationMetadataMessage,
  encodeChatMessage,
  receiveApplicationMessage,
  wrapApplicationMessage,
  type ChatMessage,
} from '../src/index.js';

const priv = hexToBytes('11'.repeat(32));
const pub = getPublicKey(priv);
const message: ChatMessage = {
  ...emptyChatMessage(),
  clock: 1795592980447n,
  timestamp: 1795592980447n,
  text: 'Hey everyone, is the meetup still on for Thursday evening? I can bring the projector and a few extra chairs.',
  chatId: 'status',
  messageType: MESSAGE_TYPE.PUBLIC_GROUP,
  contentType: CONTENT_TYPE.TEXT_PLAIN,
};
const payload = encodeChatMessage(message);
const wrapped = wrapApplicationMessage(APPLICATION_MESSAGE_TYPE.CHAT_MESSAGE, payload, priv, pub);

const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));
const pbChat = protobuf.loadSync(readdirSync(protoDir).map((f) => protoDir + f)).lookupType('statusstack.payloads.ChatMessage');
const pbPlain = { clock: 1795592980447, timestamp: 1795592980447, text: message.text, chatId: message.chatId, messageType: 2, contentType: 1 };

/** Operations per second, running `fn` for about `ms` milliseconds after a short warm-up. */
function rate(fn: () => unknown, ms = 700): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** Alternates ours and the baseline a few times and keeps each one's best: the machine is shared. */
function pair(ours: () => unknown, baseline: () => unknown, ms: number): [number, number] {
  let a = 0;
  let b = 0;
  for (let round = 0; round < 3; round++) {
    b = Math.max(b, rate(baseline, ms / 3));
    a = Math.max(a, rate(ours, ms / 3));
  }
  return [a, b];
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(11);
function row(label: string, ours: number, baselineLabel: string, baseline: number): void {
  console.log(`  ${label.padEnd(34)} ${fmt(ours)} /s   ${baselineLabel.padEnd(32)} ${fmt(baseline)} /s   ratio ${(ours / baseline).toFixed(2)}`);
}

console.log(`typical text message: ChatMessage ${payload.length} B, ApplicationMetadataMessage ${wrapped.bytes.length} B`);
const original = getBackend().name;
const backends: BackendName[] = availableBackends().map((b) => b.name);
for (const name of backends) {
  useBackend(name);
  const quick = name === 'portable' ? 300 : 600;
  console.log(`\nbackend: ${name}`);
  const rawSign = (): unknown => sign(keccak256(payload), priv);
  const rawRecover = (): unknown => recoverPublicKey(keccak256(payload), wrapped.signature);
  const [wrap, signBase] = pair(() => wrapApplicationMessage(1, encodeChatMessage(message), priv, pub), rawSign, quick * 2);
  row('wrap+sign (encode, sign, id)', wrap, 'raw keccak256+sign', signBase);
  const [open, recoverBase] = pair(() => receiveApplicationMessage(wrapped.bytes), rawRecover, quick * 2);
  row('open+verify (decode, recover, id)', open, 'raw keccak256+recover', recoverBase);
  if (name === original) {
    row('protobuf encode ChatMessage', rate(() => encodeChatMessage(message)), 'raw keccak256+sign', signBase);
    row('protobuf decode ChatMessage', rate(() => decodeChatMessage(payload)), 'raw keccak256+sign', signBase);
    const [enc, pbEnc] = pair(() => encodeChatMessage(message), () => pbChat.encode(pbPlain).finish(), 1200);
    row('protobuf encode ChatMessage', enc, 'protobufjs 8 encode (reflection)', pbEnc);
    const [dec, pbDec] = pair(() => decodeChatMessage(payload), () => pbChat.decode(payload), 1200);
    row('protobuf decode ChatMessage', dec, 'protobufjs 8 decode (reflection)', pbDec);
    const amm = decodeApplicationMetadataMessage(wrapped.bytes);
    const [ammEnc, ammEnc2] = pair(() => encodeApplicationMetadataMessage(amm), () => pbChat.encode(pbPlain).finish(), 1200);
    row('protobuf encode AppMetadataMessage', ammEnc, 'protobufjs 8 encode (reflection)', ammEnc2);
    const [ammDec, ammDec2] = pair(() => decodeApplicationMetadataMessage(wrapped.bytes), () => pbChat.decode(payload), 1200);
    row('protobuf decode AppMetadataMessage', ammDec, 'protobufjs 8 decode (reflection)', ammDec2);
  }
}
useBackend(original);
