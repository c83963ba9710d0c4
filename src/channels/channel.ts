import type { Router } from 'express';
import type { i18n } from 'i18next';
import type { Config } from '../config';
import type { DialogEngine } from '../dialogs/engine';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';

/**
 * The contract every channel adapter meets. An adapter knows one provider's wire format and
 * nothing about services: it parses a webhook into an Inbound for the engine and lays the
 * reply out within the channel's limits. Adapters never import dialogs, and dialogs never
 * import a provider.
 */
export interface Channel {
  /** Short name, used in logs, metrics and citizens' address records. */
  name: string;
  /** Routes the app mounts at its root; each adapter declares its own paths. */
  router: Router;
}

/** What a channel adapter is given by the composition root. */
export interface ChannelDeps {
  config: Config;
  engine: DialogEngine;
  i18n: i18n;
  log: Logger;
  metrics: Metrics;
}
