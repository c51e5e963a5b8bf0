/** The example's screen, as text lines: each value rendered with what the server did to it. */
import type { CustomerDetailQuery } from './gql/graphql';
import { formatRange, renderValue, type ApiResponse, type Rendered } from './privacy';

export function customerCard(response: ApiResponse<CustomerDetailQuery>): { label: string; shown: Rendered }[] {
  const c = response.data?.customer;
  if (!c) return [];
  const at = (field: string) => `customer.${field}`;
  return [
    { label: 'Name', shown: renderValue(response, at('name'), c.name) },
    { label: 'Phone', shown: renderValue(response, at('phone'), c.phone) },
    { label: 'E-mail', shown: renderValue(response, at('email'), c.email) },
    { label: 'ID number', shown: renderValue(response, at('idNumber'), c.idNumber) },
    { label: 'Born', shown: renderValue(response, at('birthDate'), c.birthDate, c.birthYear === null ? null : `in ${c.birthYear}`) },
    { label: 'Annual income (CNY)', shown: renderValue(response, at('annualIncome'), c.annualIncome, c.annualIncomeRange && formatRange(c.annualIncomeRange)) },
    { label: 'Credit rating', shown: renderValue(response, at('creditRating'), c.creditRating) },
  ];
}
