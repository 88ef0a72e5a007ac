/**
 * GET /health: liveness, touches nothing. GET /ready: every readiness check (DynamoDB, S3, and whatever
 * checks.ts lists), each with status and latency; 503 when any dependency is down.
 */
import { httpRoute } from '#functions/lib/http';
import { runChecks } from './checks.ts';

const READY_TIMEOUT_MS = Number(process.env.READY_CHECK_TIMEOUT_MS ?? 2000);

export const handler = httpRoute({}, async ({ event }) => {
  if (event.rawPath === '/ready' || event.routeKey === 'GET /ready') {
    const checks = await runChecks(undefined, READY_TIMEOUT_MS);
    const ready = Object.values(checks).every((c) => c.status === 'ok');
    return { status: ready ? 200 : 503, body: { status: ready ? 'ok' : 'down', checks }, headers: { 'cache-control': 'no-store' } };
  }
  return { body: { status: 'ok', uptimeSec: Math.round(process.uptime()) }, headers: { 'cache-control': 'no-store' } };
});
