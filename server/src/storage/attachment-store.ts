import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { bestEffort } from '../lib/best-effort.js';

/** Where attachment bytes live; the database keeps only the key and metadata. */
export interface AttachmentStore {
  put(content: Buffer, hint?: string): Promise<{ key: string; sha256: string; size: number }>;
  get(key: string): Promise<Buffer>;
  remove(key: string): Promise<void>;
  /** Largest file accepted by any upload path (ATTACHMENT_MAX_BYTES); see attachment-policy.ts. */
  readonly maxBytes?: number;
}

export function localDiskStore(rootDir: string, opts: { maxBytes?: number } = {}): AttachmentStore {
  const root = path.resolve(rootDir);
  const full = (key: string) => {
    const p = path.resolve(root, key);
    if (!p.startsWith(root + path.sep)) throw new Error('attachment key escapes storage root');
    return p;
  };
  return {
    maxBytes: opts.maxBytes,
    async put(content, hint) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      const ext = hint ? path.extname(hint).replace(/[^.\w]/g, '').slice(0, 12) : '';
      const key = `${sha256.slice(0, 2)}/${randomUUID()}${ext}`;
      await mkdir(path.dirname(full(key)), { recursive: true });
      await writeFile(full(key), content);
      return { key, sha256, size: content.length };
    },
    get: (key) => readFile(full(key)),
    async remove(key) {
      // already gone is what remove wants; anything else is worth a warning but not a failed request
      await bestEffort(
        unlink(full(key)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        }),
        undefined,
        `removing attachment ${key}`,
      );
    },
  };
}
