import { smsJourney } from '../../support/sms-journey';
import { FakeGlobeLabs, GlobePhone, globeEnv } from './support';

// The shared SMS journey through Globe Labs: the subscriber opts in (INFO, YES: the Redirect URI
// gets their access token), then each text is posted to the Notify URI as Globe Labs posts it and
// each reply is read from what the loopback fake of the SMS-MT API was sent.
const fake = new FakeGlobeLabs();
let apiUrl = '';
beforeAll(async () => {
  apiUrl = await fake.start();
});
afterAll(() => fake.stop());

smsJourney(
  'Globe Labs',
  async (lingkod, number) => {
    const phone = new GlobePhone(lingkod, fake, number);
    await phone.optIn();
    return phone;
  },
  () => globeEnv(apiUrl),
);
