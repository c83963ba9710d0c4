import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { phoneAddress } from '../../address';
import type { Config } from '../../config';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Channel, ChannelDeps } from '../channel';
import { ussdGateway, type UssdRefusal } from '../ussd-gateway';
import { TapLane } from './mt';
import { ACK, STATUS, callerOf, moSchema, serviceCodeOf, tapError, type Caller, type MoHop } from './wire';

/** The gateway family, as the hop trail, the network limits and masked addresses name it. */
export const GATEWAY = 'bdapps';

/** The route the platform's "Connection URL" points at (with `?token=`). */
export const PATH = '/ussd/bdapps';

/** hSenid TAP is on when its URL, application id and password are all set. */
export function tapConfigured(config: Config): config is Config & Required<Pick<Config, 'USSD_TAP_URL' | 'USSD_TAP_APP_ID' | 'USSD_TAP_PASSWORD'>> {
  return Boolean(config.USSD_TAP_URL && config.USSD_TAP_APP_ID && config.USSD_TAP_PASSWORD);
}

/**
 * hSenid TAP USSD (Robi's bdapps, Banglalink's Applink): asynchronous. Each hop (wire.ts) is
 * acknowledged at once with S1000; then its turn is taken by the conversation layer
 * (conversation/ussd.ts) and the screen goes back as a separate MT request on a lane of its own
 * (mt.ts), `mt-cont` or `mt-fin`.
 *
 * A hop is served once. The platform names each MO with a `requestId`; a resent one (same
 * session and requestId) is acknowledged and nothing more, so it makes neither a second dialog
 * step nor a second screen. While a hop's turn is being taken the phone cannot type, so a hop of
 * that session with the same input and a new requestId meanwhile is a resend too. The marks are
 * in the ephemeral store (shared by every instance); a screen not delivered lifts them, so a
 * resend may try again, and the engine answers it from the saved reply (the same `hopKey`).
 *
 * Masked subscribers (`tel:` and a hash) are callers of their own, `masked:bdapps:<hash>`
 * (address.ts), never texted. Refusals and bad input are answered in the platform's own JSON:
 * 403 E1313 from the gateway rule (E1315 while USSD is off), 503 E1315 while TAP is not
 * configured, 400 E1312 or E1325 for a hop that is not one.
 */
