/**
 * Budgets across requests and processes (from the policy, `budgets` of each role): requests per
 * minute and sensitive values per day — per accountable party: a partner's budget is shared by all
 * its tokens, a staff member's by all of theirs — so that many small queries (or many tokens)
 * cannot add up to a bulk export. Once the operation is planned, what it
 * can return is reserved against the day (atomically, so concurrent requests cannot overrun it);
 * after the response, the part it did not return is given back.
 */
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context';
import type { PipelineStage } from '../request-stage';
import { ROLE_POLICIES } from '../../permissions/policy';
import type { BudgetReport, BudgetStore, DayUsage } from './store';
import { breadthLedger } from './breadth';
import { canBeClear } from '../../permissions/engine/compile';

const DAY_MS = 86_400_000;
/** Days follow China time (UTC+8, no daylight saving): a budget resets at local midnight. */
const DAY_OFFSET_MS = 8 * 3_600_000;

/** The accountable party: the partner (not its token), the staff member (their directory id). */
export function budgetKey(ctx: RequestContext): string {
  const { principal } = ctx;
  if (principal.role === 'partner') return `partner:${principal.partnerId ?? principal.sub}`;
  return `staff:${principal.staffId ?? principal.sub}`;
}

export function windows(now: number): { minute: Date; day: Date; nextMinute: number; nextDay: number } {
  const minute = Math.floor(now / 60_000) * 60_000;
  const day = Math.floor((now + DAY_OFFSET_MS) / DAY_MS) * DAY_MS - DAY_OFFSET_MS;
  return { minute: new Date(minute), day: new Date(day), nextMinute: minute + 60_000, nextDay: day + DAY_MS };
}

function refusal(code: 'RATE_LIMITED' | 'EXPOSURE_BUDGET_EXHAUSTED', message: string, retryAfterSeconds: number, extra: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      retryAfterSeconds,
      ...extra,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

function budgetReport(daily: DayUsage, reserved: { day: Date; usedBefore: DayUsage; nextDay: number }, spent: DayUsage): BudgetReport {
  const used = { clear: reserved.usedBefore.clear + spent.clear, masked: reserved.usedBefore.masked + spent.masked, probes: reserved.usedBefore.probes + spent.probes };
  return {
    day: new Date(reserved.day.getTime() + DAY_OFFSET_MS).toISOString().slice(0, 10),
    resetsAt: new Date(reserved.nextDay).toISOString(),
    daily,
    thisRequest: spent,
    usedToday: used,
    leftToday: { clear: Math.max(daily.clear - used.clear, 0), masked: Math.max(daily.masked - used.masked, 0), probes: Math.max(daily.probes - used.probes, 0) },
  };
}

/**
 * Into `extensions.privacy` (the privacy plugin writes that object in the same hook; whichever
 * runs last adds the budget, so it is kept on the context too).
 */
function explainBudget(response: { body: { kind: string; singleResult?: { extensions?: Record<string, unknown> } } } | undefined, report: BudgetReport): void {
  if (response?.body.kind !== 'single' || !response.body.singleResult) return;
  const privacy = response.body.singleResult.extensions?.privacy as Record<string, unknown> | undefined;
  if (privacy) privacy.budget = report;
}

/** `charged`: told what each request finally cost (the metrics' budget use). */
export function budgetPlugin(store: BudgetStore, charged?: (amount: DayUsage) => void): PipelineStage<RequestContext> {
  return {
    async requestDidStart() {
      let reserved: { key: string; day: Date; amount: DayUsage; usedBefore: DayUsage; nextDay: number } | null = null;
      return {
        async didResolveOperation({ contextValue }) {
          const budgets = ROLE_POLICIES[contextValue.principal.role].budgets;
          const key = budgetKey(contextValue);
          const now = Date.now();
          const { minute, day, nextMinute, nextDay } = windows(now);
          const plan = contextValue.privacy?.plan;
          // A probe is a read of the field it tests: counted per day like the values (seed 002: a lookup is a read).
          const want = plan ? { clear: plan.exposure.clearVolume, masked: plan.exposure.volume - plan.exposure.clearVolume, probes: plan.probes.length } : null;
          const { requests, reservation } = await store.admit({ key, minute, day, want, requestsPerMinute: budgets.requestsPerMinute, daily: budgets.daily });
          if (requests > budgets.requestsPerMinute) {
            throw refusal('RATE_LIMITED', `Rate limited: at most ${budgets.requestsPerMinute} requests a minute`, Math.ceil((nextMinute - now) / 1000), {
              limit: budgets.requestsPerMinute,
            });
          }
          if (!plan || !want || !reservation) return;
          if (!reservation.granted) {
            const left = {
              clear: Math.max(budgets.daily.clear - reservation.day.clear, 0),
              masked: Math.max(budgets.daily.masked - reservation.day.masked, 0),
              probes: Math.max(budgets.daily.probes - reservation.day.probes, 0),
            };
            throw refusal(
              'EXPOSURE_BUDGET_EXHAUSTED',
              `Daily budget of sensitive values: this operation can return ${want.clear} clear and ${want.masked} masked values and makes ${want.probes} probes; left today: ${left.clear} clear, ${left.masked} masked, ${left.probes} probes`,
              Math.ceil((nextDay - now) / 1000),
              { daily: budgets.daily, usedToday: reservation.day, asked: want },
            );
          }
          // reservation.day includes this operation's reservation: what was used before it is the rest.
          const usedBefore = { clear: reservation.day.clear - want.clear, masked: reservation.day.masked - want.masked, probes: reservation.day.probes - want.probes };
          reserved = { key, day, amount: want, usedBefore, nextDay };
          // Identifying fields that can come back clear count towards the customer's breadth for the day.
          if ([...plan.fields.values()].some((f) => f.cls?.identifying && canBeClear(f.rule))) {
            contextValue.breadth = breadthLedger(store, key, day, ROLE_POLICIES[contextValue.principal.role].exposure.clearBreadth);
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (!reserved) return;
          const values = contextValue.privacy?.values ?? { clear: 0, masked: 0 };
          // A probe made is spent, whatever came back (a "no" answers it too). Values are charged as served:
          // a plain list is planned at its estimate (a timeline at 10 events) and may return more, which
          // the reservation did not cover — the difference is charged (a negative release), never dropped.
          const spent = { clear: values.clear, masked: values.masked, probes: reserved.amount.probes };
          const unused = { clear: reserved.amount.clear - spent.clear, masked: reserved.amount.masked - spent.masked, probes: 0 };
          contextValue.budgetReport = budgetReport(ROLE_POLICIES[contextValue.principal.role].budgets.daily, reserved, spent);
          if (unused.clear !== 0 || unused.masked !== 0) await store.release(reserved.key, reserved.day, unused);
          charged?.(spent);
          explainBudget(response, contextValue.budgetReport);
        },
      };
    },
  };
}
