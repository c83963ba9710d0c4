import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Channel, ChannelDeps } from '../channel';
import { ussdGateway } from '../ussd-gateway';

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

/** A mobile network code as Africa's Talking sends it (MCC and MNC, e.g. 51502). */
const NETWORK_CODE = /^\d{5,6}$/;

/** The gateway family, as the hop trail and the network limits name it. */
const GATEWAY = 'africastalking';

/**
 * Only Africa's Talking itself is served: the hop must pass the USSD gateway rule
 * (ussd-gateway.ts: USSD_TOKEN in the callback URL and/or a source in USSD_ALLOWED_IPS) before
 * its body is even parsed. The turn itself is the conversation layer's (conversation/ussd.ts).
 */
export function africasTalkingUssd({ log, metrics, conversation }: ChannelDeps): Channel {
  const channelLog = log.child({ name: 'channels:africastalking-ussd' });
  const router = express.Router();
  const reply = (res: Response, final: boolean, text: string) => res.status(200).type('text/plain').send(`${final ? 'END' : 'CON'} ${text}`);
  const gateway = ussdGateway(conversation.config, (reason, req) => {
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
    const answer = await conversation.ussd.hop({
      gateway: GATEWAY,
      session: hop.sessionId,
      phone: hop.phoneNumber,
      input: hop.text === '' ? '' : (hop.text.split('*').pop() ?? ''),
      hopKey: `${hop.sessionId}:${hop.text}`,
      network: NETWORK_CODE.test(hop.networkCode ?? '') ? hop.networkCode : undefined,
      serviceCode: hop.serviceCode,
      source: req.ip,
    });
    if (answer.kind === 'bad-phone') res.status(400).type('text/plain').send('END Bad request: phoneNumber is not a valid phone number');
    else reply(res, answer.final, answer.text);
  });

  return { name: 'ussd', router };
}
