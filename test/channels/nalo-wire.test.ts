import { naloWire } from '../support/latest-input-families';
import { latestInputWireTests } from '../support/latest-input';

latestInputWireTests(naloWire);
