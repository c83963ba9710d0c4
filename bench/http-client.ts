import net from 'node:net';

/** One answer read off the wire. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A minimal HTTP/1.1 client over one kept-alive TCP connection, one request at a time, as a
 * USSD gateway's connection to us behaves. The load generator runs a thousand of these in one
 * process, so it must cost far less per request than the servers it measures: no streams, no
 * header objects, just bytes in and the status, length and body out. It understands the
 * answers our servers give (Content-Length or chunked bodies); a connection the server closes
 * is opened again for the next request.
 */
export class KeepAliveConnection {
  private socket?: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(answer: HttpAnswer): void; reject(error: Error): void; timer: NodeJS.Timeout };

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends one request and resolves with the whole answer; rejects on a network error or after the time-out. */
  request(method: string, path: string, headers: Record<string, string>, body = ''): Promise<HttpAnswer> {
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    const socket = this.connection();
    const payload = Buffer.from(body, 'utf8');
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nConnection: keep-alive\r\nContent-Length: ${payload.length}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload]));
    });
  }

  /** Opens the connection ahead of the first request (a gateway keeps its connections open). */
  connect(): Promise<void> {
    const socket = this.connection();
    if (!socket.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }

  private connection(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    // Events of a connection given up (after a time-out) must not touch the one that replaced it.
    const current = () => this.socket === socket;
    socket.on('data', (chunk: Buffer) => {
      if (current()) this.receive(chunk);
    });
    socket.on('error', (error) => {
      if (current()) this.fail(error);
    });
    socket.on('close', () => {
      if (current()) this.fail(new Error('connection closed by the server'));
    });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    return socket;
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.close();
    if (!waiting) return;
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const answer = parseAnswer(this.buffer);
    if (!answer) return;
    this.buffer = this.buffer.subarray(answer.consumed);
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    waiting.resolve({ status: answer.status, body: answer.body });
  }
}

/** A complete answer at the start of `buffer`, or undefined while more bytes are needed. */
export function parseAnswer(buffer: Buffer): (HttpAnswer & { consumed: number }) | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buffer.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const start = end + 4;
  if (length) {
    const size = Number(length[1]);
    if (buffer.length < start + size) return undefined;
    return { status, body: buffer.toString('utf8', start, start + size), consumed: start + size };
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) return { status, body: '', consumed: start };
  // Chunked: size line, data, CRLF … until a zero-size chunk.
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      if (buffer.length < lineEnd + 4) return undefined;
      return { status, body: Buffer.concat(parts).toString('utf8'), consumed: lineEnd + 4 };
    }
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
