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


@dataclass(frozen=True)
class Stack:
    """One codebase: the files, functions, libraries and CI jobs its prompts and tool calls name.

    A user works in one stack (their prompts never mix languages), so ``Refactor {path} to use
    {lib}`` names a Go file and a Go library, or a Python file and a Python library.
    """

    name: str
    paths: tuple[str, ...]
    funcs: tuple[str, ...]
    libs: tuple[str, ...]  # libraries the code itself uses
    nothing: str  # how the language spells a missing value
    test_style: str
    test_command: str
    jobs: tuple[str, ...]
    docs: tuple[str, str]  # a page a web fetch reads, and what it asks of it


GO = Stack(
    "go",
    (
        "coderd/workspaces.go",
        "internal/api/handler.go",
        "pkg/auth/token.go",
        "cmd/server/main.go",
        "internal/billing/invoice.go",
        "lib/cache/lru.go",
    ),
    ("ListWorkspaces", "parseToken", "BuildInvoice", "handleWebhook", "NewCache", "scheduleJob"),
    ("pgx", "slog", "stripe-go", "chi", "go-redis"),
    "nil",
    "table-driven",
    "go test ./...",
    ("test-go-pg", "test-go-race", "lint"),
    ("https://pkg.go.dev/net/http", "How do I set a read timeout?"),
)
TYPESCRIPT = Stack(
    "typescript",
    (
        "site/src/pages/UsersPage/UsersPage.tsx",
        "src/components/Table.tsx",
        "web/src/hooks/useSession.ts",
        "src/api/client.ts",
    ),
    ("useSessionQuery", "renderTable", "retryRequest", "validateEmail", "formatInvoice"),
    ("tanstack-query", "zod", "react-router", "date-fns"),
    "undefined",
    "Vitest",
    "pnpm test",
    ("e2e-playwright", "build-site", "lint"),
    (
        "https://tanstack.com/query/latest/docs/framework/react/guides/paginated-queries",
        "How do I keep the previous page while the next one loads?",
    ),
)
PYTHON = Stack(
    "python",
    ("services/payments/stripe.py", "app/api/views.py", "workers/tasks.py", "app/models/invoice.py"),
    ("charge_customer", "retry_request", "parse_webhook", "validate_email", "schedule_job"),
    ("stripe", "httpx", "sqlalchemy", "pydantic"),
    "None",
    "pytest",
    "pytest -q",
    ("test-python", "mypy", "lint"),
    ("https://www.python-httpx.org/advanced/timeouts/", "How do I set a read timeout?"),
)
RUBY = Stack(
    "ruby",
    ("app/models/user.rb", "app/controllers/invoices_controller.rb", "app/jobs/sync_job.rb"),
    ("build_invoice", "find_owner", "sync_accounts", "validate_email"),
    ("sidekiq", "faraday", "devise"),
    "nil",
    "RSpec",
    "bundle exec rspec",
    ("rspec", "rubocop"),
    ("https://guides.rubyonrails.org/active_record_querying.html", "How do I batch a large query?"),
)
STACKS: tuple[tuple[Stack, int], ...] = ((GO, 4), (TYPESCRIPT, 3), (PYTHON, 2), (RUBY, 1))
BACKEND = frozenset({"go", "python", "ruby"})
FRONTEND = frozenset({"typescript"})
ANY = BACKEND | FRONTEND


@dataclass(frozen=True)
class Prompt:
    """A prompt template and the stacks it makes sense in."""

    text: str
    stacks: frozenset[str] = ANY


PROMPTS: tuple[Prompt, ...] = (
    Prompt("Fix the failing test in {path}"),
    Prompt("Add cursor pagination to the {resource} list endpoint", BACKEND),
    Prompt("Why does {func} return {nothing} when the {resource} has no owner?"),
    Prompt("Refactor {path} to use {lib}"),
    Prompt("Write {test_style} tests for {func}"),
    Prompt("The {resource} page is slow with 10k rows, can you profile and fix it?"),
    Prompt("Add a migration that backfills {field} on {resource}", BACKEND),
    Prompt("Explain what {path} does and where it is called from"),
    Prompt("Rename {field} to {field2} across the codebase"),
    Prompt("Implement the {resource} export as CSV behind a feature flag"),
    Prompt("Bump {lib} to the latest minor version and fix the breaking changes"),
    Prompt("Add OpenTelemetry spans around {func}", BACKEND),
    Prompt("Review my diff and point out anything risky"),
    Prompt("Make the {resource} form accessible (labels, focus order, aria)", FRONTEND),
    Prompt("Add retries with exponential backoff to {func}"),
    Prompt("Summarize the project structure"),
    Prompt("Deploy the service to production"),
    Prompt("implement login feature"),
    Prompt("The CI job `{job}` is flaky, find out why"),
    Prompt("Convert {path} from promise chains to async/await", FRONTEND),
    Prompt("Add input validation to the {resource} API and return 400 with field errors", BACKEND),
    Prompt("Write a README section on how to run {job} locally"),
    Prompt("There's a race in {func}, add a mutex or rework it", frozenset({"go"})),
    Prompt("Add a dark mode toggle to the settings page", FRONTEND),
    Prompt("Delete the dead code around {func}"),
)

THOUGHTS: tuple[str, ...] = (
    "Let me read the main file first.",
    "I should check how {func} is called before changing its signature.",
    "The test fails because the fixture uses a fixed clock; I need to look at {path}.",
    "There are two places that build the query; I'll update both and keep the order stable.",
    "Before editing, let me list the directory to see where the handlers live.",
    "The error comes from {path}, not from its caller. Let me run `{test_command}`.",
    "I'll make the smallest change that fixes this and add a regression test.",
    "This needs a plan: update the model, the handler, then the frontend types.",
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
