// How the AI provider's state reads to a person: provider names, where a key came from, test results.

export const PROVIDERS = {
  anthropic: 'Anthropic (Claude API)',
  bedrock: 'Amazon Bedrock',
};

export const providerName = (provider) => PROVIDERS[provider] || provider || 'Not chosen';

const KEY_SOURCES = {
  product: 'saved in Sasha Studio',
  environment: 'from the server’s environment',
};

/** Where the Anthropic key in use comes from ("saved in Sasha Studio"), or null. */
export const keySource = (anthropic) => KEY_SOURCES[anthropic?.keySource] ?? null;

/**
 * A test answer (`{ok, outcome, message, provider, testedAt}`) or the status's last test (`{status, message,
 * testedAt, provider}`) as `{ passed: true | false | null, message, testedAt, provider }`.
 */
export function testOutcome(result) {
  if (!result) return null;
  if ('ok' in result) {
    return { passed: Boolean(result.ok), message: result.message, testedAt: result.testedAt, provider: result.provider };
  }
  const passed = { passed: true, failed: false }[result.status] ?? null;
  return { passed, message: result.message, testedAt: result.testedAt, provider: result.provider };
}
