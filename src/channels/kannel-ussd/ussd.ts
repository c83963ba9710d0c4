import express, { type Request, type Response } from 'express';
import type { Config } from '../../config';
import { encodingOf } from '../../text/gsm7';
import type { Channel, ChannelDeps } from '../channel';
import { CODING, decodeText, parseRawQuery } from '../kannel/wire';
import { ussdGateway } from '../ussd-gateway';
import { MAX_META_BYTES, USSD_OP, dialled, metaFor, parseMeta, type SessionInfo } from './wire';

/** The gateway family, as the hop trail and the network limits name it. */
export const GATEWAY = 'kannel';

/** SMPP USSD through Kannel is on when its smsc-id and Kannel's sendsms settings are set. */
export function kannelUssdConfigured(config: Config): config is Config & Required<Pick<Config, 'KANNEL_USSD_SMSC' | 'KANNEL_SENDSMS_URL' | 'KANNEL_USERNAME' | 'KANNEL_PASSWORD'>> {
  return Boolean(config.KANNEL_USSD_SMSC && config.KANNEL_SENDSMS_URL && config.KANNEL_USERNAME && config.KANNEL_PASSWORD);
}

/** Attempts at one sendsms of a screen, and the pause before each retry. */
const RETRY_PAUSES_MS = [150, 400];

/** Longest USSD string or reply accepted (a USSD string is at most 182 characters; UCS-2 doubles its bytes). */
const MAX_TEXT_BYTES = 400;

/**
 * SMPP USSD through Kannel: the operator's USSD gateway sends each of the phone's messages as a
 * `deliver_sm` with the `ussd_service_op` and `its_session_info` TLVs; Kannel (its `smpp-tlv`
 * groups declare both) passes them in `%D` to
 * `GET /ussd/kannel?token=…&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&meta-data=%D`,
 * and the screen goes back at once through smsbox's `sendsms` with `smsc=KANNEL_USSD_SMSC` and
 * `meta-data` carrying USSR request (2, a reply awaited) or PSSR response (17, the last screen)
 * and the session's its_session_info, end bit set on the last.
 *
 * The screen is sent by this request itself, not queued in the outbox: a USSD screen is worth
 * something only within the session's few seconds, must not wait behind broadcasts or the SMS
 * rate, and must never reach the phone twice. So sendsms is retried only when Kannel surely did
 * not take it (it refused the connection, or answered 5xx), at most three times within a few
 * hundred milliseconds, and never after a timeout (Kannel may have queued it). Kannel is then
 * answered 200 whatever happened: its own retry (http-queue-delay) would come after the
 * gateway has closed the session.
 *
 * The session is the phone's number and the gateway's session number; a hop is that, the
 * its_session_info octets and the text, so a `deliver_sm` the gateway sends again gets the
 * same screen and advances nothing (Kannel gives it a new `%I`, so that is not used).
 */
