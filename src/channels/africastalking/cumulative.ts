import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Channel, ChannelDeps } from '../channel';
import { ussdGateway, type UssdGateway } from '../ussd-gateway';

/**
 * The "cumulative-path CON/END" family of USSD gateways: Africa's Talking and the aggregators
 * that copied its callback (Advanta and its white labels, Hellio, mobilesasa, TechSavanna…).
 * The gateway calls us once per hop with a session id, the caller's number, the code dialled
 * and, usually, the whole session's input so far joined by `*` (`1*3*2`, the newest input
 * last); we answer plain text, `CON …` to keep the session open or `END …` to close it.
 *
 * The clones differ only in what a mapping says: the method, the field names, whether the text
 * is the whole path or only the newest input, and the two answer prefixes. Adding a clone is
 * one mapping (a folder src/channels/<name>/ with its mapping and fixtures) and one entry in
 * ussd-gateways.ts.
 *
 * A cumulative path cannot tell a `*` the caller typed inside an answer from the separator:
 * `Amina*Datu` typed as a name arrives as `…*Amina*Datu`, and only `Datu` is taken as the
 * newest input. Keypads rarely offer `*` in text mode, and the dialogs ask for numbers where
 * they can; a gateway that offers latest-input mode avoids the ambiguity (`input: 'latest'`).
 */
export interface CumulativeMapping {
  /** The family name: the route `/ussd/<name>`, the hop trail, USSD_GATEWAY_LIMITS. */
  name: string;
  /** How the gateway calls: GET with the fields in the query string, or POST with them in the body. */
  method: 'GET' | 'POST';
  /** For POST: a form (`application/x-www-form-urlencoded`, the default) or a JSON object. */
  body?: 'form' | 'json';
  /** The gateway's names for the fields we read. */
  fields: {
    session: string;
    phone: string;
    text: string;
    serviceCode?: string;
    network?: string;
  };
  /**
   * `cumulative`: the text is every input of the session joined by `*`, the newest last, and
   * a retry of a hop carries the same text (so session + text identify the hop). `latest`: the
   * text is the newest input only; a retry cannot be told from the same key pressed again, so
   * every call is a hop of its own.
   */
  input: 'cumulative' | 'latest';
  /** The answer's prefixes: `more` keeps the session open, `last` ends it. */
  prefixes: { more: string; last: string };
  /** Network values believed as they come (any other value is one "unknown" network). */
  network?: RegExp;
  /**
   * The provider's quirks in the text before it is split (a full dial string such as
   * `*415*33*1#` rather than `33*1`, a shared code's extension): returns the path as `a*b*c`,
   * '' for the dial itself.
   */
  path?: (text: string, serviceCode: string | undefined, config: Config) => string;
  /** Where the field list comes from (provider documentation), for the README and the fixtures. */
  source: string;
}

/** One hop as the mapping read it, before the conversation layer. */
interface ParsedHop {
  session: string;
  phone: string;
  text: string;
  serviceCode?: string;
  network?: string;
}

/** The names of the fields a zod error points at, for a 400 that says what to check. */
export function fieldsOf(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.')))].join(', ');
}

/** The zod schema of a mapping's hop, in the gateway's own field names. */
function schemaOf(mapping: CumulativeMapping) {
  const { fields } = mapping;
  // Key order is the order of the 400's field list: session, code, phone, network, text.
  return z.object({
    [fields.session]: z.string().min(1).max(100),
    ...(fields.serviceCode ? { [fields.serviceCode]: z.string().max(40).optional() } : {}),
    [fields.phone]: z.string().min(5).max(20),
    ...(fields.network ? { [fields.network]: z.string().max(20).optional() } : {}),
    [fields.text]: z.string().max(2000).optional().default(''),
  });
}

/** The router and the gateway guard of one mapping, for an adapter that adds routes of its own. */
export interface CumulativeAdapter {
  router: Router;
  gateway: UssdGateway;
  /** `CON text` or `END text`, as this mapping writes it. */
  answer(final: boolean, text: string): string;
}

