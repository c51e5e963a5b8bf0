/** Every migration, in order. Listed explicitly so ts-node, jest and compiled JS agree. */
import { Initial1767225600000 } from './1767225600000-Initial';
import { AuditRegister1795334400000 } from './1795334400000-AuditRegister';
import { Partners1795420800000 } from './1795420800000-Partners';
import { StaffIdentity1795507200000 } from './1795507200000-StaffIdentity';
import { RelationshipManagerChanges1795507300000 } from './1795507300000-RelationshipManagerChanges';
import { ConsentIntegrity1795507400000 } from './1795507400000-ConsentIntegrity';
import { Probes1795507500000 } from './1795507500000-Probes';
import { DuplicateReviews1795507600000 } from './1795507600000-DuplicateReviews';
import { Breadth1795507700000 } from './1795507700000-Breadth';
import { SealedFields1795507800000 } from './1795507800000-SealedFields';
import { Erasure1795507900000 } from './1795507900000-Erasure';
import { ComplaintWorkflow1795510000000 } from './1795510000000-ComplaintWorkflow';
import { ContactLog1795510100000 } from './1795510100000-ContactLog';
import { ClearAccessGrants1795520000000 } from './1795520000000-ClearAccessGrants';
import { Incidents1795520100000 } from './1795520100000-Incidents';
import { PartnerGovernance1795520200000 } from './1795520200000-PartnerGovernance';
import { AccessReviews1795520300000 } from './1795520300000-AccessReviews';
import { GrantTextsSealed1795520800000 } from './1795520800000-GrantTextsSealed';
import { SqlMasks1795530100000 } from './1795530100000-SqlMasks';

// TypeORM's own type for migration classes is Function.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  Initial1767225600000, AuditRegister1795334400000, Partners1795420800000, StaffIdentity1795507200000, RelationshipManagerChanges1795507300000,
  ConsentIntegrity1795507400000, Probes1795507500000, DuplicateReviews1795507600000, Breadth1795507700000, SealedFields1795507800000,
  Erasure1795507900000, ComplaintWorkflow1795510000000, ContactLog1795510100000, ClearAccessGrants1795520000000, Incidents1795520100000,
  PartnerGovernance1795520200000, AccessReviews1795520300000, GrantTextsSealed1795520800000, SqlMasks1795530100000,
];
