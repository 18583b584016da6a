// What a chat error says to a person: a sentence without field names or error codes. The server's words are kept
// when they are already plain (timeouts, quotas, a provider to configure); the code stays as small print beside it.

const PLAIN = {
  invalid_request: 'Sasha Studio could not read this message. Reload the page and send it again.',
  too_long: 'This message is too long (at most 24,000 characters). Shorten it, or put the text in a file, and send it again.',
  invalid_permission_mode: 'This permission mode is not offered here: an administrator chooses which ones people can use. Pick another in Chat settings.',
  session_not_found: 'This chat no longer exists: it may have been deleted. Start a new chat.',
  project_not_found: 'This project no longer exists, or it is no longer shared with you.',
  wrong_project: 'This chat belongs to another project. Open it from that project.',
  read_only_project: 'You can read this project but not chat in it: ask its owner for write access.',
  session_exists: 'This chat was already started. Open it from the list of chats.',
  persona_not_found: 'The persona chosen for this chat no longer exists. Pick another in Chat settings.',
  guide_not_found: 'A guide chosen for this chat no longer exists. Check the guides in Chat settings.',
  turn_failed: 'Something went wrong on our side while Claude was answering. Try again.',
  claude_crashed: 'Claude stopped unexpectedly before finishing. Try again.',
  claude_api_error: 'Claude’s service did not answer properly. Try again in a moment.',
  claude_error: 'Claude could not finish this answer. Try again, perhaps with a simpler request.',
  internal_error: 'Something went wrong on our side. Try again.',
};

/** `{ code, message, detail }`: a plain message for a known code (the server's text kept as `detail`). */
export function plainError({ code = null, message = '' } = {}) {
  const plain = code ? PLAIN[code] : null;
  if (!plain) return { code: code || null, message: message || 'Something went wrong. Try again.', detail: null };
  return { code, message: plain, detail: message && message !== plain ? message : null };
}
