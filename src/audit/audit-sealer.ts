import type { Logger } from '../platform/logging/logger.js';
import type { AuditService } from './audit.service.js';

/**
 * Seals the audit in the background every `intervalMs`, away from the request path. A failed
 * round is logged and retried at the next tick; entries wait, they are never lost.
 */
export function startAuditSealer(audit: AuditService, logger: Logger, intervalMs = 5_000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = audit.sealNow().catch((error: unknown) => {
      logger.warn({ err: { message: (error as Error).message } }, 'audit sealing round failed; will retry');
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
