import { TWILIO_ENV, TwilioPhone } from '../sms/support';
import { smsJourney } from '../../support/sms-journey';

// Twilio answers in the webhook's response (TwiML): the reply is the response itself.
smsJourney('Twilio', ({ app }, number) => new TwilioPhone(app, number), () => TWILIO_ENV);
