import type { ClientStorage, DeliveryState } from '../types.js';
import { abortError, timeoutError, throwIfAborted } from './errors.js';
import { waitForEvent } from './events.js';
import { OUTGOING_PROGRESS } from './message-sender.js';
import type { DeliveryEvent, OwnedResources } from './types.js';

/** Resolves once `node` has at least `count` peers past the handshake; ABORTED on `signal`, TIMEOUT after `limit` ms (Infinity: none). */
export async function waitForPeerCount(node: OwnedResources['node'], count: number, limit: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal, 'waitForPeers');
  if (node.peers().length >= count) return;
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      if (node.peers().length < count) return;
      done();
      resolve();
    };
    const abort = () => {
      done();
      reject(abortError(signal, 'waitForPeers'));
    };
    const done = () => {
      node.off('peer:handshake', check);
      signal?.removeEventListener('abort', abort);
      if (timer !== undefined) clearTimeout(timer);
    };
    node.on('peer:handshake', check);
    signal?.addEventListener('abort', abort, { once: true });
    if (Number.isFinite(limit)) {
      timer = setTimeout(() => {
        done();
        reject(timeoutError(`waitForPeers(${count}) with ${node.peers().length} peer(s)`, limit));
      }, limit);
    }
    check();
  });
}

/** Resolves once message `messageId` is in `state` (or past it) in storage or by a 'delivery' event. */
export async function waitForDeliveryState(
  storage: ClientStorage,
  subscribe: (push: (e: DeliveryEvent) => void) => () => void,
  messageId: string,
  state: DeliveryState,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  // An outgoing message only moves forward (pending → sent → delivered): waiting for a state is
  // satisfied by any later one too, so a fast acknowledgement cannot make a waiter miss 'sent'.
  const rank = (s: DeliveryState | undefined): number => (s === undefined ? -1 : OUTGOING_PROGRESS.indexOf(s));
  const reached = (s: DeliveryState | undefined): boolean => s === state || (rank(state) >= 0 && rank(s) >= rank(state));
  const wait = waitForEvent<DeliveryEvent>(subscribe, (e) => e.messageId === messageId && reached(e.state), signal, `waitForDelivery(${messageId}, '${state}')`, limit);
  const current = await storage.getMessage(messageId);
  if (reached(current?.deliveryState)) {
    wait.catch(() => undefined);
    return;
  }
  await wait;
}
