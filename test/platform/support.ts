import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, connect } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP answer, read whole. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Call {
  method?: string;
  headers?: Record<string, string>;
  /** A form, sent url-encoded. */
  form?: Record<string, string>;
  /** The address this side of the connection comes from (any of 127.0.0.0/8 on Linux): another client. */
  from?: string;
}

/** One request on a fresh connection (no keep-alive, so `from` is always the socket's address). */
export function call(url: string, { method = 'GET', headers = {}, form, from }: Call = {}): Promise<Reply> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        localAddress: from,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The base URL of a listening server, on the address it listens on (127.0.0.1 when on all interfaces). */
export function baseOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address}:${port}`;
}

/** A port nobody listens on right now (the kernel's pick), for a setting that must name one. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Whether a TCP connection to host:port is accepted ('connected') or refused ('ECONNREFUSED', …). */
export function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Sends these exact bytes as one request (headers Node's client refuses to write) and returns the status line. */
export function rawRequest(host: string, port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
  });
}
