import { smsJourney } from '../../support/sms-journey';
import { FakeInfobip, InfobipPhone, infobipEnv } from './support';

// The SMS journey of issue 14 through Infobip: each text an MO_JSON_2 forward to POST /sms/infobip,
// each reply read from what the dispatcher sent to a loopback fake of /sms/2/text/advanced.
const fake = new FakeInfobip();
let baseUrl = '';
beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(async () => {
  await fake.stop();
});

smsJourney('Infobip', (lingkod, number) => new InfobipPhone(lingkod, fake, number), () => infobipEnv(baseUrl));
