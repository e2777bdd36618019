import type { Capability, Overlay, PeerInfo, PeerLink } from '../src/index.js';

export const SHH6: Capability = { name: 'shh', version: 6, length: 128 };
export const WAKU0: Capability = { name: 'waku', version: 0, length: 128 };
export const WAKU1: Capability = { name: 'waku', version: 1, length: 128 };

export { until } from '../../../test-support/index.js';

export interface Received {
  code: number;
  payload: Uint8Array;
}

/** Registers `caps` on `overlay` and records each link and every message it receives. */
export function recordLinks(overlay: Overlay, caps: readonly Capability[]): {
  links: Map<string, PeerLink>;
  inbox: Map<string, Received[]>;
  link(peerId: string, cap: string): PeerLink | undefined;
  got(peerId: string, cap: string): Received[];
} {
  const links = new Map<string, PeerLink>();
  const inbox = new Map<string, Received[]>();
  for (const cap of caps) {
    overlay.register(cap, (link) => {
      const key = `${link.peerId}/${link.capability.name}`;
      links.set(key, link);
      const box: Received[] = [];
      inbox.set(key, box);
      link.onMessage((code, payload) => box.push({ code, payload }));
    });
  }
  return {
    links,
    inbox,
    link: (peerId, cap) => links.get(`${peerId}/${cap}`),
    got: (peerId, cap) => inbox.get(`${peerId}/${cap}`) ?? [],
  };
}

export function nextEvent<T extends unknown[]>(overlay: Overlay, event: 'peer:added' | 'peer:removed'): Promise<T> {
  return new Promise((resolve) => {
    const h = (...args: unknown[]) => {
      overlay.off(event, h as (p: PeerInfo) => void);
      resolve(args as T);
    };
    overlay.on(event, h as (p: PeerInfo) => void);
  });
}

/** Records unhandled rejections and uncaught exceptions while installed. */
export function trackProcessErrors(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  const onException = (e: unknown) => errors.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    errors,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}