export function kannelUssd({ config, log, metrics, conversation }: ChannelDeps): Channel {
  const channelLog = log.child({ name: 'channels:kannel-ussd' });
  const router = express.Router();
  const answer = (res: Response, status: number, text: string) => res.status(status).type('text/plain').send(text);
  const gateway = ussdGateway(conversation.config, (reason, req) => {
    metrics.hops.inc({ channel: 'ussd', outcome: 'forbidden' });
    channelLog.info({ reason, source: req.ip }, 'SMPP USSD hop refused: not from the gateway');
  });
  const on = kannelUssdConfigured(config);
  if (!on) channelLog.info('SMPP USSD through Kannel is off: set KANNEL_USSD_SMSC (the smsc-id of the USSD link) with KANNEL_SENDSMS_URL, KANNEL_USERNAME and KANNEL_PASSWORD');

  /** One sendsms of a screen; true when Kannel took it. */
  const send = async (to: string, from: string, text: string, op: number, info: SessionInfo): Promise<boolean> => {
    if (!kannelUssdConfigured(config)) return false;
    const url = new URL(config.KANNEL_SENDSMS_URL);
    const params: Record<string, string> = {
      username: config.KANNEL_USERNAME,
      password: config.KANNEL_PASSWORD,
      to,
      text,
      charset: 'UTF-8',
      smsc: config.KANNEL_USSD_SMSC,
      'meta-data': metaFor(op, info),
    };
    if (encodingOf(text) === 'ucs2') params.coding = CODING.ucs2;
    if (from) params.from = from;
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    for (let attempt = 0; ; attempt++) {
      let retry: string;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(config.KANNEL_USSD_SEND_TIMEOUT_MS) });
        const said = (await response.text().catch(() => '')).trim().slice(0, 120);
        if (response.status === 200 || response.status === 202) return true;
        if (response.status < 500) {
          channelLog.error({ status: response.status, said }, 'Kannel refused a USSD screen; not retried');
          return false;
        }
        retry = `Kannel answered ${response.status}: ${said}`;
      } catch (error) {
        const name = (error as Error).name;
        // A timeout may be a screen Kannel queued: sending it again could show it twice.
        if (name === 'TimeoutError' || name === 'AbortError') {
          channelLog.error('Kannel did not answer a USSD screen in time; not retried (it may have been sent)');
          return false;
        }
        retry = `Kannel unreachable: ${(error as Error & { cause?: { code?: string } }).cause?.code ?? name}`;
      }
      if (attempt >= RETRY_PAUSES_MS.length) {
        channelLog.error({ reason: retry }, 'a USSD screen could not be sent');
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSES_MS[attempt]));
    }
  };

  router.get('/ussd/kannel', gateway.guard, async (req: Request, res: Response) => {
    if (!on) {
      answer(res, 503, 'SMPP USSD through Kannel is not configured');
      return;
    }
    const at = req.originalUrl.indexOf('?');
    const fields = parseRawQuery(at < 0 ? '' : req.originalUrl.slice(at + 1));
    const field = (name: string) => fields.get(name)?.toString('utf8') ?? '';
    const from = field('from');
    const to = field('to');
    const bytes = fields.get('text') ?? Buffer.alloc(0);
    const metaBytes = fields.get('meta-data') ?? Buffer.alloc(0);
    const meta = metaBytes.length > 0 && metaBytes.length <= MAX_META_BYTES ? parseMeta(metaBytes) : undefined;
    const bad = [
      /^\+?\d{5,20}$/.test(from) ? '' : 'from',
      to.length <= 40 && /^[\x20-\x7e]*$/.test(to) ? '' : 'to',
      bytes.length <= MAX_TEXT_BYTES ? '' : 'text',
      meta?.op !== undefined ? '' : 'meta-data ussd_service_op',
      meta?.info !== undefined ? '' : 'meta-data its_session_info',
    ].filter(Boolean);
    const text = bad.length === 0 ? decodeText(bytes, field('coding') || CODING.text, field('charset')) : undefined;
    if (bad.length > 0 || text === undefined || !meta?.info || meta.op === undefined) {
      const fieldsBad = bad.length > 0 ? bad.join(', ') : 'text';
      channelLog.info({ fields: fieldsBad }, 'malformed SMPP USSD hop refused');
      answer(res, 400, `Bad request: check ${fieldsBad}`);
      return;
    }
    const { op, info } = meta;
    const session = `${from.replace(/^\+/, '')}:${info.session}`;

    // The phone hung up, or the gateway released the session: nothing to answer.
    if (op >= USSD_OP.userAbort || (info.end && op !== USSD_OP.pssrIndication)) {
      await conversation.ussd.ended({ gateway: GATEWAY, session, phone: from, status: 'dropped', network: config.KANNEL_USSD_SMSC, serviceCode: dialled(to)?.serviceCode ?? (to || undefined) });
      answer(res, 200, '');
      return;
    }
    if (op !== USSD_OP.pssrIndication && op !== USSD_OP.ussrConfirm) {
      channelLog.info({ op }, 'SMPP USSD message of an operation Lingkod does not answer ignored');
      answer(res, 200, '');
      return;
    }
    const dial = op === USSD_OP.pssrIndication ? (dialled(text) ?? dialled(to)) : undefined;
    const screen = await conversation.ussd.hop({
      gateway: GATEWAY,
      session,
      phone: from,
      input: op === USSD_OP.pssrIndication ? '' : text.trim(),
      hopKey: `${session}:${info.sequence}:${info.end ? 1 : 0}:${op}:${text}`,
      // One SMPP link is one operator: its smsc-id (ours, not the caller's to forge) names the network.
      network: config.KANNEL_USSD_SMSC,
      serviceCode: dial?.serviceCode ?? (to || undefined),
      shortcut: dial?.shortcut,
      source: req.ip,
    });
    if (screen.kind === 'bad-phone') {
      answer(res, 400, 'Bad request: from is not a valid phone number');
      return;
    }
    const reply: SessionInfo = { session: info.session, sequence: (info.sequence + 1) & 0x7f, end: screen.final };
    const sent = await send(from, to, screen.text, screen.final ? USSD_OP.pssrResponse : USSD_OP.ussrRequest, reply);
    if (!sent) metrics.hops.inc({ channel: 'ussd', outcome: 'unsent' });
    answer(res, 200, '');
  });

  return { name: 'ussd-kannel', router };
}
