import { applyDialog } from './apply';
import { browseDialog } from './browse';
import { centresDialog } from './centres';
import type { Dialog, DialogEffects, DialogName } from './dialog';
import { helpDialog } from './help';
import { languageDialog } from './language';
import { menuDialog } from './menu';
import { requestsDialog } from './requests';
import { resumeDialog } from './resume';
import { statusDialog } from './status';
import { subscribeDialog } from './subscribe';

/** Every citizen dialog, built with the effects of this deployment. The one list of dialogs. */
export function createDialogs(effects: DialogEffects): Record<DialogName, Dialog<never>> {
  return {
    menu: menuDialog,
    language: languageDialog(effects),
    browse: browseDialog,
    centres: centresDialog,
    apply: applyDialog(effects),
    requests: requestsDialog,
    status: statusDialog,
    subscribe: subscribeDialog(effects),
    help: helpDialog,
    resume: resumeDialog,
  } as Record<DialogName, Dialog<never>>;
}
