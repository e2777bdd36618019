export const PACKAGE = '@status-stack/secure-transport';
