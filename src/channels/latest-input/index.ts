import { createHash, randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { translate } from '../../i18n';
import type { Channel, ChannelDeps } from '../channel';
import { ussdGateway } from '../ussd-gateway';

/**
 * The USSD gateways that post JSON with only the newest input and a continue flag (issue 13,
 * family 2: Hubtel, Nalo, Arkesel). What they share is here, once: the gateway rule before any
 * parsing, the JSON body (8 kB at most), the 400 in the family's own shape, the hop handed to
 * the conversation layer with the newest input only (the engine's snapshot store keeps the
 * path), the direct dial (`*347*2*1#`) taken as a route, the hop key that answers a gateway's
 * retry from the saved reply, and the polite end of a session the citizen left.
 *
 * A family is then only a mapping (its folder under src/channels/<family>/): its schema, which
 * of its fields is which, its networks, and how it answers. Adding such a gateway is that
 * folder and one entry in ussd-gateways.ts.
 */
export interface LatestInputFamily<Body> {
  /** The family's name: its path (`/ussd/<name>`), the hop trail, USSD_GATEWAY_LIMITS. */
  name: string;
  /** The body as the gateway documents it. */
  schema: z.ZodType<Body>;
  /** Which of its fields is which. */
  read(body: Body): LatestInputHop;
  /** The networks the provider documents, lower case; any other is one "unknown" network. */
  networks: readonly string[];
  /** The family's answer: a screen, `final` to close the session. `body` is the request as far as it was read. */
  answer(body: Partial<Record<string, unknown>>, screen: { text: string; final: boolean; hop?: string }): object;
}

/** One hop as a family reads it from its body. */
export interface LatestInputHop {
  session: string;
  phone: string;
  /** The dial (a new session), a reply within one, or the gateway's word that the citizen left or timed out. */
  kind: 'start' | 'continue' | 'left';
  /** The newest input; on a start, the string dialled (`*347*2*1#`), or '' when the gateway sends none. */
  input: string;
  /** The gateway's own number of this hop (Hubtel's Sequence); without one, the hop ledger numbers it. */
  sequence?: string;
  /** The network as the gateway named it; checked against the family's list here. */
  network?: string;
  /** The code dialled, when the gateway sends it (`*347#`, `347`). */
  serviceCode?: string;
}

/** A session or hop id: a string, or a whole number some gateways send unquoted. */
export const gatewayId = z.union([z.string().trim().min(1).max(100), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform(String);

/** A caller's number as these gateways send it (`233246912184`, `+639171234567`), checked again by the conversation layer. */
export const gatewayPhone = z.union([z.string().trim().min(5).max(20), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]).transform(String);

/** A boolean flag, as JSON `true`/`false` or the strings some gateways send. */
export const gatewayFlag = z.union([z.boolean(), z.enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False'])]).transform((value) => value === true || String(value).toLowerCase() === 'true');

/** Free text from the gateway: the newest input or the dialled string. */
export const gatewayText = z.string().max(500);

/** A field of the request echoed in the answer (Nalo's USERID, Arkesel's sessionID): strings and numbers only, bounded. */
export function echoed(body: Partial<Record<string, unknown>>, field: string): string {
  const value = body[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 100) : '';
}

/** A network name, kept only when it is one of the family's (compared in lower case). */
export function networkOf(named: string | undefined, networks: readonly string[]): string | undefined {
  const name = named?.trim().toLowerCase();
  return name && networks.includes(name) ? name : undefined;
}

/**
 * The inputs dialled after the service code (`*347*2*1#` → ['2', '1']): after the code the
 * gateway sent, else USSD_SERVICE_CODE, else after the string's first part. Nothing for a
 * string that is not a dial (a Hubtel app's blank initiation) or has nothing after the code.
 */
export function shortcutOf(dialled: string, serviceCode?: string): string[] {
  const parts = (code: string) => code.trim().replace(/^\*/, '').replace(/#$/, '').split('*').filter(Boolean);
  if (!/^\*\d+(\*[0-9A-Za-z]*)*#$/.test(dialled.trim())) return [];
  const given = parts(dialled);
  const code = serviceCode && /^\*?\d+(\*\d+)*#?$/.test(serviceCode.trim()) ? parts(serviceCode) : given.slice(0, 1);
  if (code.some((part, index) => given[index] !== part)) return given.slice(1);
  return given.slice(code.length);
}

/** The reason a body was refused, as the 400 names it: the fields that are wrong. */
function fieldsOf(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.') || 'body'))].join(', ');
}

const MAX_BODY = '8kb';

/** The channel of one latest-input family: `POST /ussd/<name>`. */
export function latestInputGateway<Body>({ log, metrics, conversation, i18n }: ChannelDeps, family: LatestInputFamily<Body>): Channel {
  const { config, ussd } = conversation;
  const channelLog = log.child({ name: `channels:${family.name}-ussd` });
  const router = express.Router();
  const gateway = ussdGateway(config, (reason, req) => {
    metrics.hops.inc({ channel: 'ussd', outcome: 'forbidden' });
    channelLog.info({ reason, source: req.ip }, 'USSD hop refused: not from the gateway');
  });
  // While USSD is off, the Africa's Talking adapter says once how to turn it on (the rule is one for every family).
  const path = `/ussd/${family.name}`;
  const bodyOf = (req: Request): Partial<Record<string, unknown>> => (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {});
  const refuse = (req: Request, res: Response, reason: string) => {
    channelLog.info({ reason }, 'malformed USSD hop refused');
    res.status(400).json(family.answer(bodyOf(req), { text: `Bad request: ${reason}`, final: true }));
  };

  router.post(path, gateway.guard, express.json({ limit: MAX_BODY, strict: true, type: ['application/json', 'application/*+json'] }), async (req: Request, res: Response) => {
    const parsed = family.schema.safeParse(req.body ?? {});
    if (!parsed.success) {
      refuse(req, res, `check ${fieldsOf(parsed.error)}`);
      return;
    }
    const hop = family.read(parsed.data);
    const network = networkOf(hop.network, family.networks);
    const serviceCode = hop.serviceCode ?? config.USSD_SERVICE_CODE;
    const echo = parsed.data as Partial<Record<string, unknown>>;

    if (hop.kind === 'left') {
      // The citizen ended the session (or it timed out): a polite last word, and the end
      // reported; a session left before its last screen is a drop (a form in progress is
      // offered back by SMS, within the unsolicited budget).
      const closed = await ussd.hops.closed(family.name, hop.session).catch(() => false);
      await ussd.ended({ gateway: family.name, session: hop.session, phone: hop.phone, status: closed ? 'completed' : 'dropped', network, serviceCode });
      res.status(200).json(family.answer(echo, { text: translate(i18n, config.DEFAULT_LOCALE, { key: 'ussd.ended' }), final: true, hop: hop.sequence }));
      return;
    }

    const start = hop.kind === 'start';
    const input = start ? '' : hop.input;
    const ledger = await ussd.hops.begin(family.name, hop.session, start ? `dial:${hop.input}` : input).catch((error: unknown) => {
      channelLog.warn({ reason: (error as Error).message }, 'USSD hop not numbered (store unavailable): a retry of it may take a second step');
      return undefined;
    });
    const number = hop.sequence ?? (ledger === undefined ? randomUUID() : String(ledger));
    const answer = await ussd.hop({
      gateway: family.name,
      session: hop.session,
      phone: hop.phone,
      input,
      // The gateway's hop number where it gives one; else the ledger's, with the input's digest
      // so a retry carrying other text is never taken for the hop it follows.
      hopKey: `${family.name}:${hop.session}:${number}:${createHash('sha256').update(input).digest('base64url').slice(0, 12)}`,
      network,
      serviceCode,
      source: req.ip,
      shortcut: start ? shortcutOf(hop.input, serviceCode) : undefined,
    });
    if (answer.kind === 'bad-phone') {
      refuse(req, res, 'the phone number is not a valid phone number');
      return;
    }
    if (ledger !== undefined) await ussd.hops.answered(family.name, hop.session, ledger, answer.final).catch(() => undefined);
    res.status(200).json(family.answer(echo, { text: answer.text, final: answer.final, hop: hop.sequence }));
  });

  // A body that is not JSON, too large, or in another charset: the caller's mistake, answered
  // in the family's shape (gateways show the message) rather than the app's plain-text error.
  router.use(path, (error: Error & { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
    if (!error.status || error.status >= 500) {
      next(error);
      return;
    }
    refuse(req, res, error.type === 'entity.too.large' ? `the body is larger than ${MAX_BODY}` : 'the body is not JSON in UTF-8');
  });

  return { name: 'ussd', router };
}
