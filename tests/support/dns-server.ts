import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

const TYPE = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;
type RecordType = keyof typeof TYPE;

/** Records by lower-case name, then by type; MX values are `"10 mail.example"`. */
export type Zone = Record<string, Partial<Record<RecordType, string[]>>>;

export interface DnsServerOptions {
  zone: Zone;
  /** Names whose queries are read and never answered (a dead resolver). */
  silent?: string[];
  /** Names answered with SERVFAIL. */
  servfail?: string[];
  ttl?: number;
}

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, for the dns probe's `server`. */
  address: string;
  port: number;
  /** Queries received, as `name TYPE`. */
  readonly queries: string[];
  close(): Promise<void>;
}

/**
 * A tiny authoritative DNS responder over UDP on 127.0.0.1: answers A, AAAA, CNAME, MX and TXT from a zone,
 * NXDOMAIN for names it does not know, an empty answer (NODATA) for a known name without that type.
 */
export async function startDnsServer(o: DnsServerOptions): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  const zone = Object.fromEntries(Object.entries(o.zone).map(([k, v]) => [k.toLowerCase(), v]));
  socket.on('message', (msg: Buffer, peer: RemoteInfo) => {
    const q = parseQuestion(msg);
    if (!q) return;
    const typeName = (Object.keys(TYPE) as RecordType[]).find((t) => TYPE[t] === q.type);
    queries.push(`${q.name} ${typeName ?? q.type}`);
    if (o.silent?.includes(q.name)) return;
    let rcode = 0;
    let answers: Buffer[] = [];
    const records = zone[q.name];
    if (o.servfail?.includes(q.name)) rcode = 2;
    else if (!records) rcode = 3;
    else if (typeName) answers = (records[typeName] ?? []).map((value) => answer(q.type, value, o.ttl ?? 300));
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    const rd = msg[2]! & 0x01;
    header[2] = 0x80 | 0x04 | rd; // QR, AA, RD copied
    header[3] = 0x80 | rcode; // RA
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, q.end), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port on 127.0.0.1 that reads queries and never answers. */
export async function startSilentUdp(): Promise<{ address: string; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 17 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.toString('ascii', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function answer(type: number, value: string, ttl: number): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(1, 4); // IN
  fixed.writeUInt32BE(ttl, 6);
  const data = rdata(type, value);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

function rdata(type: number, value: string): Buffer {
  switch (type) {
    case TYPE.A:
      if (!isIPv4(value)) throw new Error(`not an IPv4 address: ${value}`);
      return Buffer.from(value.split('.').map(Number));
    case TYPE.AAAA:
      if (!isIPv6(value)) throw new Error(`not an IPv6 address: ${value}`);
      return ipv6Bytes(value);
    case TYPE.CNAME:
      return encodeName(value);
    case TYPE.MX: {
      const [pref, exchange] = value.split(/\s+/);
      const b = Buffer.alloc(2);
      b.writeUInt16BE(Number(pref), 0);
      return Buffer.concat([b, encodeName(exchange!)]);
    }
    case TYPE.TXT: {
      const chunks: Buffer[] = [];
      const bytes = Buffer.from(value, 'utf8');
      for (let i = 0; i < bytes.length || i === 0; i += 255) {
        const part = bytes.subarray(i, i + 255);
        chunks.push(Buffer.from([part.length]), part);
      }
      return Buffer.concat(chunks);
    }
    default:
      throw new Error(`unsupported record type ${type}`);
  }
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from([p.length]), Buffer.from(p, 'ascii')]), Buffer.from([0])]);
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
