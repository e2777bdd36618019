import { randomUUID } from 'node:crypto';
import type { ClientStorage } from '../types.js';

/** The settings key under which a device keeps its installation id. */
export const INSTALLATION_ID_SETTING = 'installation-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fresh installation id: a random UUID v4, as status-go uses for devices. */
export function newInstallationId(): string {
  return randomUUID();
}

export function isInstallationId(value: string): boolean {
  return UUID_V4.test(value);
}

/** This device's installation id: read from storage, or generated once and stored. */
export async function loadOrCreateInstallationId(storage: ClientStorage): Promise<string> {
  return storage.transaction(async (tx) => {
    const existing = await tx.getSetting(INSTALLATION_ID_SETTING);
    if (existing !== undefined && isInstallationId(existing)) return existing;
    const id = newInstallationId();
    await tx.putSetting(INSTALLATION_ID_SETTING, id);
    return id;
  });
}