/**
 * The one adapter of the family, driven by `mapping`: the USSD gateway rule first (before any
 * body parsing), then the mapping's fields, then the conversation layer's turn, answered with
 * the mapping's prefixes.
 */
export function cumulativeAdapter(mapping: CumulativeMapping, { log, metrics, conversation }: ChannelDeps, { sayWhenOff = true } = {}): CumulativeAdapter {
  const channelLog = log.child({ name: `channels:${mapping.name}-ussd` });
  const router = express.Router();
  const schema = schemaOf(mapping);
  const { fields, prefixes } = mapping;
  const answer = (final: boolean, text: string) => `${final ? prefixes.last : prefixes.more} ${text}`;
  const refuse = (res: Response, reason: string) => res.status(400).type('text/plain').send(`${prefixes.last} Bad request: ${reason}`);
  const gateway = ussdGateway(conversation.config, (reason, req) => {
    metrics.hops.inc({ channel: 'ussd', outcome: 'forbidden' });
    channelLog.info({ reason, source: req.ip }, 'USSD hop refused: not from the gateway');
  });
  if (!gateway.on && sayWhenOff) channelLog.info(gateway.howToTurnOn);

  const handle = async (req: Request, res: Response) => {
    // A GET's fields are the query string's; the gateway's `token` there is ours, not a field.
    const raw: unknown = mapping.method === 'GET' ? req.query : (req.body ?? {});
    const parsed = schema.safeParse(typeof raw === 'object' && raw !== null ? raw : {});
    if (!parsed.success) {
      const names = fieldsOf(parsed.error);
      channelLog.info({ fields: names }, 'malformed USSD hop refused');
      refuse(res, `check ${names}`);
      return;
    }
    const data = parsed.data as Record<string, string | undefined>;
    const hop: ParsedHop = {
      session: data[fields.session] ?? '',
      phone: data[fields.phone] ?? '',
      text: data[fields.text] ?? '',
      serviceCode: fields.serviceCode ? data[fields.serviceCode] : undefined,
      network: fields.network ? data[fields.network] : undefined,
    };
    const path = mapping.path ? mapping.path(hop.text, hop.serviceCode, conversation.config) : hop.text;
    const input = mapping.input === 'latest' || path === '' ? path : (path.split('*').pop() ?? '');
    const result = await conversation.ussd.hop({
      gateway: mapping.name,
      session: hop.session,
      phone: hop.phone,
      input,
      hopKey: mapping.input === 'cumulative' ? `${hop.session}:${path}` : `${hop.session}:${randomUUID()}`,
      network: mapping.network && hop.network !== undefined && mapping.network.test(hop.network) ? hop.network : undefined,
      serviceCode: hop.serviceCode,
      source: req.ip,
    });
    if (result.kind === 'bad-phone') refuse(res, `${fields.phone} is not a valid phone number`);
    else res.status(200).type('text/plain').send(answer(result.final, result.text));
  };

  const route = `/ussd/${mapping.name}`;
  if (mapping.method === 'GET') router.get(route, gateway.guard, handle);
  else router.post(route, gateway.guard, bodyParser(mapping), handle);
  return { router, gateway, answer };
}

/** The body parser of a POST mapping: small, as a hop is. */
function bodyParser(mapping: CumulativeMapping): RequestHandler {
  return mapping.body === 'json' ? express.json({ limit: '8kb' }) : express.urlencoded({ extended: false, limit: '8kb' });
}

/**
 * A gateway of the family as a channel of its own (the clones: no routes beyond the hop). The
 * start-up line saying USSD is off is said once, by Africa's Talking's adapter: it is the one
 * rule for every USSD endpoint.
 */
export function cumulativeUssd(mapping: CumulativeMapping, deps: ChannelDeps): Channel {
  return { name: 'ussd', router: cumulativeAdapter(mapping, deps, { sayWhenOff: false }).router };
}
