// Every piece of text the console shows, in English and Simplified Chinese. Components never
// write text of their own: they ask for a key, so a missing translation is a type error.

export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  "app.title": "WeChat contact center",
  "language.label": "Language",
  "language.en": "English",
  "language.zh-CN": "简体中文",
  "signIn.heading": "Sign in",
  "signIn.intro": "Paste the access token your administrator gave you.",
  "signIn.token": "Access token",
  "signIn.submit": "Sign in",
  "signIn.checking": "Signing in…",
  "signIn.invalid": "That access token is not valid. Check it and try again.",
  "signIn.disabled": "This agent is disabled. Ask your administrator.",
  "signIn.unavailable": "The service did not answer. Try again in a moment.",
  "signIn.expired": "Your session ended. Sign in again.",
  "signIn.signedOut": "You are signed out.",
  "session.signOut": "Sign out",
  "session.signedInAs": "Signed in as {name}",
  "session.admin": "Administrator",
  "window.open": "{time} left · {messages}",
  "window.hoursMinutes": "{hours} h {minutes} min",
  "window.minutes": "{minutes} min",
  "window.messages": "{count} messages left",
  "window.oneMessage": "1 message left",
  "window.expired": "Reply window closed",
  "window.noMessagesLeft": "No messages left in this reply window",
  // The workspace's frame: presence, the lists, the change feed, notifications.
  "workspace.loading": "Loading…",
  // The conversation: transcript, reply box, actions, customer panel.
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  "app.title": "微信客服中心",
  "language.label": "语言",
  "language.en": "English",
  "language.zh-CN": "简体中文",
  "signIn.heading": "登录",
  "signIn.intro": "请粘贴管理员给您的访问令牌。",
  "signIn.token": "访问令牌",
  "signIn.submit": "登录",
  "signIn.checking": "正在登录…",
  "signIn.invalid": "访问令牌无效，请检查后重试。",
  "signIn.disabled": "该坐席已被停用，请联系管理员。",
  "signIn.unavailable": "服务没有响应，请稍后重试。",
  "signIn.expired": "会话已结束，请重新登录。",
  "signIn.signedOut": "您已退出登录。",
  "session.signOut": "退出登录",
  "session.signedInAs": "当前用户：{name}",
  "session.admin": "管理员",
  "window.open": "剩余 {time} · {messages}",
  "window.hoursMinutes": "{hours} 小时 {minutes} 分钟",
  "window.minutes": "{minutes} 分钟",
  "window.messages": "还可发送 {count} 条消息",
  "window.oneMessage": "还可发送 1 条消息",
  "window.expired": "回复窗口已关闭",
  "window.noMessagesLeft": "本回复窗口内已无可发送的消息",
  // The workspace's frame: presence, the lists, the change feed, notifications.
  "workspace.loading": "正在加载…",
  // The conversation: transcript, reply box, actions, customer panel.
};

export const CATALOGUE: Record<Language, Record<MessageKey, string>> = { en, "zh-CN": zhCN };

/** The text for ``key`` in ``language``, with ``{name}`` placeholders filled from ``values``. */
export function translate(
  language: Language,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  const text = CATALOGUE[language][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** The browser's preferred language among ours: Chinese for any zh-*, else English. */
export function preferredLanguage(languages: readonly string[]): Language {
  for (const tag of languages) {
    if (tag.toLowerCase().startsWith("zh")) return "zh-CN";
    if (tag.toLowerCase().startsWith("en")) return "en";
  }
  return "en";
}
