import type { Api } from "./api/client";
import { useI18n } from "./i18n";
import type { TokenSession } from "./session";

/** The agent workspace (presence, conversations, the conversation): built next. */
export function Workspace({ session }: { session: TokenSession; api: Api }) {
  const { t } = useI18n();
  return (
    <main class="workspace">
      <p>{t("session.signedInAs", { name: session.agent?.name ?? t("session.admin") })}</p>
    </main>
  );
}
