// Reading a budget form (a monthly amount in dollars and/or tokens, a blank field meaning no limit) into the body
// of PUT /api/admin/budgets/…, or what is wrong with it. Pure functions. The bounds are the server's (budgets.md).

const MAX_USD = 10_000_000;
const MAX_TOKENS = 1_000_000_000_000;

/** `{ body }` with `monthlyUsd` and `monthlyTokens` (null for none), or `{ error }` saying what to fix. */
export function readBudget(values) {
  const usdText = String(values.monthlyUsd ?? '').trim().replace(/^\$/, '');
  const tokensText = String(values.monthlyTokens ?? '').trim().replace(/[\s,_]/g, '');
  let monthlyUsd = null;
  let monthlyTokens = null;
  if (usdText) {
    monthlyUsd = Number(usdText);
    if (!/^\d+(\.\d{1,2})?$/.test(usdText) || monthlyUsd > MAX_USD) {
      return { error: 'Monthly cost: give an amount in dollars from 0 to 10,000,000, like 250 or 99.50, or leave it empty for no limit.' };
    }
  }
  if (tokensText) {
    monthlyTokens = Number(tokensText);
    if (!/^\d+$/.test(tokensText) || monthlyTokens > MAX_TOKENS) {
      return { error: 'Monthly tokens: give a whole number from 0 to 1,000,000,000,000, or leave it empty for no limit.' };
    }
  }
  return { body: { monthlyUsd, monthlyTokens } };
}

/** A person's budget: the limits, or exempt (then limits are kept but not applied). A limit or exemption is required. */
export function readUserBudget(values) {
  const read = readBudget(values);
  if (read.error) return read;
  const exempt = values.exempt === 'on';
  if (!exempt && read.body.monthlyUsd == null && read.body.monthlyTokens == null) {
    return { error: 'Give a monthly cost or token limit, or tick "Exempt" (to lift the limits, remove the budget instead).' };
  }
  return { body: { ...read.body, exempt } };
}

/** The text a budget field starts with: the amount, or empty for no limit. */
export const fieldText = (value) => (value == null ? '' : String(value));
