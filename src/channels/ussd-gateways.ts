import { africasTalkingUssd } from './africastalking/ussd';
import type { Channel, ChannelDeps } from './channel';
import { kannelUssd } from './kannel-ussd/ussd';

/**
 * Every USSD gateway family Lingkod speaks, each a folder of its own under src/channels with
 * its wire format, fixtures from the provider's documentation and its README section. Adding a
 * gateway is its folder and one entry here. Each is behind the one gateway rule (ussd-gateway.ts)
 * and hands its hops to the conversation layer (conversation/ussd.ts).
 */
export function ussdGateways(deps: ChannelDeps): Channel[] {
  return [africasTalkingUssd(deps), kannelUssd(deps)];
}
