import { useI18n } from "../../i18n";
import type { PageProps } from "../../Shell";

/** Built next: a stand-in so that the console's sections are in place. */
export function QueuesPage(_: PageProps) {
  const { t } = useI18n();
  return (
    <main class="page">
      <h1>{t("nav.queues")}</h1>
    </main>
  );
}
