export const PACKAGE = '@status-stack/payloads';
