/**
 * The operation allow-list: a partner marked allow-list-only is served only the documents
 * registered for it (by SHA-256 of the exact text, as `registerPartnerOperation` stored them).
 */
import { GraphQLError } from 'graphql';
import type { Pool } from 'pg';
import type { PipelineStage } from '../../src/request-stage';
import type { RequestContext } from '../../src/context';

export function allowListPlugin(pool: Pool): PipelineStage<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, queryHash }) {
          const { principal } = contextValue;
          if (!principal.registeredOperationsOnly) return;
          const { rows } = await pool.query(`SELECT 1 FROM partner_operations WHERE partner_id = $1 AND hash = $2`, [principal.partnerId, queryHash]);
          if (rows.length > 0) return;
          throw new GraphQLError('Forbidden: this partner is served registered operations only, and this document is not one of them', {
            extensions: { code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED', documentHash: queryHash, http: { status: 403 } },
          });
        },
      };
    },
  };
}
