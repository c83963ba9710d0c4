import { ADVANTA } from './advanta/mapping';
import { cumulativeUssd } from './africastalking/cumulative';
import { africasTalkingUssd } from './africastalking/ussd';
import type { Channel, ChannelDeps } from './channel';

/**
 * Every USSD gateway family Lingkod speaks, each a folder of its own under src/channels with
 * its wire format, fixtures from the provider's documentation and its README section. Adding a
 * gateway is its folder and one entry here. Each is behind the one gateway rule (ussd-gateway.ts)
 * and hands its hops to the conversation layer (conversation/ussd.ts).
 *
 * A clone of Africa's Talking's cumulative-path CON/END callback is only a mapping
 * (africastalking/cumulative.ts): `cumulativeUssd(<its mapping>, deps)`.
 */
export function ussdGateways(deps: ChannelDeps): Channel[] {
  return [africasTalkingUssd(deps), cumulativeUssd(ADVANTA, deps)];
}
