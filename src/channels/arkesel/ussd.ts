import { z } from 'zod';
import type { Channel, ChannelDeps } from '../channel';
import { echoed, gatewayFlag, gatewayId, gatewayPhone, gatewayText, latestInputGateway, type LatestInputFamily } from '../latest-input';

/**
 * Arkesel USSD (Ghana): a JSON POST for every hop, `newSession` true on the dial, `userData`
 * the newest input (the string dialled on the dial); answered `{sessionID, userID, msisdn,
 * message, continueSession}`.
 * Field list: harmonizerblinks/ussd-builder lib/ussd-menu.js (its Arkesel mapping);
 * https://docs.page/nexlabstudio/starhash-docs/providers/arkesel (networks, callbacks).
 *
 * Arkesel numbers no hops and no end-of-session message is documented: the hop ledger
 * (conversation/ussd-hops.ts) numbers them, and a session the citizen leaves is offered back
 * on the next dial.
 */
const schema = z.object({
  sessionID: gatewayId,
  userID: z.string().max(100).optional().default(''),
  newSession: gatewayFlag,
  msisdn: gatewayPhone,
  userData: gatewayText.optional().default(''),
  network: z.string().max(40).optional(),
});

const arkesel: LatestInputFamily<z.infer<typeof schema>> = {
  name: 'arkesel',
  schema,
  // The networks Arkesel serves in Ghana.
  networks: ['mtn', 'vodafone', 'airteltigo', 'telecel'],
  read: (body) => ({ session: body.sessionID, phone: body.msisdn, kind: body.newSession ? 'start' : 'continue', input: body.userData, network: body.network }),
  answer: (body, { text, final }) => ({
    sessionID: echoed(body, 'sessionID'),
    userID: echoed(body, 'userID'),
    msisdn: echoed(body, 'msisdn'),
    message: text,
    continueSession: !final,
  }),
};

export function arkeselUssd(deps: ChannelDeps): Channel {
  return latestInputGateway(deps, arkesel);
}
