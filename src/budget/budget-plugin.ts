/**
 * Budgets across requests and processes (from the policy, `budgets` of each role): requests per
 * minute and sensitive values per day — per token for partners, per principal for staff — so
 * that many small queries cannot add up to a bulk export. Checked once the operation is planned
 * (its possible clear and masked values are known), spent with what the response carried.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context';
import { ROLE_POLICIES } from '../../permissions/policy';
import type { BudgetStore } from './store';

const DAY_MS = 86_400_000;
/** Days follow China time (UTC+8, no daylight saving): a budget resets at local midnight. */
const DAY_OFFSET_MS = 8 * 3_600_000;

export function budgetKey(ctx: RequestContext): string {
  const { principal } = ctx;
  return principal.role === 'partner' ? `token:${principal.tokenId ?? principal.sub}` : `principal:${principal.sub}`;
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

export function budgetPlugin(store: BudgetStore): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let admitted: { key: string; day: Date } | null = null;
      return {
        async didResolveOperation({ contextValue }) {
          const budgets = ROLE_POLICIES[contextValue.principal.role].budgets;
          const key = budgetKey(contextValue);
          const now = Date.now();
          const { minute, day, nextMinute, nextDay } = windows(now);
          const usage = await store.admit(key, minute, day);
          if (usage.requests > budgets.requestsPerMinute) {
            throw refusal('RATE_LIMITED', `Rate limited: at most ${budgets.requestsPerMinute} requests a minute`, Math.ceil((nextMinute - now) / 1000), {
              limit: budgets.requestsPerMinute,
            });
          }
          const plan = contextValue.privacy?.plan;
          if (plan) {
            const wantClear = plan.exposure.clearVolume;
            const wantMasked = plan.exposure.volume - plan.exposure.clearVolume;
            const left = { clear: budgets.daily.clear - usage.day.clear, masked: budgets.daily.masked - usage.day.masked };
            if (wantClear > Math.max(left.clear, 0) || wantMasked > Math.max(left.masked, 0)) {
              throw refusal(
                'EXPOSURE_BUDGET_EXHAUSTED',
                `Daily budget of sensitive values: this operation can return ${wantClear} clear and ${wantMasked} masked values; left today: ${Math.max(left.clear, 0)} clear, ${Math.max(left.masked, 0)} masked`,
                Math.ceil((nextDay - now) / 1000),
                { daily: budgets.daily, usedToday: usage.day, asked: { clear: wantClear, masked: wantMasked } },
              );
            }
          }
          admitted = { key, day };
        },
        async willSendResponse({ contextValue }) {
          const state = contextValue.privacy;
          if (!admitted || !state || state.values.clear + state.values.masked === 0) return;
          await store.spend(admitted.key, admitted.day, { clear: state.values.clear, masked: state.values.masked });
        },
      };
    },
  };
}
