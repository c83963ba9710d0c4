import { ADVANTA } from './advanta/mapping';
import { cumulativeUssd } from './africastalking/cumulative';
import { africasTalkingUssd } from './africastalking/ussd';
import { arkeselUssd } from './arkesel/ussd';
import { bdappsUssd } from './bdapps/ussd';
import type { Channel, ChannelDeps } from './channel';
import { hubtelUssd } from './hubtel/ussd';
import { kannelUssd } from './kannel-ussd/ussd';
import { naloUssd } from './nalo/ussd';
import type { EphemeralStore } from '../store/ephemeral';

/**
 * Every USSD gateway family Lingkod speaks, each a folder of its own under src/channels with
 * its wire format, fixtures from the provider's documentation and its README section. Adding a
 * gateway is its folder and one entry here. Each is behind the one gateway rule (ussd-gateway.ts)
 * and hands its hops to the conversation layer (conversation/ussd.ts). `store` is the ephemeral
 * store, for a family that must mark hops itself (an asynchronous one such as hSenid TAP).
 *
 * A clone of Africa's Talking's cumulative-path CON/END callback is only a mapping
 * (africastalking/cumulative.ts): `cumulativeUssd(<its mapping>, deps)`.
 */
export function ussdGateways(deps: ChannelDeps & { store: EphemeralStore }): Channel[] {
  return [
    // Cumulative path, CON/END (africastalking/cumulative.ts): Africa's Talking and its clones.
    africasTalkingUssd(deps),
    cumulativeUssd(ADVANTA, deps),
    // JSON, the newest input only, a continue flag (latest-input/): each a mapping.
    hubtelUssd(deps),
    naloUssd(deps),
    arkeselUssd(deps),
    // hSenid TAP (Robi bdapps, Banglalink Applink): asynchronous, the screen POSTed back.
    bdappsUssd(deps),
    // SMPP USSD (ussd_service_op, its_session_info) through the Kannel link: smsbox's get-url.
    kannelUssd(deps),
  ];
}
