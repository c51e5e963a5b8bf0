export { StaffMember } from './staff-member.entity';
export { Customer } from './customer.entity';
export { Contact } from './contact.entity';
export { Transaction } from './transaction.entity';
export { Complaint } from './complaint.entity';
export { ComplaintEvent } from './complaint-event.entity';
export * from './enums';

import { StaffMember } from './staff-member.entity';
import { Customer } from './customer.entity';
import { Contact } from './contact.entity';
import { Transaction } from './transaction.entity';
import { Complaint } from './complaint.entity';
import { ComplaintEvent } from './complaint-event.entity';

export const ENTITIES = [StaffMember, Customer, Contact, Transaction, Complaint, ComplaintEvent];
