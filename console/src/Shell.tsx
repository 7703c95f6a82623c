import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";

import { AccountsPage } from "./admin/accounts/AccountsPage";
import { AgentsPage } from "./admin/agents/AgentsPage";
import { CapacityProfilesPage } from "./admin/capacity/CapacityProfilesPage";
import { QueuesPage } from "./admin/queues/QueuesPage";
import { WorkstreamsPage } from "./admin/workstreams/WorkstreamsPage";
import type { Api } from "./api/client";
import { useI18n } from "./i18n";
import type { MessageKey } from "./i18n/messages";
import { followLink, href, navigate, usePath } from "./router";
import type { TokenSession } from "./session";
import { SupervisorPage } from "./supervisor/SupervisorPage";
import { Workspace } from "./Workspace";

/** What every page of the console gets: the API client, who is signed in, and the rest of the
 * path below the page's own segment (a page's own sub-pages: ["new"], [id, "edit"] …). */
export interface PageProps {
  api: Api;
  session: TokenSession;
  path: string[];
}

interface Section {
  segment: string;
  label: MessageKey;
  page: ComponentType<PageProps>;
}

const WORKSPACE: Section = {
  segment: "",
  label: "nav.workspace",
  page: ({ api, session }) => <Workspace api={api} agent={session.agent!} />,
};
const SUPERVISOR: Section = { segment: "supervisor", label: "nav.supervisor", page: SupervisorPage };
const ADMIN: Section[] = [
  { segment: "accounts", label: "nav.accounts", page: AccountsPage },
  { segment: "workstreams", label: "nav.workstreams", page: WorkstreamsPage },
  { segment: "queues", label: "nav.queues", page: QueuesPage },
  { segment: "agents", label: "nav.agents", page: AgentsPage },
  { segment: "capacity-profiles", label: "nav.capacityProfiles", page: CapacityProfilesPage },
  SUPERVISOR,
];

/** The sections a session may open, the first being where it lands: an agent has the
 * workspace, a supervisor also the supervisor's view, the admin the set-up pages and that view. */
export function sectionsFor(session: TokenSession): Section[] {
  if (!session.agent) return ADMIN;
  return session.agent.role === "supervisor" ? [WORKSPACE, SUPERVISOR] : [WORKSPACE];
}

export function Shell({ api, session }: { api: Api; session: TokenSession }) {
  const { t } = useI18n();
  const [first = "", ...rest] = usePath();
  const sections = sectionsFor(session);
  const found = sections.find((section) => section.segment === first);
  const current = found ?? sections[0]!;
  useEffect(() => {
    // Not a section of this session's (or none): the address says where it landed instead.
    if (!found) navigate(href(current.segment), { replace: true });
  }, [found, current]);
  const Page = current.page;
  return (
    <>
      {sections.length > 1 && (
        <nav class="sections" aria-label={t("nav.label")}>
          {sections.map((section) => (
            <a
              key={section.segment}
              href={href(section.segment)}
              onClick={followLink}
              aria-current={section === current ? "page" : undefined}
            >
              {t(section.label)}
            </a>
          ))}
        </nav>
      )}
      <Page api={api} session={session} path={found ? rest : []} />
    </>
  );
}
