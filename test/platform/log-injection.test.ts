import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { LogCapture, startLingkod } from '../support/app';
import { serve, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm } from '../channels/sms/support';
import { rawRequest } from './support';

/** A fake log line (no comma: the settings header is a comma-separated list): what an attacker hopes a log reader takes for Lingkod's own. */
const FORGED = '{"msg":"forged"}';

/** A Twilio webhook whose X-Twilio-Webhooks-Signature-Settings header carries `settings`, as bytes on the wire. */
function twilioWebhook(settings: string): Buffer {
  const body = new URLSearchParams(inboundForm('+639200000009', 'Menu')).toString();
  const head = [
    'POST /sms/twilio HTTP/1.1',
    'Host: lingkod.example.gov.ph',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Twilio-Signature: bm90IGEgc2lnbmF0dXJl',
    `X-Twilio-Webhooks-Signature-Settings: ${settings}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body)]);
}

/** Everything printed to the console or written to stdout/stderr while `work` runs, besides the pino log. */
async function printedDuring(work: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')))),
    ...[process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      }) as typeof stream.write),
    ),
  ];
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return printed;
}

// The stores play no part (the request is refused before it is read): one backend is enough.
describe('header values reach the logs only as structured, escaped fields', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let port: number;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    const started = await startLingkod(db, TWILIO_ENV);
    ({ context, logs } = started);
    served = await serve(started.app);
    port = Number(new URL(served.base).port);
  });
  afterAll(async () => {
    await served.close();
    await context.close();
  });

  it('refuses (403) a Twilio webhook naming an unknown signature algorithm with C1 controls and a fake log line, and logs the name escaped', async () => {
    // Node decodes header bytes as latin1: 0x85 is NEL (a line break to Unicode-aware log tools), 0x9b the C1 CSI of terminals.
    const settings = `key=k,algorithm=HMAC\x85${FORGED}\x9b2J\x9b31m`;
    const before = logs.lines.length;
    let status = '';
    const printed = await printedDuring(async () => {
      status = await rawRequest('127.0.0.1', port, twilioWebhook(settings));
    });
    expect(status).toBe('HTTP/1.1 403 Forbidden');
    expect(printed.filter((text) => text.includes('forged') || /[\x85\x9b]/.test(text))).toEqual([]);

    const written = logs.lines.slice(before);
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) {
      expect(line).toMatch(/^[\x20-\x7e]+$/);
      expect((JSON.parse(line) as { msg: string }).msg).not.toBe('forged');
    }
    const refused = written.map((line) => JSON.parse(line) as { algorithm?: string }).find((entry) => entry.algorithm !== undefined);
    expect(refused?.algorithm).toBe('HMAC\\u0085{"msg":"forged"}\\u009b2J\\u009b31m');
  });

  it.each([
    ['a line feed', `algorithm=HMAC_SHA1\n${FORGED}`],
    ['a carriage return', `algorithm=HMAC_SHA1\r${FORGED}`],
    ['an ANSI escape', 'algorithm=HMAC_SHA1\x1b[2J\x1b[31m'],
  ])('never lets a header with %s in: Node\'s parser answers 400, and nothing is printed or logged', async (_case, settings) => {
    const before = logs.lines.length;
    let status = '';
    const printed = await printedDuring(async () => {
      status = await rawRequest('127.0.0.1', port, twilioWebhook(settings));
    });
    expect(status).toBe('HTTP/1.1 400 Bad Request');
    expect(printed.filter((text) => text.includes('forged') || text.includes('\x1b'))).toEqual([]);
    expect(logs.lines.slice(before)).toEqual([]);
  });
});
