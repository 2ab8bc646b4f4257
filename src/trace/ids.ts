// Random bytes are drawn in blocks: one system call per ~170 spans instead of one per id. crypto is
// loaded with the first id, not at start-up (it costs ~4 ms to load).
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;
let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL_SIZE) {
      randomFillSync ??= (require('node:crypto') as typeof import('node:crypto')).randomFillSync;
      randomFillSync(pool);
      offset = 0;
    }
    const start = offset;
    offset += bytes;
    let nonZero = false;
    for (let i = start; i < offset; i++) {
      if (pool[i] !== 0) {
        nonZero = true;
        break;
      }
    }
    if (nonZero) return pool.toString('hex', start, offset);
  }
}

/** 16 random bytes, never all zero, as 32 lower-case hex characters. */
export function newTraceId(): string {
  return randomHex(16);
}

/** 8 random bytes, never all zero, as 16 lower-case hex characters. */
export function newSpanId(): string {
  return randomHex(8);
}
