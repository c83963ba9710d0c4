import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { isAllowedCountry, phoneAddress } from '../../address';
import { translate } from '../../i18n';
import { paginate } from '../../text/pages';
import type { Channel, ChannelDeps } from '../channel';
import { ussdGateway } from '../ussd-gateway';
import type { Reply } from '../../dialogs/engine';
import { StoreUnavailableError } from '../../store/sql';
import type { SmsFinisher } from './finish-by-sms';

/**
 * Africa's Talking USSD: the gateway posts a form for every hop and shows our plain-text
 * answer, `CON …` to keep the session open or `END …` to close it.
 * https://developers.africastalking.com/docs/ussd/handle_sessions
 *
 * `text` is the whole session's input so far, joined by `*` ("1*3*2"); the newest input is
 * its last part. A gateway that times out waiting for us retries the same hop, so the session
 * id and full text identify a hop, and a retry gets the same screen.
 */
const hopSchema = z.object({
  sessionId: z.string().min(1).max(100),
  serviceCode: z.string().max(40).optional(),
  phoneNumber: z.string().min(5).max(20),
  networkCode: z.string().max(20).optional(),
  text: z.string().max(2000).optional().default(''),
});

/** Longest single input we pass on; a keypad cannot type more in one screen anyway. */
const MAX_INPUT = 200;

/** A mobile network code as Africa's Talking sends it (MCC and MNC, e.g. 51502). */
const NETWORK_CODE = /^\d{5,6}$/;

/** The gateway family, as the hop trail and the network limits name it. */
const GATEWAY = 'africastalking';

/**
 * Only Africa's Talking itself is served: the hop must pass the USSD gateway rule
 * (ussd-gateway.ts: USSD_TOKEN in the callback URL and/or a source in USSD_ALLOWED_IPS) before
 * its body is even parsed. Every hop served is recorded in the hop trail (no content). With
 * `finish`, a screen too long for USSD, or a hop too slow for the gateway, is finished by SMS
 * (see finish-by-sms.ts).
 */
/** What this adapter needs of the hop trail (services/hop-trail.ts): a hop's particulars, never its content. */
export interface HopRecorder {
  record(hop: { gateway: string; network?: string; source?: string; session: string; serviceCode?: string; address: string }): void;
}

export function africasTalkingUssd({ config, engine, i18n, log, metrics, finish, trail }: ChannelDeps & { finish?: SmsFinisher; trail: HopRecorder }): Channel {
  const channelLog = log.child({ name: 'channels:africastalking-ussd' });
  const limits = { gsm7: config.USSD_MAX_CHARS, ucs2: config.USSD_MAX_CHARS_UCS2 };
  const router = express.Router();
  const reply = (res: Response, final: boolean, text: string) => res.status(200).type('text/plain').send(`${final ? 'END' : 'CON'} ${text}`);
  const gateway = ussdGateway(config, (reason, req) => {
    metrics.hops.inc({ channel: 'ussd', outcome: 'forbidden' });
    channelLog.info({ reason, source: req.ip }, 'USSD hop refused: not from the gateway');
  });
  if (!gateway.on) channelLog.info(gateway.howToTurnOn);

  router.post('/ussd/africastalking', gateway.guard, express.urlencoded({ extended: false, limit: '8kb' }), async (req: Request, res: Response) => {
    const parsed = hopSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
      channelLog.info({ fields }, 'malformed USSD hop refused');
      res.status(400).type('text/plain').send(`END Bad request: check ${fields}`);
      return;
    }
    const hop = parsed.data;
    const address = phoneAddress(hop.phoneNumber);
    if (!address) {
      res.status(400).type('text/plain').send('END Bad request: phoneNumber is not a valid phone number');
      return;
    }
    trail.record({ gateway: GATEWAY, network: hop.networkCode, source: req.ip, session: hop.sessionId, serviceCode: hop.serviceCode, address });
    // Like SMS, only the countries this deployment serves: refused politely, no citizen made.
    if (!isAllowedCountry(address, config.ALLOWED_COUNTRY_CODES)) {
      metrics.hops.inc({ channel: 'ussd', outcome: 'refused' });
      reply(res, true, translate(i18n, config.DEFAULT_LOCALE, { key: 'engine.not_served' }));
      return;
    }
    const stopTimer = metrics.hopSeconds.startTimer({ channel: 'ussd' });
    const newest = hop.text === '' ? '' : (hop.text.split('*').pop() ?? '');
    const session = `at:${hop.sessionId}`;
    const layout = (screen: Parameters<typeof paginate>[0]) => paginate(screen, limits);
    // One name for the gateway and network, for every per-network allowance (reference misses,
    // unsolicited SMS): a code that is not an MCC+MNC is one "unknown" network, so a forger
    // cannot mint a fresh allowance per made-up code.
    const network = `${GATEWAY}:${NETWORK_CODE.test(hop.networkCode ?? '') ? hop.networkCode : 'unknown'}`;
    const bySms = await finish?.forHop(address, session, layout, network);
    try {
      const turn = engine.turn(
        {
          channel: 'ussd',
          address,
          text: newest.slice(0, MAX_INPUT),
          session,
          hopKey: `${hop.sessionId}:${hop.text}`,
          network,
        },
        bySms?.paginate ?? layout,
      );
      let answer: Reply;
      if (bySms) {
        const raced = await bySms.within(turn);
        if (raced === 'late') {
          // The gateway would give up waiting: the session ends now and the answer follows by SMS.
          bySms.afterLate(turn);
          metrics.hops.inc({ channel: 'ussd', outcome: 'late' });
          reply(res, true, bySms.lateNotice());
          return;
        }
        answer = raced;
        await bySms.afterTurn(answer);
      } else {
        answer = await turn;
      }
      metrics.hops.inc({ channel: 'ussd', outcome: answer.final ? 'final' : 'ok' });
      reply(res, answer.final, answer.text);
    } catch (error) {
      // Our failure, not the caller's: a polite END (never a 5xx, which some gateways show raw).
      // A store away or a phone's turn busy (a flood of hops for one number) is expected, and
      // logged in one line without a stack: 200 forged dials must not be 200 stack traces.
      if (error instanceof StoreUnavailableError) channelLog.warn({ reason: error.message }, 'USSD hop not served (store unavailable or phone busy); answered with a polite END');
      else channelLog.error({ err: error }, 'USSD hop failed; answered with a polite END');
      metrics.hops.inc({ channel: 'ussd', outcome: 'error' });
      reply(res, true, translate(i18n, config.DEFAULT_LOCALE, { key: 'engine.unavailable' }));
    } finally {
      stopTimer();
    }
  });

  return { name: 'ussd', router };
}
