export const PACKAGE = '@status-stack/mvds';
