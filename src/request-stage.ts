/**
 * One step of the request pipeline (src/server/request-pipeline.ts runs them in order): the shape
 * the allow-list, the policy's plan, the budgets and the introspection checks share. A step is an
 * Apollo request listener restricted to what a step may do, so it cannot run out of order. Generic
 * over the context a step reads: the policy engine's steps see only its PolicyContext.
 */
import type { BaseContext, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';

type Listener<TContext extends BaseContext> = GraphQLRequestListener<TContext>;

/** What a step may do: admit or refuse the operation, prepare execution, answer it itself, finish the response. */
export type StageListener<TContext extends BaseContext> = Pick<Listener<TContext>, 'didResolveOperation' | 'responseForOperation' | 'willSendResponse'> & {
  /** No per-field execution listener: a step prepares execution, it does not watch it. */
  executionDidStart?(context: Parameters<NonNullable<Listener<TContext>['executionDidStart']>>[0]): Promise<void>;
};

export interface PipelineStage<TContext extends BaseContext> {
  requestDidStart(context: GraphQLRequestContext<TContext>): Promise<StageListener<TContext> | void>;
}
