import { Complaint } from '../../src/db/entities';
import { connectionType } from '../common/connection';

export const ComplaintConnection = connectionType('Complaint', Complaint);
