import { hubtelWire } from '../support/latest-input-families';
import { latestInputDriver } from '../support/latest-input';
import { ussdJourney } from '../support/ussd-journey';

ussdJourney('Hubtel', latestInputDriver(hubtelWire));
