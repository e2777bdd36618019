export const PACKAGE = '@status-stack/whisper';
