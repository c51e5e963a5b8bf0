/**
 * The request pipeline in one place and one order: allow-list → purpose and plan → budgets →
 * scoped-introspection checks → execute. Apollo runs every plugin's `didResolveOperation`
 * concurrently (Promise.all), so steps written as separate plugins interleaved: a request refused
 * by the allow-list or its purpose was still counted against the caller's budgets, and could
 * hold a reservation nobody gave back. Here each step runs only once the one before it admitted
 * the request; the response steps run in the same order.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context';
import type { PipelineStage, StageListener } from '../request-stage';

/** The stages as one Apollo plugin, each hook run stage after stage (a refusal stops the rest). */
export function requestPipeline(stages: PipelineStage<RequestContext>[]): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart(context) {
      const listeners: StageListener<RequestContext>[] = [];
      for (const stage of stages) {
        const listener = await stage.requestDidStart(context);
        if (listener) listeners.push(listener);
      }
      return {
        async didResolveOperation(ctx) {
          for (const l of listeners) await l.didResolveOperation?.(ctx);
        },
        async executionDidStart(ctx) {
          for (const l of listeners) await l.executionDidStart?.(ctx);
        },
        async responseForOperation(ctx) {
          for (const l of listeners) {
            const response = await l.responseForOperation?.(ctx);
            if (response) return response;
          }
          return null;
        },
        async willSendResponse(ctx) {
          for (const l of listeners) await l.willSendResponse?.(ctx);
        },
      };
    },
  };
}
