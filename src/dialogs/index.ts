import { applyDialog } from './apply';
import { browseDialog } from './browse';
import { centresDialog } from './centres';
import { complaintDialog, type DeskEffects } from './complaint';
import { confirmAssistedDialog } from './confirm-assisted';
import type { Dialog, DialogEffects, DialogName, PrivacyEffects, TrustEffects } from './dialog';
import { helpDialog } from './help';
import { languageDialog } from './language';
import { menuDialog } from './menu';
import { mydataDialog } from './mydata';
import { profilesDialog } from './profiles';
import { requestsDialog } from './requests';
import { resumeDialog } from './resume';
import { statusDialog } from './status';
import { subscribeDialog } from './subscribe';
import { verifyDialog } from './verify';

/** Every citizen dialog, built with the effects of this deployment. The one list of dialogs. */
export function createDialogs(effects: DialogEffects & PrivacyEffects & TrustEffects & DeskEffects): Record<DialogName, Dialog<never>> {
  return {
    menu: menuDialog,
    language: languageDialog(effects),
    browse: browseDialog,
    centres: centresDialog,
    apply: applyDialog(effects),
    requests: requestsDialog,
    status: statusDialog(effects),
    subscribe: subscribeDialog(effects),
    help: helpDialog,
    resume: resumeDialog,
    mydata: mydataDialog(effects),
    verify: verifyDialog(effects),
    profiles: profilesDialog(effects),
    complaint: complaintDialog(effects),
    'confirm-assisted': confirmAssistedDialog(effects),
  } as Record<DialogName, Dialog<never>>;
}
