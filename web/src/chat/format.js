// How a turn's cost reads under the answer: "13.5k tokens in · 42 out · $0.0123 · 2.4 s".

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat();

function dollars(amount) {
  const digits = amount >= 1 ? 2 : amount >= 0.01 ? 3 : 4;
  return `$${amount.toFixed(digits)}`;
}

function seconds(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `{ short, detail }` for a finished turn, or null when it reported nothing. */
export function describeUsage({ usage, costUsd, durationMs, model }) {
  if (!usage) return null;
  const { inputTokens = 0, outputTokens = 0, cacheReadTokens = 0, cacheWriteTokens = 0 } = usage;
  const input = inputTokens + cacheReadTokens + cacheWriteTokens;
  const short = [`${compact.format(input)} tokens in`, `${compact.format(outputTokens)} out`];
  if (costUsd) short.push(dollars(costUsd));
  if (durationMs) short.push(seconds(durationMs));
  const detail = [
    `Input: ${whole.format(inputTokens)} tokens, ${whole.format(cacheReadTokens)} read from cache, ` +
      `${whole.format(cacheWriteTokens)} written to cache`,
    `Output: ${whole.format(outputTokens)} tokens`,
    costUsd ? `Cost: $${costUsd.toFixed(6)}` : null,
    durationMs ? `Time: ${seconds(durationMs)}` : null,
    model ? `Model: ${model}` : null,
  ];
  return { short: short.join(' · '), detail: detail.filter(Boolean).join('\n') };
}

export const PERMISSION_MODES = [
  { value: 'default', label: 'Ask before changes', hint: 'Claude asks before it edits files or runs commands.' },
  { value: 'acceptEdits', label: 'Accept edits', hint: 'Claude edits files without asking; it still asks before commands.' },
  { value: 'plan', label: 'Plan only', hint: 'Claude reads and proposes a plan; it changes nothing.' },
];

export function modeLabel(value) {
  return PERMISSION_MODES.find((mode) => mode.value === value)?.label ?? value;
}
