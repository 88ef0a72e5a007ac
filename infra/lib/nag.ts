/**
 * cdk-nag v3 runs as a CDK policy-validation plugin and is silenced per exact finding
 * (`Validations.of(c).acknowledge({ id: 'AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]' })`). Findings embed
 * logical ids, so writing them by hand is brittle. Constructs instead declare *justifications* next to the
 * resource they concern: a rule, a reason, and optionally patterns of the findings they cover.
 * applyJustifications() runs the pack once over the finished tree and acknowledges exactly the findings a
 * justification matches (on the resource itself or an ancestor); anything unjustified still fails synth.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface Justification {
  /** Rule id, e.g. AwsSolutions-IAM5. */
  id: string;
  /** Why the finding is acceptable here; required and shown in the synth report. */
  reason: string;
  /** Findings covered (exact strings or patterns); omitted = every finding of the rule on this subtree. */
  appliesTo?: Array<string | RegExp>;
}

const registry = new WeakMap<IConstruct, Justification[]>();

/** Declares justified findings for a construct and everything under it. */
export function justify(scope: IConstruct, list: Justification[]): void {
  for (const j of list) if (!j.reason.trim()) throw new Error(`justification for ${j.id} on ${scope.node.path} has no reason`);
  registry.set(scope, [...(registry.get(scope) ?? []), ...list]);
}

export interface AcknowledgedFinding {
  path: string;
  rule: string;
  reason: string;
}

/** Acknowledges every nag finding that a declared justification covers; returns what it acknowledged. */
export function applyJustifications(root: IConstruct): AcknowledgedFinding[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(root);
  const byPath = new Map(root.node.findAll().map((c) => [c.node.path, c] as const));
  const done: AcknowledgedFinding[] = [];
  for (const v of report.violations) {
    const m = /^([^[]+)(?:\[(.*)\])?$/s.exec(v.ruleName);
    if (!m) continue;
    const [, base, finding] = m;
    for (const r of v.violatingResources) {
      const c = r.constructPath ? byPath.get(r.constructPath) : undefined;
      if (!c || !r.constructPath) continue;
      const j = justificationFor(c, base!, finding);
      if (!j) continue;
      Validations.of(c).acknowledge({ id: v.ruleName, reason: j.reason });
      done.push({ path: r.constructPath, rule: v.ruleName, reason: j.reason });
    }
  }
  return done;
}

function justificationFor(c: IConstruct, rule: string, finding: string | undefined): Justification | undefined {
  for (let cur: IConstruct | undefined = c; cur; cur = cur.node.scope) {
    const hit = (registry.get(cur) ?? []).find((j) => j.id === rule && covers(j, finding));
    if (hit) return hit;
  }
  return undefined;
}

function covers(j: Justification, finding: string | undefined): boolean {
  if (!j.appliesTo) return true;
  if (finding === undefined) return false;
  return j.appliesTo.some((p) => (typeof p === 'string' ? p === finding : p.test(finding)));
}

/** Unacknowledged findings of the AwsSolutions pack (what would fail synth). */
export function nagViolations(root: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: false }).validateScope(root).violations;
}