export function bdappsUssd({ config, log, metrics, conversation, store }: ChannelDeps & { store: EphemeralStore }): Channel {
  const channelLog = log.child({ name: 'channels:bdapps-ussd' });
  const router = express.Router();
  const configured = tapConfigured(config);
  if (!configured) {
    channelLog.info('hSenid TAP USSD (bdapps, Applink) is off: /ussd/bdapps answers 503 until USSD_TAP_URL (the platform\'s ussd/send URL), USSD_TAP_APP_ID and USSD_TAP_PASSWORD are set, besides USSD_TOKEN and/or USSD_ALLOWED_IPS');
  }
  const lane = configured
    ? new TapLane({ url: config.USSD_TAP_URL, applicationId: config.USSD_TAP_APP_ID, password: config.USSD_TAP_PASSWORD, windowMs: config.USSD_TAP_RETRY_SECONDS * 1000, log: channelLog })
    : undefined;
  /** Hops whose turn or screen is still under way, so stop() can wait for them. */
  const inFlight = new Set<Promise<void>>();
  const markSeconds = Math.max(config.USSD_SESSION_MAX_SECONDS, config.USSD_TAP_RETRY_SECONDS + 60);

  const refuse = (res: Response, status: number, statusCode: string, detail: string) => res.status(status).json(tapError(statusCode, detail));

  // The one gateway rule (ussd-gateway.ts: USSD_TOKEN as ?token=, USSD_ALLOWED_IPS), checked
  // before the body is read, with its refusal in the platform's JSON rather than the `END` text
  // a gateway that shows the body on the phone needs.
  const onRefused = (reason: UssdRefusal, req: Request) => {
    metrics.hops.inc({ channel: 'ussd', outcome: 'forbidden' });
    channelLog.info({ reason, source: req.ip }, 'USSD hop refused: not from the gateway');
  };
  const gateway = ussdGateway(config, onRefused);
  const guard: RequestHandler = (req, res, next) => {
    const refused = gateway.refusal(req);
    if (refused === undefined) {
      next();
      return;
    }
    onRefused(refused, req);
    if (refused === 'off') refuse(res, 403, STATUS.notActive, 'USSD is not configured on this server');
    else refuse(res, 403, STATUS.authentication, 'Authentication failed');
  };
  const whenConfigured: RequestHandler = (_req, res, next) => {
    if (configured) next();
    else refuse(res, 503, STATUS.notActive, 'USSD through hSenid TAP is not configured on this server');
  };
  const parseJson = express.json({ limit: '8kb' });
  const badBody = (error: Error & { type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const tooLarge = error.type === 'entity.too.large';
    channelLog.info({ reason: error.type ?? 'unreadable' }, 'malformed hSenid TAP hop refused');
    refuse(res, 400, STATUS.invalid, tooLarge ? 'Request is invalid: the body is larger than 8 kB' : 'Request is invalid: the body is not JSON');
  };

  router.post(PATH, guard, whenConfigured, parseJson, badBody, async (req: Request, res: Response) => {
    const parsed = moSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'body'))].join(', ');
      channelLog.info({ fields }, 'malformed hSenid TAP hop refused');
      refuse(res, 400, STATUS.invalid, `Request is invalid: check ${fields}`);
      return;
    }
    const hop = parsed.data;
    if (hop.applicationId !== config.USSD_TAP_APP_ID) {
      channelLog.info('hSenid TAP hop for another application refused');
      refuse(res, 400, STATUS.invalid, 'Request is invalid: applicationId is not the application this server serves');
      return;
    }
    const caller = callerOf(hop.sourceAddress);
    if (!caller || (caller.kind === 'number' && !phoneAddress(caller.number))) {
      refuse(res, 400, STATUS.address, 'Format of the address is invalid: sourceAddress must be tel: and a number, or tel: and the masked hash');
      return;
    }
    const input = hop.ussdOperation === 'mo-init' ? '' : hop.message.trim();
    if (!(await firstSight(hop, input))) {
      metrics.hops.inc({ channel: 'ussd', outcome: 'duplicate' });
      res.status(200).json(ACK);
      return;
    }
    // Acknowledged before the turn: the platform waits for this answer, not for the screen.
    res.status(200).json(ACK);
    const work = serve(hop, caller, input, req.ip).finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  /** The marks of a hop (see above): true the first time, false for a resend. */
  async function firstSight(hop: MoHop, input: string): Promise<boolean> {
    try {
      if (!(await store.setIfAbsent(moKey(hop), '1', markSeconds))) return false;
      if (await store.setIfAbsent(pendingKey(hop), input, markSeconds)) return true;
      // A turn of this session is being taken: the same input again is that hop resent.
      if ((await store.get(pendingKey(hop))) === input) return false;
      await store.set(pendingKey(hop), input, markSeconds);
      return true;
    } catch (error) {
      // Without its store the turn fails politely anyway (conversation/ussd.ts): served, unmarked.
      channelLog.warn({ err: error }, 'could not mark an hSenid TAP hop; served without its mark');
      return true;
    }
  }

  async function serve(hop: MoHop, caller: Caller, input: string, source: string | undefined): Promise<void> {
    let delivered = false;
    try {
      const answer = await conversation.ussd.hop({
        gateway: GATEWAY,
        session: hop.sessionId,
        phone: caller.kind === 'number' ? caller.number : '',
        masked: caller.kind === 'masked' ? caller.hash : undefined,
        input,
        hopKey: `${hop.sessionId}:${hop.requestId}`,
        serviceCode: serviceCodeOf(hop),
        source,
      });
      // The turn is taken: the phone will be able to type again, and the same input is a new hop.
      await store.delete(pendingKey(hop)).catch(() => undefined);
      if (answer.kind === 'bad-phone') {
        channelLog.warn('hSenid TAP hop with an address the conversation refused; no screen sent');
        return;
      }
      const outcome = await lane!.send({ sessionId: hop.sessionId, destinationAddress: hop.sourceAddress, message: answer.text, final: answer.final, version: hop.version ?? '1.0' });
      delivered = outcome.kind === 'delivered';
      metrics.hops.inc({ channel: 'ussd', outcome: `tap-${outcome.kind}` });
    } catch (error) {
      channelLog.error({ err: error }, 'an hSenid TAP hop failed');
    } finally {
      // A screen not delivered lifts the hop's mark, so the platform's resend may try again
      // (answered from the saved reply: no second step).
      if (!delivered) await Promise.all([store.delete(moKey(hop)), store.delete(pendingKey(hop))]).catch(() => undefined);
    }
  }

  return {
    name: 'ussd-bdapps',
    router,
    async stop() {
      lane?.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

const moKey = (hop: MoHop) => `ussd-tap:mo:${hop.sessionId}:${hop.requestId}`;
const pendingKey = (hop: MoHop) => `ussd-tap:pending:${hop.sessionId}`;

