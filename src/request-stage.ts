/**
 * One step of the request pipeline (src/server/request-pipeline.ts runs them in order): the shape
 * the allow-list, the policy's plan, the budgets and the introspection checks share. A step is an
 * Apollo request listener restricted to what a step may do, so it cannot run out of order.
 */
import type { GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import type { RequestContext } from './context';

type Listener = GraphQLRequestListener<RequestContext>;

/** What a step may do: admit or refuse the operation, prepare execution, answer it itself, finish the response. */
export type StageListener = Pick<Listener, 'didResolveOperation' | 'responseForOperation' | 'willSendResponse'> & {
  /** No per-field execution listener: a step prepares execution, it does not watch it. */
  executionDidStart?(context: Parameters<NonNullable<Listener['executionDidStart']>>[0]): Promise<void>;
};

export interface PipelineStage {
  requestDidStart(context: GraphQLRequestContext<RequestContext>): Promise<StageListener | void>;
}

