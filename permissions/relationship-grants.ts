/**
 * How the relationships that unlock clear data come to exist: who may ask for one, who may grant
 * it, who never may, and what ends it. Declarative, like the role files: the docs and the tests
 * read it; the services that establish a relationship enforce it.
 */
import type { Relation } from './vocabulary';

/** One relation's rule of establishment. Roles and operations are named as in the role files. */
export interface RelationGrant {
  relation: Relation;
  /** Root operations that create the relation (`Mutation.x`). */
  establishedBy: string[];
  /** Roles that may ask for it (the request itself grants nothing). */
  requestedBy?: string[];
  /** Roles that may grant it. */
  grantedBy: string[];
  /** People who may never grant it: `requester` (four eyes), `beneficiary` (the one who gains clear data). */
  notBy: string[];
  endsWhen: string;
}

export const RELATIONSHIP_GRANTS: Readonly<Record<string, RelationGrant>> = {
  // A relationship that unlocks clear data is created by someone other than the person it benefits, never by one person alone.
  OWN_CUSTOMER: {
    relation: 'OWN_CUSTOMER',
    establishedBy: ['Mutation.approveRelationshipManagerChange'],
    requestedBy: ['manager', 'sales'],
    grantedBy: ['manager'],
    notBy: ['requester', 'beneficiary'],
    endsWhen: 'another approved change moves the customer',
  },
};
