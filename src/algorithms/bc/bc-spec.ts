/**
 * BC (behaviour cloning) as the app, UI and CLI see it: RLlib's BC is MARWIL with beta 0
 * (`class BC(MARWIL)`, `BCConfig(MARWILConfig)`), so it shares MARWIL's implementation,
 * sections and presets (algorithms/marwil/); only its defaults, form and charts differ.
 */
import { defineAlgorithm } from '../define-algorithm';
import { BC_SCHEMA, type MARWILConfig } from '../marwil/marwil-config';
import { BC_CHARTS, OFFLINE_SPEC_SHARED } from '../marwil/marwil-spec';
import { BC_RLLIB } from './bc-rllib';

export const BC_SPEC = defineAlgorithm<MARWILConfig>({
  ...OFFLINE_SPEC_SHARED,
  schema: BC_SCHEMA,
  title: 'BC — behaviour cloning (offline)',
  description: 'Behaviour cloning: MARWIL with beta 0, RLlib’s BC. Imitates the recorded actions.',
  defaultsNote: "RLlib's BCConfig defaults (lr 1e-4, 2000 rows per step).",
  formSection: { id: 'training', title: 'BC hyperparameters' },
  charts: BC_CHARTS,
  rllib: BC_RLLIB,
});
