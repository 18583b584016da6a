// An audit entry's `before` and `after` as rows of a small table: one per field (nested objects as "a.b"), the
// changed ones marked. Pure functions.

const MAX_DEPTH = 3;

function flatten(value, prefix = '', depth = 0, into = new Map()) {
  const isObject = value && typeof value === 'object' && !Array.isArray(value);
  if (!isObject || depth >= MAX_DEPTH) {
    if (prefix) into.set(prefix, value);
    return into;
  }
  const keys = Object.keys(value);
  if (!keys.length && prefix) into.set(prefix, value);
  for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, depth + 1, into);
  return into;
}

/** How a value reads in the table: text as it is, nothing as null (the caller shows a dash), the rest as JSON. */
export function valueText(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `[{ field, before, after, changed }]`, fields in the order they first appear; a scalar on its own is "value". */
export function diffRows(before, after) {
  const wrap = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : value == null ? {} : { value });
  const old = flatten(wrap(before));
  const now = flatten(wrap(after));
  const fields = [...new Set([...old.keys(), ...now.keys()])];
  return fields.map((field) => {
    const was = valueText(old.get(field));
    const is = valueText(now.get(field));
    return { field, before: was, after: is, changed: was !== is };
  });
}
