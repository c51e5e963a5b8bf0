/**
 * The `limit` target: what PostgreSQL itself can do for a read — one hand-written statement per
 * request that builds the response's whole `data` as JSON text inside the database
 * (`json_build_object`/`json_agg`, child pages as correlated subqueries), with the role's masks
 * as the policy's SQL functions (masked forms of sealed fields read from their stored `_masked` column).
 * The read compiler (issue 16) is measured against it: served ÷ limit. The statements answer
 * exactly what the served API answers for the same principal (test/bench/limit.test.ts).
 */
import type { PoolClient } from 'pg';
import { sqlMask } from '../permissions/sql-masks';

/** `2026-11-30T14:22:32.123Z`, as the DateTime scalar serialises. */
const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Names masked by the policy's own SQL function (migrations/1795530100000-SqlMasks.ts). */
const maskedName = (column: string) => sqlMask('name', column);

/**
 * S2: 100 customers (newest first) × name, phone, ≤5 contacts (name, phone), last 10 transactions.
 * The same statement serves the manager (masks by role) and the sales rep: a page of 100 asks for
 * more clear values than a rep's exposure budget allows (permissions/roles/sales.role.ts), so the
 * plan downgrades their own customers' values to the same masks before any SQL runs.
 */
export const S2_STATEMENT = `SELECT json_build_object('customers', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
      'id', c.id, 'name', ${maskedName('c.name')}, 'phone', c.phone_masked,
      'contacts', json_build_object('edges', (
        SELECT coalesce(json_agg(json_build_object('node', json_build_object('name', ${maskedName('ct.name')}, 'phone', ct.phone_masked))), '[]')
        FROM (SELECT name, phone_masked FROM contacts WHERE customer_id = c.id ORDER BY created_at, id LIMIT 5) ct)),
      'transactions', json_build_object('edges', (
        SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', t.id, 'amount', t.amount::text, 'occurredAt', ${isoUtc('t.occurred_at')}, 'channel', t.channel))), '[]')
        FROM (SELECT id, amount, occurred_at, channel FROM transactions WHERE customer_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 10) t))
    ))), '[]')))::text AS data
    FROM (SELECT id, name, phone_masked FROM customers ORDER BY created_at DESC, id DESC LIMIT 100) c`;

/** S3 as the analyst reads it: 1,000 transactions, identifiers and free text removed, amounts clear. */
export const S3_STATEMENT = `SELECT json_build_object('transactions', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
    'id', t.id, 'occurredAt', ${isoUtc('t.occurred_at')}, 'amount', t.amount::text, 'currency', t.currency, 'direction', t.direction,
    'channel', t.channel, 'product', t.product, 'description', NULL, 'accountNumber', NULL, 'counterpartyName', NULL,
    'counterpartyAccount', NULL, 'status', t.status))), '[]')))::text AS data
  FROM (SELECT id, occurred_at, amount, currency, direction, channel, product, status FROM transactions ORDER BY occurred_at DESC, id DESC LIMIT 1000) t`;

/** Runs a limit statement and returns the response's `data` as JSON text, as PostgreSQL built it. */
export async function runLimit(client: PoolClient, statement: string): Promise<string> {
  const { rows } = await client.query<{ data: string }>(statement);
  return rows[0].data;
}
