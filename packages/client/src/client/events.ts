import { abortError, timeoutError } from './errors.js';

type Listener = (...args: never[]) => void;

/** A small typed event emitter: listeners that throw are isolated (reported through `onListenerError`). */
export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  constructor(private readonly onListenerError: (event: keyof Events, error: unknown) => void = () => undefined) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.listeners.get(event)?.delete(listener);
  }

  once<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const wrapped = ((...args: Parameters<Events[E]>) => {
      off();
      (listener as (...a: Parameters<Events[E]>) => void)(...args);
    }) as unknown as Events[E];
    const off = this.on(event, wrapped);
    return off;
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (e) {
        this.onListenerError(event, e);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}

/**
 * An async iterator over values pushed by a subscription, ending when `signal` aborts (the pending
 * `next()` resolves as done) or when the consumer breaks out of its loop. Values are buffered, never lost.
 */
export function iterateEvents<T>(subscribe: (push: (value: T) => void) => () => void, signal?: AbortSignal): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe();
    signal?.removeEventListener('abort', finish);
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value: undefined, done: true });
    }
  };
  const unsubscribe = subscribe((value) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value, done: false });
    } else buffer.push(value);
  });
  if (signal?.aborted) finish();
  else signal?.addEventListener('abort', finish, { once: true });
  const it: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<T>> {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/**
 * Resolves with the first value `subscribe` pushes that satisfies `predicate`; rejects with ABORTED
 * on `signal`, and with TIMEOUT after `timeoutMs` (default Infinity: no time limit).
 */
export function waitForEvent<T>(
  subscribe: (push: (value: T) => void) => () => void,
  predicate: (value: T) => boolean,
  signal: AbortSignal | undefined,
  what: string,
  timeoutMs = Infinity,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal, what));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(abortError(signal, what));
    };
    const unsubscribe = subscribe((value) => {
      if (settled || !predicate(value)) return;
      if (finish()) resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        if (finish()) reject(timeoutError(what, timeoutMs));
      }, timeoutMs);
    }
  });
}
