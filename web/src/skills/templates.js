// Starting points for a new SKILL.md (the editor's form reads them), and the skill name its front matter declares.
export const TEMPLATES = {
  skill: `---
name: weekly-report
title: Weekly report
description: Summarise this week's changes into a short report
---
Read the notes changed this week and write a one-page report:
what changed, what is blocked, and what comes next.
`,
  workflow: `---
name: weekly-digest
title: Weekly digest
description: Gather, draft and polish the weekly digest
kind: workflow
steps:
  - name: gather
    prompt: List what changed in the project this week.
  - name: draft
    prompt: Draft the digest from that list.
  - name: polish
    prompt: Polish the draft into the final digest.
---
The project is the company wiki.
`,
};

/** The `name:` of SKILL.md's front matter, or null when there is none. */
export function declaredName(content) {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(content);
  const line = match && /^name:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/m.exec(match[1]);
  return line ? line[1] : null;
}
