import { z } from 'zod';
import type { Channel, ChannelDeps } from '../channel';
import { echoed, gatewayFlag, gatewayId, gatewayPhone, gatewayText, latestInputGateway, type LatestInputFamily } from '../latest-input';

/**
 * Nalo Solutions USSD (Ghana): a JSON POST for every hop, `MSGTYPE` true on the dial and
 * false after it, `USERDATA` the newest input (the string dialled on the dial); answered
 * `{USERID, MSISDN, MSG, MSGTYPE}` with `MSGTYPE` true to continue and false to end.
 * https://documenter.gw.postman.com/api/collections/7705958/UyrEhaLQ
 *
 * Nalo numbers no hops and documents no end-of-session message: the hop ledger
 * (conversation/ussd-hops.ts) numbers them, and a session the citizen leaves is offered back
 * on the next dial.
 */
const schema = z.object({
  USERID: z.string().max(100).optional().default(''),
  MSISDN: gatewayPhone,
  USERDATA: gatewayText.optional().default(''),
  MSGTYPE: gatewayFlag,
  NETWORK: z.string().max(40).optional(),
  SESSIONID: gatewayId,
});

const nalo: LatestInputFamily<z.infer<typeof schema>> = {
  name: 'nalo',
  schema,
  // Ghana's networks as Nalo names them (its sample sends "MTN").
  networks: ['mtn', 'vodafone', 'airteltigo', 'telecel'],
  read: (body) => ({ session: body.SESSIONID, phone: body.MSISDN, kind: body.MSGTYPE ? 'start' : 'continue', input: body.USERDATA, network: body.NETWORK }),
  answer: (body, { text, final }) => ({ USERID: echoed(body, 'USERID'), MSISDN: echoed(body, 'MSISDN'), MSG: text, MSGTYPE: !final }),
};

export function naloUssd(deps: ChannelDeps): Channel {
  return latestInputGateway(deps, nalo);
}
