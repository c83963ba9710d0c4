import { naloWire } from '../support/latest-input-families';
import { latestInputDriver } from '../support/latest-input';
import { ussdJourney } from '../support/ussd-journey';

ussdJourney('Nalo', latestInputDriver(naloWire));
