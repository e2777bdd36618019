export const PACKAGE = '@status-stack/client';
