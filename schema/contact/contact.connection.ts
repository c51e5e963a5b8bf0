import { Contact } from '../../src/db/entities';
import { connectionType } from '../common/connection';

export const ContactConnection = connectionType('Contact', Contact);
