// A stand-in for console/src/conversation/ConversationPane.tsx (built alongside), with the same
// props, so that the frame can be tried on its own. The lead swaps the import in Workspace.tsx.

import type { Api } from "../api/client";

export interface ConversationPaneProps {
  api: Api;
  conversationId: string;
  revision: number;
  onChanged: () => void;
  onClosed: () => void;
}

export function ConversationPane({ conversationId, revision, onClosed }: ConversationPaneProps) {
  return (
    <div class="pane-stub">
      <section class="pane-stub-conversation">
        <h2>{conversationId}</h2>
        <p>revision {revision}</p>
        <button type="button" onClick={onClosed}>
          ×
        </button>
      </section>
      <aside class="pane-stub-customer" aria-label="Customer" />
    </div>
  );
}
