// Redis Cluster key slots (CRC16/XMODEM of the key or of its {hash tag}, mod 16384), so batched UNLINKs are
// grouped per slot and never raise CROSSSLOT.
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The hash slot of a key: only the part inside the first non-empty {...} counts, when there is one. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, "utf8")) % 16384;
}

/** Groups keys by slot (each group can go into one multi-key command on a cluster). */
export function groupBySlot(keys: string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const k of keys) {
    const s = keySlot(k);
    const g = groups.get(s);
    if (g) g.push(k); else groups.set(s, [k]);
  }
  return [...groups.values()];
}
