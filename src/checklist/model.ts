import type { Probe } from '../probes/types.js';
import type { Condition } from './condition.js';
import type { VarDeclaration } from './interpolate.js';
import type { ChecklistDefinition, Severity } from './schema.js';

export interface ManualPlan {
  instructions: string;
  commands: string[];
  links: string[];
  roles: string[];
  evidence: 'optional' | 'required';
}

export interface ProbePlan {
  kind: string;
  probe: Probe;
  /** Parameters after `${VAR}` expansion and schema defaults; undefined when a variable is missing. */
  params: unknown;
  /** The item's `expect:`; undefined means the probe's built-in check. */
  conditions: Condition[] | undefined;
}

/** One item, validated and ready to run. */
export interface PlannedItem {
  id: string;
  title: string;
  description: string | undefined;
  section: { id: string; title: string; index: number; distinctSigners: boolean };
  /** Position in checklist order. */
  index: number;
  /** `manual` or the probe kind. */
  kind: string;
  severity: Severity;
  optional: boolean;
  tags: string[];
  needs: string[];
  /** false when `when:` expanded to an empty value; `whenReason` says why. */
  enabled: boolean;
  whenReason: string | undefined;
  timeoutMs: number;
  retry: { attempts: number; delayMs: number };
  expiresAfterMs: number | undefined;
  /** Variables referenced without a value: the item fails naming them. */
  missingVars: string[];
  probe: ProbePlan | undefined;
  manual: ManualPlan | undefined;
  /** SHA-256 of the item's definition as written: a sign-off is bound to it. */
  definitionHash: string;
  /** `file:line:col` of the item. */
  location: string;
}

export interface LoadedChecklist {
  file: string;
  sha256: string;
  definition: ChecklistDefinition;
  items: PlannedItem[];
  /** Variables whose values must be masked besides the ones whose names look secret. */
  secretNames: string[];
  vars: Record<string, VarDeclaration>;
}
