/**
 * BC (behaviour cloning) as the app, UI and CLI see it: RLlib's BC is MARWIL with beta 0
 * (`class BC(MARWIL)`, `BCConfig(MARWILConfig)`), so it shares MARWIL's implementation,
 * sections and presets (algorithms/marwil/); only its defaults, form and charts differ.
 */
import type { AlgorithmSpec } from '../spec';
import { BC_DEFAULTS, bc, type MARWILConfig } from '../marwil/marwil-config';
import { BC_CHARTS, OFFLINE_SPEC_SHARED, TRAINING_FIELDS, offlineSections } from '../marwil/marwil-spec';

export const BC_SPEC: AlgorithmSpec<MARWILConfig> = {
  ...OFFLINE_SPEC_SHARED,
  name: 'BC',
  title: 'BC — behaviour cloning (offline)',
  description: 'Behaviour cloning: MARWIL with beta 0, RLlib’s BC. Imitates the recorded actions.',
  defaultsNote: "RLlib's BCConfig defaults (lr 1e-4, 2000 rows per step).",
  defaults: BC_DEFAULTS,
  builder: bc,
  formSections: offlineSections('BC hyperparameters', TRAINING_FIELDS),
  charts: BC_CHARTS,
};
