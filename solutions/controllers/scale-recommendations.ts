/**
 * How fast the horizontal pod autoscaler may follow its metrics (kube-controller-manager's
 * `horizontal.go`: normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors, v1.32).
 * Given code. It remembers, per autoscaler, the recommendations it made and the scalings it did:
 *
 * - without `spec.behavior`: a scale down takes the highest recommendation of the last 5 minutes
 *   (`--horizontal-pod-autoscaler-downscale-stabilization`), and a scale up goes to at most twice
 *   the replicas (at least 4);
 * - with `spec.behavior` (the apiserver fills in its defaults): each direction's stabilization
 *   window, then its policies: at most `value` pods, or `value` percent, per `periodSeconds`,
 *   counted from the scalings done within the period; `selectPolicy` Max takes the policy that
 *   allows the most change, Min the least, Disabled none.
 *
 * ```
 * no behavior, 3 replicas; recommendations over 5 minutes: 6 (t=0), 2 (t=60 s)
 *   t=60 s: the highest recent recommendation is 6: stays at 6, ScaleDownStabilized
 *   t=315 s: the 6 is older than 5 minutes: 2
 * ```
 */
import type { Clock, HorizontalPodAutoscalerBehavior, HPAScalingRules } from '@kube/kit';

/** `--horizontal-pod-autoscaler-downscale-stabilization`. */
export const DOWNSCALE_STABILIZATION_WINDOW_MS = 5 * 60_000;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

/** A condition the normalization sets: its status, reason and message. */
export interface ConditionChange {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The replicas to scale to, and the AbleToScale and ScalingLimited conditions that say why. */
export interface Normalized {
  replicas: number;
  ableToScale: ConditionChange;
  scalingLimited: ConditionChange;
}

interface Recommendation {
  replicas: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** What a normalization is given. */
export interface NormalizeInputs {
  currentReplicas: number;
  /** what the metrics propose */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: HorizontalPodAutoscalerBehavior | undefined;
}

const READY: ConditionChange = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN_RANGE = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const SCALE_UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const SCALE_DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/** The recommendations and scalings of every autoscaler, by its key. */
export class ScaleRecommendations {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly scaleUps = new Map<string, ScaleEvent[]>();
  private readonly scaleDowns = new Map<string, ScaleEvent[]>();

  constructor(private readonly clock: Clock) {}

