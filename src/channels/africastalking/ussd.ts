import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { UssdSessionEnd } from '../../conversation/ussd';
import type { Channel, ChannelDeps } from '../channel';
import { cumulativeAdapter, fieldsOf, type CumulativeMapping } from './cumulative';

/**
 * Africa's Talking USSD, the first mapping of the cumulative-path CON/END family
 * (cumulative.ts): the gateway posts a form for every hop and shows our plain-text answer,
 * `CON …` to keep the session open or `END …` to close it.
 * https://developers.africastalking.com/docs/ussd/handle_sessions
 *
 * `text` is the whole session's input so far, joined by `*` ("1*3*2"); the newest input is
 * its last part. A gateway that times out waiting for us retries the same hop, so the session
 * id and full text identify a hop, and a retry gets the same screen.
 */
export const AFRICASTALKING: CumulativeMapping = {
  name: 'africastalking',
  method: 'POST',
  body: 'form',
  fields: { session: 'sessionId', phone: 'phoneNumber', text: 'text', serviceCode: 'serviceCode', network: 'networkCode' },
  input: 'cumulative',
  prefixes: { more: 'CON', last: 'END' },
  // A mobile network code as Africa's Talking sends it (MCC and MNC, e.g. 51502).
  network: /^\d{5,6}$/,
  source: 'https://developers.africastalking.com/docs/ussd/handle_sessions',
};

/**
 * Africa's Talking's end-of-session notification (the "Events callback URL" of the USSD code):
 * one form per session once it ended, with how it ended. Only the fields we act on are
 * required; the rest are bounded so a forged body stays small.
 */
const endSchema = z.object({
  sessionId: z.string().min(1).max(100),
  serviceCode: z.string().max(40).optional(),
  networkCode: z.string().max(20).optional(),
  phoneNumber: z.string().min(5).max(20),
  status: z.enum(['Success', 'Incomplete', 'Failed']),
  date: z.string().max(40).optional(),
  cost: z.string().max(40).optional(),
  durationInMillis: z.string().regex(/^\d{1,12}$/).optional(),
  hopsCount: z.string().regex(/^\d{1,6}$/).optional(),
  input: z.string().max(2000).optional(),
  lastAppResponse: z.string().max(2000).optional(),
  errorMessage: z.string().max(500).optional(),
});

/** How Africa's Talking's status reads in the conversation layer's words. */
const ENDED: Record<z.infer<typeof endSchema>['status'], UssdSessionEnd['status']> = {
  Success: 'completed',
  Incomplete: 'dropped',
  Failed: 'failed',
};

/**
 * Only Africa's Talking itself is served: the hop must pass the USSD gateway rule
 * (ussd-gateway.ts: USSD_TOKEN in the callback URL and/or a source in USSD_ALLOWED_IPS) before
 * its body is even parsed. The turn itself is the conversation layer's (conversation/ussd.ts).
 *
 * `POST /ussd/africastalking` takes the hops; `POST /ussd/africastalking/events` the
 * end-of-session notifications, behind the same guard: an `Incomplete` session with a form in
 * progress gets one SMS saying how to continue (conversation/ussd.ts, ended()).
 */
export function africasTalkingUssd(deps: ChannelDeps): Channel {
  const { log, conversation } = deps;
  const channelLog = log.child({ name: 'channels:africastalking-ussd' });
  const { router, gateway } = cumulativeAdapter(AFRICASTALKING, deps);

  router.post('/ussd/africastalking/events', gateway.guard, express.urlencoded({ extended: false, limit: '8kb' }), async (req: Request, res: Response) => {
    const parsed = endSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = fieldsOf(parsed.error);
      channelLog.info({ fields }, 'malformed USSD session-end notification refused');
      res.status(400).type('text/plain').send(`Bad request: check ${fields}`);
      return;
    }
    const end = parsed.data;
    // A few store operations and at most one outbox row (the SMS itself goes later, through the
    // dispatcher): the gateway gets its 200 without waiting on any provider. Never throws.
    await conversation.ussd.ended({
      gateway: AFRICASTALKING.name,
      session: end.sessionId,
      phone: end.phoneNumber,
      status: ENDED[end.status],
      network: AFRICASTALKING.network?.test(end.networkCode ?? '') ? end.networkCode : undefined,
      serviceCode: end.serviceCode,
    });
    res.status(200).type('text/plain').send('OK');
  });

  return { name: 'ussd', router };
}
