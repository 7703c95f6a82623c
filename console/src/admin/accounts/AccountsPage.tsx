import { useI18n } from "../../i18n";
import type { PageProps } from "../../Shell";

/** Built next: a stand-in so that the console's sections are in place. */
export function AccountsPage(_: PageProps) {
  const { t } = useI18n();
  return (
    <main class="page">
      <h1>{t("nav.accounts")}</h1>
    </main>
  );
}
