import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { USSD_TEST_TOKEN } from '../../support/app';
import { Processes, freePort, listening, readmeKannelConf, testKannelConf, writeConf, type KannelPrograms, type KannelRun } from '../kannel/kannel-boxes';
import { UssdGatewayPeer } from './ussd-gateway-peer';

/** The USSD groups Lingkod's kannel.conf adds (src/channels/kannel-ussd/kannel.conf, the README part's block). */
export const USSD_CONF_FILE = path.resolve(__dirname, '..', '..', '..', 'src', 'channels', 'kannel-ussd', 'kannel.conf');

export const USSD_SYSTEM_ID = 'lingkod-ussd';
/** SMPP 3.4 caps a bind's password at 8 characters (system_id at 16). */
export const USSD_PASSWORD = 'uS5d-pw8';

/**
 * The README's kannel.conf with this run's ports, plus the USSD groups with the test peer's
 * address and credentials: the smsc and smpp-tlv groups at the end, the USSD sms-service just
 * before the README's SMS one (as the file says to).
 */
export function ussdKannelConf(readme: string, run: KannelRun, peerPort: number): string {
  const base = testKannelConf(readme, run);
  const replacements: [RegExp, string][] = [
    [/^host = ussd\.operator\.example\.ph$/m, 'host = 127.0.0.1'],
    [/^port = 2775$/m, `port = ${peerPort}`],
    [/"USSD_SYSTEM_ID"/, `"${USSD_SYSTEM_ID}"`],
    [/"USSD_PASSWORD"/, `"${USSD_PASSWORD}"`],
    [/http:\/\/lingkod\.internal:3000/g, run.lingkodBase],
    [/CHANGE-ME-ussd-token/g, encodeURIComponent(USSD_TEST_TOKEN)],
  ];
  let ussd = readFileSync(USSD_CONF_FILE, 'utf8');
  for (const [pattern, value] of replacements) {
    if (!pattern.test(ussd)) throw new Error(`${USSD_CONF_FILE} no longer has ${pattern}`);
    ussd = ussd.replace(pattern, value);
  }
  const serviceAt = ussd.indexOf('group = sms-service');
  const smsServiceAt = base.indexOf('group = sms-service');
  if (serviceAt < 0 || smsServiceAt < 0) throw new Error('a kannel.conf has no sms-service group');
  return `${base.slice(0, smsServiceAt)}${ussd.slice(serviceAt)}\n${base.slice(smsServiceAt)}\n${ussd.slice(0, serviceAt)}`;
}

/** A real bearerbox and smsbox bound over SMPP to the USSD gateway peer, calling whichever Lingkod `serve()` names. */
export interface UssdKannel {
  dir: string;
  run: KannelRun;
  peer: UssdGatewayPeer;
  processes: Processes;
  /** smsbox's sendsms URL and the password of its user `lingkod`. */
  sendsmsUrl: string;
  password: string;
  /** Every request Kannel made to Lingkod (path, answer), and its query string as sent. */
  answered: { path: string; status: number; query: string }[];
  /** Kannel's get-url requests go to `handler` from now on. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** The last lines of the boxes' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts the peer, then bearerbox (which binds to it) and smsbox; resolves once Kannel is bound. */
export async function startUssdKannel(programs: KannelPrograms, name: string): Promise<UssdKannel> {
  const dir = mkdtempSync(path.join(tmpdir(), `lingkod-${name}-`));
  const processes = new Processes();
  const peer = new UssdGatewayPeer(USSD_SYSTEM_ID, USSD_PASSWORD);
  const answered: UssdKannel['answered'] = [];
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createHttpServer((req, res) => {
    const [requested, query = ''] = (req.url ?? '').split('?');
    res.once('finish', () => answered.push({ path: requested, status: res.statusCode, query }));
    handle(req, res);
  });
  const read = (file: string) => {
    try {
      return readFileSync(path.join(dir, file), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const logs = () => ['bearerbox.log', 'smsbox.log'].map((file) => `--- ${file}\n${read(file)}`).join('\n');
  const stop = async () => {
    await processes.stopAll();
    await peer.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const password = 'sendsms-ussd-secret';
    const run: KannelRun = {
      dir,
      adminPort: await freePort(),
      boxPort: await freePort(),
      sendsmsPort: await freePort(),
      smscPort: await freePort(),
      lingkodBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: 'kannel-sms-token-of-the-ussd-run',
      password,
    };
    const peerPort = await peer.listen();
    const confFile = writeConf(run, ussdKannelConf(readmeKannelConf(), run, peerPort));
    processes.start(programs.bearerbox, [confFile], path.join(dir, 'bearerbox.out'));
    await listening(run.boxPort);
    processes.start(programs.smsbox, [confFile], path.join(dir, 'smsbox.out'));
    await listening(run.sendsmsPort);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      peer.whenBound(),
      new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`Kannel did not bind to the USSD gateway peer\n${logs()}`)), 20_000))),
    ]).finally(() => clearTimeout(timer));
    return {
      dir,
      run,
      peer,
      processes,
      sendsmsUrl: `http://127.0.0.1:${run.sendsmsPort}/cgi-bin/sendsms`,
      password,
      answered,
      serve: (handler) => (handle = handler),
      logs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
