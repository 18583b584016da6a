// The route table: one area per screen module, in navigation order.
import {
  ADMIN_AUDIT, ADMIN_BUDGETS, ADMIN_CHAT, ADMIN_LIMITS, ADMIN_USAGE, AI_PROVIDER, DRIVES, ONBOARDING, RULES,
  SETTINGS_DRIVES, USAGE,
} from './paths.js';
import AdminAuditScreen from './screens/admin-audit.js';
import AdminBudgetsScreen from './screens/admin-budgets.js';
import AdminChatScreen from './screens/admin-chat.js';
import AdminLimitsScreen from './screens/admin-limits.js';
import AdminScreen from './screens/admin.js';
import AiProviderScreen from './screens/ai-provider.js';
import ChatScreen from './screens/chat.js';
import DrivesScreen from './screens/drives.js';
import FilesScreen from './screens/files.js';
import GitScreen from './screens/git.js';
import MeetingsScreen from './screens/meetings.js';
import NotFoundScreen from './screens/not-found.js';
import OnboardingScreen from './screens/onboarding.js';
import RulesScreen from './screens/rules.js';
import SchedulesScreen from './screens/schedules.js';
import SettingsDrivesScreen from './screens/settings-drives.js';
import SettingsScreen from './screens/settings.js';
import SkillsScreen from './screens/skills.js';
import UsageScreen from './screens/usage.js';

export { ADMIN_CHAT, AI_PROVIDER, HOME, ONBOARDING, RULES } from './paths.js';

// The screens outside the shell, for people who are not signed in (the reset link arrives by email).
export const SIGN_IN = '/sign-in';
export const SETUP = '/setup';
export const FORGOT_PASSWORD = '/forgot-password';
export const RESET_PASSWORD = '/reset-password';

export const AREAS = [
  { path: '/chat', label: 'Chat', icon: 'chat', screen: ChatScreen },
  { path: '/files', label: 'Files', icon: 'files', screen: FilesScreen },
  { path: '/skills', label: 'Skills', icon: 'skills', screen: SkillsScreen },
  { path: '/schedules', label: 'Schedules', icon: 'schedules', screen: SchedulesScreen },
  { path: '/meetings', label: 'Meetings', icon: 'meetings', screen: MeetingsScreen },
  { path: '/git', label: 'Git', icon: 'git', screen: GitScreen },
  { path: RULES, label: 'Rules', icon: 'rules', screen: RulesScreen },
  { path: USAGE, label: 'Usage', icon: 'usage', screen: UsageScreen },
  { path: '/settings', label: 'Settings', icon: 'settings', screen: SettingsScreen },
  { path: '/admin', label: 'Admin', icon: 'admin', screen: AdminScreen, adminOnly: true },
  // Not in the navigation: `under` is the area the navigation marks for them.
  { path: AI_PROVIDER, label: 'AI provider', screen: AiProviderScreen, adminOnly: true, under: '/admin' },
  { path: ADMIN_CHAT, label: 'Chat settings', screen: AdminChatScreen, adminOnly: true, under: '/admin' },
  { path: ADMIN_LIMITS, label: 'Limits', screen: AdminLimitsScreen, adminOnly: true, under: '/admin' },
  { path: ADMIN_USAGE, label: 'Usage', screen: UsageScreen, adminOnly: true, under: '/admin' },
  { path: ADMIN_BUDGETS, label: 'Budgets', screen: AdminBudgetsScreen, adminOnly: true, under: '/admin' },
  { path: ADMIN_AUDIT, label: 'Audit log', screen: AdminAuditScreen, adminOnly: true, under: '/admin' },
  { path: ONBOARDING, label: 'Company setup', screen: OnboardingScreen, adminOnly: true, under: '/settings' },
  { path: SETTINGS_DRIVES, label: 'Cloud drives', screen: SettingsDrivesScreen, under: '/settings' },
  // A project's drives, reached from Files (its folders) and from Settings → Cloud drives.
  { path: DRIVES, label: 'Drives', screen: DrivesScreen, under: '/files' },
];

const NOT_FOUND = { path: null, label: 'Page not found', screen: NotFoundScreen };

/** The areas of the navigation `user` may open (administration is for administrators). */
export function areasFor(user) {
  return AREAS.filter((area) => !area.under && (!area.adminOnly || user?.isAdmin));
}

/** The area for a path ("/files/" counts as "/files"), or the not-found screen. */
export function match(path) {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return AREAS.find((area) => area.path === normalised) ?? NOT_FOUND;
}
