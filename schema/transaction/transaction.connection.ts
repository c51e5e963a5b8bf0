import { Transaction } from '../../src/db/entities';
import { connectionType } from '../common/connection';

export const TransactionConnection = connectionType('Transaction', Transaction);