  /** The first look at an autoscaler counts its current replicas as a recommendation (a restart does not scale down at once). */
  recordInitial(key: string, currentReplicas: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, at: this.clock.now() }]);
  }

  /** Forgets a deleted autoscaler. */
  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUps.delete(key);
    this.scaleDowns.delete(key);
  }

  /** The replicas to scale to, stabilized and limited. */
  normalize(key: string, inputs: NormalizeInputs): Normalized {
    return inputs.behavior ? this.withBehavior(key, inputs, inputs.behavior) : this.withoutBehavior(key, inputs);
  }

  /** Remembers a scaling, for the behavior's policies (none is kept without a behavior). */
  recordScale(key: string, behavior: HorizontalPodAutoscalerBehavior | undefined, previous: number, next: number): void {
    if (!behavior) return;
    const up = next > previous;
    const events = up ? this.scaleUps : this.scaleDowns;
    const period = Math.max(0, ...((up ? behavior.scaleUp : behavior.scaleDown)?.policies ?? []).map((p) => p.periodSeconds)) * 1000;
    const now = this.clock.now();
    const list = events.get(key) ?? [];
    for (const event of list) if (event.at < now - period) event.outdated = true;
    const event = { change: Math.abs(next - previous), at: now, outdated: false };
    // an outdated event's place is reused, so that the list does not grow for ever
    const reused = list.findLastIndex((e) => e.outdated);
    if (reused >= 0) list[reused] = event;
    else list.push(event);
    events.set(key, list);
  }

  private withoutBehavior(key: string, inputs: NormalizeInputs): Normalized {
    const { currentReplicas, desiredReplicas, minReplicas, maxReplicas } = inputs;
    const stabilized = this.stabilize(key, desiredReplicas);
    const ableToScale: ConditionChange =
      stabilized !== desiredReplicas ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' } : READY;
    // Not too fast up, as a bogus cpu report once scaled a cluster's masters (kubernetes#32304).
    const scaleUpLimit = Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
    const [maximum, limit] = maxReplicas > scaleUpLimit ? [scaleUpLimit, SCALE_UP_LIMIT] : [maxReplicas, TOO_MANY];
    let replicas = stabilized;
    let why = WITHIN_RANGE;
    if (stabilized < minReplicas) [replicas, why] = [minReplicas, TOO_FEW];
    else if (stabilized > maximum) [replicas, why] = [maximum, limit];
    return { replicas, ableToScale, scalingLimited: { status: replicas === stabilized ? 'False' : 'True', ...why } };
  }

  /** The highest recommendation of the stabilization window, this one recorded in place of one older than it. */
  private stabilize(key: string, desired: number): number {
    const now = this.clock.now();
    const cutoff = now - DOWNSCALE_STABILIZATION_WINDOW_MS;
    const list = this.recommendations.get(key) ?? [];
    let highest = desired;
    let old = -1;
    list.forEach((recommendation, i) => {
      if (recommendation.at < cutoff) old = i;
      else highest = Math.max(highest, recommendation.replicas);
    });
    if (old >= 0) list[old] = { replicas: desired, at: now };
    else list.push({ replicas: desired, at: now });
    this.recommendations.set(key, list);
    return highest;
  }

  private withBehavior(key: string, inputs: NormalizeInputs, behavior: HorizontalPodAutoscalerBehavior): Normalized {
    const { currentReplicas, desiredReplicas, minReplicas, maxReplicas } = inputs;
    const scaleUp = behavior.scaleUp ?? {};
    const scaleDown = behavior.scaleDown ?? {};
    const now = this.clock.now();
    // Stabilize: no higher than the lowest recommendation of the up window, no lower than the highest of the down window.
    const upCutoff = now - (scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
    const downCutoff = now - (scaleDown.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_WINDOW_MS / 1000) * 1000;
    let up = desiredReplicas;
    let down = desiredReplicas;
    let old = -1;
    const list = this.recommendations.get(key) ?? [];
    list.forEach((recommendation, i) => {
      if (recommendation.at > upCutoff) up = Math.min(up, recommendation.replicas);
      if (recommendation.at > downCutoff) down = Math.max(down, recommendation.replicas);
      if (recommendation.at < upCutoff && recommendation.at < downCutoff) old = i;
    });
    const stabilized = Math.min(Math.max(currentReplicas, up), down);
    if (old >= 0) list[old] = { replicas: desiredReplicas, at: now };
    else list.push({ replicas: desiredReplicas, at: now });
    this.recommendations.set(key, list);
    const ableToScale: ConditionChange =
      stabilized === desiredReplicas
        ? READY
        : desiredReplicas >= currentReplicas
          ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
          : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

    // Then the policies' rate.
    let replicas = stabilized;
    let why = WITHIN_RANGE;
    if (stabilized > currentReplicas) {
      const limit = Math.max(currentReplicas, this.policyLimit(key, currentReplicas, scaleUp, 'up'));
      const [maximum, reason] = maxReplicas > limit ? [limit, SCALE_UP_LIMIT] : [maxReplicas, TOO_MANY];
      if (stabilized > maximum) [replicas, why] = [maximum, reason];
    } else if (stabilized < currentReplicas) {
      const limit = Math.min(currentReplicas, this.policyLimit(key, currentReplicas, scaleDown, 'down'));
      const [minimum, reason] = minReplicas < limit ? [limit, SCALE_DOWN_LIMIT] : [minReplicas, TOO_FEW];
      if (stabilized < minimum) [replicas, why] = [minimum, reason];
    }
    return { replicas, ableToScale, scalingLimited: { status: replicas === stabilized ? 'False' : 'True', ...why } };
  }

  /**
   * How far one direction's policies let the replicas go from where the period began: up, the
   * most (Max) or least (Min) of `start + pods` and `ceil(start × (1 + percent))`; down, the
   * same with `start − pods` and `trunc(start × (1 − percent))`. Disabled: nowhere.
   */
  private policyLimit(key: string, currentReplicas: number, rules: HPAScalingRules, direction: 'up' | 'down'): number {
    const select = rules.selectPolicy ?? 'Max';
    if (select === 'Disabled') return currentReplicas;
    // Up, Max wants the highest limit; down, Max (the most change) wants the lowest.
    const pickHighest = (direction === 'up') === (select !== 'Min');
    let result = pickHighest ? -Infinity : Infinity;
    for (const policy of rules.policies ?? []) {
      const added = this.changedWithin(this.scaleUps.get(key), policy.periodSeconds);
      const deleted = this.changedWithin(this.scaleDowns.get(key), policy.periodSeconds);
      const start = currentReplicas - added + deleted;
      let proposed: number;
      if (direction === 'up') proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
      else proposed = policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
      result = pickHighest ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return Number.isFinite(result) ? result : currentReplicas;
  }

  /** The replicas added (or removed) by the scalings of the last `periodSeconds`. */
  private changedWithin(events: ScaleEvent[] | undefined, periodSeconds: number): number {
    const cutoff = this.clock.now() - periodSeconds * 1000;
    return (events ?? []).filter((event) => event.at > cutoff).reduce((sum, event) => sum + event.change, 0);
  }
}
