/** The DataLoaders of one request. Created per request: a cache shared between callers leaks. */
import { selectColumns } from '../db/columns';
import { Complaint, Customer, StaffMember, type ComplaintEvent, type Contact, type Transaction } from '../db/entities';
import type { RequestDb } from '../db/pool';
import { complaintConditions, complaintEventColumns, complaintList } from '../../schema/complaint/complaint.service';
import type { ComplaintFilter } from '../../schema/complaint/complaint.inputs';
import { complaintMessageColumns, type ComplaintMessage } from '../../schema/complaint/complaint-message.types';
import { contactLogColumns } from '../../schema/care/care.service';
import type { ContactLogEntry } from '../../schema/care/care.types';
import { contactList } from '../../schema/contact/contact.service';
import { transactionConditions, transactionList } from '../../schema/transaction/transaction.service';
import type { TransactionFilter } from '../../schema/transaction/transaction.inputs';
import { createByIdLoader, createChildPageLoader, createChildrenLoader } from './paging';

export function createLoaders(db: RequestDb) {
  return {
    customerById: createByIdLoader<Customer>(db, { table: 'customers', alias: 'c', columns: selectColumns(Customer, 'c') }),
    complaintById: createByIdLoader<Complaint>(db, { table: 'complaints', alias: 'k', columns: selectColumns(Complaint, 'k') }),
    staffById: createByIdLoader<StaffMember>(db, { table: 'staff', alias: 's', columns: selectColumns(StaffMember, 's') }),
    contactsPage: createChildPageLoader<Contact, never>(db, contactList, () => []),
    transactionsPage: createChildPageLoader<Transaction, TransactionFilter>(db, transactionList, (filter, params) =>
      transactionConditions(filter, params, true),
    ),
    complaintsPage: createChildPageLoader<Complaint, ComplaintFilter>(db, complaintList, (filter, params) =>
      complaintConditions(filter, params, true),
    ),
    complaintTimeline: createChildrenLoader<ComplaintEvent>(db, {
      table: 'complaint_events',
      alias: 'e',
      columns: complaintEventColumns(),
      parentColumn: 'complaint_id',
      // Events of one transaction share a timestamp: then the workflow order decides.
      orderBy: `e.occurred_at, e.seq`,
    }),
    // A customer's contact log, newest first: one statement for every customer of a page.
    contactLogs: createChildrenLoader<ContactLogEntry>(db, {
      table: 'contact_logs',
      alias: 'l',
      columns: contactLogColumns,
      parentColumn: 'customer_id',
      orderBy: `l.contacted_at DESC, l.id`,
    }),
    complaintMessages: createChildrenLoader<ComplaintMessage>(db, {
      table: 'complaint_messages',
      alias: 'm',
      columns: complaintMessageColumns,
      parentColumn: 'complaint_id',
      orderBy: `m.created_at, m.id`,
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
