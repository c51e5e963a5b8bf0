/** Incident response: declare (and contain), contain a triage incident, list, notification list, notified, close; who may call what is in permissions/roles. */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { closeIncident, containIncident, declareIncident, incidentNotificationList, incidentTimeline, listIncidents, recordIncidentNotified } from './incident.service';
import { DeclareIncidentInput, Incident, IncidentEvent, IncidentNotificationList, IncidentStatus } from './incident.types';

@Resolver(() => Incident)
export class IncidentResolver {
  @Query(() => [Incident], { description: 'Incidents, newest first (200 at most)' })
  incidents(@Arg('status', () => IncidentStatus, { nullable: true }) status: IncidentStatus | null, @Ctx() ctx: RequestContext) {
    return listIncidents(ctx, status);
  }

  @FieldResolver(() => [IncidentEvent])
  timeline(@Root() incident: Incident, @Ctx() ctx: RequestContext) {
    return incidentTimeline(ctx, incident.id);
  }

  @Query(() => IncidentNotificationList, { description: 'Every customer whose data the incident’s principal received in its window (clear and masked, from the access register), as a list and CSV; the export is on the timeline' })
  incidentNotificationList(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return incidentNotificationList(ctx, id);
  }

  @Mutation(() => Incident, { description: 'Declares an incident about a principal and a window and contains it at once (credentials revoked in the same transaction)' })
  declareIncident(@Arg('input', () => DeclareIncidentInput) input: DeclareIncidentInput, @Ctx() ctx: RequestContext) {
    return declareIncident(ctx, input);
  }

  @Mutation(() => Incident, { description: 'Names the principal and window of an incident in triage (a PRIVACY complaint) and contains it' })
  containIncident(@Arg('id', () => ID) id: string, @Arg('input', () => DeclareIncidentInput) input: DeclareIncidentInput, @Ctx() ctx: RequestContext) {
    return containIncident(ctx, id, input);
  }

  @Mutation(() => Incident, { description: 'The affected customers were notified (outbox batch or letters: `reference`)' })
  recordIncidentNotified(@Arg('id', () => ID) id: string, @Arg('reference', () => String) reference: string, @Ctx() ctx: RequestContext) {
    return recordIncidentNotified(ctx, id, reference);
  }

  @Mutation(() => Incident)
  closeIncident(@Arg('id', () => ID) id: string, @Arg('note', () => String) note: string, @Ctx() ctx: RequestContext) {
    return closeIncident(ctx, id, note);
  }
}
