import { z } from 'zod';
import type { Channel, ChannelDeps } from '../channel';
import { echoed, gatewayId, gatewayPhone, gatewayText, latestInputGateway, type LatestInputFamily } from '../latest-input';

/**
 * Hubtel Programmable Services (Ghana), USSD: a JSON POST for every hop with the newest input
 * only, answered `{Type: "Response"|"Release", Message, ClientState}`.
 * https://developers.hubtel.com/docs/api-reference-prog-services ;
 * https://hubtel.readme.io/reference/sample-general-services-interaction
 *
 * `Type` is `initiation` (the dial; `Message` is the string dialled, `*347*2*1#`), `response`
 * (a reply) or `release` (the citizen ended the session); `timeout` is taken like `release`.
 * Hubtel numbers the hops of a session (`Sequence`), so a retry of a hop is its session and
 * sequence again, and gets the same screen.
 */
const schema = z.object({
  Type: z.string().trim().toLowerCase().pipe(z.enum(['initiation', 'response', 'release', 'timeout'])),
  Message: gatewayText.optional().default(''),
  SessionId: gatewayId,
  Mobile: gatewayPhone,
  ServiceCode: z.string().max(60).optional(),
  Operator: z.string().max(40).optional(),
  Sequence: gatewayId.optional(),
  ClientState: z.string().max(500).optional(),
});

const hubtel: LatestInputFamily<z.infer<typeof schema>> = {
  name: 'hubtel',
  schema,
  // The operators Hubtel's reference lists for USSD sessions.
  networks: ['mtn', 'vodafone', 'airtel', 'tigo'],
  read: (body) => ({
    session: body.SessionId,
    phone: body.Mobile,
    kind: body.Type === 'initiation' ? 'start' : body.Type === 'response' ? 'continue' : 'left',
    input: body.Message,
    sequence: body.Sequence,
    network: body.Operator,
    serviceCode: body.ServiceCode,
  }),
  // ClientState comes back on the next hop; the path is kept on our side, so it carries only the hop's number.
  answer: (body, { text, final, hop }) => ({ Type: final ? 'Release' : 'Response', Message: text, ClientState: hop ?? echoed(body, 'Sequence') }),
};

export function hubtelUssd(deps: ChannelDeps): Channel {
  return latestInputGateway(deps, hubtel);
}
