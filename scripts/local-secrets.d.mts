export function localEncryptionKey(dataDir: string, log?: (m: string) => void): string;
