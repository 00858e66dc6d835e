"""Realistic values for generated data, taken from what Coder's own tests, stories and the aibridge
library record (spec section 11). Weights are relative frequencies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderInstance:
    """A configured AI provider: the runtime type and the instance name."""

    provider: str
    name: str
    models: tuple[tuple[str, int], ...]  # (model, weight) for the main conversation
    small_model: str  # titles, summaries and other one-shot calls


ANTHROPIC = ProviderInstance(
    "anthropic",
    "anthropic",
    (
        ("claude-sonnet-4-5-20250929", 6),
        ("claude-opus-4-1-20250805", 2),
        ("claude-sonnet-4-20250514", 2),
        ("claude-opus-4-5-20251101", 1),
    ),
    "claude-haiku-4-5-20251001",
)
OPENAI = ProviderInstance(
    "openai",
    "openai",
    (("gpt-5-codex", 4), ("gpt-5", 3), ("gpt-5.1", 2), ("gpt-4.1", 1), ("o4-mini", 1)),
    "gpt-5-mini",
)
CHATGPT = ProviderInstance(
    "openai", "chatgpt", (("gpt-5-codex", 5), ("gpt-5.1-codex", 3), ("gpt-5", 1)), "gpt-5-mini"
)
COPILOT_BUSINESS = ProviderInstance(
    "copilot",
    "copilot-business",
    (("claude-sonnet-4.5", 3), ("gpt-5", 2), ("gpt-4.1", 2), ("gemini-2.5-pro", 1)),
    "gpt-4o-mini",
)
COPILOT_ENTERPRISE = ProviderInstance(
    "copilot", "copilot-enterprise", (("claude-sonnet-4.5", 3), ("gpt-5", 3), ("gpt-4.1", 1)), "gpt-4o-mini"
)
PROVIDER_INSTANCES: tuple[ProviderInstance, ...] = (
    ANTHROPIC,
    OPENAI,
    CHATGPT,
    COPILOT_BUSINESS,
    COPILOT_ENTERPRISE,
)


@dataclass(frozen=True)
class ClientProfile:
    """How one AI client shows up in AI Bridge."""

    name: str | None  # None: the client could not be guessed (stored NULL, shown as "Unknown" in /clients)
    weight: int
    sends_session_id: bool  # without one every thread is its own session (session id = thread root id)
    providers: tuple[tuple[ProviderInstance, int], ...]
    session_id_prefix: str = ""  # most clients send a UUID; Mux sends its workspace id


_MIXED = ((ANTHROPIC, 6), (OPENAI, 4))
CLIENTS: tuple[ClientProfile, ...] = (
    ClientProfile("Claude Code", 34, True, ((ANTHROPIC, 1),)),
    ClientProfile("Codex", 14, True, ((OPENAI, 6), (CHATGPT, 4))),
    ClientProfile("Cursor", 13, False, ((OPENAI, 5), (ANTHROPIC, 5))),
    ClientProfile("GitHub Copilot (VS Code)", 11, True, ((COPILOT_BUSINESS, 7), (COPILOT_ENTERPRISE, 3))),
    ClientProfile("GitHub Copilot (CLI)", 4, True, ((COPILOT_BUSINESS, 7), (COPILOT_ENTERPRISE, 3))),
    ClientProfile("Zed", 4, False, _MIXED),
    ClientProfile("Kilo Code", 3, True, _MIXED),
    ClientProfile("Roo Code", 3, False, _MIXED),
    ClientProfile("OpenCode", 3, True, _MIXED),
    ClientProfile("Coder Agents", 3, True, _MIXED),
    ClientProfile("Charm Crush", 2, True, _MIXED),
    ClientProfile("Mux", 1, True, _MIXED, session_id_prefix="ws-"),
    ClientProfile(None, 4, False, ((OPENAI, 1), (ANTHROPIC, 1))),
)

# Tools the clients define themselves (executed client-side, so server_url is "").
CLIENT_TOOLS: dict[str, tuple[str, ...]] = {
    "anthropic": ("Read", "Edit", "Write", "Bash", "Grep", "Glob", "TodoWrite", "WebFetch", "MultiEdit"),
    "openai": ("shell", "apply_patch", "read_file", "list_dir", "grep_search", "update_plan"),
    "copilot": (
        "read_file",
        "replace_string_in_file",
        "run_in_terminal",
        "file_search",
        "semantic_search",
        "create_file",
        "get_errors",
    ),
}

# Tools AI Bridge injects from MCP servers (recorded with injected=true and the server URL).
INJECTED_TOOLS: tuple[tuple[str, str, str], ...] = (
    ("coder_list_workspaces", "https://coder.example.com/api/experimental/mcp/http", '{"owner":"me"}'),
    ("coder_list_templates", "https://coder.example.com/api/experimental/mcp/http", "{}"),
    (
        "coder_workspace_bash",
        "https://coder.example.com/api/experimental/mcp/http",
        '{"command":"make test","workspace":"{username}/dev"}',
    ),
    (
        "coder_get_workspace",
        "https://coder.example.com/api/experimental/mcp/http",
        '{"workspace_id":"{workspace}"}',
    ),
    (
        "github_search_issues",
        "https://api.githubcopilot.com/mcp/",
        '{"query":"repo:acme/platform is:open label:bug"}',
    ),
    (
        "github_get_pull_request",
        "https://api.githubcopilot.com/mcp/",
        '{"owner":"acme","repo":"platform","pullNumber":{pr}}',
    ),
    ("linear_get_issue", "https://mcp.linear.app/mcp", '{"id":"ENG-{pr}"}'),
    ("sentry_search_issues", "https://mcp.sentry.dev/mcp", '{"query":"is:unresolved level:error"}'),
)

INJECTED_TOOL_ERRORS: tuple[str, ...] = (
    'workspace "{username}/dev" is not running: start it first',
    "context deadline exceeded",
    "401 Unauthorized: the external auth token for github has expired",
    "tool call failed: rate limited by upstream (429)",
)

PROMPTS: tuple[str, ...] = (
    "Fix the failing test in {path}",
    "Add cursor pagination to the {resource} list endpoint",
    "Why does {func} return nil when the {resource} has no owner?",
    "Refactor {path} to use the new {lib} client",
    "Write table-driven tests for {func}",
    "The {resource} page is slow with 10k rows, can you profile and fix it?",
    "Add a migration that backfills {field} on {resource}",
    "Explain what {path} does and where it is called from",
    "Rename {field} to {field2} across the codebase",
    "Implement the {resource} export as CSV behind a feature flag",
    "Bump {lib} to the latest minor version and fix the breaking changes",
    "Add OpenTelemetry spans around {func}",
    "Review my diff and point out anything risky",
    "Make the {resource} form accessible (labels, focus order, aria)",
    "Add retries with exponential backoff to {func}",
    "Summarize the project structure",
    "Deploy the service to production",
    "implement login feature",
    "The CI job `{job}` is flaky, find out why",
    "Convert {path} from callbacks to async/await",
    "Add input validation to the {resource} API and return 400 with field errors",
    "Write a README section on how to run {job} locally",
    "There's a race in {func}, add a mutex or rework it",
    "Add a dark mode toggle to the settings page",
    "Delete the dead code around {func}",
)

THOUGHTS: tuple[str, ...] = (
    "Let me read the main file first.",
    "I should check how {func} is called before changing its signature.",
    "The test fails because the fixture uses a fixed clock; I need to look at {path}.",
    "There are two places that build the query; I'll update both and keep the order stable.",
    "Before editing, let me list the directory to see where the handlers live.",
    "The error comes from the migration, not the handler. Let me run the tests for {resource}.",
    "I'll make the smallest change that fixes this and add a regression test.",
    "This needs a plan: update the model, the handler, then the frontend types.",
)

PATHS: tuple[str, ...] = (
    "coderd/workspaces.go",
    "internal/api/handler.go",
    "site/src/pages/UsersPage/UsersPage.tsx",
    "pkg/auth/token.go",
    "cmd/server/main.go",
    "internal/billing/invoice.go",
    "src/components/Table.tsx",
    "app/models/user.rb",
    "services/payments/stripe.py",
    "internal/db/queries.sql",
    "web/src/hooks/useSession.ts",
    "lib/cache/lru.go",
)
FUNCS: tuple[str, ...] = (
    "ListWorkspaces",
    "parseToken",
    "useSessionQuery",
    "BuildInvoice",
    "retryRequest",
    "handleWebhook",
    "NewCache",
    "validateEmail",
    "scheduleJob",
    "renderTable",
)
RESOURCES: tuple[str, ...] = (
    "workspace",
    "user",
    "invoice",
    "template",
    "audit log",
    "organization",
    "session",
)
FIELDS: tuple[str, ...] = ("created_by", "owner_id", "display_name", "last_used_at", "deleted_at", "org_id")
LIBS: tuple[str, ...] = ("pgx", "tanstack-query", "stripe-go", "zod", "slog", "react-router")
JOBS: tuple[str, ...] = ("test-go-pg", "e2e-playwright", "lint", "build-site", "test-race")
