import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from '@promo-track/core';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'wxacode-store-'));
  dir = join(root, 'images');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('createFileStore', () => {
  it('names the missing option', () => {
    expect(() => createFileStore({ dir: '', baseUrl: 'https://x/' })).toThrow(/`dir` is missing/);
    expect(() => createFileStore({ dir: root } as any)).toThrow(/`baseUrl` is missing/);
    expect(() => createFileStore(undefined as any)).toThrow(/options/);
  });

  it('writes the bytes under dir (created when missing) and answers baseUrl + key', async () => {
    const store = createFileStore({ dir, baseUrl: 'https://cdn.example.com/wxacode/' });
    const url = await store.put('AbC-123.png', bytes('png bytes'), 'image/png');
    expect(url).toBe('https://cdn.example.com/wxacode/AbC-123.png');
    expect(readFileSync(join(dir, 'AbC-123.png'), 'utf8')).toBe('png bytes');
  });

  it('puts exactly one slash between baseUrl and key, and supports sub-folders', async () => {
    const store = createFileStore({ dir, baseUrl: '/wxacode' });
    expect(await store.put('a/b.jpg', bytes('x'), 'image/jpeg')).toBe('/wxacode/a/b.jpg');
    expect(readFileSync(join(dir, 'a', 'b.jpg'), 'utf8')).toBe('x');
  });

  it('replaces a file atomically and leaves no temporary files', async () => {
    const store = createFileStore({ dir, baseUrl: 'https://x/' });
    const before = Buffer.alloc(2 * 1024 * 1024, 'a');
    const after = Buffer.alloc(8 * 1024 * 1024, 'b');
    await store.put('big.png', before, 'image/png');
    let writing = true;
    const reads: Buffer[] = [];
    const reader = (async () => {
      while (writing) reads.push(await readFile(join(dir, 'big.png')));
    })();
    await Promise.all([store.put('big.png', after, 'image/png'), store.put('big.png', after, 'image/png')]);
    writing = false;
    await reader;
    reads.push(await readFile(join(dir, 'big.png')));
    for (const read of reads) expect(read.equals(before) || read.equals(after)).toBe(true);
    expect(reads.at(-1)!.equals(after)).toBe(true);
    expect(readdirSync(dir)).toEqual(['big.png']);
  });

  it.each(['../escape.png', 'a/../../escape.png', '/etc/passwd', '', '.', 'a//b.png', 'a\\..\\b.png', 'nul\0.png'])(
    'refuses the key %j',
    async (key) => {
      const store = createFileStore({ dir, baseUrl: 'https://x/' });
      await expect(store.put(key, bytes('x'), 'image/png')).rejects.toThrow(/key/);
      await expect(store.delete!(key)).rejects.toThrow(/key/);
      expect(existsSync(join(root, 'escape.png'))).toBe(false);
    },
  );

  it('deletes a file, and a missing file is no error', async () => {
    const store = createFileStore({ dir, baseUrl: 'https://x/' });
    await store.put('gone.png', bytes('x'), 'image/png');
    await store.delete!('gone.png');
    expect(existsSync(join(dir, 'gone.png'))).toBe(false);
    await expect(store.delete!('gone.png')).resolves.toBeUndefined();
  });
});
