// Paths of screens that other screens link to, apart from the route table (routes.js imports every screen, so a
// screen importing routes.js would import itself in a circle).
export const HOME = '/chat';
export const ONBOARDING = '/onboarding';
export const AI_PROVIDER = '/admin/ai-provider';
export const ADMIN_CHAT = '/admin/chat';
export const ADMIN_LIMITS = '/admin/limits';
export const RULES = '/rules';
export const DRIVES = '/drives';
export const SETTINGS_DRIVES = '/settings/drives';
export const USAGE = '/usage';
export const ADMIN_USAGE = '/admin/usage';
export const ADMIN_BUDGETS = '/admin/budgets';
export const ADMIN_AUDIT = '/admin/audit';
