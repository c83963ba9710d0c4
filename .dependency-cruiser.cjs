/**
 * The layering of src/, checked by dependency-cruiser in `npm test` (README: "How it is built").
 * Adapters parse, verify, lay out and send, and hand everything else to the conversation layer;
 * the conversation layer owns the turn and calls dialogs and services; dialogs know no channel;
 * services know no channel, conversation or dialog; stores know no domain; configuration imports
 * nothing of ours. A violation fails the run.
 */
module.exports = {
  forbidden: [
    {
      name: 'dialogs-know-no-channel',
      comment: 'A dialog is channel-free: it yields Screens; adapters lay them out.',
      severity: 'error',
      from: { path: '^src/dialogs/' },
      to: { path: '^src/(channels|conversation|http|console|api)/' },
    },
    {
      name: 'services-know-no-channel-or-dialog',
      comment: 'Services hold the domain rules; they never know which channel, conversation or dialog asked.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(channels|conversation|dialogs|http|console|api)/' },
    },
    {
      name: 'adapters-never-import-services',
      comment: 'A channel adapter parses, verifies, lays out and sends; the conversation layer calls services.',
      severity: 'error',
      from: { path: '^src/channels/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'conversation-knows-no-provider',
      comment: 'The conversation layer is the same for every provider; only adapters know one.',
      severity: 'error',
      from: { path: '^src/conversation/' },
      to: { path: '^src/(channels|http|console|api)/' },
    },
    {
      name: 'text-helpers-know-nothing-above',
      comment: 'GSM-7, segments, look-alikes and pages are pure text: any layer may use them.',
      severity: 'error',
      from: { path: '^src/text/' },
      to: { path: '^src/', pathNot: '^src/(text/|dialogs/screen\\.ts$)' },
    },
    {
      name: 'stores-know-no-domain',
      comment: 'Stores keep rows and keys; they import nothing above them but the configuration type.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/(store/|config\\.ts$)' },
    },
    {
      name: 'config-imports-nothing-of-ours',
      comment: 'Configuration is read first and by everything; it depends on nothing of ours.',
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      comment: 'A cycle of value imports makes load order matter; a type-only import is erased and harmless.',
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
