import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generatePrivateKey } from '@status-stack/crypto';
import { SqliteStorage, type ClientMessage } from '../src/index.js';
import { FlakyTransport, Harness, until } from './helpers/client-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('StatusClient restarts on the same SQLite storage', () => {
  it('keeps messages, continues ratchet sessions, and keeps its installation id', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const keyA = generatePrivateKey();
    const keyB = generatePrivateKey();
    let a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')) });
    let b = await h.peer({ privateKey: keyB, storage: h.sqlite(join(dir, 'b.db')) });
    const installA = a.client.installationId;
    const m1 = await a.client.sendMessage(b.client.publicKeyHex, 'before restart');
    await a.client.waitForDelivery(m1.id);
    const m2 = await b.client.sendMessage(a.client.publicKeyHex, 'reply before restart');
    await b.client.waitForDelivery(m2.id);

    await h.down(a);
    await h.down(b);
    await a.storage.close();
    await b.storage.close();
    a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')) });
    b = await h.peer({ privateKey: keyB, storage: h.sqlite(join(dir, 'b.db')) });
    expect(a.client.installationId).toBe(installA);
    expect((await a.client.history(b.client.publicKeyHex)).messages.map((m) => [m.text, m.deliveryState])).toEqual([
      ['before restart', 'delivered'],
      ['reply before restart', 'received'],
    ]);

    const atB: ClientMessage[] = [];
    b.client.on('message', (m) => atB.push(m));
    const m3 = await a.client.sendMessage(b.client.publicKeyHex, 'after restart');
    await until(() => atB.some((m) => m.id === m3.id), 'post-restart message at B');
    // The session from before the restart carried on: no new X3DH, no DH fallback.
    expect(atB.find((m) => m.id === m3.id)!.via).toEqual({ channel: 'negotiated', method: 'ratchet', history: false });
    await a.client.waitForDelivery(m3.id);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('an unacknowledged 1:1 message is retransmitted by the next run and then marked delivered', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const keyA = generatePrivateKey();
    const keyB = generatePrivateKey();
    let a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')) });
    let b = await h.peer({ privateKey: keyB, storage: h.sqlite(join(dir, 'b.db')) });
    const bHex = b.client.publicKeyHex;
    await h.down(b); // B is offline while A writes.
    const sent = await a.client.sendMessage(bHex, 'are you there?');
    expect(sent.deliveryState).toBe('sent');
    await h.down(a);
    await a.storage.close();

    b = await h.peer({ privateKey: keyB, storage: b.storage });
    const atB: ClientMessage[] = [];
    b.client.on('message', (m) => atB.push(m));
    a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')) });
    expect((await a.storage.getMessage(sent.id))?.deliveryState).toBe('sent');
    await until(() => atB.some((m) => m.id === sent.id), 'retransmitted message at B');
    await a.client.waitForDelivery(sent.id);
    expect((await a.storage.getMessage(sent.id))?.deliveryState).toBe('delivered');
    expect(atB.filter((m) => m.id === sent.id)).toHaveLength(1);
  });

  it('a public message that could not be posted stays pending and is sent on the next start', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const keyA = generatePrivateKey();
    const b = await h.peer();
    await b.client.joinPublicChat('outbox');
    let flaky: FlakyTransport | undefined;
    let a = await h.peer({
      privateKey: keyA,
      storage: h.sqlite(join(dir, 'a.db')),
      wrap: (t) => (flaky = new FlakyTransport(t)),
    });
    await a.client.joinPublicChat('outbox');
    const m = await a.client.sendMessage('outbox', 'held back by the network');
    expect(m.deliveryState).toBe('pending');
    expect(a.errors.some((e) => e.code === 'TRANSPORT_FAILED')).toBe(true);
    expect(flaky!.failing).toBe(true);
    await h.down(a);
    await a.storage.close();

    a = await h.peer({ privateKey: keyA, storage: h.sqlite(join(dir, 'a.db')) });
    await until(async () => (await b.storage.getMessage(m.id)) !== undefined, 'retried message at B');
    await until(async () => (await a.storage.getMessage(m.id))?.deliveryState === 'sent', 'sent state at A');
  });
});

describe('StatusClient when its disk is full', () => {
  it('reports STORAGE_FAILED (DISK_FULL) without crashing, and loses nothing: after a restart with space, MVDS brings every message', async () => {
    h = new Harness();
    const dir = h.tempDir();
    const keyB = generatePrivateKey();
    const a = await h.peer();
    let b = await h.peer({ privateKey: keyB, storage: SqliteStorage.open(join(dir, 'b.db'), { maxPageCount: 90 }) });
    const first = await a.client.sendMessage(b.client.publicKeyHex, 'small hello');
    await a.client.waitForDelivery(first.id);
    const sent: string[] = [first.id];
    const big = 'x'.repeat(4000);
    await expect(a.client.sendMessage(b.client.publicKeyHex, 'y'.repeat(4097))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (let i = 0; i < 40 && !b.errors.some((e) => e.code === 'STORAGE_FAILED'); i++) {
      sent.push((await a.client.sendMessage(b.client.publicKeyHex, `${i} ${big}`)).id);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => b.errors.some((e) => e.code === 'STORAGE_FAILED'), 'a storage error at B');
    const err = b.errors.find((e) => e.code === 'STORAGE_FAILED')!;
    expect((err.cause as { code?: string }).code).toBe('DISK_FULL');
    await h.down(b);
    await b.storage.close();

    b = await h.peer({ privateKey: keyB, storage: h.sqlite(join(dir, 'b.db')) });
    for (const id of sent) await a.client.waitForDelivery(id);
    for (const id of sent) expect(await b.storage.getMessage(id)).toBeDefined();
    expect(await b.storage.countMessages(a.client.publicKeyHex)).toBe(sent.length);
  });
});
